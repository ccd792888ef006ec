"""Weekly review pages (HTML).

The markup contract (what ``data/sample/reviews/*.html`` use)::

    <article class="review" data-review-id="2026-06-28">
      <h1>title</h1> … <time datetime="2026-06-28">
      <section class="review-intro"><p>…</p></section>
      <section class="topic" id="topic-…">
        <h2>topic title</h2> <p class="topic-summary">…</p>
        <section class="subsection"><h3>…</h3><p>… <a class="episode-ref">E171</a> …</p></section>
        <footer class="topic-episodes"><ul><li><a class="episode-ref">E171</a></li></ul></footer>
      </section>
    </article>

E-references are read from ``a.episode-ref`` links and from bare ``E171`` text.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree, html

from kg.errors import Location, ParseError, Report
from kg.ids import slugify
from kg.parsers.dates import parse_date
from kg.records import Review, ReviewParagraph, Subsection, Topic

_EREF = re.compile(r"(?<![\w/])E(\d{2,6})(?!\w)")
_WS = re.compile(r"\s+")


def _text(el) -> str:
    return _WS.sub(" ", el.text_content()).strip()


def _has_class(el, name: str) -> bool:
    return name in (el.get("class") or "").split()


def _children(el, tag: str, cls: str | None = None):
    return [c for c in el if isinstance(c.tag, str) and c.tag == tag and (cls is None or _has_class(c, cls))]


def read_review(path: str | Path, report: Report | None = None) -> Review:
    from kg.parsers.source import read_source_bytes

    return parse_review(read_source_bytes(path, "review page"), name=str(Path(path)), report=report)


def parse_review(data: bytes | str, *, name: str = "<review>", report: Report | None = None) -> Review:
    report = report if report is not None else Report()
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data.strip():
        raise ParseError("E032", "the review page is empty", Location(name))
    try:
        parser = html.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True)
        root = html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError("E032", f"cannot parse the review HTML: {exc}", Location(name)) from None
    articles = [a for a in root.iter("article") if _has_class(a, "review") and a.get("data-review-id")]
    if not articles:
        raise ParseError("E030", 'no <article class="review" data-review-id="…"> element', Location(name))
    art = articles[0]
    rid = art.get("data-review-id").strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}", rid):
        raise ParseError(
            "E030",
            f"data-review-id {rid!r} must be letters, digits, '-', '_' or '.'",
            Location(name, art.sourceline, "data-review-id"),
        )
    h1 = next(art.iter("h1"), None)
    title = _text(h1) if h1 is not None else rid
    date = None
    time_el = next(art.iter("time"), None)
    if time_el is not None and time_el.get("datetime"):
        try:
            date = parse_date(time_el.get("datetime")[:10])
        except ValueError as exc:
            raise ParseError("E022", str(exc), Location(name, time_el.sourceline, "time/@datetime")) from None
    else:
        try:
            date = parse_date(rid)
        except ValueError:
            date = None

    counter = 0

    def para(p) -> ReviewParagraph:
        nonlocal counter
        counter += 1
        text = _text(p)
        refs: list[int] = []
        for n in (int(m.group(1)) for m in _EREF.finditer(text)):
            if n not in refs:
                refs.append(n)
        return ReviewParagraph(counter, text, refs, p.sourceline)

    intro: list[ReviewParagraph] = []
    for sec in art.iter("section"):
        if _has_class(sec, "review-intro"):
            intro.extend(para(p) for p in sec.iter("p") if _text(p))

    topics: list[Topic] = []
    for sec in art.iter("section"):
        if not _has_class(sec, "topic"):
            continue
        h2 = next(sec.iter("h2"), None)
        if h2 is None:
            raise ParseError("E030", "a topic section has no <h2> title", Location(name, sec.sourceline))
        ttitle = _text(h2)
        summary_el = next((p for p in sec.iter("p") if _has_class(p, "topic-summary")), None)
        subsections: list[Subsection] = []
        for sub in sec.iter("section"):
            if not _has_class(sub, "subsection"):
                continue
            h3 = next(sub.iter("h3"), None)
            stitle = _text(h3) if h3 is not None else ""
            paras = [para(p) for p in sub.iter("p") if _text(p)]
            subsections.append(Subsection(sub.get("id") or slugify(stitle), stitle, paras))
        listed: list[int] = []
        for footer in sec.iter("footer"):
            if _has_class(footer, "topic-episodes"):
                for a in footer.iter("a"):
                    m = _EREF.search(_text(a))
                    if m and int(m.group(1)) not in listed:
                        listed.append(int(m.group(1)))
        cited: list[int] = []
        for s in subsections:
            for p in s.paragraphs:
                for n in p.episode_refs:
                    if n not in cited:
                        cited.append(n)
        # The topic's own list is authoritative; without one, the episodes its paragraphs cite.
        numbers = listed or cited
        slug = (sec.get("id") or "").removeprefix("topic-") or slugify(ttitle)
        topics.append(
            Topic(slugify(slug), ttitle, _text(summary_el) if summary_el is not None else "", subsections, numbers)
        )
    if not topics and not intro:
        raise ParseError("E030", "the review has no intro and no topic sections", Location(name, art.sourceline))
    return Review(id=rid, title=title, date=date, intro=intro, topics=topics, path=name)
