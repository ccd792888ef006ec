"""Named entities of the corpus and the plain relations between them, with spaCy and no trained model.

The pipeline is ``spacy.blank("en")`` (or an installed pipeline named by
``KG_SPACY_PIPELINE``) with three additions:

* a tokenizer rule that keeps ML names whole: a hyphenated word whose every part
  starts with a capital or a digit and that holds a capital (``GPT-4o``,
  ``Llama-3.1-8B``, ``Qwen2.5-3B``, ``SWE-Bench``, ``Fugu-Ultra``); ordinary
  hyphenated words (``chain-of-thought``, ``KL-regularized``) split as usual;
* a sentencizer (unless the pipeline has a parser): spaCy's rule-based Sentencizer
  (``kg_sentencizer``, its per-token tests cached by token text);
* a component (``kg_entity_shapes``) that marks as ``NAME`` entities the shapes such names take:
  CamelCase (``KernelPro``, ``ALFWorld``), a capital and digits (``Eagle3``,
  ``A100``), the hyphenated names above, all-caps acronyms (``SASS``; common
  ones such as ``AI``, ``API``, ``GPU`` are left out), ``pass@64``, and a model
  family with a version (``Gemini 2.5 Pro``, ``Claude 3.5 Sonnet``). These are written as spaCy token
  patterns (:data:`SHAPE_PATTERNS`); the component tests them once per distinct token text and keeps
  spans as spaCy's EntityRuler would (longest first, then leftmost; overlapping entities give way), so
  it finds what an EntityRuler of those patterns finds (``tests/test_entity_pipeline.py``) in a
  fraction of the time of spaCy's token Matcher.

Where a name comes from, in order:

1. the catalogue: gazetteer entities and glossary terms of an entity kind,
   found with the glossary linker's own rules (:mod:`kg.nlp.linker`: case
   rules for acronyms, inflections, word boundaries, never inside URLs or code);
   a match that ends inside a longer ML name (``Fugu`` in ``Fugu-Ultra``) is not
   that entity;
2. a shape span of ``kg_entity_shapes``. Longest span wins; on a tie the catalogue
   does. A shape name whose slug is a catalogue id is that entity.

A shape name the catalogue lacks is typed by its shape, else by the words next
to it, else left untyped (no node; ``kg gaps terms`` lists it for editors):

* model: a model family (GPT, Llama, Qwen, Gemini, Claude, Mistral, …) with a
  version, or any name ending in a parameter count (``-8B``, ``-600M``);
* benchmark: a name ending in Bench, Arena, Eval, Gym, QA or World
  (``KernelBench``, ``MT-Bench``, ``HumanEval``), optionally with a split
  (``SWE-Bench Lite``, ``… Verified``);
* metric: ``name@k`` (``pass@64``, ``recall@10``);
* by context, in the same sentence: the next word is a kind noun (``X benchmark``,
  ``X model``, ``X framework``, ``X method``, ``X score``…), or the name follows one
  (``a benchmark, X``, ``a method called X``).

Relations, only where a sentence (of at most 150 tokens) says so plainly (subjects
are always *named*: written with a capital or a digit; both ends are entities):

* ``evaluated_on`` (method/system/model -> benchmark):
  - ``… on <benchmark>`` (``reaches 84% top-1 on SWE-Bench Lite``, ``+22 points on
    ALFWorld``, ``on the optimized AutoResearch benchmark``, lists ``on A, B and C``),
    except after a training verb (``trained on``, ``fine-tuned on``). The subject
    is the first named method/system/model of the sentence before ``on`` that does
    not follow a comparison word (``than``, ``versus``, ``beats``, ``outperforms``…);
    else the first one of the nearest earlier sentence of the same text that has one
    (``SHERLOC reframes … . It reaches … on SWE-Bench Lite``);
  - ``<benchmark> … that S is evaluated|tested|benchmarked on`` (nothing after
    ``on`` in the clause): the nearest benchmark before S in the same text.
* ``extends`` (method/system/model -> method/system/model; ``cito:extends``):
  - ``S builds on|builds upon|is built on (top of)|extends|adapts|is an extension of|is
    based on T`` (not ``extends to``, ``adapts to``): S the nearest named entity before the cue, T the first entity
    after it in the same clause;
  - ``T … S builds on|extends|adapts`` (the verb itself, never a participle such as
    ``adapted``) with no entity after the cue in the clause (``the DPO method the
    episode's Cliff-DPO directly builds on``): T the nearest entity before S in the
    same text.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from kg.errors import KGError, Location
from kg.ids import slugify
from kg.nlp.linker import Linker, TermForms

ENTITY_TYPES = ("method", "benchmark", "model", "metric", "system", "organisation")
ACTORS = frozenset({"method", "system", "model"})
MAX_SENTENCE_TOKENS = 150  # relations are read only from sentences up to this long

# -- tokenizer rule ----------------------------------------------------------------------
_ML_NAME = re.compile(r"[A-Z0-9](?:[\w.]*\w)?(?:-[A-Z0-9](?:[\w.]*\w)?)+")


def ml_name_match(text: str) -> re.Match[str] | None:
    """A hyphenated ML name kept as one token: every part starts with a capital or digit, and one has a capital."""
    m = _ML_NAME.fullmatch(text)
    if m is None or not any(c.isupper() for c in text):
        return None
    return m


# -- shapes ------------------------------------------------------------------------------
MODEL_FAMILIES = (
    "gpt llama qwen gemini gemma claude mistral mixtral phi falcon palm bert t5 deepseek olmo yi internlm "
    "vicuna alpaca codellama starcoder grok command jamba dbrx"
).split()
MODEL_TIERS = "pro flash ultra mini nano sonnet opus haiku turbo instruct chat base large small medium max plus".split()
BENCH_SPLITS = "Lite Verified Pro Hard Plus Full Mini Live Multimodal".split()
GENERIC_ACRONYMS = frozenset(
    """AI API APIS CPU GPU TPU OS GUI UI UX URL PDF HTML CSS JSON CSV XML SQL US UK EU UN CEO CTO PHD ID IDS OK TV
    FAQ USD EUR IQ NB AM PM ASAP FYI TLDR DIY CAD SSN PIN DNA RNA HR PR QA IT IO RAM ROM SSD HDD USB LED SLA
    II III IV VI VII VIII IX XI XII MS MD BSC MSC""".split()
)

_CAMEL = r"^(?=.*[a-z])[A-Z][a-z0-9]*[A-Z][A-Za-z0-9]*$"
_CAP_DIGITS = r"^[A-Z][A-Za-z]*\d[\w.]*$"
_HYPHENATED = r"^[A-Z0-9][\w.]*(?:-[\w.]+)+$"
_ACRONYM = r"^[A-Z]{2,6}\d{0,3}$"
_AT_K = r"^[a-z]+@(?:\d+|k)$"
_VERSION = r"^v?\d+(?:\.\d+)*[a-z]?$"

SHAPE_PATTERNS: list[dict[str, Any]] = [
    {"label": "NAME", "pattern": [{"TEXT": {"REGEX": _CAMEL}}]},
    {"label": "NAME", "pattern": [{"TEXT": {"REGEX": _CAP_DIGITS}}]},
    {"label": "NAME", "pattern": [{"TEXT": {"REGEX": _HYPHENATED}}]},
    {"label": "NAME", "pattern": [{"TEXT": {"REGEX": _ACRONYM}}]},
    {"label": "NAME", "pattern": [{"TEXT": {"REGEX": _AT_K}}]},
    # a benchmark with its split: SWE-Bench Lite
    {"label": "NAME", "pattern": [{"TEXT": {"REGEX": r"(?:Bench|bench)$"}}, {"TEXT": {"IN": BENCH_SPLITS}}]},
    # a model family with a version and a tier: Gemini 2.5 Pro, Claude 3.5 Sonnet, Llama 3 70B
    {
        "label": "NAME",
        "pattern": [
            {"LOWER": {"IN": MODEL_FAMILIES}, "IS_TITLE": True},
            {"TEXT": {"REGEX": _VERSION}},
            {"LOWER": {"IN": MODEL_TIERS}, "OP": "?"},
            {"TEXT": {"REGEX": r"^\d+(?:\.\d+)?[BM]$"}, "OP": "?"},
        ],
    },
    # Claude Opus 4, Gemini Flash 2.0
    {
        "label": "NAME",
        "pattern": [
            {"LOWER": {"IN": MODEL_FAMILIES}, "IS_TITLE": True},
            {"LOWER": {"IN": MODEL_TIERS}, "IS_TITLE": True},
            {"TEXT": {"REGEX": _VERSION}},
        ],
    },
]

# The shape component tests these per distinct token text (cached by the token's ORTH id) and
# walks the flagged tokens, instead of running a token Matcher of the patterns above over every
# token. It finds the very spans the Matcher would (every length an optional token allows) and
# keeps them the way spaCy's EntityRuler does, so the two agree span for span.
_SINGLE = re.compile("|".join(f"(?:{p})" for p in (_CAMEL, _CAP_DIGITS, _HYPHENATED, _ACRONYM, _AT_K)))
_BENCH_END = re.compile(r"(?:Bench|bench)$")
_VERSION_RE = re.compile(_VERSION)
_PARAMS_RE = re.compile(r"^\d+(?:\.\d+)?[BM]$")
_F_SINGLE, _F_BENCH, _F_SPLIT, _F_FAMILY, _F_VERSION, _F_TIER, _F_TIER_TITLE, _F_PARAMS = (1 << i for i in range(8))
_FAMILIES, _TIERS, _SPLITS = frozenset(MODEL_FAMILIES), frozenset(MODEL_TIERS), frozenset(BENCH_SPLITS)


def _shape_flags(text: str) -> int:
    """What each pattern of :data:`SHAPE_PATTERNS` asks of one token, as bits."""
    lower = text.lower()
    title = text.istitle()
    flags = _F_SINGLE if _SINGLE.search(text) else 0
    if _BENCH_END.search(text):
        flags |= _F_BENCH
    if text in _SPLITS:
        flags |= _F_SPLIT
    if title and lower in _FAMILIES:
        flags |= _F_FAMILY
    if _VERSION_RE.search(text):
        flags |= _F_VERSION
    if lower in _TIERS:
        flags |= _F_TIER | (_F_TIER_TITLE if title else 0)
    if _PARAMS_RE.search(text):
        flags |= _F_PARAMS
    return flags


def shape_matches(flags: list[int]) -> list[tuple[int, int]]:
    """Token spans ``(start, end)`` the patterns of :data:`SHAPE_PATTERNS` match, given each token's flags."""
    n = len(flags)
    out: set[tuple[int, int]] = set()
    for i, f in enumerate(flags):
        if not f:
            continue
        if f & _F_SINGLE:
            out.add((i, i + 1))
        nxt = flags[i + 1] if i + 1 < n else 0
        if f & _F_BENCH and nxt & _F_SPLIT:  # SWE-Bench Lite
            out.add((i, i + 2))
        if f & _F_FAMILY:
            if nxt & _F_VERSION:  # Gemini 2.5 [Pro] [70B]
                out.add((i, i + 2))
                third = flags[i + 2] if i + 2 < n else 0
                if third & _F_TIER:
                    out.add((i, i + 3))
                    if i + 3 < n and flags[i + 3] & _F_PARAMS:
                        out.add((i, i + 4))
                if third & _F_PARAMS:
                    out.add((i, i + 3))
            if nxt & _F_TIER_TITLE and i + 2 < n and flags[i + 2] & _F_VERSION:  # Claude Opus 4
                out.add((i, i + 3))
    return sorted(out, key=lambda m: (m[1] - m[0], -m[0]), reverse=True)


