"""The glossary linker: finds glossary terms in plain text or HTML, fast.

One set of matching rules, used when the graph is built (mention edges) and when
a page is served (tooltips, ``POST /api/annotate``), so the two always agree:

* every written form of a term (preferred label, aliases, acronyms) and every
  generated inflection (:mod:`kg.nlp.forms`, stored as ``skos:hiddenLabel``);
* matching ignores case, except for *exact* forms: acronyms and acronym-like
  forms (a word of two or more capitals and no lower-case letter, e.g. ``RL``,
  ``KL divergence``, ``SWE-Bench``) and forms of three characters or fewer,
  which only match as written (``RL``, never ``rl``);
* a hyphen, a non-breaking space or a line break in the text matches a space in
  a form ("chain-of-thought" = "chain of thought"), curly apostrophes match
  straight ones;
* a match must start and end at a word boundary (never inside a longer word:
  ``RL`` does not match in ``RLHF`` or ``world``);
* longest match wins, left to right, no overlaps;
* never inside URLs, e-mail addresses or inline ``code``; in HTML, only text
  nodes are looked at (never attribute values), never inside links, code,
  pre, scripts, styles, form controls, or (unless asked) headings, nor inside an
  element marked ``data-kg-skip`` or ``class="kg-skip"``;
* optionally only the first mention of each term per section or per page.

Matching is an Aho-Corasick automaton (pyahocorasick) over a lower-cased copy
of the text of the same length, so offsets are offsets into the input as given.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

import ahocorasick_rs

FIRST_ONLY = (None, "section", "page")

# Characters that normalise to another single character (length kept).
_NORMALISE = str.maketrans({"-": " ", "\u2010": " ", "\u2011": " ", "\u00a0": " ", "\n": " ", "\t": " ",
                            "\r": " ", "\u2019": "'", "\u2018": "'"})
# str.replace per character is far faster than str.translate with a non-ASCII table.
_REPLACE = tuple((chr(k), v) for k, v in _NORMALISE.items())
_SPACES = re.compile(r"\s+")
_URL_REST = re.compile(r"[^\s<>\"'`]*")
_EMAIL_AFTER = re.compile(r"@[\w-]+(?:\.[\w-]+)+")
_CODE = re.compile(r"`[^`\n]*`")
_PARA_BREAK = re.compile(r"\n[ \t]*\n")


class Span(NamedTuple):
    start: int
    end: int
    term: str
    text: str

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "term": self.term, "text": self.text}


@dataclass(frozen=True)
class TermForms:
    """The forms of one term the linker looks for."""

    slug: str
    label: str
    aliases: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()  # generated inflections (skos:hiddenLabel)


@dataclass(frozen=True)
class Conflict:
    form: str
    kept: str
    dropped: str

    def __str__(self) -> str:
        return f"{self.form!r} could be {self.kept!r} or {self.dropped!r}; linked to {self.kept!r}"


def normalise(text: str) -> str:
    """Lower-case and unify hyphens/spaces/apostrophes, keeping the length."""
    low = text.lower()
    if len(low) != len(text):  # a few characters lower-case to two ('İ'): keep those as they are
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for old, new in _REPLACE:
        if old in low:
            low = low.replace(old, new)
    return low


def form_key(form: str) -> str:
    return _SPACES.sub(" ", normalise(form)).strip()


def is_exact(form: str, acronym: bool = False) -> bool:
    """Whether a form matches only with its own capitalisation."""
    if acronym or len(form) <= 3:
        return True
    for word in re.split(r"[\s\-/]+", form):
        letters = [c for c in word if c.isalpha()]
        if sum(c.isupper() for c in letters) >= 2 and not any(c.islower() for c in letters):
            return True
    return False


@dataclass
class _Entry:
    slug: str
    exact: frozenset[str] | None  # the case-kept normalised forms, or None: any case
    written: bool


def _case_norm(text: str) -> str:
    for old, new in _REPLACE:
        if old in text:
            text = text.replace(old, new)
    return _SPACES.sub(" ", text)


# Bytes that belong to words: ASCII letters, digits, underscore, and Latin-1's letters.
_WORD_BYTES = (
    set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
    | (set(range(0xC0, 0x100)) - {0xD7, 0xF7})
    | {0xAA, 0xB5, 0xBA}
)
_BOUNDARY_TABLE = bytes(c if c in _WORD_BYTES else 0x20 for c in range(256))


def boundary_text(text: str) -> str:
    """The text with every character that is not part of a word replaced by a space (same length).

    Characters outside Latin-1 (dashes, quotes, emoji, zero-width and right-to-left marks) count as
    word boundaries; a form that holds one is matched by its exact text (``_needs_punct_check``).
    Done on bytes, where ``translate`` runs at memory speed.
    """
    return text.encode("latin-1", errors="replace").translate(_BOUNDARY_TABLE).decode("latin-1")


def _needs_punct_check(key: str) -> bool:
    """Whether a normalised form holds characters the boundary text turns into spaces (pass@k, C++)."""
    return boundary_text(key) != key


def _compile_entries(entries: list[tuple[str | None, frozenset[str] | None, str]]):
    """``(slug, None)`` when any match of the key is the term; else ``(None, checks)`` tried in order."""
    if len(entries) == 1 and entries[0][0] is None and entries[0][1] is None:
        return entries[0][2], None
    # exact-case entries first, then the case-insensitive one
    return None, tuple(sorted(entries, key=lambda e: e[1] is None))


def _check(checks, written: str) -> str | None:
    norm = None
    for punct, exact, slug in checks:
        if punct is not None:
            norm = norm if norm is not None else _SPACES.sub(" ", normalise(written))
            if norm != punct:
                continue
        if exact is not None and _case_norm(written) not in exact:
            continue
        return slug
    return None


@dataclass
class Linker:
    """Compiled glossary forms; build once (per glossary / store version), call many times."""

    terms: list[TermForms]
    link_headings: bool = False
    conflicts: list[Conflict] = field(default_factory=list)

    def __post_init__(self) -> None:
        table: dict[str, list[_Entry]] = {}
        for t in sorted(self.terms, key=lambda t: t.slug):
            groups = [(f, False, True) for f in (t.label, *t.aliases)]
            groups += [(f, True, True) for f in t.acronyms]
            groups += [(f, False, False) for f in t.variants]
            for form, acronym, written in groups:
                key = form_key(form)
                if not key:
                    continue
                exact = is_exact(form, acronym)
                entries = table.setdefault(key, [])
                mine = next((e for e in entries if e.slug == t.slug), None)
                if mine is None:
                    entries.append(_Entry(t.slug, frozenset([_case_norm(form)]) if exact else None, written))
                    continue
                mine.written = mine.written or written
                if mine.exact is not None:
                    mine.exact = mine.exact | {_case_norm(form)} if exact else None
        # The automaton runs over a boundary-normalised copy of the text (every character that is
        # not part of a word becomes a space, see ``boundary_text``) with keys that start with a
        # space, so that it only reports matches that start a word.
        by_key: dict[str, list[tuple[str | None, frozenset[str] | None, str]]] = {}
        for key, entries in table.items():
            punct = key if _needs_punct_check(key) else None
            for e in self._resolve_conflicts(key, entries):
                by_key.setdefault(" " + boundary_text(key), []).append((punct, e.exact, e.slug))
        keys = sorted(by_key)
        self._values = [_compile_entries(by_key[k]) for k in keys]
        self.size = len(keys)
        if keys:
            self._longest = ahocorasick_rs.AhoCorasick(keys, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
            self._all = ahocorasick_rs.AhoCorasick(keys)
            self._max_key = max(len(k) for k in keys)

    def _resolve_conflicts(self, key: str, entries: list[_Entry]) -> list[_Entry]:
        """One term per form and case: written forms beat generated ones; then the first slug wins."""
        if len(entries) < 2:
            return entries
        entries = sorted(entries, key=lambda e: (not e.written, e.slug))
        kept: list[_Entry] = []
        any_case_taken = False
        for e in entries:
            clash = next(
                (k for k in kept if k.exact is None or e.exact is None or (k.exact & e.exact)),
                None,
            )
            if clash is not None or (any_case_taken and e.exact is None):
                self.conflicts.append(Conflict(key, clash.slug if clash else kept[0].slug, e.slug))
                continue
            kept.append(e)
            any_case_taken = any_case_taken or e.exact is None
        # exact entries are tried first, then the case-insensitive one
        return sorted(kept, key=lambda e: e.exact is None)

    @classmethod
    def from_glossary(cls, glossary, **kwargs) -> Linker:
        """From parsed glossary records, generating the inflections with spaCy's data."""
        from kg.nlp.forms import variants_by_term

        variants = variants_by_term(glossary)
        terms = [
            TermForms(t.id, t.label, tuple(t.aliases), tuple(t.acronyms), tuple(variants[t.id]))
            for t in glossary.terms
        ]
        return cls(terms, **kwargs)

    @classmethod
    def from_rows(cls, rows: Iterable[dict], **kwargs) -> Linker:
        """From the store's glossary rows (``slug``, ``label``, ``aliases``, ``acronyms``, ``variants``)."""
        terms = [
            TermForms(
                r["slug"],
                r["label"],
                tuple(r.get("aliases") or ()),
                tuple(r.get("acronyms") or ()),
                tuple(r.get("variants") or ()),
            )
            for r in rows
        ]
        return cls(terms, **kwargs)

    # -- plain text ----------------------------------------------------------------
    def find(self, text: str, first_only: str | None = None) -> list[Span]:
        """Every term in plain text, as spans into ``text``."""
        spans = self._scan(text, 0, len(text), zones=True)
        if first_only:
            if first_only == "section":
                breaks = [m.start() for m in _PARA_BREAK.finditer(text)]
                spans = _first_only(spans, lambda s: _section_of(breaks, s.start))
            else:
                spans = _first_only(spans, lambda s: 0)
        return spans

    def _scan(self, text: str, lo: int, hi: int, zones: bool) -> list[Span]:
        """Matches in ``text[lo:hi]`` (offsets into ``text``)."""
        if not self.size or hi <= lo:
            return []
        seg = text[lo:hi] if (lo or hi != len(text)) else text
        low = normalise(seg)
        hay = " " + boundary_text(low)
        n = len(hay)
        values = self._values
        cands: list[tuple[int, int, str]] = []
        failed: list[tuple[int, int]] = []
        # Leftmost-longest matches first: few, and nearly always the answer.
        for k, start, end in self._longest.find_matches_as_indexes(hay):
            if end < n and hay[end] != " ":
                failed.append((start, end))  # must end a word, too
                continue
            slug, checks = values[k]
            if checks:
                slug = _check(checks, seg[start : end - 1])
                if slug is None:
                    failed.append((start, end))
                    continue
            cands.append((start, 1 - end, slug))  # hay has one leading space; sorts longest first
        # Where the longest match was no match, shorter ones starting inside it may be.
        for fs, fe in failed:
            window = hay[fs : fe + self._max_key]
            for k, start, end in self._all.find_matches_as_indexes(window, overlapping=True):
                start += fs
                end += fs
                if start >= fe or (end < n and hay[end] != " "):
                    continue
                slug, checks = values[k]
                if checks:
                    slug = _check(checks, seg[start : end - 1])
                    if slug is None:
                        continue
                cands.append((start, 1 - end, slug))
        if not cands:
            return []
        if failed:
            cands.sort()
        blocked = _zones(seg, low) if zones else []
        nb = len(blocked)
        zi = 0
        out: list[Span] = []
        last = -1
        new = tuple.__new__
        for start, neg_end, slug in cands:
            if start < last:
                continue
            end = -neg_end
            if nb:
                while zi < nb and blocked[zi][1] <= start:
                    zi += 1
                if zi < nb and blocked[zi][0] < end:
                    continue  # inside a URL, an e-mail address or `code`
            out.append(new(Span, (lo + start, lo + end, slug, seg[start:end])))
            last = end
        return out

    # -- HTML ----------------------------------------------------------------------
    def find_html(self, markup: str, first_only: str | None = None) -> list[Span]:
        """Every term in the text nodes of an HTML fragment or page (offsets into ``markup``)."""
        spans: list[Span] = []
        sections: list[int] = []
        for lo, hi, section in text_nodes(markup, link_headings=self.link_headings):
            found = self._scan_html_text(markup, lo, hi)
            spans.extend(found)
            sections.extend([section] * len(found))
        if first_only:
            keyed = dict(zip(spans, sections, strict=True)) if first_only == "section" else {}
            spans = _first_only(spans, lambda s: keyed.get(s, 0))
        return spans

    def _scan_html_text(self, markup: str, lo: int, hi: int) -> list[Span]:
        if "&" not in markup[lo:hi]:
            return self._scan(markup, lo, hi, zones=True)
        # Character references: match on the decoded text, report offsets into the markup.
        decoded, offsets = _decode_entities(markup[lo:hi])
        out = []
        for s in self._scan(decoded, 0, len(decoded), zones=True):
            start = lo + offsets[s.start]
            end = lo + offsets[s.end]
            out.append(Span(start, end, s.term, markup[start:end]))
        return out

    def annotate_html(self, markup: str, first_only: str | None = None) -> tuple[str, list[Span]]:
        """The markup with each match wrapped in ``<a class="kg-term" data-term="slug" href="/terms/slug">``."""
        spans = self.find_html(markup, first_only)
        return wrap(markup, spans), spans


