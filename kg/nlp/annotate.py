"""The annotate request and response, shared by ``POST /api/annotate`` and ``kg annotate``."""

from __future__ import annotations

import bisect
import re
from typing import Any

from kg.nlp.linker import FIRST_ONLY, Linker

OFFSETS = ("codepoints", "utf16")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class AnnotateError(ValueError):
    """The request is not ``{"text": str}`` or ``{"html": str}``; the message says which field is wrong."""


def utf16_offsets(text: str, offsets: list[int]) -> list[int]:
    """Code-point offsets into ``text`` as UTF-16 code-unit offsets (what JavaScript strings count).

    Every character outside the Basic Multilingual Plane (emoji, some CJK, maths letters) is two
    UTF-16 units, so an offset moves right by the number of such characters before it.
    """
    if text.isascii():
        return offsets
    astral = [m.start() for m in _ASTRAL.finditer(text)]
    if not astral:
        return offsets
    return [o + bisect.bisect_left(astral, o) for o in offsets]


def annotate_request(linker: Linker, payload: Any) -> dict[str, Any]:
    """``{"text": …}`` -> ``{"spans": […]}``; ``{"html": …}`` -> ``{"spans": […], "html": …}``.

    ``first_only`` (optional): ``"section"`` or ``"page"`` to link only the first mention of each term.
    ``offsets`` (optional): ``"codepoints"`` (default: Python string indexes) or ``"utf16"``
    (JavaScript string indexes: a character outside the BMP counts two).
    """
    if not isinstance(payload, dict):
        raise AnnotateError('the body must be a JSON object: {"text": "..."} or {"html": "..."}')
    has_text, has_html = "text" in payload, "html" in payload
    if has_text == has_html:
        raise AnnotateError('give exactly one of "text" or "html"')
    field = "text" if has_text else "html"
    value = payload[field]
    if not isinstance(value, str):
        raise AnnotateError(f'"{field}" must be a string')
    first_only = payload.get("first_only")
    if first_only is False:
        first_only = None
    if first_only not in FIRST_ONLY:
        raise AnnotateError('"first_only" must be "section", "page" or null')
    offsets = payload.get("offsets") or "codepoints"
    if offsets not in OFFSETS:
        raise AnnotateError('"offsets" must be "codepoints" or "utf16"')
    if has_text:
        spans = linker.find(value, first_only)
        result: dict[str, Any] = {"spans": [s.to_dict() for s in spans]}
    else:
        markup, spans = linker.annotate_html(value, first_only)
        result = {"spans": [s.to_dict() for s in spans], "html": markup}
    if offsets == "utf16" and spans:
        flat = utf16_offsets(value, [o for s in spans for o in (s.start, s.end)])
        for i, span in enumerate(result["spans"]):
            span["start"], span["end"] = flat[2 * i], flat[2 * i + 1]
    return result