class ShapeNames:
    """The ``kg_entity_shapes`` component: shape names as ``NAME`` entities, overwriting overlapping ones."""

    def __init__(self, nlp, name: str = "kg_entity_shapes"):
        from spacy.attrs import ORTH
        from spacy.tokens import Span

        self.name = name
        self.label = nlp.vocab.strings.add("NAME")
        self._flags: dict[int, int] = {}  # ORTH id -> _shape_flags of its text
        self._orth, self._span = ORTH, Span

    def __call__(self, doc):
        if not len(doc):
            return doc
        cache = self._flags
        if len(cache) > 1_000_000:
            cache.clear()
        orths = doc.to_array(self._orth).tolist()
        flags = list(map(cache.get, orths))
        if None in flags:
            strings = doc.vocab.strings
            for i, f in enumerate(flags):
                if f is None:
                    flags[i] = cache[orths[i]] = _shape_flags(strings[orths[i]])
        matches = shape_matches(flags)
        if not matches:
            return doc
        # as spaCy's EntityRuler sets them (overwrite_ents): longest first, then leftmost
        entities = list(doc.ents)
        new_entities = []
        seen: set[int] = set()
        for start, end in matches:
            if start not in seen and end - 1 not in seen:
                new_entities.append(self._span(doc, start, end, label=self.label))
                if entities:
                    entities = [e for e in entities if not (e.start < end and e.end > start)]
                seen.update(range(start, end))
        doc.ents = entities + new_entities
        return doc


