"""A corpus of real source files with a hostile payload in every text field.

``tests/fixtures/hostile/payloads.json`` lists the payloads (script tags, event handlers,
``javascript:``/``data:`` URLs, attribute and element breakers, template syntax, bidi
overrides, very long text). ``write_hostile_corpus(dir)`` copies ``data/sample`` and adds,
for payload *i* (its name ``N``):

* a glossary term ``zz-hostile-i`` whose label, definition, alias and acronym carry the
  payload (the alias ``zzhostileI`` is plain, so the linker finds the term in text), related
  to ``speculative-decoding`` (its tooltip lists related labels) and explained in a chapter;
* a feed item ``E(900+i)`` whose title, summary, takeaways, chapter titles and summaries and
  reading-list titles and notes carry it, with a reading-list URL that is not a usable URL;
* in the review page, a topic whose title, summary and paragraphs carry it (written both as
  escaped text and as raw markup the parser must reduce to text), citing ``E(900+i)`` and
  mentioning ``zzhostileI``.

Deterministic: the same payloads give the same files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
PAYLOADS_FILE = ROOT / "tests" / "fixtures" / "hostile" / "payloads.json"
FIRST_NUMBER = 900


def payloads() -> list[dict[str, str]]:
    return json.loads(PAYLOADS_FILE.read_text(encoding="utf-8"))


def term_id(i: int) -> str:
    return f"zz-hostile-{i}"


def alias(i: int) -> str:
    return f"zzhostile{i}"


def episode_id(i: int) -> str:
    return f"E{FIRST_NUMBER + i}"


def _yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _glossary_entries(items: list[dict[str, str]]) -> str:
    out = []
    for i, p in enumerate(items):
        text = p["text"]
        out += [
            f"  - id: {term_id(i)}",
            f"    label: {_yaml_str(f'{text} label{i}')}",
            f"    aliases: [{_yaml_str(alias(i))}, {_yaml_str(f'{text} alias{i}')}]",
            f"    acronyms: [{_yaml_str(f'ZZ{i}')}]",
            f"    kind: {'method' if i % 3 == 0 else 'benchmark' if i % 3 == 1 else 'concept'}",
            f"    definition: {_yaml_str(text[:270])}",
            "    broader: []",
            "    related: [speculative-decoding]",
            "    explained_in:",
            f'      - {{episode: {episode_id(i)}, chapter: "00:30"}}',
        ]
    return "\n".join(out) + "\n"


def _description(i: int, p: dict[str, str]) -> str:
    t = p["text"]
    return (
        f"Hostile {i} Source: https://arxiv.org/abs/2699.{i:05d} Paper was published on 2026-06-27 "
        "This episode was AI-generated on June 27, 2026. "
        f"The summary holds {t} and mentions {alias(i)}. "
        f"Key Takeaways: - Takeaway {t} - Second takeaway of {i} "
        f"00:30 - Chapter {i} {t}: Summary {t} about {alias(i)}. "
        f"01:30 - Plain chapter {i}: Nothing more. "
        f"Recommended Reading: - Reading {i} {t}: Note {t}. (https://arxiv.org/abs/2698.{i:05d}) "
        f"- Broken link {i}: A URL that is no URL. (https://example.org/\"><script>x{i}</script>)"
    )


def _feed_items(items: list[dict[str, str]]) -> str:
    out = []
    for i, p in enumerate(items):
        title = f"Hostile {i} {p['text']}"
        # the description is HTML to feedparser: escape twice, so the payload arrives as text …
        desc = escape(escape(_description(i, p)))
        out.append(
            "    <item>\n"
            f"      <title>{escape(title)}</title>\n"
            f"      <description>{desc}</description>\n"
            f"      <link>https://paperdive.ai/episodes/{episode_id(i)}</link>\n"
            f'      <guid isPermaLink="false">hostile-{i}</guid>\n'
            "      <pubDate>Sat, 27 Jun 2026 06:00:00 +0000</pubDate>\n"
            f"      <itunes:episode>{FIRST_NUMBER + i}</itunes:episode>\n"
            "    </item>\n"
        )
    # … and once as raw markup, which feedparser's sanitiser and the text conversion must defuse
    raw = escape(_description(len(items), {"text": "".join(p["text"] for p in items[:12])}))
    out.append(
        "    <item>\n"
        f"      <title>Hostile raw {escape(items[0]['text'])}</title>\n"
        f"      <description>{raw}</description>\n"
        f"      <link>https://paperdive.ai/episodes/{episode_id(len(items))}</link>\n"
        f'      <guid isPermaLink="false">hostile-raw</guid>\n'
        f"      <itunes:episode>{FIRST_NUMBER + len(items)}</itunes:episode>\n"
        "    </item>\n"
    )
    return "".join(out)


def _review_topics(items: list[dict[str, str]]) -> str:
    out = []
    for i, p in enumerate(items):
        t = escape(p["text"])
        out.append(
            f'<section class="topic" id="topic-hostile-{i}">\n'
            f"<h2>Hostile topic {i} {t}</h2>\n"
            f'<p class="topic-summary">Summary {t}</p>\n'
            f'<section class="subsection" id="hostile-sub-{i}"><h3>Sub {t}</h3>\n'
            f"<p>As text: {t}; the term {alias(i)} and speculative decoding, in "
            f'<a class="episode-ref" href="https://paperdive.ai/episodes/{episode_id(i)}">{episode_id(i)}</a>.</p>\n'
            "</section>\n"
            f'<footer class="topic-episodes"><ul><li><a class="episode-ref">{episode_id(i)}</a></li></ul></footer>\n'
            "</section>\n"
        )
    # last, the payloads as raw markup (an unclosed <style> may swallow what follows it)
    raw = "".join(f"<p>Raw {i}: {p['text']} then {alias(i)}.</p>\n" for i, p in enumerate(items))
    out.append(
        '<section class="topic" id="topic-hostile-raw"><h2>Hostile raw markup</h2>\n'
        f'<section class="subsection" id="hostile-raw"><h3>Raw</h3>\n{raw}</section></section>\n'
    )
    return "".join(out)


def write_hostile_corpus(target: Path, sample: Path = ROOT / "data" / "sample") -> Path:
    items = payloads()
    shutil.copytree(sample, target)
    glossary = target / "glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8").rstrip("\n") + "\n" + _glossary_entries(items),
                        encoding="utf-8")
    feed = target / "feed.xml"
    text = feed.read_text(encoding="utf-8")
    feed.write_text(text.replace("  </channel>", _feed_items(items) + "  </channel>", 1), encoding="utf-8")
    review = target / "reviews" / "2026-06-28.html"
    text = review.read_text(encoding="utf-8")
    at = text.rindex("</article>")
    review.write_text(text[:at] + _review_topics(items) + text[at:], encoding="utf-8")
    return target
