"""Glossary search over labels, aliases and acronyms: one matching rule for the server and the page script.

``normalise`` folds case and accents and turns every run of other characters into one space;
a term matches when the normalised query is a substring of the normalised label, an alias or
an acronym. ``web/static/glossary-filter.js`` applies the same rule to the ``data-search``
text the glossary page carries, so filtering with and without JavaScript agrees.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_OTHER = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return _OTHER.sub(" ", folded).strip()


def search_text(term: dict[str, Any]) -> str:
    """The normalised label, aliases and acronyms of a glossary row, separated by ' | '."""
    forms = [term["label"], *term.get("aliases", []), *term.get("acronyms", [])]
    return " | ".join(dict.fromkeys(normalise(f) for f in forms if f))


def matches(term: dict[str, Any], query: str) -> bool:
    q = normalise(query)
    return not q or any(q in part for part in search_text(term).split(" | "))


def search_glossary(terms: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """Terms matching ``query``, label matches that start with it first, then the rest, each A–Z."""
    q = normalise(query)
    if not q:
        return list(terms)
    hits = [t for t in terms if matches(t, q)]
    return sorted(hits, key=lambda t: (not normalise(t["label"]).startswith(q), normalise(t["label"])))
