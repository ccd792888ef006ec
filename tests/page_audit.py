"""Crawl every page of a running app and audit its HTML for anything a payload could have put there.

``crawl(base)`` follows every same-origin link from the start page and the list pages (the API,
exports, BibTeX and static files are not pages) and returns ``{path: html}``. ``audit(path, html)``
lists what must never be in a page built from data:

* a URL attribute (``href``, ``src``, ``action``, ``formaction``, ``srcset``, ``poster``, ``data``, …)
  whose scheme is not http(s) or that is not a same-origin path (``javascript:``, ``data:``,
  ``vbscript:``, ``file:``; tabs and newlines inside the scheme count, as browsers ignore them);
* an event-handler attribute (``on…``), a ``style`` attribute or a ``<style>`` element (the CSP forbids
  them, so they could only come from data);
* ``<iframe>``, ``<object>``, ``<embed>``, ``<base>``, ``<frame>``, ``<img>``, ``<svg>``, ``<math>``,
  ``<meta http-equiv>``, a form that posts anywhere but the app;
* a script that is neither a same-origin file nor a JSON data block, or a JSON block that does not
  parse as JSON (it was broken out of) or holds a URL that is not safe.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

URL_ATTRS = {"href", "src", "action", "formaction", "srcset", "poster", "data", "background", "ping", "cite",
             "codebase", "manifest", "xlink:href", "lowsrc", "dynsrc", "longdesc", "usemap", "itemtype"}
FORBIDDEN = {"iframe", "object", "embed", "base", "frame", "frameset", "applet", "img", "svg", "math", "style",
             "audio", "video", "source", "track", "portal", "template"}
NOT_PAGES = ("/api/", "/export/", "/static/", "/vendor/", "/embed.", "/openapi.json", "/sparql?", "/editor")
START = ["/", "/glossary", "/reviews/", "/graph", "/graph?kinds=all", "/sparql", "/methods/", "/benchmarks/",
         "/entities/model/", "/entities/system/", "/entities/metric/", "/entities/organisation/"]


def url_problem(value: str) -> str | None:
    """None if a URL attribute value is a same-origin path or an http(s) URL."""
    cleaned = re.sub(r"[\t\n\r]", "", value).strip(" \x00-\x1f")
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", cleaned)
    if scheme:
        return None if scheme.group(1).lower() in ("http", "https") else f"scheme {scheme.group(1)}:"
    return None  # a relative URL (path, query or fragment) stays on the app's origin


def _json_urls(value, out: list[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("url", "href", "src") and isinstance(v, str):
                out.append(v)
            _json_urls(v, out)
    elif isinstance(value, list):
        for v in value:
            _json_urls(v, out)


def audit(path: str, page: str) -> list[str]:
    problems: list[str] = []
    doc = lxml_html.document_fromstring(page)
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in FORBIDDEN:
            problems.append(f"{path}: a <{tag}> element")
        if tag == "meta" and el.get("http-equiv"):
            problems.append(f"{path}: <meta http-equiv={el.get('http-equiv')!r}>")
        if tag == "link" and (not el.get("href", "").startswith("/") or el.get("href", "").startswith("//")):
            problems.append(f"{path}: <link href={el.get('href')!r}> (not the app's own file)")
        if tag == "form":
            action = el.get("action", "")
            if not action.startswith("/") or action.startswith("//"):
                problems.append(f"{path}: a form posting to {action!r}")
        for name, value in el.attrib.items():
            low = name.lower()
            if low.startswith("on"):
                problems.append(f"{path}: <{tag} {name}=…> (event handler)")
            if low == "style":
                problems.append(f"{path}: <{tag} style=…>")
            if low in URL_ATTRS or low.endswith(":href"):
                for part in (value.split(",") if low == "srcset" else [value]):
                    why = url_problem(part.strip().split(" ")[0] if low == "srcset" else part)
                    if why:
                        problems.append(f"{path}: <{tag} {name}={value[:60]!r}> ({why})")
        if tag == "script":
            kind = (el.get("type") or "").lower()
            src = el.get("src")
            if src is not None:
                if not src.startswith("/") or src.startswith("//"):
                    problems.append(f"{path}: a script from {src!r}")
                if (el.text or "").strip():
                    problems.append(f"{path}: a script with both src and a body")
            elif kind in ("application/json", "application/ld+json"):
                try:
                    data = json.loads(el.text or "")
                except ValueError as exc:
                    problems.append(f"{path}: a {kind} block that is no JSON ({exc}): broken out of?")
                    continue
                urls: list[str] = []
                _json_urls(data, urls)
                for u in urls:
                    why = url_problem(u)
                    if why:
                        problems.append(f"{path}: {u[:60]!r} in a {kind} block ({why})")
            else:
                problems.append(f"{path}: an inline script ({(el.text or '')[:60]!r})")
    return problems


def fetch(base: str, path: str, accept: str = "text/html,*/*;q=0.8") -> tuple[int, str, str]:
    req = urllib.request.Request(base + path, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read().decode("utf-8", "replace")


def crawl(base: str, limit: int = 3000) -> dict[str, str]:
    """Every HTML page reachable from the start pages over same-origin links, by path (with query)."""
    seen: dict[str, str] = {}
    queue = list(START)
    queued = set(queue)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        status, ctype, body = fetch(base, path)
        assert status == 200, f"{path}: {status}"
        if not ctype.startswith("text/html"):
            continue
        seen[path] = body
        for el in lxml_html.document_fromstring(body).iter("a"):
            href = el.get("href")
            if not href:
                continue
            parts = urlsplit(urljoin(base + path, href))
            if f"{parts.scheme}://{parts.netloc}" != base:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target in queued or target.startswith(NOT_PAGES) or target.endswith(".bib"):
                continue
            queued.add(target)
            queue.append(target)
    return seen