@cache
def _sentencizer_class():
    from spacy.attrs import ORTH
    from spacy.pipeline import Sentencizer

    class CachedSentencizer(Sentencizer):
        """spaCy's rule-based Sentencizer with its per-token tests cached by ORTH id: the same sentences."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._kinds: dict[int, int] = {}  # ORTH id -> 1: sentence-final punctuation, 2: other punctuation, 0

        def predict(self, docs):
            cache = self._kinds
            if len(cache) > 1_000_000:
                cache.clear()
            guesses = []
            for doc in docs:
                n = len(doc)
                doc_guesses = [False] * n
                if n:
                    orths = doc.to_array(ORTH).tolist()
                    kinds = list(map(cache.get, orths))
                    if None in kinds:
                        vocab = doc.vocab
                        for i, k in enumerate(kinds):
                            if k is None:
                                o = orths[i]
                                k = 1 if vocab.strings[o] in self.punct_chars else 2 if vocab[o].is_punct else 0
                                kinds[i] = cache[o] = k
                    start = 0
                    seen_period = False
                    doc_guesses[0] = True
                    for i, k in enumerate(kinds):
                        if k == 1:
                            seen_period = True
                        elif seen_period and not k:
                            doc_guesses[start] = True
                            start = i
                            seen_period = False
                    doc_guesses[start] = True
                guesses.append(doc_guesses)
            return guesses

    return CachedSentencizer


def _make_sentencizer(nlp, name: str, punct_chars: list[str] | None = None, overwrite: bool = False):
    return _sentencizer_class()(name, punct_chars=punct_chars, overwrite=overwrite)


def _make_shapes(nlp, name: str) -> ShapeNames:
    return ShapeNames(nlp, name)


def _register_shapes() -> None:
    from spacy.language import Language

    if not Language.has_factory("kg_sentencizer"):
        Language.factory("kg_sentencizer", assigns=["token.is_sent_start", "doc.sents"])(_make_sentencizer)
    if not Language.has_factory("kg_entity_shapes"):
        Language.factory("kg_entity_shapes", assigns=["doc.ents", "token.ent_type", "token.ent_iob"])(_make_shapes)


_FAMILY_RE = re.compile(r"^(?:" + "|".join(MODEL_FAMILIES) + r")[-\s]?v?\d", re.IGNORECASE)
_SIZE_RE = re.compile(r"[-\s]\d+(?:\.\d+)?[BM]$")
_BENCH_RE = re.compile(r"(?:Bench|bench|Arena|Eval|Gym|QA|World)(?:\s+(?:" + "|".join(BENCH_SPLITS) + r"))?$")
_AT_K_RE = re.compile(_AT_K)

_CUE_AFTER = {
    "benchmark": "benchmark", "benchmarks": "benchmark", "suite": "benchmark", "dataset": "benchmark",
    "leaderboard": "benchmark",
    "model": "model", "models": "model", "family": "model", "series": "model", "checkpoint": "model",
    "method": "method", "methods": "method", "algorithm": "method", "technique": "method", "objective": "method",
    "loss": "method", "recipe": "method",
    "system": "system", "framework": "system", "library": "system", "tool": "system", "toolkit": "system",
    "agent": "system", "pipeline": "system", "harness": "system", "compiler": "system", "engine": "system",
    "platform": "system", "simulator": "system", "orchestrator": "system", "scheduler": "system",
    "score": "metric", "metric": "metric",
    "lab": "organisation", "labs": "organisation", "inc": "organisation",
}  # fmt: skip
_CUE_BEFORE_LINKS = frozenset({",", "called", "named", "dubbed"})

_DETS = frozenset("the a an its their his her our this that these those".split())
_COMPARE = frozenset("than versus vs vs. over against beats beat beating outperforms outperform outperforming".split())
_TRAIN = frozenset("trained pretrained pre-trained fine-tuned finetuned tuned train training".split())
_EVAL_VERBS = frozenset("evaluated tested benchmarked assessed validated measured scored".split())
_FINITE_CUES = frozenset({"builds", "extends", "adapts"})  # "T … S extends": a verb, never a participle
_CLAUSE_END = frozenset({",", ";", ":", "—", "–", "(", ")", ".", "?", "!", '"', "“", "”"})


def shape_type(name: str) -> str | None:
    """The entity type a name's shape implies, or None."""
    if _AT_K_RE.match(name):
        return "metric"
    if _FAMILY_RE.match(name) or _SIZE_RE.search(name):
        return "model"
    if _BENCH_RE.search(name) and (any(c.isupper() for c in name[1:]) or "-" in name):
        return "benchmark"
    return None


