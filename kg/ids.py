"""Stable identifiers: papers by arXiv id or DOI, slugs, episode ids.

Re-ingesting the same source must yield the same IRIs, so every id is a pure
function of the source text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import unquote, urlsplit

from kg.records import PaperRef

_ARXIV_NEW = r"(?P<id>\d{4}\.\d{4,5})(?:v\d+)?"
_ARXIV_OLD = r"(?P<old>[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
_ARXIV_URL = re.compile(
    r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/(?:" + _ARXIV_NEW + "|" + _ARXIV_OLD + r")"
    r"(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(?P<id>\d{4}\.\d{4,5})(?:v\d+)?$", re.IGNORECASE)
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/(?P<doi>10\.\d{4,9}/\S+)$", re.IGNORECASE)
_EPISODE_REF = re.compile(r"^E(\d{1,6})$")


def slugify(text: str, max_length: int = 80) -> str:
    """Lowercase ASCII slug: 'Gödel Agent: A Self-Referential…' -> 'godel-agent-a-self-referential'."""
    norm = unicodedata.normalize("NFKD", text)
    ascii_text = norm.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_length:
        digest = hashlib.sha1(slug.encode()).hexdigest()[:8]
        slug = slug[: max_length - 9].rstrip("-") + "-" + digest
    return slug or "x"


def paper_ref(url: str) -> PaperRef:
    """Normalise a paper URL to one id: arXiv abs/pdf/html URLs and versions collapse."""
    url = url.strip()
    m = _ARXIV_URL.match(url)
    if m:
        ident = m.group("id") or m.group("old")
        return PaperRef("arxiv", ident, f"https://arxiv.org/abs/{ident}", f"arxiv/{ident}")
    m = _DOI_URL.match(url)
    if m and not {".", ".."} & set(unquote(m.group("doi")).split("/")):  # '..' in an id would move its page
        doi = unquote(m.group("doi")).rstrip(".")
        am = _ARXIV_DOI.match(doi)
        if am:
            ident = am.group("id")
            return PaperRef("arxiv", ident, f"https://arxiv.org/abs/{ident}", f"arxiv/{ident}")
        return PaperRef("doi", doi.lower(), f"https://doi.org/{doi}", f"doi/{doi.lower()}")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/")
    normalised = f"https://{host}{path}" + (f"?{parts.query}" if parts.query else "")
    return PaperRef("url", normalised, url, "url/" + slugify(f"{host}{path}", 100))


def episode_id_for(number: int | None, guid: str) -> str:
    return f"E{number}" if number is not None else slugify(guid)


def parse_episode_ref(text: str) -> int | None:
    m = _EPISODE_REF.match(text.strip())
    return int(m.group(1)) if m else None
