"""The one rule for every URL a source gives us: an absolute http(s) URL that is a valid IRI.

A feed's links, its enclosures, an episode's ``Source:`` and its reading list all end up as
IRIs in the graph and as ``href`` values in pages. Anything else (``javascript:``, ``data:``,
relative paths, a host that does not parse, characters an IRI may not hold) is refused here,
with the reason, so a parser can name the field and line.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pyoxigraph import NamedNode

MAX_URL_LENGTH = 2048


def http_url_problem(value: str) -> str | None:
    """Why ``value`` is not an absolute http(s) URL (None: it is one)."""
    if len(value) > MAX_URL_LENGTH:
        return f"it is {len(value)} characters long (at most {MAX_URL_LENGTH})"
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        return "it holds control characters"
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"it does not parse ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        shown = (parts.scheme + ":") if parts.scheme else "no scheme"
        return f"only http: and https: URLs are allowed, not {shown}"
    if not host:
        return "it names no host"
    try:
        NamedNode(value)
    except ValueError as exc:
        return f"it is not a valid IRI ({exc})"
    return None


def is_http_url(value: str | None) -> bool:
    return bool(value) and http_url_problem(value) is None  # type: ignore[arg-type]
