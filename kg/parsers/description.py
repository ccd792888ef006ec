"""The episode description grammar.

An episode's description, as the feed carries it, is one run of text::

    <title> Source: <url> Paper was published on <date> This episode was
    AI-generated on <date>. <generation note> <summary> Key Takeaways: - <takeaway>
    - <takeaway> MM:SS - <chapter title>: <chapter summary> MM:SS - …
    Recommended Reading: - <title>: <why>. (<url>) - …

Dates come in two forms (``2026-06-27``, ``June 24, 2026``); chapter titles may
contain colons; reading-item titles often do. ``parse_description`` splits the
text into a :class:`kg.records.Description` and raises :class:`ParseError` (with
the location given) when the text breaks the grammar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import Location, ParseError, Report
from kg.ids import paper_ref
from kg.parsers.dates import parse_date
from kg.parsers.urlcheck import http_url_problem
from kg.records import Chapter, Description, ReadingItem

_SOURCE = re.compile(r"(?:^|\s)Source:\s*(?P<url>\S+)")
_PUBLISHED = re.compile(r"Paper was published on\s+(?P<date>\d{4}-\d{2}-\d{2}|[A-Z][a-z]+\.?\s+\d{1,2},\s*\d{4})")
# The date is short ("June 27, 2026"): bounding it keeps a search over a long text linear.
_GENERATED = re.compile(r"This episode was AI-generated on\s+(?P<date>[^.]{1,40}?)\.(?=\s|$)")
_NOTE_TAIL = re.compile(r"(?:\s*The script was written by[^.]*\.)?(?:\s*The producer is not affiliated with[^.]*\.)?")
_TAKEAWAYS = re.compile(r"(?:^|\s)Key Takeaways:\s*")
_READING = re.compile(r"(?:^|\s)Recommended Reading:\s*")
# A chapter starts with a timestamp followed by " - ", at the start or after whitespace.
_CHAPTER_START = re.compile(r"(?:(?<=\s)|^)(?P<ts>\d{1,2}:\d{2}(?::\d{2})?) - ")
# Anything that looks like an attempt at a timestamp before " - ".
_TS_LIKE = re.compile(r"(?:(?<=\s)|^)(?P<ts>\d{1,3}:\S*) - (?=\S)")
# After the first chapter, 'MM.SS - ' and '1h30 - ' are also taken as broken timestamps.
_TS_LIKE_IN_CHAPTERS = re.compile(r"(?:(?<=\s)|^)(?P<ts>\d{1,2}\.\d{1,2}|\d{1,2}[hm]\d{0,2}s?) - (?=[A-Z])")
_TS_VALID = re.compile(r"^(?:(?P<h>\d{1,2}):)?(?P<m>\d{1,2}):(?P<s>[0-5]\d)$")
_TITLE_SPLIT = re.compile(r": (?=[A-Z0-9'\"‘“(])")
_URL_TAIL = re.compile(r"\s*\((?P<url>https?://[^\s]+?)\)\s*\.?\s*$")
# Starts only at the first space of a run: a long run of spaces with no '-' is scanned once, not once per space.
_LIST_SPLIT = re.compile(r"(?<!\s)\s++-\s+(?=[A-Z0-9'\"‘“(~$€£])")
_ITEM_SPLIT = re.compile(r"(?<=[).!?'’\"”])\s+-\s+(?=\S)")


@dataclass
class _Span:
    start: int
    end: int


def _seconds(ts: str) -> int | None:
    m = _TS_VALID.match(ts)
    if not m:
        return None
    h = int(m.group("h") or 0)
    mins = int(m.group("m"))
    if m.group("h") is None and mins > 59 and len(m.group("m")) > 2:
        return None
    return h * 3600 + mins * 60 + int(m.group("s"))


def _url_tail(text: str) -> re.Match[str] | None:
    """The '(https://…)' that ends a reading item, found in linear time.

    The URL holds no spaces, so it lies in the last run of non-space characters (before a trailing
    '.'), and that run must end with ')'. Searching only there keeps long runs of spaces, or many
    '(http…)' fragments, from costing quadratic time.
    """
    end = len(text.rstrip())
    if end and text[end - 1] == ".":
        end = len(text[: end - 1].rstrip())
    if not end or text[end - 1] != ")":
        return None
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return _URL_TAIL.search(text, start)


def _split_list(block: str) -> list[str]:
    """Split '- a - b - c' into items; an item may contain hyphens but not ' - ' + capital."""
    block = block.strip()
    if block.startswith("-"):
        block = block[1:]
    parts = _LIST_SPLIT.split(" " + block)
    return [p.strip() for p in parts if p.strip()]


def _looks_like_title(segment: str) -> bool:
    """Paper titles are Title Case; the 'why' after them reads as a sentence."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’\-]*", segment) if len(w) >= 4]
    if not words:
        return True
    capitalised = sum(1 for w in words if w[0].isupper())
    return capitalised / len(words) >= 0.6