def wrap(markup: str, spans: list[Span], href: str = "/terms/") -> str:
    """Wrap spans (sorted, non-overlapping, inside text nodes); every other byte is kept."""
    parts: list[str] = []
    pos = 0
    for s in spans:
        parts.append(markup[pos : s.start])
        slug = htmllib.escape(s.term, quote=True)
        parts.append(f'<a class="kg-term" data-term="{slug}" href="{href}{slug}">')
        parts.append(markup[s.start : s.end])
        parts.append("</a>")
        pos = s.end
    parts.append(markup[pos:])
    return "".join(parts)


def _zones(seg: str, low: str) -> list[tuple[int, int]]:
    """Where terms are never linked: URLs, e-mail addresses, inline `code` (sorted, merged)."""
    zones: list[tuple[int, int]] = []
    for marker, back in (("://", True), ("www.", False)):
        at = low.find(marker)
        while at >= 0:
            start = at
            if back:  # the scheme: letters before "://"
                while start > 0 and seg[start - 1].isascii() and seg[start - 1].isalpha():
                    start -= 1
            elif start > 0 and (seg[start - 1].isalnum() or seg[start - 1] in "./"):
                start = -1  # "www." inside a word or a URL already covered
            if start >= 0 and (not back or start < at):
                m = _URL_REST.match(seg, at)
                zones.append((start, m.end()))
                at = m.end()
            at = low.find(marker, at + 1)
    if "`" in seg:
        zones += [(m.start(), m.end()) for m in _CODE.finditer(seg)]
    at = seg.find("@")
    while at > 0:
        m = _EMAIL_AFTER.match(seg, at)
        start = at
        while start > 0 and (seg[start - 1].isalnum() or seg[start - 1] in "._+-"):
            start -= 1
        if m and start < at:
            zones.append((start, m.end()))
        at = seg.find("@", at + 1)
    if len(zones) < 2:
        return zones
    zones.sort()
    merged = [zones[0]]
    for a, b in zones[1:]:
        if a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _first_only(spans: list[Span], section_of) -> list[Span]:
    seen: set[tuple[object, str]] = set()
    out = []
    for s in spans:
        key = (section_of(s), s.term)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _section_of(breaks: list[int], pos: int) -> int:
    import bisect

    return bisect.bisect_right(breaks, pos)