def is_named(text: str) -> bool:
    """Written as a name: it holds a capital letter or a digit (``DSpark``, ``G2PO``; not ``rejection sampling``)."""
    return any(c.isupper() or c.isdigit() for c in text)


# -- pipeline ----------------------------------------------------------------------------
def make_nlp(pipeline: str | None = None):
    """spaCy's blank English (or the named installed pipeline) with the ML-name rules above."""
    import spacy

    if pipeline:
        try:
            nlp = spacy.load(pipeline)
        except OSError:
            raise KGError(
                "E080",
                f"the spaCy pipeline {pipeline!r} is not installed; install it or unset KG_SPACY_PIPELINE",
                Location(field="KG_SPACY_PIPELINE"),
            ) from None
    else:
        nlp = spacy.blank("en")
    nlp.max_length = max(nlp.max_length, 20_000_000)  # a blank pipeline needs little memory per character
    previous = nlp.tokenizer.token_match

    def token_match(text: str):
        return ml_name_match(text) or (previous(text) if previous else None)

    nlp.tokenizer.token_match = token_match
    _register_shapes()
    if not ({"parser", "senter", "sentencizer"} & set(nlp.pipe_names)):
        nlp.add_pipe("kg_sentencizer", name="sentencizer")
    nlp.add_pipe("kg_entity_shapes")
    return nlp


