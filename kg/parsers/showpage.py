"""The podcast's show page as captured in text (``shared/seeds/000_*.txt``).

The page lists the newest episodes as::

      1. 9 hr ago
        <title>
        <description: one long line in the description grammar>
        23 min

``parse_show_page`` returns each listed episode with its parsed description; it
is how the sample feed was checked against the page, and a fixture for tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import Location, ParseError, Report
from kg.parsers.description import parse_description
from kg.records import Description

_POSITION = re.compile(r"^\s+(?P<n>\d+)\.\s+(?P<age>.+?)\s*$")
_DURATION = re.compile(r"^\s*(?P<min>\d+)\s+min\s*$")


@dataclass
class ShowPageEpisode:
    position: int
    age: str
    title: str
    description_text: str
    description: Description
    duration_minutes: int | None
    line: int


@dataclass
class ShowPage:
    title: str
    blurb: str
    episodes: list[ShowPageEpisode]


def parse_show_page(text: str, *, name: str = "<show page>", report: Report | None = None) -> ShowPage:
    report = report if report is not None else Report()
    lines = text.splitlines()
    nonblank = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip()]
    if not nonblank:
        raise ParseError("E023", "the show page is empty", Location(name))
    title = nonblank[0][1].strip()
    blurb = ""
    for _i, ln in nonblank[1:]:
        if len(ln.strip()) > 200:
            blurb = ln.strip()
            break
    episodes: list[ShowPageEpisode] = []
    k = 0
    while k < len(nonblank):
        lineno, ln = nonblank[k]
        m = _POSITION.match(ln)
        if m and k + 2 < len(nonblank) and m.group("age").endswith("ago"):
            ep_title = nonblank[k + 1][1].strip()
            desc_line, desc = nonblank[k + 2]
            desc = desc.strip()
            duration = None
            if k + 3 < len(nonblank):
                dm = _DURATION.match(nonblank[k + 3][1])
                if dm:
                    duration = int(dm.group("min"))
            parsed = parse_description(
                desc, title=ep_title, where=Location(name, desc_line, f"episode {m.group('n')}"), report=report
            )
            episodes.append(
                ShowPageEpisode(int(m.group("n")), m.group("age"), ep_title, desc, parsed, duration, lineno)
            )
            k += 4 if duration is not None else 3
            continue
        k += 1
    return ShowPage(title=title, blurb=blurb, episodes=episodes)