def split_reading_title(text: str) -> tuple[str, str]:
    """'EAGLE: Speculative Sampling …: The autoregressive …' -> (title, why)."""
    pieces = _TITLE_SPLIT.split(text)
    if len(pieces) == 1:
        return text.strip(), ""
    title = pieces[0]
    i = 1
    # Extend the title over further Title-Case segments, but always leave a 'why'.
    while i < len(pieces) - 1 and _looks_like_title(pieces[i]):
        title += ": " + pieces[i]
        i += 1
    return title.strip(), ": ".join(pieces[i:]).strip()


def split_chapter_title(text: str) -> tuple[str, str]:
    """'Bolting down the shelves: the DFC: Introduces …' -> (title, summary)."""
    m = _TITLE_SPLIT.search(text)
    if not m:
        return text.strip(), ""
    return text[: m.start()].strip(), text[m.end() :].strip()


def parse_description(
    text: str,
    *,
    title: str | None = None,
    where: Location | None = None,
    report: Report | None = None,
) -> Description:
    """Split one episode description into its parts (see the module docstring)."""
    where = where or Location(field="description")
    report = report if report is not None else Report()
    body = text.strip()
    if not body:
        raise ParseError("E023", "the description is empty", where)
    if title and body.startswith(title.strip()):
        body = body[len(title.strip()) :].lstrip()

    m_src = _SOURCE.search(body)
    if not m_src:
        raise ParseError("E020", "no 'Source: <url>' line naming the paper this episode covers", where)
    source_url = m_src.group("url").rstrip(".,;")
    if not re.match(r"^https?://", source_url):
        raise ParseError("E020", f"the Source is not an http(s) URL: {source_url[:80]!r}", where)
    problem = http_url_problem(source_url)
    if problem:
        raise ParseError("E020", f"the Source URL {source_url[:80]!r} is not usable: {problem}", where)
    cursor = m_src.end()

    published = None
    m_pub = _PUBLISHED.search(body, cursor)
    if m_pub:
        try:
            published = parse_date(m_pub.group("date"))
        except ValueError as exc:
            raise ParseError("E022", f"paper publication date: {exc}", where) from None
        cursor = m_pub.end()
    elif "Paper was published on" in body:
        bad = body.split("Paper was published on", 1)[1].strip()[:20]
        raise ParseError("E022", f"paper publication date {bad!r} is not 2026-06-27 or June 27, 2026", where)

    generated = None
    note = ""
    summary_start = cursor
    m_gen = _GENERATED.search(body, cursor)
    if m_gen:
        try:
            generated = parse_date(m_gen.group("date"))
        except ValueError as exc:
            raise ParseError("E022", f"generation date: {exc}", where) from None
        tail = _NOTE_TAIL.match(body, m_gen.end())
        note_end = tail.end() if tail else m_gen.end()
        note = body[m_gen.start() : note_end].strip()
        summary_start = note_end

    m_read = _READING.search(body, summary_start)
    reading_block = body[m_read.end() :] if m_read else ""
    main_end = m_read.start() if m_read else len(body)

    _check_timestamps(body[summary_start:main_end], where, _TS_LIKE)
    chapter_marks = list(_CHAPTER_START.finditer(body, summary_start, main_end))
    chapters_start = chapter_marks[0].start() if chapter_marks else main_end
    _check_timestamps(body[chapters_start:main_end], where, _TS_LIKE_IN_CHAPTERS)

    m_take = _TAKEAWAYS.search(body, summary_start, chapters_start)
    if m_take:
        summary = body[summary_start : m_take.start()].strip()
        takeaways = _split_list(body[m_take.end() : chapters_start])
    else:
        summary = body[summary_start:chapters_start].strip()
        takeaways = []

    chapters: list[Chapter] = []
    for i, mark in enumerate(chapter_marks):
        end = chapter_marks[i + 1].start() if i + 1 < len(chapter_marks) else main_end
        seconds = _seconds(mark.group("ts"))
        if seconds is None:
            raise ParseError(
                "E021",
                f"chapter {i + 1} has a malformed timestamp {mark.group('ts')!r}",
                where.with_field(f"chapter {i + 1}"),
            )
        ctitle, csummary = split_chapter_title(body[mark.end() : end])
        twin = next((c for c in chapters if c.timestamp == mark.group("ts")), None)
        if twin is not None:  # a chapter is identified by its timestamp: two would be one node
            raise ParseError(
                "E021",
                f"chapter {i + 1} has the same timestamp {mark.group('ts')!r} as chapter {twin.index}; "
                "each chapter needs its own start time",
                where.with_field(f"chapter {i + 1}"),
            )
        if chapters and seconds <= chapters[-1].start:
            report.warn(
                "W022",
                f"chapter {i + 1} ({mark.group('ts')}) does not start after chapter {i}",
                where.with_field(f"chapter {i + 1}"),
            )
        chapters.append(Chapter(i + 1, seconds, mark.group("ts"), ctitle, csummary))

    reading: list[ReadingItem] = []
    if reading_block.strip():
        items = _ITEM_SPLIT.split(reading_block.strip().removeprefix("-").strip())
        for i, raw in enumerate(items, start=1):
            raw = raw.strip()
            m_url = _url_tail(raw)
            url = m_url.group("url").rstrip(".") if m_url else None
            text_part = raw[: m_url.start()] if m_url else raw
            rtitle, why = split_reading_title(text_part.strip())
            problem = http_url_problem(url) if url else None
            if problem:
                report.warn(
                    "W023",
                    f"recommended-reading item {i} ({rtitle[:60]!r}): URL {url[:80]!r} is not usable: {problem}; "
                    "kept as text without a link",
                    where.with_field(f"reading item {i}"),
                )
                url = None
            elif url is None:
                report.warn(
                    "W020",
                    f"recommended-reading item {i} ({rtitle[:60]!r}) has no URL",
                    where.with_field(f"reading item {i}"),
                )
            reading.append(ReadingItem(i, rtitle, why, url, paper_ref(url) if url else None))

    return Description(
        source_url=source_url,
        paper=paper_ref(source_url),
        paper_published=published,
        generated_on=generated,
        generation_note=note,
        summary=summary,
        takeaways=takeaways,
        chapters=chapters,
        reading=reading,
    )


def _check_timestamps(region: str, where: Location, pattern: re.Pattern[str]) -> None:
    """Reject things that look like a chapter timestamp but are not valid ones."""
    for m in pattern.finditer(region):
        ts = m.group("ts")
        if _CHAPTER_START.match(region, m.start()) and _seconds(ts) is not None:
            continue
        raise ParseError(
            "E021",
            f"malformed chapter timestamp {ts!r} (write MM:SS, e.g. 04:21)",
            where.with_field(f"chapter near character {m.start()}"),
        )
