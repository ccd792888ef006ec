"""English word lists from ``spacy-lookups-data``, for POS-free heuristics (there is no tagger here).

``lemma_index`` lists the lemmas spaCy's rule lemmatizer knows, by part of
speech (noun, verb, adj, adv); ``lemma_lookup`` maps inflected forms to lemmas.
Together they say whether a lower-case word is English and what it may be.
"""

from __future__ import annotations

from functools import cache

POS = ("noun", "verb", "adj", "adv")


@cache
def _tables() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]], dict[str, list[tuple[str, str]]]]:
    """(lemmas by POS, irregular forms by POS, suffix rules by POS)."""
    from spacy.lookups import load_lookups

    lookups = load_lookups("en", ["lemma_index", "lemma_exc", "lemma_rules"])
    index = lookups.get_table("lemma_index")
    exc = lookups.get_table("lemma_exc")
    rules = lookups.get_table("lemma_rules")
    lemmas = {pos: frozenset(index.get(pos, [])) for pos in POS}
    irregular = {pos: frozenset(form for form in (exc.get(pos) or {})) for pos in POS}
    suffixes = {pos: [(old, new) for old, new in (rules.get(pos) or []) if old] for pos in POS}
    return lemmas, irregular, suffixes


@cache
def _lookup() -> dict[str, str]:
    from kg.nlp.forms import _lookup_dict

    return _lookup_dict()


def lemma(word: str) -> str:
    low = word.lower()
    return _lookup().get(low, low)


@cache
def categories(word: str) -> frozenset[str]:
    """The parts of speech a word may have, as spaCy's rule lemmatizer sees it; empty: not a known English word.

    A form counts for a part of speech if it is a lemma of it, an irregular form of it (``came``: verb),
    or reaches one of its lemmas by one of its suffix rules (``policies`` -> ``policy``: noun).
    """
    low = word.lower()
    lemmas, irregular, suffixes = _tables()
    found = set()
    for pos in POS:
        if low in lemmas[pos] or low in irregular[pos]:
            found.add(pos)
            continue
        for old, new in suffixes[pos]:
            if low.endswith(old) and len(low) > len(old) and low[: len(low) - len(old)] + new in lemmas[pos]:
                found.add(pos)
                break
    return frozenset(found)


def is_word(word: str) -> bool:
    low = word.lower()
    return bool(categories(low)) or low in _lookup()


__all__ = ["categories", "is_word", "lemma"]
