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

Matching is an Aho-Corasick automaton (``ahocorasick-rs``) over a lower-cased,
boundary-normalised copy of the text of the same length (as Latin-1 bytes, one a
character), so offsets are offsets into the input as given.
"""

from __future__ import annotations

import bisect
import gc
import html as htmllib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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
_GC_PAUSE_CHARS = 50_000  # texts this long are scanned with the cyclic garbage collector paused
_PARA_BREAK = re.compile(r"\n[ \t]*\n")
# Joins HTML text nodes for one scan: a line break ends URLs, e-mail addresses and `code`; the NUL keeps
# two nodes from reading as one word or one form (it is no space, so no form can span it).
_NODE_SEP = "\n\x00"


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


def _lower(text: str) -> str:
    """Lower case, keeping the length."""
    low = text.lower()
    if len(low) != len(text):  # a few characters lower-case to two ('İ'): keep those as they are
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low


def normalise(text: str) -> str:
    """Lower-case and unify hyphens/spaces/apostrophes, keeping the length."""
    low = _lower(text)
    for old, new in _REPLACE:
        if old in low:
            low = low.replace(old, new)
    return low


def form_key(form: str) -> str:
    return _SPACES.sub(" ", normalise(form)).strip()


_WORD_SPLIT = re.compile(r"[\s\-/]+")


def is_exact(form: str, acronym: bool = False) -> bool:
    """Whether a form matches only with its own capitalisation."""
    if acronym or len(form) <= 3:
        return True
    if form.islower():  # no capital at all (most forms): no word of capitals
        return False
    for word in _WORD_SPLIT.split(form):
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


# Lower case and boundaries in one table: a Latin-1 letter or digit becomes its lower case, anything
# else a space. (Characters outside Latin-1 are boundaries: ``encode`` makes them "?".)
_LOWER_BOUNDARY_TABLE = bytes(
    ord(chr(c).lower()) if c in _WORD_BYTES else 0x20 for c in range(256)
)
# The only characters outside Latin-1 whose lower case is in it: with one of them, lower-case as str first.
_LOWER_INTO_LATIN1 = ("\u0178", "\u1e9e", "\u212a", "\u212b")


def _haystack(seg: str) -> bytes:
    """``" " + boundary_text(normalise(seg)) + " "`` as Latin-1 bytes, computed in two C passes.

    Lower case is all the automaton needs from ``normalise``: hyphens, quotes and every kind of
    space are boundaries, hence spaces, either way.
    """
    text = " " + seg + " "
    if any(c in seg for c in _LOWER_INTO_LATIN1):
        return _lower(text).encode("latin-1", errors="replace").translate(_BOUNDARY_TABLE)
    return text.encode("latin-1", errors="replace").translate(_LOWER_BOUNDARY_TABLE)


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
        # (``exact`` holds normalised forms; normalising one changes nothing, so a form written
        # exactly as stored needs no normalising: the common case, "RL" for "RL")
        if exact is not None and written not in exact and _case_norm(written) not in exact:
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
        self._keys = keys
        self._values = [_compile_entries(by_key[k]) for k in keys]
        self._slugs = [v[0] for v in self._values]  # the term, or None where the match must be checked
        self.size = len(keys)
        if keys:
            # Boundary text is Latin-1 by construction: the automata run over its bytes, one byte a
            # character, so their offsets are character offsets with no conversion.
            raw = [k.encode("latin-1") for k in keys]
            self._longest = ahocorasick_rs.BytesAhoCorasick(raw, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
            self._all = ahocorasick_rs.BytesAhoCorasick(raw)
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
        with _collector_paused(hi - lo):
            return self._scan_text(text, lo, hi, zones)

    def _scan_text(self, text: str, lo: int, hi: int, zones: bool) -> list[Span]:
        seg = text[lo:hi] if (lo or hi != len(text)) else text
        # one leading space (keys start with one: matches start a word) and one trailing (every end is checked)
        hay = _haystack(seg)
        values = self._values
        new = tuple.__new__
        out: list[Span] = []
        append = out.append
        failed: list[tuple[int, int]] = []
        # Leftmost-longest matches first: few, and nearly always the answer. They come sorted and
        # never overlap, so where none fails they are the answer as they are.
        slugs = self._slugs
        for k, start, end in self._longest.find_matches_as_indexes(hay):
            if hay[end] != 32:  # a space
                failed.append((start, end))  # must end a word, too
                continue
            end -= 1  # hay has one leading space
            slug = slugs[k]
            if slug is None:
                slug = _check(values[k][1], seg[start:end])
                if slug is None:
                    failed.append((start, end + 1))
                    continue
            append(new(Span, (start, end, slug, seg[start:end])))
        if not out and not failed:
            return []
        blocked = _zones(seg, hay) if zones else None
        if blocked:  # dropping what lies in a URL or code before choosing among overlaps chooses the same
            out = _outside(out, blocked)
        if failed:
            out = self._with_shorter(seg, hay, out, failed, blocked)
        if lo:
            out = [new(Span, (lo + sp[0], lo + sp[1], sp[2], sp[3])) for sp in out]
        return out

    def _with_shorter(
        self, seg: str, hay: str, found: list[Span], failed: list[tuple[int, int]], blocked: list | None
    ) -> list[Span]:
        """Where the longest match was no match, shorter ones starting inside it may be.

        ``found``: the valid longest matches (sorted, never overlapping, outside ``blocked``). The
        shorter candidates are merged in: all candidates in order of start, longest first, each taken
        unless it overlaps one taken before. Only the neighbourhood of each candidate is looked at.
        """
        values = self._values
        extras: list[tuple[int, int, str]] = []
        for fs, fe in failed:
            if hay.find(b" ", fs + 1, fe) < 0:
                # One word ("agent" in "agentic"): every other form starting inside it is shorter and
                # ends inside the same word, so none is a match. (Forms start at a space.)
                continue
            window = hay[fs : fe + self._max_key]
            for k, start, end in self._all.find_matches_as_indexes(window, overlapping=True):
                start += fs
                end += fs
                if start >= fe or hay[end] != 32:
                    continue
                slug, checks = values[k]
                if checks:
                    slug = _check(checks, seg[start : end - 1])
                    if slug is None:
                        continue
                extras.append((start, 1 - end, slug))
        if blocked:
            extras = [e for e in extras if not _blocked(blocked, e[0], -e[1])]
        if not extras:
            return found
        extras.sort()
        new = tuple.__new__
        starts = [sp[0] for sp in found]
        nf = len(found)
        out: list[Span] = []
        last = -1
        fi = 0
        for start, neg_end, slug in extras:
            # no found match starts where an extra does: extras start inside failed matches, which the
            # leftmost-longest scan stepped over
            j = bisect.bisect_left(starts, start, fi)
            k = fi
            while k < j and found[k][0] < last:
                k += 1
            if k < j:
                out.extend(found[k:j])
                last = found[j - 1][1]
            fi = max(fi, j)
            if start >= last:
                end = -neg_end
                out.append(new(Span, (start, end, slug, seg[start:end])))
                last = end
        while fi < nf and found[fi][0] < last:
            fi += 1
        out.extend(found[fi:])
        return out

    # -- HTML ----------------------------------------------------------------------
    def find_html(self, markup: str, first_only: str | None = None) -> list[Span]:
        """Every term in the text nodes of an HTML fragment or page (offsets into ``markup``).

        The text nodes (character references decoded) are joined with a separator no match,
        URL, e-mail address or code span can cross (a line break and a NUL) and scanned at once:
        the same matches as scanning each node alone, without the cost of a scan per node.
        """
        with _collector_paused(len(markup)):
            return self._find_html(markup, first_only)

    def _find_html(self, markup: str, first_only: str | None) -> list[Span]:
        parts: list[str] = []
        starts: list[int] = []
        maps: list[tuple[int, list[int] | None, int]] = []
        pos = 0
        for lo, hi, section in text_nodes(markup, link_headings=self.link_headings):
            piece = markup[lo:hi]
            offsets = None
            if "&" in piece:  # character references: match on the decoded text, report markup offsets
                piece, offsets = _decode_entities(piece)
            starts.append(pos)
            maps.append((lo, offsets, section))
            parts.append(piece)
            pos += len(piece) + len(_NODE_SEP)
        if not parts:
            return []
        joined = _NODE_SEP.join(parts)
        spans: list[Span] = []
        append = spans.append
        sections: list[int] = []
        new = tuple.__new__
        i = -1
        last = len(starts) - 1
        next_start = 0
        base = shift = section = lo = 0
        offsets = None
        for sp in self._scan(joined, 0, len(joined), zones=True):
            if sp[0] >= next_start:  # the span is in a later node
                while i < last and starts[i + 1] <= sp[0]:
                    i += 1
                base = starts[i]
                lo, offsets, section = maps[i]
                shift = lo - base
                next_start = starts[i + 1] if i < last else len(joined) + 1
            if offsets is None:
                append(new(Span, (sp[0] + shift, sp[1] + shift, sp[2], sp[3])))
            else:
                start, end = lo + offsets[sp[0] - base], lo + offsets[sp[1] - base]
                append(new(Span, (start, end, sp[2], markup[start:end])))
            sections.append(section)
        if first_only:
            keyed = dict(zip(spans, sections, strict=True)) if first_only == "section" else {}
            spans = _first_only(spans, lambda s: keyed.get(s, 0))
        return spans

    def annotate_html(self, markup: str, first_only: str | None = None) -> tuple[str, list[Span]]:
        """The markup with each match wrapped in ``<a class="kg-term" data-term="slug" href="/terms/slug">``."""
        with _collector_paused(len(markup)):
            spans = self.find_html(markup, first_only)
            return wrap(markup, spans), spans


@contextmanager
def _collector_paused(size: int):
    """Pause the cyclic garbage collector while a long text is linked.

    A long text makes tens of thousands of tuples that hold no cycles, which the collector would
    walk over and over; it runs again right after. Short texts, and a collector someone else
    switched off, are left alone.
    """
    if size < _GC_PAUSE_CHARS or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def wrap(markup: str, spans: list[Span], href: str = "/terms/") -> str:
    """Wrap spans (sorted, non-overlapping, inside text nodes); every other byte is kept."""
    parts: list[str] = []
    append = parts.append
    tags: dict[str, str] = {}
    pos = 0
    for start, end, term, _text in spans:
        append(markup[pos:start])
        tag = tags.get(term)
        if tag is None:
            slug = htmllib.escape(term, quote=True)
            tag = tags[term] = f'<a class="kg-term" data-term="{slug}" href="{href}{slug}">'
        append(tag)
        append(markup[start:end])
        append("</a>")
        pos = end
    parts.append(markup[pos:])
    return "".join(parts)


def _zones(seg: str, hay: bytes | None = None) -> list[tuple[int, int]]:
    """Where terms are never linked: URLs, e-mail addresses, inline `code` (sorted, merged).

    ``hay``: the haystack of ``seg`` (lower case), to look for "www." without lower-casing ``seg``.
    """
    if hay is None:
        hay = _haystack(seg)
    zones: list[tuple[int, int]] = []
    for marker, back in (("://", True), ("www.", False)):
        at = _find_marker(seg, hay, marker, 0)
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
            at = _find_marker(seg, hay, marker, at + 1)
    if "`" in seg:
        zones += [(m.start(), m.end()) for m in _CODE.finditer(seg)]
    at = seg.find("@")
    while at >= 0:
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


def _find_marker(seg: str, hay: bytes, marker: str, pos: int) -> int:
    """The next "://" in ``seg``, or "www." in any case (found in the lower-cased ``hay``)."""
    if marker == "://":
        return seg.find(marker, pos)
    at = hay.find(b"www", pos + 1)  # hay is seg shifted by one
    while at >= 0:
        if seg[at + 2 : at + 3] == ".":
            return at - 1
        at = hay.find(b"www", at + 1)
    return -1


def _blocked(blocked: list[tuple[int, int]], start: int, end: int) -> bool:
    i = bisect.bisect_right(blocked, (start, float("inf"))) - 1
    if i >= 0 and blocked[i][1] > start:
        return True
    return i + 1 < len(blocked) and blocked[i + 1][0] < end


def _outside(spans: list[Span], blocked: list[tuple[int, int]]) -> list[Span]:
    """The spans that touch no blocked zone (both sorted; spans never overlap). Zones are few:
    each is looked up by bisection and the spans it touches are cut out."""
    starts = [sp[0] for sp in spans]
    out = spans
    cuts: list[tuple[int, int]] = []
    for a, b in blocked:
        i = bisect.bisect_left(starts, a)
        if i > 0 and spans[i - 1][1] > a:
            i -= 1  # a span that starts before the zone and runs into it
        j = bisect.bisect_left(starts, b, i)
        if i < j:
            cuts.append((i, j))
    if cuts:
        out = list(spans)
        for i, j in reversed(cuts):
            del out[i:j]
    return out


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