@cache
def _nlp(pipeline: str | None):
    return make_nlp(pipeline)


def default_nlp(pipeline: str | None = None):
    """The shared pipeline: ``pipeline``, else ``KG_SPACY_PIPELINE``, else spaCy's blank English."""
    return _nlp(pipeline or os.environ.get("KG_SPACY_PIPELINE") or None)


# -- records -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CatalogueEntry:
    """A known entity: from the gazetteer or a glossary term of an entity kind."""

    id: str
    name: str
    type: str
    forms: tuple[str, ...] = ()  # further written forms (aliases, the term's label, aliases and acronyms)
    acronyms: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()  # generated inflections


@dataclass(frozen=True)
class Found:
    """One entity mention: character offsets into the text, the entity id, its type (None: untyped name)."""

    start: int
    end: int
    text: str
    id: str
    type: str | None
    how: str  # "catalogue" | "shape" | "context" | "untyped"
    tok_start: int = 0
    tok_end: int = 0
    sent: int = 0

    @property
    def known(self) -> bool:
        return self.how == "catalogue"


@dataclass(frozen=True)
class Relation:
    kind: str  # "evaluated_on" | "extends"
    subject: str
    object: str
    rule: str
    sentence: str


@dataclass
class Analysis:
    doc: Any
    entities: list[Found] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)


