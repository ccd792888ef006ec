"""Inflected forms of glossary terms, generated with spaCy's English lemmatizer data.

A glossary lists a term once ("reward model", "LLM"); readers meet it inflected
("reward models", "LLMs"). Rather than hand-list plurals, this module runs
spaCy's rule lemmatizer (``spacy-lookups-data``: ``lemma_rules``, ``lemma_exc``,
``lemma_index`` and the ``lemma_lookup`` table) in reverse:

* for a singular head noun, every plural the noun rules could lemmatise back to
  it (``policy`` -> ``policies``, ``leaf`` -> ``leaves``), keeping only candidates
  that spaCy's forward lemmatizer maps back to the same lemma, and the irregular
  plurals of the exceptions table (``criterion`` -> ``criteria``);
* for a plural head noun, its singular from the lookup table;
* acronyms, and labels or aliases written as one (``GPU``), take a plain ``s``
  (``LLM`` -> ``LLMs``, ``GPU`` -> ``GPUs``), matched with their case.

The head of a multi-word form is its last word, or the word before ``of``
("mixtures of experts"). The generated forms are stored in the graph as
``skos:hiddenLabel`` so that the app, which links terms on every page view,
uses exactly the forms the build used without loading spaCy.
"""

from __future__ import annotations

import re
from functools import cache

_WORD = re.compile(r"^[A-Za-z][a-z]*$")  # a plain word we may inflect (not an acronym, not a number)
_ACRONYM_LIKE = re.compile(r"[A-Z][A-Z0-9]*[A-Z]")  # GPU, AUROC, G2PO: one word, all capitals


@cache
def _tables() -> tuple[list[tuple[str, str]], dict[str, list[str]], dict[str, str], frozenset[str], dict[str, str]]:
    """(noun rules, irregular lemma->plurals, irregular plural->lemma, noun lemma index, lookup table)."""
    from spacy.lookups import load_lookups

    lookups = load_lookups("en", ["lemma_rules", "lemma_exc", "lemma_index"])
    rules = [(old, new) for old, new in lookups.get_table("lemma_rules").get("noun")]
    exc_fwd: dict[str, str] = {}
    exc_rev: dict[str, list[str]] = {}
    for plural, lemmas in lookups.get_table("lemma_exc").get("noun").items():
        if plural in ("", lemmas[0]):
            continue
        exc_fwd[plural] = lemmas[0]
        exc_rev.setdefault(lemmas[0], []).append(plural)
    index = frozenset(lookups.get_table("lemma_index").get("noun"))
    lookup = _lookup_dict()
    return rules, exc_rev, exc_fwd, index, lookup


def _lookup_dict() -> dict[str, str]:
    """spaCy's ``lemma_lookup`` table as words (spaCy's ``Table`` keeps only their hashes)."""
    import gzip
    import json

    import spacy_lookups_data

    path = str(spacy_lookups_data.get_file("en_lemma_lookup.json"))
    try:
        with open(path + ".gz", "rb") as fh:
            return json.loads(gzip.decompress(fh.read()))
    except FileNotFoundError:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)


def lemmatize_noun(word: str) -> str:
    """spaCy's rule lemmatizer for a noun: exceptions, then suffix rules checked against the index."""
    rules, _rev, exc_fwd, index, lookup = _tables()
    low = word.lower()
    if low in exc_fwd:
        return exc_fwd[low]
    if low in index:
        return low
    for old, new in rules:
        if low.endswith(old):
            cand = low[: len(low) - len(old)] + new
            if cand in index:
                return cand
    return lookup.get(low, low)


def plurals(noun: str) -> list[str]:
    """Plural forms of a singular noun, by running the noun rules backwards."""
    rules, exc_rev, _fwd, index, lookup = _tables()
    low = noun.lower()
    if low in exc_rev:  # an irregular noun: its listed plurals only
        return [p for p in exc_rev[low] if p != low]
    out: list[str] = []
    candidates = []
    for old, new in rules:
        if low.endswith(new) and len(low) > len(new):
            candidates.append(low[: len(low) - len(new)] + old)
        elif new == "":
            candidates.append(low + old)
    good = [c for c in candidates if lookup.get(c) == low or lemmatize_noun(c) == low]
    if not good:
        # A word spaCy does not know (crosscoder, drafter): English's regular plural.
        if re.search(r"(s|x|z|ch|sh)$", low):
            good = [low + "es"]
        elif re.search(r"[^aeiou]y$", low):
            good = [low[:-1] + "ies"]
        else:
            good = [low + "s"]
    # Prefer the spelling English uses: drop "boxs" when "boxes" is there, "policys" beside "policies".
    if len(good) > 1:
        good = [c for c in good if not (c == low + "s" and (low + "es" in good or low[:-1] + "ies" in good))]
    for c in good:
        if c not in out and c != low:
            out.append(c)
    return out


def _match_case(template: str, word: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _head_index(words: list[str]) -> int:
    if "of" in words[1:-1]:
        return words.index("of") - 1
    return len(words) - 1


def inflections(form: str) -> list[str]:
    """Other number forms of a label or alias: 'reward model' -> ['reward models']."""
    words = form.split(" ")
    h = _head_index(words)
    head = words[h]
    if not _WORD.match(head) or len(head) < 3:
        return []
    low = head.lower()
    _rules, _rev, exc_fwd, index, lookup = _tables()
    out: list[str] = []
    lemma = lemmatize_noun(low)
    if lemma != low and (low in exc_fwd or (low.endswith("s") and lookup.get(low) == lemma)):
        variants = [lemma]  # the glossary wrote a plural: add the singular
    else:
        variants = plurals(low)
    for v in variants:
        new_words = list(words)
        new_words[h] = _match_case(head, v)
        text = " ".join(new_words)
        if text != form:
            out.append(text)
    return out


def acronym_inflections(acronym: str) -> list[str]:
    """'LLM' -> ['LLMs']; acronyms ending in s or a digit are left alone."""
    if not acronym or acronym[-1] in "sS0123456789" or not acronym[-1].isupper():
        return []
    return [acronym + "s"]


def generated_forms(label: str, aliases: list[str], acronyms: list[str]) -> list[str]:
    """Every generated form of one term, without its written ones, in a stable order."""
    written = {f for f in [label, *aliases, *acronyms]}
    out: dict[str, None] = {}
    for f in [label, *aliases]:
        for v in inflections(f):
            if v not in written:
                out.setdefault(v, None)
    # acronyms, and labels or aliases written as one (GPU, AUROC), take a plain "s"
    for a in [*acronyms, *(f for f in [label, *aliases] if _ACRONYM_LIKE.fullmatch(f))]:
        for v in acronym_inflections(a):
            if v not in written:
                out.setdefault(v, None)
    return list(out)


def variants_by_term(glossary) -> dict[str, list[str]]:
    """Each term's generated forms, never one that any term writes as a label, alias or acronym."""
    written = {f.casefold() for t in glossary.terms for f in t.surface_forms}
    return {
        t.id: [v for v in generated_forms(t.label, t.aliases, t.acronyms) if v.casefold() not in written]
        for t in glossary.terms
    }


def add_variants(glossary) -> None:
    """Fill each term's ``variants`` (stored as ``skos:hiddenLabel``)."""
    variants = variants_by_term(glossary)
    for t in glossary.terms:
        t.variants = variants[t.id]
