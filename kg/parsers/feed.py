"""The podcast RSS feed, read through feedparser.

lxml (with entities and DTDs refused) checks the XML first and gives each
``<item>`` its line number, so every problem names ``file:line``; feedparser
then reads the fields, including the iTunes and Podcasting 2.0 extensions.
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import re
from pathlib import Path

import feedparser
import nh3

from kg.errors import Location, ParseError, Report
from kg.parsers.description import parse_description
from kg.parsers.urlcheck import http_url_problem
from kg.records import Episode, Feed

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"


def _duration(value: str | None) -> int | None:
    if not value:
        return None
    value = value.strip()
    try:
        if ":" in value:
            secs = 0
            for part in value.split(":"):
                secs = secs * 60 + int(part)
        else:
            secs = int(float(value))
    except (ValueError, OverflowError):  # 'nan', 'inf', '1e400' are no durations either
        return None
    return secs if 0 <= secs < 10**9 else None


def _checked_url(value: str | None, where: Location, field: str) -> str | None:
    """An absolute http(s) URL, or a ParseError naming the field (links reach pages' hrefs)."""
    if value is None or not str(value).strip():
        return None
    url = str(value).strip()
    problem = http_url_problem(url)
    if problem:
        raise ParseError("E014", f"{field} {url[:80]!r} is not usable: {problem}", where.with_field(field))
    return url


_HTML_TYPES = ("text/html", "application/xhtml+xml")
_BLOCK_END = re.compile(r"<(?:br|/p|/div|/li|/h[1-6]|/tr|/blockquote)\b[^>]*>", re.IGNORECASE)


def _plain(entry, key: str, *fallbacks: str) -> str:
    """A field as plain text: feedparser hands back HTML for fields it takes for HTML ('Q&amp;A', '<p>…').

    Tags go (with the content of script and style), character references are decoded; the
    pages escape the text again when they show it, so '&lt;script&gt;' in a feed shows as '<script>'.
    """
    for name in (key, *fallbacks):
        value = entry.get(name)
        if value:
            break
    else:
        return ""
    detail = entry.get(f"{name}_detail") or {}
    if detail.get("type") not in _HTML_TYPES:
        return str(value)
    return html.unescape(nh3.clean(_BLOCK_END.sub(" ", str(value)), tags=set()))


def _item_lines(root) -> list[tuple[int | None, str | None]]:
    out = []
    for item in root.iter("item"):
        guid = item.findtext("guid")
        out.append((item.sourceline, guid.strip() if guid else None))
    return out


def read_feed(path: str | Path, report: Report | None = None) -> Feed:
    from kg.parsers.source import read_source_bytes

    return parse_feed(read_source_bytes(path, "feed"), name=str(Path(path)), report=report)


def parse_feed(data: bytes, *, name: str = "<feed>", report: Report | None = None) -> Feed:
    from kg.parsers.xmlsafe import parse_xml_bytes

    report = report if report is not None else Report()
    root = parse_xml_bytes(data, Location(name))
    if root.tag != "rss" or root.find("channel") is None:
        raise ParseError("E010", f"expected an RSS 2.0 <rss><channel> document, found <{root.tag}>", Location(name, 1))
    items = _item_lines(root)
    if not items:
        raise ParseError("E011", "the feed has no <item> elements", Location(name, root.find("channel").sourceline))

    seen: dict[str, int | None] = {}
    for line, guid in items:
        if guid is None:
            continue
        if guid in seen:
            raise ParseError(
                "E012",
                f"guid {guid!r} is used again (first at line {seen[guid]}); every episode needs its own guid",
                Location(name, line, "guid"),
            )
        seen[guid] = line

    for chapter in root.iter("{http://podlove.org/simple-chapters}chapter"):
        if not chapter.get("start"):  # feedparser itself fails on these with a TypeError
            raise ParseError(
                "E010", "a <psc:chapter> has no start attribute", Location(name, chapter.sourceline, "psc:chapter")
            )
    try:
        parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    except Exception as exc:  # a bug in feedparser on odd input must still be a clear error, not a traceback
        raise ParseError("E010", f"feedparser could not read the feed ({type(exc).__name__}: {exc})",
                         Location(name)) from None
    if len(parsed.entries) != len(items):
        raise ParseError(
            "E010",
            f"feedparser read {len(parsed.entries)} items but the XML has {len(items)}",
            Location(name),
        )
    channel = parsed.feed
    channel_link = _checked_url(channel.get("link"), Location(name, root.find("channel").sourceline), "channel link")
    episodes: list[Episode] = []
    numbers: dict[int, int | None] = {}
    for entry, (line, guid) in zip(parsed.entries, items, strict=True):
        where = Location(name, line)
        title = _plain(entry, "title").strip()
        if not title:
            raise ParseError("E043", "the item has no <title>", where.with_field("title"))
        guid = guid or entry.get("id") or entry.get("link")
        if not guid:
            raise ParseError("E043", "the item has no <guid> or <link> to identify it", where.with_field("guid"))
        text = _plain(entry, "description", "summary")
        description = parse_description(
            text, title=title, where=where.with_field(f"item {title[:50]!r}, description"), report=report
        )
        number = None
        raw_number = entry.get("itunes_episode")
        if raw_number:
            try:
                number = int(str(raw_number).strip())
            except ValueError:
                raise ParseError(
                    "E043", f"itunes:episode {raw_number!r} is not a number", where.with_field("itunes:episode")
                ) from None
            if number in numbers:
                raise ParseError(
                    "E012",
                    f"episode number {number} is used again (first at line {numbers[number]})",
                    where.with_field("itunes:episode"),
                )
            numbers[number] = line
        published = None
        if entry.get("published_parsed"):
            published = dt.datetime.fromtimestamp(calendar.timegm(entry.published_parsed), tz=dt.UTC)
        # feedparser copies a permalink guid into ``link``; only a real link must be a URL
        link = entry.get("link")
        if entry.get("guidislink") and link and http_url_problem(str(link).strip()):
            link = None
        link = _checked_url(link, where, "link")
        audio = None
        for enc in entry.get("enclosures", []):
            href = _checked_url(enc.get("href"), where, "enclosure url")
            if str(enc.get("type", "")).startswith("audio/"):
                audio = href
        psc = entry.get("psc_chapters", {}).get("chapters", []) if entry.get("psc_chapters") else []
        if psc and len(psc) != len(description.chapters):
            report.warn(
                "W021",
                f"psc:chapters lists {len(psc)} chapters but the description has {len(description.chapters)}",
                where.with_field("psc:chapters"),
            )
        episodes.append(
            Episode(
                guid=guid.strip(),
                title=title,
                description_text=text,
                description=description,
                number=number,
                link=link,
                published=published,
                duration=_duration(entry.get("itunes_duration")),
                audio_url=audio,
                line=line,
            )
        )
    return Feed(
        title=_plain(channel, "title").strip(),
        link=channel_link,
        description=_plain(channel, "description", "subtitle").strip(),
        episodes=episodes,
        path=name,
    )