class EntityFinder:
    """Finds catalogue entities and shape names in a text and the relations its sentences state."""

    def __init__(
        self,
        catalogue: Iterable[CatalogueEntry],
        other_terms: Iterable[TermForms] = (),
        nlp=None,
        pipeline: str | None = None,
    ):
        """``other_terms``: glossary terms of no entity kind; a shape name that is one of them is no entity."""
        self.catalogue = {e.id: e for e in catalogue}
        self.nlp = nlp if nlp is not None else default_nlp(pipeline)
        entity_terms = [
            TermForms(e.id, e.name, tuple(f for f in e.forms if f != e.name), tuple(e.acronyms), tuple(e.variants))
            for e in self.catalogue.values()
        ]
        self.linker = Linker(entity_terms)
        others = [t for t in other_terms if t.slug not in self.catalogue]
        self._others = Linker(others) if others else None

    @property
    def conflicts(self):
        return self.linker.conflicts

    def analyse(self, text: str) -> Analysis:
        doc = self.nlp(text)
        return Analysis(doc, (ents := self._entities(doc, text)), self._relations(doc, ents))

    # -- entities ----------------------------------------------------------------------
    def _entities(self, doc, text: str) -> list[Found]:
        cands: list[tuple[int, int, int, object, int]] = []  # (tok_start, tok_end, priority, payload, chars)
        for s in self.linker.find(text):
            span = doc.char_span(s.start, s.end)  # strict: a match inside a longer token is no match
            if span is not None:
                cands.append((span.start, span.end, 0, s.term, span.end_char - span.start_char))
        glossary_spans: set[tuple[int, int]] | None = None  # found when a shape name needs them
        for ent in doc.ents:
            if ent.label_ != "NAME" or _generic_acronym(ent.text) or _title_compound(ent.text):
                continue
            if glossary_spans is None:
                glossary_spans = {(s.start, s.end) for s in self._others.find(text)} if self._others else set()
            if (ent.start_char, ent.end_char) in glossary_spans:
                continue  # a glossary term of no entity kind (LLM, KL): a concept, not a named entity
            cands.append((ent.start, ent.end, 1, None, ent.end_char - ent.start_char))
        taken = [False] * len(doc)
        picked: list[tuple[int, int, object]] = []
        for start, end, _prio, payload, _chars in sorted(cands, key=lambda c: (-c[4], c[2], c[0])):
            if any(taken[start:end]):
                continue
            for i in range(start, end):
                taken[i] = True
            picked.append((start, end, payload))
        if not picked:
            return []
        sent_starts = [s.start for s in doc.sents]
        out: list[Found] = []
        for start, end, payload in sorted(picked, key=lambda p: p[0]):
            si = bisect_right(sent_starts, start) - 1  # the sentence of the first token
            span = doc[start:end]
            name = span.text
            if payload is not None:
                entry = self.catalogue[payload]
                out.append(
                    Found(span.start_char, span.end_char, name, entry.id, entry.type, "catalogue", start, end, si)
                )  # fmt: skip
                continue
            slug = slugify(name)
            if slug in self.catalogue:
                entry = self.catalogue[slug]
                found = (entry.id, entry.type, "catalogue")
            elif (t := shape_type(name)) is not None:
                found = (slug, t, "shape")
            elif (t := _context_type(doc, start, end)) is not None:
                found = (slug, t, "context")
            else:
                found = (slug, None, "untyped")
            out.append(Found(span.start_char, span.end_char, name, *found, start, end, si))
        return out

    # -- relations ---------------------------------------------------------------------
    def _relations(self, doc, ents: list[Found]) -> list[Relation]:
        typed = [e for e in ents if e.type is not None]
        if len(typed) < 2:
            return []
        sents = list(doc.sents)
        by_sent: dict[int, list[Found]] = {}
        for e in typed:
            by_sent.setdefault(e.sent, []).append(e)
        out: dict[tuple[str, str, str], Relation] = {}
        from spacy.attrs import LOWER

        strings = doc.vocab.strings
        lowers = [strings[h] for h in doc.to_array(LOWER).tolist()]  # each token's lower_, at once

        def add(kind: str, subj: Found | None, obj: Found | None, rule: str, si: int) -> None:
            if subj is None or obj is None or subj.id == obj.id:
                return
            if subj.type not in ACTORS:
                return
            if kind == "evaluated_on" and obj.type != "benchmark":
                return
            if kind == "extends" and obj.type not in ACTORS:
                return
            out.setdefault((kind, subj.id, obj.id), Relation(kind, subj.id, obj.id, rule, sents[si].text.strip()))

        for si, sent in enumerate(sents):
            here = by_sent.get(si, [])
            if not here or len(sent) > MAX_SENTENCE_TOKENS:
                continue  # a "sentence" this long is a list or a run-on string: nothing in it is plain
            self._evaluated_on(doc, lowers, sent, si, here, typed, by_sent, add)
            self._extends(doc, lowers, sent, si, here, typed, add)
        return list(out.values())

    def _evaluated_on(self, doc, lowers, sent, si, here, typed, by_sent, add) -> None:
        qualified: list[Found] = []
        for b in here:
            if b.type != "benchmark":
                continue
            on = _on_before(doc, sent.start, b.tok_start, qualified)
            if on is None:
                continue
            qualified.append(b)
            if on >= 0 and on > sent.start and doc[on - 1].lower_ in _TRAIN:
                continue
            cut = on if on >= 0 else b.tok_start
            subj = _first_actor(doc, [e for e in here if e.tok_end <= cut])
            if subj is None:
                for sj in range(si - 1, -1, -1):
                    subj = _first_actor(doc, by_sent.get(sj, []))
                    if subj is not None:
                        break
            if subj is None:  # "… on the AutoResearch benchmark … while Fugu uses …"
                subj = _first_actor(doc, [e for e in here if e.tok_start >= b.tok_end])
            add("evaluated_on", subj, b, "on <benchmark>", si)
        # "<benchmark> ... that S is evaluated on" with nothing after "on" in the clause
        for i in range(sent.start, sent.end - 1):
            if lowers[i] in _EVAL_VERBS and lowers[i + 1] == "on" and _clause_ends(doc, i + 2, sent.end):
                before = [e for e in here if e.tok_end <= i]
                subj = next((e for e in reversed(before) if e.type in ACTORS and is_named(e.text)), None)
                if subj is None:
                    continue
                obj = next((e for e in reversed(typed) if e.tok_end <= subj.tok_start and e.type == "benchmark"), None)
                add("evaluated_on", subj, obj, "<benchmark> that S is evaluated on", si)

    def _extends(self, doc, lowers, sent, si, here, typed, add) -> None:
        i = sent.start
        while i < sent.end:
            cue_end = _extends_cue(doc, i, sent.end) if lowers[i] in _CUE_STARTS else None
            if cue_end is None:
                i += 1
                continue
            before = [e for e in here if e.tok_end <= i]
            subj = next((e for e in reversed(before) if e.type in ACTORS and is_named(e.text)), None)
            if subj is not None and _gap_is_small(doc, subj.tok_end, i):
                after = _clause_entities(doc, here, cue_end, sent.end)
                obj = next((e for e in after if e.type in ACTORS), None)
                if obj is not None:
                    add("extends", subj, obj, "S builds on T", si)
                elif not after and doc[i].lower_ in _FINITE_CUES:
                    obj = next((e for e in reversed(typed) if e.tok_end <= subj.tok_start and e.type in ACTORS), None)
                    add("extends", subj, obj, "T that S builds on", si)
            i = cue_end


