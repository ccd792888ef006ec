"""The podcast RSS feed, read through feedparser.

lxml (with entities and DTDs refused) checks the XML first and gives each
``<item>`` its line number, so every problem names ``file:line``; feedparser
then reads the fields, including the iTunes and Podcasting 2.0 extensions.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import feedparser

from kg.errors import Location, ParseError, Report
from kg.parsers.description import parse_description
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
            return secs
        return int(float(value))
    except ValueError:
        return None


def _item_lines(root) -> list[tuple[int | None, str | None]]:
    out = []
    for item in root.iter("item"):
        guid = item.findtext("guid")
        out.append((item.sourceline, guid.strip() if guid else None))
    return out


def read_feed(path: str | Path, report: Report | None = None) -> Feed:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError("E001", f"cannot read the feed: {exc.strerror}", Location(str(path))) from None
    return parse_feed(data, name=str(path), report=report)


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

    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    if len(parsed.entries) != len(items):
        raise ParseError(
            "E010",
            f"feedparser read {len(parsed.entries)} items but the XML has {len(items)}",
            Location(name),
        )
    channel = parsed.feed
    episodes: list[Episode] = []
    numbers: dict[int, int | None] = {}
    for entry, (line, guid) in zip(parsed.entries, items, strict=True):
        where = Location(name, line)
        title = (entry.get("title") or "").strip()
        if not title:
            raise ParseError("E043", "the item has no <title>", where.with_field("title"))
        guid = guid or entry.get("id") or entry.get("link")
        if not guid:
            raise ParseError("E043", "the item has no <guid> or <link> to identify it", where.with_field("guid"))
        text = entry.get("description") or entry.get("summary") or ""
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
        audio = None
        for enc in entry.get("enclosures", []):
            if str(enc.get("type", "")).startswith("audio/"):
                audio = enc.get("href")
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
                link=entry.get("link"),
                published=published,
                duration=_duration(entry.get("itunes_duration")),
                audio_url=audio,
                line=line,
            )
        )
    return Feed(
        title=(channel.get("title") or "").strip(),
        link=channel.get("link"),
        description=(channel.get("description") or channel.get("subtitle") or "").strip(),
        episodes=episodes,
        path=name,
    )
