"""Security headers on every response: a strict CSP with no inline script, and friends.

Styles: ``style-src 'self'`` forbids style attributes and <style> elements; the tooltip script
positions its element through the CSSOM (``element.style.left = …``), which CSP allows.
``Cross-Origin-Resource-Policy: same-origin`` keeps other sites from embedding the app's
responses, except ``/embed.js`` and ``/embed.css`` (``kgweb.assets``), which say ``cross-origin``.
"""

from __future__ import annotations

from flask import Flask, Response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)
_DEFAULTS = tuple((name.lower(), name, value) for name, value in HEADERS)


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:  # X-Forwarded-* are believed only from this many proxies in front (KG_TRUSTED_PROXIES)
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]

    @app.after_request
    def headers(resp: Response) -> Response:
        have = {name.lower() for name in resp.headers.keys()}  # one pass, not a scan per header
        for low, name, value in _DEFAULTS:
            if low not in have:  # a view that set its own (embed assets: CORP cross-origin) keeps it
                resp.headers.add(name, value)
        return resp