def _generic_acronym(text: str) -> bool:
    return text.upper() in GENERIC_ACRONYMS or bool(re.fullmatch(r"E\d+", text))


def _title_compound(text: str) -> bool:
    """``Self-Referential``, ``Cross-Layer``: a Title-Case compound of English words (paper titles), not a name."""
    from kg.nlp.lexicon import is_word

    parts = text.split("-")
    if len(parts) < 2 or not all(p[:1].isupper() and p[1:].islower() for p in parts):
        return False
    return all(is_word(p) and p.lower() not in MODEL_TIERS for p in parts)


def _context_type(doc, start: int, end: int) -> str | None:
    """``X benchmark``, ``X framework`` …; or ``a benchmark, X`` / ``a method called X`` / ``the benchmark X``."""
    if end < len(doc) and doc[end].lower_ in _CUE_AFTER and not doc[end].is_sent_start:
        return _CUE_AFTER[doc[end].lower_]
    j = start - 1
    if j >= 0 and doc[j].lower_ in _CUE_BEFORE_LINKS:
        j -= 1
    if j >= 0 and doc[j].lower_ in _CUE_AFTER and not doc[start].is_sent_start:
        return _CUE_AFTER[doc[j].lower_]
    return None


def _on_before(doc, sent_start: int, tok: int, qualified: list[Found]) -> int | None:
    """The index of the ``on`` that governs a benchmark at ``tok`` (-1 when it continues a list), or None."""
    j = tok - 1
    skipped = 0
    while j >= sent_start and skipped < 3 and (
        doc[j].lower_ in _DETS or (doc[j].is_alpha and doc[j].is_lower and doc[j].lower_ not in ("on", "and", "or"))
    ):
        j -= 1
        skipped += 1
    if j >= sent_start and doc[j].lower_ == "on":
        return j
    # a list: "on A, B and C"
    if j >= sent_start and doc[j].text in (",", "and", "or") and qualified:
        k = j - 1
        if k >= sent_start and doc[k].text == "," and doc[j].text in ("and", "or"):
            k -= 1
        if any(q.tok_end == k + 1 for q in qualified):
            return -1
    return None


