"""Static assets: the vendored libraries (by name, from web/static/vendor/manifest.json) and the
embed bundle (``/embed.js``, ``/embed.css``) served to other sites.

The embed bundle is the vendored Floating UI plus the shared tooltip code and the embed glue,
concatenated once per process inside one function scope, so that it defines no global on the host
page and a host's own AMD loader or Floating UI copy is neither used nor overwritten.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, current_app, url_for

from kgweb.caching import cached_response, etag_of

STATIC = Path(__file__).resolve().parent / "static"
VENDOR = STATIC / "vendor"
EMBED_MAX_AGE = 300

bp = Blueprint("embed", __name__)


@cache
def manifest() -> dict[str, dict[str, str]]:
    return json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))


def vendor_path(package: str) -> str:
    """The file of a vendored package, relative to web/static (``vendor/floating-ui.dom-1.8.0.umd.min.js``)."""
    return "vendor/" + manifest()[package]["file"]


def vendor_url(package: str) -> str:
    return url_for("static", filename=vendor_path(package))


EMBED_PARTS = (
    "vendor:@floating-ui/core",
    "vendor:@floating-ui/dom",
    "kg-tooltips.js",
    "kg-embed.js",
)
EMBED_CSS_PARTS = ("kg-tooltips.css", "kg-embed.css")


def _read(part: str) -> str:
    path = STATIC / (vendor_path(part[7:]) if part.startswith("vendor:") else part)
    return path.read_text(encoding="utf-8")


@cache
def embed_js() -> tuple[bytes, str]:
    versions = ", ".join(f"{k} {v['version']}" for k, v in manifest().items())
    body = [
        f"/*! paperdive-kg embed: glossary tooltips. Bundles {versions} (MIT, see /static/vendor/). */",
        "(function () {",
        # The UMD builds attach to ``globalThis`` unless they find a module system: give them a
        # private one, and hide any AMD/CommonJS loader of the host page.
        "var globalThis = {}, define, module, exports;",
    ]
    for part in EMBED_PARTS:
        body.append(f"/* --- {part} --- */")
        body.append(_read(part).rstrip())
        body.append(";")
    body.append("})();\n")
    data = "\n".join(body).encode("utf-8")
    return data, etag_of(data)


@cache
def embed_css() -> tuple[bytes, str]:
    data = "\n".join(_read(p) for p in EMBED_CSS_PARTS).encode("utf-8")
    return data, etag_of(data)


def _asset(data: tuple[bytes, str], mimetype: str):
    body, etag = data
    max_age = 0 if current_app.debug else EMBED_MAX_AGE
    resp = cached_response(body, mimetype, max_age, etag)
    # Loaded by the podcast's own site (another origin) with plain <script>/<link> tags.
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return resp


@bp.get("/embed.js")
def embed_script():
    if current_app.debug:
        embed_js.cache_clear()
    return _asset(embed_js(), "text/javascript")


@bp.get("/embed.css")
def embed_stylesheet():
    if current_app.debug:
        embed_css.cache_clear()
    return _asset(embed_css(), "text/css")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["vendor_url"] = vendor_url
