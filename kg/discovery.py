"""Discovery: terms the corpus uses that the glossary lacks, ranked for editors.

``candidate_terms(store)`` is what ``kg gaps terms`` prints and what the editor
page shows. It reads every text of the corpus (``GraphStore.corpus_texts``: chapter
titles and summaries, episode summaries, takeaways, reading notes, review
paragraphs, topic summaries) with spaCy's blank English pipeline (the ML-name
tokenizer rules of :mod:`kg.nlp.entities`, a sentencizer, a ``Matcher``) and
spaCy's word lists (:mod:`kg.nlp.lexicon`) in place of a tagger. Evidence that a
phrase is a term, strongest first:

* ``defined``: the text defines it: ``'X' is …``, ``'X': …``, ``'X' — …``,
  ``'X', where …``, ``'X' (…)``, ``defines|coins|calls (this) 'X'``; or, found with a
  spaCy ``Matcher``, ``a system called X``, ``known as X``, ``dubbed X``, ``we call this
  X``; or a sentence that opens with ``X: …``;
* ``quoted``: a quoted coinage ('cliff token', "capability spillover"): one to five
  words, no sentence (no comma, no leading function word); a single quoted word
  counts only when it is not an ordinary English word (scare quotes such as
  'stingy' do not);
* ``name``: a name by its shape (CamelCase, a capital with digits, a hyphenated name
  with capitals or digits, an acronym; :mod:`kg.nlp.entities`), a run of two to four
  capitalised words inside a sentence, or a capitalised word inside a sentence
  that is not an English word (``Kahneman``);
* ``phrase``: a recurring noun phrase: two to four words, none a function word,
  the last one able to be a noun and none only a verb or adverb (by spaCy's lemma
  index), seen at least twice.

Never candidates: anything the glossary already links (labels, aliases, acronyms,
inflections, with the linker's rules), phrases made only of generic words ("the
paper", "this episode", "same model", "honest catch"), sentences repeated
verbatim across three or more texts (boilerplate), episode numbers.

Every candidate's uses are then counted with the glossary linker's own rules (so
the count is what linking it would find), outside the glossary's own matches. Its
score::

    score = evidence x (1 + log2(count)) x (1 + 0.5 x log2(1 + episodes))

with evidence 3 for defined or quoted, 1.5 for a name, 1 for a phrase (+0.5 for
each further kind of evidence). ``episodes`` counts distinct episodes: the
episode a chapter, summary, takeaway or reading item belongs to, and the episodes
a review paragraph cites. The suggested definition is the sentence that defines
the term, when one does.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS

from kg.nlp.entities import GENERIC_ACRONYMS, default_nlp
from kg.nlp.forms import generated_forms, lemmatize_noun
from kg.nlp.lexicon import categories, is_word
from kg.nlp.linker import Linker, TermForms, form_key

EVIDENCE_WEIGHT = {"defined": 3.0, "quoted": 3.0, "name": 1.5, "phrase": 1.0}
MAX_CONTEXTS = 3
_MAX_RUN = 12  # longest run of content words searched for noun phrases
MAX_DEFINITION_CHARS = 400

GENERIC_WORDS = frozenset(
    """paper papers episode episodes author authors result results study studies work works way ways thing things
    time times point points part parts lot lots kind kinds number numbers fact facts case cases example examples
    question questions idea ideas version versions side sides end ends week weeks year years today field fields
    host hosts listener listeners podcast show section sections chapter chapters takeaway takeaways reading review
    reviews summary summaries headline headlines catch twist payoff finding findings claim claims problem problems
    approach approaches method methods model models system systems data task tasks step steps set sets piece pieces
    half rest sort bit type types form forms place places reason reasons answer answers line lines move moves win
    wins gain gains score scores percent percentage margin margins baseline baselines experiment experiments
    evidence caveat caveats seam seams limit limits critique critiques sense view views people everyone nobody
    anyone something anything nothing everything lesson lessons story stories look term terms word words name names
    detail details mind minutes minute hour hours day days month months list lists table figure figures
    researchers researcher team teams field work""".split()
)
GENERIC_MODIFIERS = frozenset(
    """same other first second third fourth fifth new old big small single whole real actual simple different main
    key full entire specific certain honest general good bad best better worse worst high low large huge tiny next
    last previous final early late recent own exact clean strong weak hard easy long short deep open free true false
    clear major minor many much more most several few various overall original standard typical common classic
    famous important interesting surprising notable key central core basic broad wide narrow little great whole
    obvious fresh modest quick slow fast cheap expensive right wrong""".split()
)
_FUNCTION_WORDS = frozenset("of and in for to on with by at from or as via per vs".split())
_PARTICLES = frozenset("inside outside versus despite alongside amid toward towards upon onto like unlike".split())
_E_REF = re.compile(r"\bE(\d{1,6})\b")

_QUOTE = re.compile(r"(?<![\w'’‘\"“”])(['‘\"“])([^'‘’\"“”\n]{2,60}?)(['’\"”])(?![\w])")
_AFTER_DEFINES = re.compile(
    r"^\s*(?:[:—–(]|--|[,:]?\s*(?:where|meaning|i\.e\.|that is|in which)\b|\s*(?:is|are|means|refers to)\b"
    r"|\s*as (?:a|an|the)\b)"
)
_BEFORE_DEFINES = re.compile(
    r"\b(?:defines?|defined|coins?|coined|calls?|called|dubs?|dubbed|terms?|termed|known as|names?|named)"
    r"(?:\s+(?:this|it|them|that|these|the))?\s*$",
    re.IGNORECASE,
)
_EPISODE_REF = re.compile(r"^E\d+$")
_HEAD_SPLIT = re.compile(r"[\s]+")


@dataclass
class _Occurrence:
    unit: int
    start: int
    end: int


@dataclass
class _Candidate:
    key: str
    surfaces: Counter = field(default_factory=Counter)
    evidence: set[str] = field(default_factory=set)
    definitions: list[tuple[int, int, str]] = field(default_factory=list)  # (priority, unit, sentence)


def candidate_terms(store, limit: int = 100) -> list[dict[str, Any]]:
    """Terms used in the corpus with no glossary entry, best first (see the module docstring).

    Each item: ``{"term", "count", "episodes", "score", "contexts": [{"text", "source", "url"}],
    "suggested_definition"}``.
    """
    return find_candidates(store.corpus_texts(), store.glossary(), limit=limit)


def find_candidates(
    texts: Iterable[dict[str, Any]], glossary: Iterable[dict[str, Any]], limit: int = 100, nlp=None
) -> list[dict[str, Any]]:
    """``texts``: rows as ``GraphStore.corpus_texts`` gives them; ``glossary``: ``GraphStore.glossary`` rows."""
    nlp = nlp if nlp is not None else default_nlp()
    units = [u for u in texts if isinstance(u.get("text"), str) and u["text"].strip()]
    glossary = list(glossary)
    gloss_linker = Linker.from_rows(glossary)
    gloss_keys = _glossary_keys(glossary)
    docs = list(nlp.pipe([u["text"] for u in units]))
    cues = _cue_matcher(nlp.vocab)
    boiler = _boilerplate(docs, units)
    covered = [[(s.start, s.end) for s in gloss_linker.find(u["text"])] for u in units]
    cands: dict[str, _Candidate] = {}

    def add(surface: str, kind: str, unit: int, sentence=None, priority: int | None = None) -> None:
        surface = " ".join(surface.split()).strip(" ,.;:!?-–—'\"’‘“”()")
        key = _candidate_key(surface)
        if not key or _rejected(surface, key, gloss_keys):
            return
        c = cands.setdefault(key, _Candidate(key))
        c.surfaces[surface] += 1
        c.evidence.add(kind)
        if priority is not None and sentence is not None:
            c.definitions.append((priority, unit, _clip(sentence.text)))

    for ui, (u, doc) in enumerate(zip(units, docs, strict=True)):
        text = u["text"]
        spans = covered[ui]
        names = [e for e in doc.ents if e.label_ == "NAME"]
        cue_ends = sorted({end for _id, _start, end in cues(doc)})
        for sent in doc.sents:
            if sent.text.strip() in boiler:
                continue
            title_case = u.get("kind") == "reading"  # "Title: note": titles capitalise every word
            _quoted(text, sent, ui, spans, add)
            _cued(doc, cue_ends, sent, ui, spans, add, opening=not title_case)
            _names(doc, names, sent, ui, spans, add, runs=not title_case)
            _phrases(doc, text, sent, ui, spans, add)
    return _rank(cands, units, docs, covered, gloss_keys, limit)


# -- evidence ---------------------------------------------------------------------------
def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) lies inside one of ``spans`` (sorted, never overlapping: linker output)."""
    i = bisect.bisect_right(spans, (start, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= start and end <= spans[i][1]


def _quoted(text: str, sent, ui: int, spans, add) -> None:
    lo, hi = sent.start_char, sent.end_char
    for m in _QUOTE.finditer(text, lo, hi):
        inner = m.group(2).strip()
        trimmed = inner.rstrip(",.;:!?")
        if not trimmed or _inside(spans, m.start(2), m.start(2) + len(trimmed)) or not _coinage(trimmed):
            continue
        after = text[m.end() : m.end() + 24]
        before = text[max(lo, m.start() - 24) : m.start()]
        defined = bool(_AFTER_DEFINES.match(after) or _BEFORE_DEFINES.search(before))
        add(trimmed, "quoted", ui)
        if defined:
            add(trimmed, "defined", ui, sent, 0)


def _coinage(inner: str) -> bool:
    """A quoted phrase that may be a term: 1-5 words, no sentence, no symbols; one word only if not plain English."""
    if any(ch in inner for ch in ",=+%<>/\\()[]{}") or any(ch.isdigit() for ch in inner[:1]):
        return False
    words = inner.split()
    if not 1 <= len(words) <= 5:
        return False
    low = [w.lower() for w in words]
    if low[0] in STOP_WORDS or low[-1] in STOP_WORDS:
        return False
    if any(w in STOP_WORDS and w not in _FUNCTION_WORDS for w in low[1:-1]):
        return False
    if len(words) == 1:
        w = low[0]
        return "-" in w or not is_word(w)
    return True


def _cue_matcher(vocab):
    """spaCy ``Matcher`` patterns of the words that introduce a name or a coinage."""
    from spacy.matcher import Matcher

    matcher = Matcher(vocab)
    matcher.add("CALLED", [[{"LOWER": {"IN": ["called", "dubbed", "termed", "coined", "nicknamed", "named"]}}]])
    matcher.add("KNOWN_AS", [[{"LOWER": "known"}, {"LOWER": "as"}]])
    matcher.add("REFERRED_TO_AS", [[{"LOWER": "referred"}, {"LOWER": "to"}, {"LOWER": "as"}]])
    this = {"LOWER": {"IN": ["this", "it", "that", "them"]}}
    matcher.add("CALL_THIS", [[{"LOWER": {"IN": ["call", "calls"]}}, this]])
    return matcher


def _cued(doc, cue_ends: list[int], sent, ui: int, spans, add, opening: bool = True) -> None:
    """``a system called AutoCog``, ``known as X``, ``we call this X``; and a sentence opening with ``X: …``.

    ``cue_ends``: where the cue matches of the doc end (the name follows).
    """
    lo, hi = sent.start, sent.end
    for j in cue_ends:
        if not lo < j < hi:
            continue
        k = j
        if doc[j].text[:1].isupper():  # a name: its capitalised run
            while k < hi and k - j < 4 and doc[k].text[:1].isupper():
                k += 1
        else:  # content words, up to one that can only be a verb ("designed")
            while k < hi and k - j < 4 and _content(doc[k]) and categories(doc[k].lower_) & {"noun", "adj"}:
                k += 1
        if k > j:
            span = doc[j:k]
            if not _inside(spans, span.start_char, span.end_char):
                add(span.text, "defined", ui, sent, 1)
    # "Capability spillover: the untrained base model inherits …"
    if not opening:
        return
    k = lo
    while k < hi and k - lo < 4 and _content(doc[k]):
        k += 1
    if lo < k < hi - 1 and doc[k].text == ":":
        span = doc[lo:k]
        if not _inside(spans, span.start_char, span.end_char) and not all(
            t.lower_ in GENERIC_WORDS | GENERIC_MODIFIERS for t in span
        ):
            add(span.text, "defined", ui, sent, 2)


def _content(tok) -> bool:
    return (tok.is_alpha or "-" in tok.text and tok.text.strip("-").replace("-", "").isalnum()) and (
        tok.lower_ not in STOP_WORDS
    )


def _names(doc, names, sent, ui: int, spans, add, runs: bool = True) -> None:
    for ent in names:
        if not (sent.start <= ent.start < sent.end):
            continue
        if ent.text.upper() in GENERIC_ACRONYMS or _EPISODE_REF.match(ent.text):
            continue
        if not _inside(spans, ent.start_char, ent.end_char):
            add(ent.text, "name", ui)
    # capitalised words inside a sentence: runs of 2-4 ("Red Queen Gödel Machine"), or one that is not English
    if not runs:
        return
    i = sent.start + 1
    while i < sent.end:
        if not _capitalised(doc[i]) or doc[i - 1].text in (":", "—", "–", "(", '"', "“", "'", "‘"):
            i += 1
            continue
        j = i
        while j < sent.end and j - i < 4 and _capitalised(doc[j]):
            j += 1
        span = doc[i:j]
        if not _inside(spans, span.start_char, span.end_char):
            if j - i >= 2 or not is_word(span.text):
                add(span.text, "name", ui)
        i = j


def _capitalised(tok) -> bool:
    return tok.is_alpha and tok.text[:1].isupper() and tok.text[1:].islower() and len(tok.text) > 1


def _phrases(doc, text: str, sent, ui: int, spans, add) -> None:
    """Noun-phrase-like runs of 2-4 lower-case content words (a hyphenated compound counts as one word)."""
    units: list[tuple[int, int]] = []  # token ranges of word units in the sentence
    i = sent.start
    while i < sent.end:
        j = i + 1
        # "load-aware" is three tokens written without spaces: one unit
        while j + 1 < sent.end and doc[j].text == "-" and not doc[j - 1].whitespace_ and not doc[j].whitespace_:
            j += 2
        units.append((i, j))
        i = j
    run: list[tuple[int, int]] = []

    def flush() -> None:
        if len(run) > _MAX_RUN:
            return  # a dozen content words in a row is a list or a run-on string, not a noun phrase
        words = [doc[a:b].text for a, b in run]
        # leading generic modifiers and superlatives are no part of a term: "better Pareto frontier"
        lead = 0
        while lead < len(words) and (words[lead] in GENERIC_MODIFIERS or _superlative(words[lead])):
            lead += 1
        seg_all = run[lead:]
        for size in (4, 3, 2):
            for s in range(0, len(seg_all) - size + 1):
                seg = seg_all[s : s + size]
                start = doc[seg[0][0]].idx
                last = doc[seg[-1][1] - 1]
                end = last.idx + len(last.text)
                if _inside(spans, start, end):
                    continue
                if _np_like([doc[a:b].text for a, b in seg]):
                    add(text[start:end], "phrase", ui)  # (doc.text joins every token on each call)

    for a, b in units:
        if _word_unit(doc[a:b]):
            run.append((a, b))
        else:
            if len(run) >= 2:
                flush()
            run = []
    if len(run) >= 2:
        flush()


def _superlative(word: str) -> bool:
    return word.endswith("est") and categories(word) == frozenset({"adj"})


def _word_unit(span) -> bool:
    text = span.text
    if text in STOP_WORDS or text in _PARTICLES or len(text) < 2 or not text.islower():
        return False
    parts = text.split("-")
    if not all(p.isalpha() for p in parts):
        return False
    cats = categories(parts[-1])
    return not cats or bool(cats & {"noun", "adj"})  # a verb or adverb only ("came", "quickly") ends a run


def _np_like(words: list[str]) -> bool:
    head = words[-1].split("-")[-1]
    if head in GENERIC_WORDS:
        return False
    head_cats = categories(head)
    if head_cats and "noun" not in head_cats:
        return False
    first = words[0].split("-")[-1]
    if first.endswith(("ed", "s")) and "verb" in categories(first):
        return False  # "designed psychology", "boosts tool correctness": a verb form, then its object
    for prev, word in zip(words, words[1:], strict=False):
        prev, word = prev.split("-")[-1], word.split("-")[-1]
        cats, prev_cats = categories(word), categories(prev)
        if "verb" not in cats or "noun" not in prev_cats or "adj" in prev_cats:
            continue
        # "paper attacks", "accuracy carries", "cliffs come": a noun, then a verb, is a clause, not a term
        if word.endswith("s") or (prev.endswith("s") and not word.endswith("s")):
            return False
    return True


# -- filtering and ranking ---------------------------------------------------------------
def _candidate_key(surface: str) -> str:
    key = form_key(surface)
    words = key.split(" ")
    if words and words[-1].isalpha():
        words[-1] = lemmatize_noun(words[-1])
    return " ".join(words)


def _glossary_keys(glossary: list[dict[str, Any]]) -> set[str]:
    keys: set[str] = set()
    for r in glossary:
        for f in [r["label"], *r.get("aliases", []), *r.get("acronyms", []), *r.get("variants", [])]:
            keys.add(form_key(f))
            keys.add(_candidate_key(f))
    return keys


def _rejected(surface: str, key: str, gloss_keys: set[str]) -> bool:
    if len(key) < 3 or key in gloss_keys or form_key(surface) in gloss_keys:
        return True
    if _EPISODE_REF.match(surface) or not any(c.isalpha() for c in surface):
        return True
    words = [w for w in re.split(r"[\s-]+", key) if w]
    generic = [w in GENERIC_WORDS or w in GENERIC_MODIFIERS or w in _FUNCTION_WORDS for w in words]
    if all(generic):
        return True
    # a glossary term with only generic words around it: "best aggregation", "same policy"
    return any(generic) and all(g or w in gloss_keys for g, w in zip(generic, words, strict=True))


def _boilerplate(docs, units) -> set[str]:
    """Sentences written verbatim in three or more texts (feed boilerplate)."""
    seen: dict[str, set[str]] = {}
    for u, doc in zip(units, docs, strict=True):
        for sent in doc.sents:
            t = sent.text.strip()
            if len(t) > 20:
                seen.setdefault(t, set()).add(u["node"])
    return {t for t, nodes in seen.items() if len(nodes) >= 3}


def _clip(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= MAX_DEFINITION_CHARS:
        return text
    cut = text[: MAX_DEFINITION_CHARS - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _where(u: dict[str, Any]) -> tuple[str, str]:
    """A readable source and an app URL for a text unit."""
    kind = u.get("kind")
    ep = u.get("episode")
    if kind == "chapter" and ep:
        anchor = f"#t{u['start']}" if u.get("start") is not None else ""
        return f"{ep} {u.get('timestamp') or ''}".strip(), f"/episodes/{ep}{anchor}"
    if kind == "summary" and ep:
        return f"{ep} summary", f"/episodes/{ep}"
    if kind == "takeaway" and ep:
        return f"{ep} takeaway {u.get('position') or ''}".strip(), f"/episodes/{ep}#h-take"
    if kind == "reading" and ep:
        return f"{ep} reading {u.get('position') or ''}".strip(), f"/episodes/{ep}#h-reading"
    review = u.get("review")
    if kind == "paragraph" and review:
        anchor = f"#topic-{u['topic']}" if u.get("topic") else ""
        return f"{review} ¶{u.get('position') or ''}".strip(), f"/reviews/{review}{anchor}"
    if kind == "topic" and u.get("topic"):
        return f"{review or 'topic'} · {u['topic']}", f"/topics/{u['topic']}"
    return str(u.get("node", "")), "/"


def _episodes_of(u: dict[str, Any], sentences: _Sentences, char: int) -> list[str]:
    """The episode of a feed text; for a review paragraph, the episodes its sentence cites (or the one it cites)."""
    if u.get("episode"):
        return [u["episode"]]
    cited = sentences.cited(char)
    if cited:
        return cited
    refs = list(u.get("refs") or [])
    return refs if len(refs) == 1 else []


def _rank(cands: dict[str, _Candidate], units, docs, covered, gloss_keys, limit: int) -> list[dict[str, Any]]:
    if not cands:
        return []
    sentences = [_Sentences(doc) for doc in docs]
    keys = sorted(cands)
    slug = {k: f"c{i}" for i, k in enumerate(keys)}
    terms = []
    for k in keys:
        surfaces = [s for s, _n in cands[k].surfaces.most_common()]
        label, *aliases = surfaces
        variants = tuple(v for v in generated_forms(label, aliases, []) if _candidate_key(v) == k)
        terms.append(TermForms(slug[k], label, tuple(aliases), (), variants))
    linker = Linker(terms)
    by_slug = {slug[k]: k for k in keys}
    occ: dict[str, list[_Occurrence]] = {}
    written: dict[str, Counter] = {}
    for ui, u in enumerate(units):
        for s in linker.find(u["text"]):
            if _inside(covered[ui], s.start, s.end):
                continue
            k = by_slug[s.term]
            occ.setdefault(k, []).append(_Occurrence(ui, s.start, s.end))
            at_start = s.start == 0 or u["text"][: s.start].rstrip()[-1:] in (".", "!", "?", ":")
            written.setdefault(k, Counter())[(s.text, at_start)] += 1
    out = []
    for k in keys:
        c = cands[k]
        found = occ.get(k, [])
        count = len(found)
        if count == 0 or (c.evidence == {"phrase"} and count < 2):
            continue
        episodes = sorted({e for o in found for e in _episodes_of(units[o.unit], sentences[o.unit], o.start)})
        weights = sorted((EVIDENCE_WEIGHT[e] for e in c.evidence), reverse=True)
        evidence = weights[0] + 0.5 * (len(weights) - 1)
        score = evidence * (1 + math.log2(count)) * (1 + 0.5 * math.log2(1 + len(episodes)))
        term = _display(written.get(k, Counter()), c.surfaces)
        definition = min(c.definitions)[2] if c.definitions else None
        out.append(
            {
                "term": term,
                "count": count,
                "episodes": len(episodes),
                "score": round(score, 3),
                "contexts": _contexts(found, c, units, sentences),
                "suggested_definition": definition,
                "evidence": sorted(c.evidence, key=lambda e: -EVIDENCE_WEIGHT[e]),
            }
        )
    out.sort(key=lambda d: (-d["score"], -d["count"], d["term"].lower()))
    return out[: max(0, limit)]


def _display(written: Counter, surfaces: Counter) -> str:
    inside = Counter({t: n for (t, at_start), n in written.items() if not at_start})
    pool = inside or Counter({t: n for (t, _s), n in written.items()}) or surfaces
    best = max(pool.items(), key=lambda kv: (kv[1], kv[0].islower(), kv[0]))[0]
    if not inside and best[:1].isupper() and best[1:].islower() and " " in best:
        best = best[:1].lower() + best[1:]
    return " ".join(best.split())


class _Sentences:
    """Sentence boundaries of one doc, found once (``Span.sent`` walks the sentence on every call)."""

    def __init__(self, doc):
        sents = list(doc.sents)
        self.starts = [s.start_char for s in sents]
        self.texts = [s.text for s in sents] or [doc.text]

        self._refs: dict[int, list[str]] = {}

    def index(self, char: int) -> int:
        return max(0, bisect.bisect_right(self.starts, char) - 1)

    def at(self, char: int) -> str:
        return self.texts[self.index(char)]

    def cited(self, char: int) -> list[str]:
        """The episodes (E172) the sentence at ``char`` cites."""
        i = self.index(char)
        if i not in self._refs:
            self._refs[i] = [f"E{n}" for n in _E_REF.findall(self.texts[i])]
        return self._refs[i]


def _sentence(sentences: list[_Sentences], o: _Occurrence) -> str:
    return sentences[o.unit].at(o.start)


def _contexts(found: list[_Occurrence], c: _Candidate, units, sentences) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen_units: set[int] = set()
    seen_text: set[str] = set()
    defining = {d[1] for d in c.definitions}
    ordered = sorted(found, key=lambda o: (o.unit not in defining, o.unit, o.start))
    for o in ordered:
        if o.unit in seen_units:
            continue
        sentence = _clip(_sentence(sentences, o))
        if sentence in seen_text:
            continue
        source, url = _where(units[o.unit])
        out.append({"text": sentence, "source": source, "url": url})
        seen_units.add(o.unit)
        seen_text.add(sentence)
        if len(out) >= MAX_CONTEXTS:
            break
    return out


__all__ = ["candidate_terms", "find_candidates", "EVIDENCE_WEIGHT"]
