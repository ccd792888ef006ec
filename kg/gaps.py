"""Coverage-gap reports for editors: what the podcast has not covered, explained or linked yet.

A library (no Flask): ``gap_reports(store)`` returns every report, ``gap_report(store, id)`` one.
The web app serves them at ``/editor`` and ``GET /api/gaps``; the CLI prints them (``kg gaps``).
The evidence comes from named queries (``kg/queries/gaps_*.rq``) through ``GraphStore.gap_rows``.

Reports (ids are contracts: CLI sub-commands, ``?report=`` values, JSON ``id`` fields):

``uncovered-papers``
    papers recommended by two or more episodes but covered by none;
``terms``
    terms used in the corpus with no glossary entry (``kg.discovery.candidate_terms``);
``unexplained-terms``
    glossary terms no episode explains: no ``explained_in`` entry that resolves to a known
    chapter or episode, and no chapter mentions them;
``quiet-topics``
    topics with no episode in the last N weeks (``KG_GAP_QUIET_WEEKS``), counted back from the
    newest episode date *in the graph*, not from today, so a fixed corpus gives a fixed report;
``thin-episodes``
    episodes with no topic, no reading list or no linked glossary term;
``broken-references``
    references that do not resolve: E-numbers cited in review text that are no episode of the
    graph, reading-list and paper URLs that are missing, not http(s), or resolve to no paper,
    and edges pointing at nothing (``explained_in`` chapters that do not exist, …).

Every row has the same outer shape::

    {"subject": {"kind", "id", "label", "url"}, "reason": "…",
     "evidence": [{"text": "…", "url": "/episodes/E173#h-reading" | null}], …report fields}

Dates: an episode's date is its feed ``pubDate``; an episode known only from a weekly review
(not in the feed) takes the date of the earliest review that discusses it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from kg.parsers.review import _EREF as EPISODE_REF  # the review parser's own E-number rule
from kg.store.base import GraphStore
from kg.store.oxigraph import paper_label
from kg.urls import page_path, ref_of

# GraphStore.gap_rows(name) -> the columns each row has
GAP_QUERIES: dict[str, tuple[str, ...]] = {
    "recommended_uncovered": ("p", "key", "url", "e", "number", "etitle", "position", "title", "note"),
    "unexplained_terms": ("t", "label", "kind", "where", "whereClass", "count"),
    "episode_dates": ("e", "number", "title", "guid", "published", "review", "reviewDate"),
    "topic_episodes": ("t", "title", "e"),
    "episode_counts": ("e", "topics", "reading", "terms"),
    "review_text": ("r", "rtitle", "p", "position", "section", "text"),
    "urls": ("what", "e", "number", "node", "position", "title", "url", "paper"),
    "dangling": ("s", "kind", "o", "missing"),
}

REPORT_IDS = (
    "uncovered-papers",
    "terms",
    "unexplained-terms",
    "quiet-topics",
    "thin-episodes",
    "broken-references",
)

MIN_RECOMMENDATIONS = 2
DEFAULT_QUIET_WEEKS = 4
DEFAULT_TERM_LIMIT = 50


# -- helpers ---------------------------------------------------------------------------------------
def _subject(kind: str, ident: str, label: str, url: str | None) -> dict[str, Any]:
    return {"kind": kind, "id": ident, "label": label, "url": url}


def _ev(text: str, url: str | None = None) -> dict[str, Any]:
    return {"text": text, "url": url}


def _eid(iri: str) -> str:
    ref = ref_of(iri) or iri
    return ref.split("/")[1] if ref.startswith("episode/") else ref


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _context(text: str, start: int, end: int, width: int = 70) -> str:
    a, b = max(0, start - width), min(len(text), end + width)
    return ("…" if a else "") + text[a:b].strip() + ("…" if b < len(text) else "")


class Episodes:
    """Every episode with its number, title, date and whether the feed carries it."""

    def __init__(self, rows: list[dict[str, Any]]):
        self.by_iri: dict[str, dict[str, Any]] = {}
        for r in rows:
            e = self.by_iri.setdefault(
                r["e"],
                {"id": _eid(r["e"]), "number": None, "title": None, "in_feed": False, "published": None,
                 "reviews": {}},
            )
            if r["number"] is not None:
                e["number"] = r["number"]
            if r["title"]:
                e["title"] = r["title"]
            if r["guid"]:
                e["in_feed"] = True
            if r["published"]:
                e["published"] = _date(r["published"])
            if r["review"]:
                e["reviews"][r["review"]] = _date(r["reviewDate"])
        for e in self.by_iri.values():
            review_dates = [d for d in e["reviews"].values() if d]
            e["date"] = e["published"] or (min(review_dates) if review_dates else None)
            e["dated_by"] = "feed" if e["published"] else "review" if e["date"] else None

    @property
    def numbers(self) -> set[int]:
        return {e["number"] for e in self.by_iri.values() if e["number"] is not None}

    @property
    def newest(self) -> dt.date | None:
        dates = [e["date"] for e in self.by_iri.values() if e["date"]]
        return max(dates) if dates else None

    def name(self, iri: str) -> str:
        e = self.by_iri.get(iri)
        if not e:
            return _eid(iri)
        return f"{e['id']}: {e['title']}" if e["title"] else e["id"]


def _report(ident: str, title: str, description: str, rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"id": ident, "title": title, "description": description, "count": len(rows), "rows": rows, **extra}


# -- the reports -----------------------------------------------------------------------------------
def uncovered_papers(store: GraphStore, min_recommendations: int = MIN_RECOMMENDATIONS, **_: Any) -> dict[str, Any]:
    by_paper: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in store.gap_rows("recommended_uncovered"):
        by_paper[r["p"]].append(r)
    rows = []
    for p, recs in by_paper.items():
        episodes: dict[str, dict[str, Any]] = {}
        for r in recs:
            episodes.setdefault(r["e"], r)
        if len(episodes) < min_recommendations:
            continue
        titles = sorted({r["title"] for r in recs if r["title"]}, key=lambda t: (-len(t), t))
        key = recs[0]["key"] or (ref_of(p) or p).removeprefix("paper/")
        label = paper_label(key, titles[0] if titles else None)
        evidence = []
        for e, r in sorted(episodes.items(), key=lambda kv: -(kv[1]["number"] or 0)):
            eid = _eid(e)
            what = f"{eid} recommends it" + (f" (reading item {r['position']})" if r["position"] else "")
            evidence.append(_ev(what + (f": {r['note']}" if r["note"] else ""), f"{page_path(e)}#h-reading"))
        rows.append(
            {
                "subject": _subject("paper", key, label, page_path(p)),
                "reason": f"recommended by {_plural(len(episodes), 'episode')}, covered by none",
                "evidence": evidence,
                "key": key,
                "paper_url": recs[0]["url"],
                "recommended_by": [_eid(e) for e in sorted(episodes, key=lambda x: -(episodes[x]["number"] or 0))],
                "recommendations": len(episodes),
            }
        )
    rows.sort(key=lambda r: (-r["recommendations"], r["subject"]["label"].lower()))
    return _report(
        "uncovered-papers",
        "Recommended but never covered",
        f"Papers on the reading lists of {min_recommendations} or more episodes that no episode covers.",
        rows,
        min_recommendations=min_recommendations,
    )


def candidate_terms_report(store: GraphStore, term_limit: int = DEFAULT_TERM_LIMIT, **_: Any) -> dict[str, Any]:
    title = "Used but not in the glossary"
    description = "Terms the corpus uses that have no glossary entry (the linker's term discovery)."
    try:
        from kg.discovery import candidate_terms  # written by the term-discovery work (issue 4)
    except ImportError:
        return _report(
            "terms",
            title,
            description,
            [],
            available=False,
            note="term discovery (kg.discovery) is not installed in this build",
        )
    rows = []
    for c in candidate_terms(store, term_limit):
        evidence = [
            _ev(f"{x.get('source') or 'corpus'}: {x.get('text', '')}", x.get("url")) for x in c.get("contexts") or []
        ]
        episodes = c.get("episodes") or []
        n_eps = episodes if isinstance(episodes, int) else len(episodes)
        rows.append(
            {
                "subject": _subject("candidate", c["term"], c["term"], None),
                "reason": f"used {_plural(int(c.get('count') or 0), 'time')} in {_plural(n_eps, 'episode')}; "
                "no glossary entry",
                "evidence": evidence,
                "term": c["term"],
                "count": c.get("count"),
                "episodes": episodes,
                "score": c.get("score"),
                "suggested_definition": c.get("suggested_definition"),
            }
        )
    return _report("terms", title, description, rows, available=True, limit=term_limit)


_WHERE_WORDS = {
    "Episode": "the summary of",
    "Takeaway": "a key takeaway of",
    "ReviewParagraph": "a paragraph of",
    "Topic": "the summary of topic",
    "Chapter": "a chapter of",
}


def unexplained_terms(store: GraphStore, **_: Any) -> dict[str, Any]:
    by_term: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in store.gap_rows("unexplained_terms"):
        by_term[r["t"]].append(r)
    rows = []
    for t, hits in by_term.items():
        slug = (ref_of(t) or t).removeprefix("term/")
        evidence = []
        total = 0
        for h in hits:
            if not h["where"]:
                continue
            cls = h["whereClass"].rsplit("#", 1)[-1]
            ref = ref_of(h["where"]) or h["where"]
            owner = ref.split("/")[1] if "/" in ref else ref
            where = f"{_WHERE_WORDS.get(cls, cls)} {owner}"
            if cls == "ReviewParagraph":
                where = f"paragraph {ref.rsplit('/', 1)[-1]} of review {owner}"
            elif cls == "Takeaway":
                where = f"key takeaway {ref.rsplit('/', 1)[-1]} of {owner}"
            count = int(h["count"] or 1)
            total += count
            evidence.append(_ev(f"mentioned {_plural(count, 'time')} in {where}", page_path(h["where"])))
        reason = "no episode explains it (no explained_in that resolves) and no chapter mentions it"
        reason += f"; used {_plural(total, 'time')} elsewhere" if total else "; not used anywhere in the corpus"
        rows.append(
            {
                "subject": _subject("term", slug, hits[0]["label"], f"/terms/{slug}"),
                "reason": reason,
                "evidence": evidence,
                "term_kind": hits[0]["kind"],
                "mentions_elsewhere": total,
            }
        )
    rows.sort(key=lambda r: (-r["mentions_elsewhere"], r["subject"]["label"].lower()))
    return _report(
        "unexplained-terms",
        "Glossary terms no episode explains",
        "Terms with no explained_in entry pointing at a known chapter or episode and no chapter mentioning them; "
        "those the corpus uses elsewhere come first.",
        rows,
    )


def quiet_topics(
    store: GraphStore, quiet_weeks: int = DEFAULT_QUIET_WEEKS, episodes: Episodes | None = None, **_: Any
) -> dict[str, Any]:
    episodes = episodes or Episodes(store.gap_rows("episode_dates"))
    newest = episodes.newest
    since = newest - dt.timedelta(weeks=quiet_weeks) if newest else None
    by_topic: dict[str, dict[str, Any]] = {}
    for r in store.gap_rows("topic_episodes"):
        t = by_topic.setdefault(r["t"], {"title": r["title"], "episodes": []})
        if r["e"]:
            t["episodes"].append(r["e"])
    rows = []
    for t, info in by_topic.items():
        slug = (ref_of(t) or t).removeprefix("topic/")
        dated = [(episodes.by_iri.get(e, {}).get("date"), e) for e in info["episodes"]]
        dated = [(d, e) for d, e in dated if d]
        last = max(dated) if dated else None
        if last and since and last[0] > since:
            continue
        evidence = []
        if last:
            e = episodes.by_iri[last[1]]
            how = "feed date" if e["dated_by"] == "feed" else "date of the review that discusses it"
            evidence.append(_ev(f"latest episode {episodes.name(last[1])} on {last[0].isoformat()} ({how})",
                                page_path(last[1])))
            weeks = (newest - last[0]).days // 7 if newest else None
            reason = f"no episode in the last {_plural(quiet_weeks, 'week')}: the latest is {weeks} weeks older " \
                     f"than the newest episode ({newest.isoformat() if newest else '?'})"
        elif info["episodes"]:
            weeks = None
            reason = "none of its episodes has a date"
            evidence += [_ev(f"undated episode {episodes.name(e)}", page_path(e)) for e in info["episodes"]]
        else:
            weeks = None
            reason = "no episode is filed under it"
        rows.append(
            {
                "subject": _subject("topic", slug, info["title"] or slug, f"/topics/{slug}"),
                "reason": reason,
                "evidence": evidence,
                "last_episode": _eid(last[1]) if last else None,
                "last_date": last[0].isoformat() if last else None,
                "weeks_quiet": weeks,
            }
        )
    rows.sort(key=lambda r: (r["last_date"] or "", r["subject"]["label"].lower()))
    return _report(
        "quiet-topics",
        f"Topics quiet for {_plural(quiet_weeks, 'week')}",
        f"Topics with no episode in the {_plural(quiet_weeks, 'week')} before the newest episode in the graph "
        f"({newest.isoformat() if newest else 'none'}); counted from the graph, not from today, so the same "
        "corpus always gives the same report.",
        rows,
        quiet_weeks=quiet_weeks,
        newest_episode=newest.isoformat() if newest else None,
        quiet_since=since.isoformat() if since else None,
    )


def thin_episodes(store: GraphStore, episodes: Episodes | None = None, **_: Any) -> dict[str, Any]:
    episodes = episodes or Episodes(store.gap_rows("episode_dates"))
    rows = []
    for c in store.gap_rows("episode_counts"):
        e = episodes.by_iri.get(c["e"])
        if e is None:
            continue
        missing = [
            word for word, n in (("topic", c["topics"]), ("reading list", c["reading"]), ("linked term", c["terms"]))
            if not n
        ]
        if not missing:
            continue
        evidence = [
            _ev(f"{_plural(int(c['topics']), 'topic')}, {_plural(int(c['reading']), 'reading-list item')}, "
                f"{_plural(int(c['terms']), 'linked glossary term')}", page_path(c["e"]))
        ]
        if not e["in_feed"]:
            for review in sorted(e["reviews"]):
                evidence.append(_ev(f"known only from weekly review {_eid(review).removeprefix('review/')}; "
                                    "the feed does not carry it", page_path(review)))
        rows.append(
            {
                "subject": _subject("episode", e["id"], episodes.name(c["e"]), page_path(c["e"])),
                "reason": "no " + ", no ".join(missing) + ("" if e["in_feed"] else " (not in the feed)"),
                "evidence": evidence,
                "missing": missing,
                "in_feed": e["in_feed"],
                "number": e["number"],
            }
        )
    rows.sort(key=lambda r: (not r["in_feed"], -(r["number"] or 0), r["subject"]["id"]))
    return _report(
        "thin-episodes",
        "Episodes missing a topic, reading list or linked term",
        "Episodes with no topic, no recommended reading or no glossary term linked to them; episodes known only "
        "from a weekly review (not in the feed) come last.",
        rows,
    )


def _chapter_words(iri: str) -> str:
    ref = ref_of(iri) or iri
    parts = ref.split("/")
    if len(parts) >= 4 and parts[0] == "episode" and parts[2] == "chapter":
        return f"{parts[1]} at {parts[3].replace('-', ':')}"
    if parts[0] == "episode" and len(parts) >= 2:
        return parts[1]
    return ref


def broken_references(store: GraphStore, episodes: Episodes | None = None, **_: Any) -> dict[str, Any]:
    episodes = episodes or Episodes(store.gap_rows("episode_dates"))
    known = episodes.numbers
    rows: list[dict[str, Any]] = []

    # 1. E-numbers in review text that are no episode of the graph
    unknown: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    titles: dict[str, str] = {}
    for p in store.gap_rows("review_text"):
        titles[p["r"]] = p["rtitle"] or _eid(p["r"])
        for m in EPISODE_REF.finditer(p["text"] or ""):
            n = int(m.group(1))
            if n not in known:
                unknown[(p["r"], n)].append(
                    _ev(f"paragraph {p['position']} ({p['section'] or 'no section'}): "
                        f"{_context(p['text'], m.start(), m.end())}", page_path(p["r"]))
                )
    for (review, n), evidence in sorted(unknown.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        rid = (ref_of(review) or review).removeprefix("review/")
        rows.append(
            {
                "subject": _subject("review", rid, titles[review], page_path(review)),
                "reason": f"cites E{n}, which is no episode of the graph",
                "evidence": evidence,
                "problem": "unknown-episode",
                "reference": f"E{n}",
            }
        )

    # 2. URLs: missing, not http(s), or resolving to no paper
    for u in store.gap_rows("urls"):
        url = u["url"]
        scheme = urlsplit(url).scheme.lower() if url else ""
        if u["what"] == "reading":
            eid = _eid(u["e"])
            where = f"{eid} reading item {u['position']}" + (f" “{u['title']}”" if u["title"] else "")
            subject = _subject("episode", eid, episodes.name(u["e"]), page_path(u["e"]))
            link = f"{page_path(u['e'])}#h-reading"
            if not url:
                problem, reason = "missing-url", "a reading-list item has no URL, so it links to nothing"
            elif scheme not in ("http", "https"):
                problem, reason = "bad-url", f"a reading-list URL is not http(s): {url}"
            elif not u["paper"]:
                problem, reason = "unresolved-url", f"a reading-list URL resolves to no paper in the graph: {url}"
            else:
                continue
        else:
            if scheme in ("http", "https"):
                continue
            key = u["title"] or (ref_of(u["node"]) or u["node"]).removeprefix("paper/")
            where = f"paper {key}"
            subject = _subject("paper", key, paper_label(key, None), page_path(u["node"]))
            link = page_path(u["node"])
            problem, reason = "bad-url", f"the paper's URL is not http(s): {url}"
        rows.append(
            {"subject": subject, "reason": reason, "evidence": [_ev(where, link)], "problem": problem, "reference": url}
        )

    # 3. edges whose far end is nothing in the graph
    for d in store.gap_rows("dangling"):
        if d["kind"] == "explained_in":
            slug = (ref_of(d["o"]) or d["o"]).removeprefix("term/")
            what = _chapter_words(d["missing"])
            rows.append(
                {
                    "subject": _subject("term", slug, slug, f"/terms/{slug}"),
                    "reason": f"the glossary says it is explained in {what}, which is no chapter or episode of "
                    "the graph",
                    "evidence": [_ev(f"explained_in: {what}", f"/terms/{slug}")],
                    "problem": "unknown-chapter",
                    "reference": ref_of(d["missing"]) or d["missing"],
                }
            )
        else:
            ref = ref_of(d["s"]) or d["s"]
            rows.append(
                {
                    "subject": _subject(ref.split("/")[0], ref.split("/", 1)[-1], ref, page_path(d["s"])),
                    "reason": f"its {d['kind'].replace('_', ' ')} edge points at {ref_of(d['o']) or d['o']}, "
                    "which is no node of the graph",
                    "evidence": [_ev(f"{ref} {d['kind']} {ref_of(d['o']) or d['o']}", page_path(d["s"]))],
                    "problem": "dangling-edge",
                    "reference": ref_of(d["missing"]) or d["missing"],
                }
            )
    return _report(
        "broken-references",
        "References that do not resolve",
        "E-numbers cited in review text that are no episode of the graph; reading-list and paper URLs that are "
        "missing, not http(s), or resolve to no paper; glossary explained_in entries and other edges that point "
        "at no chapter, episode or node.",
        rows,
    )


REPORTS: dict[str, Callable[..., dict[str, Any]]] = {
    "uncovered-papers": uncovered_papers,
    "terms": candidate_terms_report,
    "unexplained-terms": unexplained_terms,
    "quiet-topics": quiet_topics,
    "thin-episodes": thin_episodes,
    "broken-references": broken_references,
}


def gap_report(store: GraphStore, report: str, **options: Any) -> dict[str, Any]:
    """One report by id (``REPORT_IDS``); options: quiet_weeks, term_limit, min_recommendations."""
    if report not in REPORTS:
        raise KeyError(report)
    if report in ("quiet-topics", "thin-episodes", "broken-references") and "episodes" not in options:
        options["episodes"] = Episodes(store.gap_rows("episode_dates"))
    return REPORTS[report](store, **options)


def gap_reports(
    store: GraphStore,
    *,
    quiet_weeks: int = DEFAULT_QUIET_WEEKS,
    term_limit: int = DEFAULT_TERM_LIMIT,
    only: list[str] | None = None,
) -> dict[str, Any]:
    """Every report (or those named in ``only``) with what they were computed from."""
    episodes = Episodes(store.gap_rows("episode_dates"))
    newest = episodes.newest
    reports = [
        gap_report(store, rid, quiet_weeks=quiet_weeks, term_limit=term_limit, episodes=episodes)
        for rid in REPORT_IDS
        if not only or rid in only
    ]
    return {
        "graph": {
            "version": store.version,
            "newest_episode": newest.isoformat() if newest else None,
            "quiet_weeks": quiet_weeks,
            "episodes": len(episodes.by_iri),
        },
        "reports": reports,
    }


def parse_weeks(value: Any, default: int = DEFAULT_QUIET_WEEKS) -> int:
    """``KG_GAP_QUIET_WEEKS`` (an int, or a string from the environment) -> weeks, at least 1."""
    try:
        weeks = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return max(1, weeks)


__all__ = ["gap_reports", "gap_report", "REPORT_IDS", "GAP_QUERIES", "parse_weeks"]