def _first_actor(doc, ents: list[Found]) -> Found | None:
    for e in ents:
        if e.type not in ACTORS or not is_named(e.text):
            continue
        k = e.tok_start - 1
        while k >= 0 and doc[k].lower_ in _DETS:
            k -= 1
        if k >= 0 and doc[k].lower_ in _COMPARE:
            continue
        return e
    return None


_CUE_STARTS = frozenset(
    "builds built building build on extends extend extended extending adapts adapt adapted adapting extension "
    "based".split()
)  # the words an "extends" cue can start with (see _extends_cue)


def _extends_cue(doc, i: int, end: int) -> int | None:
    """The end of an "extends" cue starting at token ``i``, or None."""
    w = doc[i].lower_
    nxt = doc[i + 1].lower_ if i + 1 < end else ""
    if w in ("builds", "built", "building", "build") and nxt in ("on", "upon"):
        k = i + 2
        if k + 1 < end and doc[k].lower_ == "top" and doc[k + 1].lower_ == "of":
            k += 2
        return k
    if w == "on" and nxt == "top" and i + 2 < end and doc[i + 2].lower_ == "of":
        return i + 3
    if w in ("extends", "extend", "extended", "extending") and nxt != "to":
        return i + 1
    if w in ("adapts", "adapt", "adapted", "adapting") and nxt not in ("to", "itself", "themselves"):
        return i + 2 if nxt == "from" else i + 1
    if w == "extension" and nxt == "of":
        return i + 2
    if w == "based" and nxt == "on" and (i == 0 or doc[i - 1].text != "-"):
        return i + 2
    return None


def _gap_is_small(doc, a: int, b: int) -> bool:
    """Between the subject and the cue: at most a few words (``is``, ``directly``, ``which``), no clause break."""
    gap = doc[a:b]
    return len(gap) <= 4 and not any(t.text in _CLAUSE_END and t.text != "," for t in gap)


def _clause_entities(doc, ents: list[Found], start: int, end: int) -> list[Found]:
    stop = start
    while stop < end and stop - start < 8 and doc[stop].text not in _CLAUSE_END:
        stop += 1
    return [e for e in ents if start <= e.tok_start < stop]


def _clause_ends(doc, i: int, end: int) -> bool:
    return i >= end or doc[i].text in _CLAUSE_END


__all__ = [
    "ENTITY_TYPES",
    "CatalogueEntry",
    "EntityFinder",
    "Found",
    "Relation",
    "make_nlp",
    "shape_type",
    "ml_name_match",
]
