"""The term card: the few fields a tooltip shows, cut from the full term record.

``GET /api/terms/<slug>/card`` ->
``{"slug", "label", "definition", "url", "explained": {...} | null, "episode_count", "related": [...]}``

* ``explained``: where to hear the term explained. The first ``explained_in`` entry that has a
  chapter (else the first ``explained_in``); failing that, the ``mentioned_in`` chapter with the
  highest mention count (``"how": "mentions"``). Its ``url`` opens the episode page at the chapter
  (``/episodes/E179#t127``).
* ``related``: up to three terms, SKOS ``related`` first, then ``broader``, then ``narrower``.
"""

from __future__ import annotations

from typing import Any

MAX_RELATED = 3
MAX_DEFINITION = 320


def _where(item: dict[str, Any], how: str) -> dict[str, Any]:
    url = f"/episodes/{item['episode']}"
    if item.get("anchor"):
        url += f"#{item['anchor']}"
    title = item.get("title")
    return {
        "how": how,
        "episode": item["episode"],
        "number": item.get("number"),
        "title": title if title and title != item["episode"] else None,
        "timestamp": item.get("timestamp"),
        "start": item.get("start"),
        "chapter": item.get("chapter"),
        "url": url,
    }


def pick_explained(term: dict[str, Any]) -> dict[str, Any] | None:
    explained = term.get("explained_in") or []
    if explained:
        with_chapter = [x for x in explained if x.get("start") is not None]
        return _where((with_chapter or explained)[0], "explains")
    mentioned = term.get("mentioned_in") or []
    if not mentioned:
        return None
    # highest count wins; a chapter (with a timestamp to jump to) beats a whole-episode mention;
    # ties keep the store's order (newest episode first)
    best = max(
        enumerate(mentioned),
        key=lambda p: (p[1].get("count") or 1, p[1].get("start") is not None, -p[0]),
    )[1]
    return _where(best, "mentions")


def short_definition(text: str | None, limit: int = MAX_DEFINITION) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "\u2026"


def term_card(term: dict[str, Any]) -> dict[str, Any]:
    related: list[dict[str, str]] = []
    seen = {term["slug"]}
    for kind in ("related", "broader", "narrower"):
        for t in term.get(kind) or []:
            if len(related) < MAX_RELATED and t["slug"] not in seen:
                seen.add(t["slug"])
                related.append({"slug": t["slug"], "label": t["label"], "url": f"/terms/{t['slug']}"})
    return {
        "slug": term["slug"],
        "label": term["label"],
        "definition": short_definition(term.get("definition")),
        "url": term.get("url") or f"/terms/{term['slug']}",
        "explained": pick_explained(term),
        "episode_count": term.get("episode_count", 0),
        "related": related,
    }
