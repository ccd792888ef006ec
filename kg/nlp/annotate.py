"""The annotate request and response, shared by ``POST /api/annotate`` and ``kg annotate``."""

from __future__ import annotations

from typing import Any

from kg.nlp.linker import FIRST_ONLY, Linker


class AnnotateError(ValueError):
    """The request is not ``{"text": str}`` or ``{"html": str}``; the message says which field is wrong."""


def annotate_request(linker: Linker, payload: Any) -> dict[str, Any]:
    """``{"text": …}`` -> ``{"spans": […]}``; ``{"html": …}`` -> ``{"spans": […], "html": …}``.

    ``first_only`` (optional): ``"section"`` or ``"page"`` to link only the first mention of each term.
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
    if has_text:
        spans = linker.find(value, first_only)
        return {"spans": [s.to_dict() for s in spans]}
    markup, spans = linker.annotate_html(value, first_only)
    return {"spans": [s.to_dict() for s in spans], "html": markup}