_ENTITY = re.compile(r"&(?:#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};?)")


def _decode_entities(text: str) -> tuple[str, list[int]]:
    """Decoded text, and for each decoded position (and the end) its offset in ``text``."""
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _ENTITY.finditer(text):
        parts.append(text[pos : m.start()])
        offsets.extend(range(pos, m.start()))
        ch = htmllib.unescape(m.group())
        if ch == m.group():  # not a known reference: keep it as text
            parts.append(ch)
            offsets.extend(range(m.start(), m.end()))
        else:
            parts.append(ch)
            offsets.extend([m.start()] * len(ch))
        pos = m.end()
    parts.append(text[pos:])
    offsets.extend(range(pos, len(text) + 1))
    decoded = "".join(parts)
    # a span may not end inside a reference: the end of a decoded char is the start of the next
    return decoded, offsets


# -- HTML text nodes -------------------------------------------------------------------
_SKIP = frozenset(
    "a code pre kbd samp var tt script style textarea title button select option optgroup label svg math "
    "noscript template iframe object head".split()
)
_RAW = frozenset("script style textarea title xmp plaintext noscript".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_SECTIONING = frozenset("section article aside nav body main".split()) | _HEADINGS
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Possessive quantifiers: an unterminated tag ('<' and 100 kB of letters) fails in linear time
# instead of trying every split between the name and the attributes (minutes of backtracking).
_TAG = re.compile(
    r"<(?:(?P<close>/)?(?P<name>[A-Za-z][A-Za-z0-9:-]*+)(?P<attrs>(?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+)>"
    r"|!--.*?(?:-->|\Z)|!\[CDATA\[.*?(?:\]\]>|\Z)|[!?][^>]*(?:>|\Z))",
    re.DOTALL,
)


def text_nodes(markup: str, link_headings: bool = False) -> Iterator[tuple[int, int, int]]:
    """``(start, end, section)`` of each linkable text run in HTML, skipping what must not be linked.

    A tolerant scanner, not a parser: tags (with quoted attribute values),
    comments, CDATA and declarations are stepped over; raw-text elements
    (script, style, textarea, title) are skipped to their end tag; an element
    that must not be linked (or is marked ``data-kg-skip`` / ``kg-skip``) blocks
    everything up to its end tag. A ``<`` that starts no tag is text.
    """
    skip = _SKIP if link_headings else _SKIP | _HEADINGS
    depth: dict[str, int] = {}
    blocked = 0
    section = 0
    pos = 0
    n = len(markup)
    while pos < n:
        lt = markup.find("<", pos)
        if lt < 0:
            lt = n
        if lt > pos and not blocked:
            yield pos, lt, section
        if lt >= n:
            return
        m = _TAG.match(markup, lt)
        if m is None:
            # '<' that opens no tag: literal text; an unterminated tag swallows the rest
            if lt + 1 < n and markup[lt + 1].isalpha() or markup.startswith("</", lt):
                return
            nxt = markup.find("<", lt + 1)
            end = n if nxt < 0 else nxt
            if not blocked:
                yield lt, end, section
            pos = end
            continue
        pos = m.end()
        name = m.group("name")
        if name is None:
            continue
        name = name.lower()
        if m.group("close"):
            if depth.get(name):
                depth[name] -= 1
                blocked -= 1
            continue
        attrs = m.group("attrs") or ""
        if name in _SECTIONING:
            section += 1
        if name in _RAW:
            close = _raw_end(name).search(markup, pos)
            pos = close.end() if close else n
            continue
        if attrs.rstrip().endswith("/") or name in _VOID:
            continue
        if depth.get(name) or name in skip or ("kg-skip" in attrs and _SKIP_ATTR.search(attrs)):
            depth[name] = depth.get(name, 0) + 1
            blocked += 1


_SKIP_ATTR = re.compile(r"\bdata-kg-skip\b|\bkg-skip\b")


@cache
def _raw_end(name: str) -> re.Pattern[str]:
    return re.compile(r"</" + re.escape(name) + r"\s*>", re.IGNORECASE)
