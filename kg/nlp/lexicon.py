"""English word lists from ``spacy-lookups-data``, for POS-free heuristics (there is no tagger here).

``lemma_index`` lists the lemmas spaCy's rule lemmatizer knows, by part of
speech (noun, verb, adj, adv); ``lemma_lookup`` maps inflected forms to lemmas.
Together they say whether a lower-case word is English and what it may be.
"""

from __future__ import annotations

from functools import cache

POS = ("noun", "verb", "adj", "adv")


@cache
def _index() -> dict[str, frozenset[str]]:
    from spacy.lookups import load_lookups

    lookups = load_lookups("en", ["lemma_index", "lemma_exc"])
    index = lookups.get_table("lemma_index")
    exc = lookups.get_table("lemma_exc")
    out: dict[str, frozenset[str]] = {}
    for pos in POS:
        words = set(index.get(pos, []))
        for form, lemmas in (exc.get(pos) or {}).items():
            words.add(form)
            words.update(lemmas)
        out[pos] = frozenset(words)
    return out


@cache
def _lookup() -> dict[str, str]:
    from kg.nlp.forms import _lookup_dict

    return _lookup_dict()


def lemma(word: str) -> str:
    low = word.lower()
    return _lookup().get(low, low)


@cache
def categories(word: str) -> frozenset[str]:
    """The parts of speech a lower-cased word (or its lemma) may have; empty: not a known English word."""
    low = word.lower()
    index = _index()
    found = {pos for pos in POS if low in index[pos]}
    lem = _lookup().get(low)
    if lem and lem != low:
        found |= {pos for pos in POS if lem in index[pos]}
    if not found and low.endswith("s") and low[:-1] in index["noun"]:
        found.add("noun")
    return frozenset(found)


def is_word(word: str) -> bool:
    low = word.lower()
    return bool(categories(low)) or low in _lookup()


__all__ = ["categories", "is_word", "lemma"]
