#!/usr/bin/env python
"""Benchmark the glossary linker against the plain ways of doing the same job, in one run.

Prints JSON lines, one metric a line::

    {"metric": "annotate_mb_s" | "annotate_page_ms", "terms": N, "format": "text" | "html",
     "value": X, "unit": "MB/s" | "ms", "baselines": {"spacy_phrasematcher": X, "flashtext": X,
     "pyahocorasick": X, "str_lower": X}}

* ``annotate_mb_s``: throughput over ~1 MB of corpus text (``text``: ``Linker.find``, every rule on;
  ``html``: ``Linker.annotate_html``, HTML in and HTML out) in MB/s (10^6 bytes of UTF-8 a second);
* ``annotate_page_ms``: the time to annotate one ~40 KB page (the sample's weekly review page for
  ``html``; 40 KB of the corpus text for ``text``), in milliseconds.

Glossaries of 100, 1,000 and 10,000 terms: the bundled glossary (345 terms) and, beyond it, terms
synthesised deterministically: up to a quarter from the seed text's recurring two- and three-word phrases,
the rest generated names the text never uses (CamelCase, hyphenated with versions, acronyms), each
with its inflections from spaCy's lemmatizer data, as the real glossary has them (``--dense``: the
text's phrases first, nearly every phrase a term, the worst case). The baselines get exactly the same forms:

* ``spacy_phrasematcher``: spaCy's ``PhraseMatcher(attr="LOWER")`` used the plain way
  (``matcher(nlp.make_doc(text))`` on ``spacy.blank("en")``);
* ``flashtext``: ``KeywordProcessor`` (case-insensitive), ``extract_keywords(span_info=True)``;
* ``pyahocorasick``: an automaton over the lower-cased forms, run over ``text.lower()``, keeping
  matches with a word boundary on both sides, longest first, no overlaps;
* ``str_lower``: ``text.lower()`` over the same text, the ceiling.

Baselines see HTML as plain text (they know no markup). Each figure is the best of ``--repeat``
runs, timed by default with this process's CPU time (``--clock cpu``: on a shared machine the other
processes' load then barely counts; ``--clock wall`` for wall-clock time; all of it is one thread,
so on an idle machine the two agree).

    .venv/bin/python scripts/bench_annotate.py [--sizes 100,1000,10000] [--repeat 5] [--clock cpu|wall]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.nlp.forms import add_variants, generated_forms  # noqa: E402
from kg.nlp.linker import Linker, TermForms  # noqa: E402
from kg.parsers.feed import read_feed  # noqa: E402
from kg.parsers.glossary import read_glossary  # noqa: E402
from kg.parsers.review import read_review  # noqa: E402

SAMPLE = ROOT / "data" / "sample"
TEXT_BYTES = 1_000_000
PAGE_BYTES = 40_000


# -- inputs -------------------------------------------------------------------------------
def seed_paragraphs() -> list[str]:
    feed = read_feed(SAMPLE / "feed.xml")
    out = [feed.description]
    for ep in feed.episodes:
        d = ep.description
        out.append(d.summary)
        out += d.takeaways
        out += [f"{c.title}: {c.summary}" for c in d.chapters]
        out += [f"{r.title}: {r.note}" for r in d.reading]
    for path in sorted((SAMPLE / "reviews").glob("*.html")):
        out += [p.text for p in read_review(path).paragraphs]
    return [p for p in out if p.strip()]


def corpus_text(paragraphs: list[str], size: int = TEXT_BYTES) -> str:
    """~``size`` bytes of corpus text: the seed paragraphs, shuffled (seeded) round after round."""
    rng = random.Random(7)
    parts: list[str] = []
    total = 0
    while total < size:
        round_ = list(paragraphs)
        rng.shuffle(round_)
        for p in round_:
            parts.append(p)
            total += len(p.encode()) + 2
            if total >= size:
                break
    return "\n\n".join(parts)


def page_text(text: str, size: int = PAGE_BYTES) -> str:
    cut = text.encode()[:size].decode(errors="ignore")
    return cut.rsplit(" ", 1)[0]


def review_page() -> str:
    return (SAMPLE / "reviews" / "2026-06-28.html").read_text(encoding="utf-8")


def html_corpus(page: str, size: int = TEXT_BYTES) -> str:
    body = page[page.index("<body") : page.rindex("</body>")]
    reps = size // len(body.encode()) + 1
    return "<!DOCTYPE html><html><head><title>bench</title></head>" + body * reps + "</body></html>"


# -- glossaries ---------------------------------------------------------------------------
_SYLLABLES = "kern flash spec drift lumen vec ortho quill nova strata helix sigma arbor tensor cortex".split()
_SUFFIXES = "Bench Net Former Coder Judge Router Agent Eval Arena Gym Forge Scope".split()


NGRAM_SHARE = 0.25  # of the synthetic terms, the share taken from the seed text's recurring phrases


def synthetic_terms(paragraphs: list[str], taken: set[str], n: int, dense: bool = False) -> list[TermForms]:
    """``n`` extra terms, deterministic: recurring phrases of the seed text, then generated names.

    A real glossary of 10,000 terms holds far more than one corpus uses: by default a quarter of
    the extra terms are phrases the seed text repeats (most frequent first; there are some 450)
    and the rest generated names it never uses. ``dense``: phrases first, as many as there are
    (nearly every phrase of the text becomes a term: the worst case for match density).
    """
    from spacy.lang.en.stop_words import STOP_WORDS

    out: list[TermForms] = []

    def take(label: str, acronyms: tuple[str, ...] = ()) -> None:
        key = label.casefold()
        if key in taken or len(out) >= n:
            return
        taken.add(key)
        for a in acronyms:
            taken.add(a.casefold())
        variants = tuple(v for v in generated_forms(label, [], list(acronyms)) if v.casefold() not in taken)
        taken.update(v.casefold() for v in variants)
        out.append(TermForms(f"syn-{len(out)}", label, (), acronyms, variants))

    grams: Counter[str] = Counter()
    for p in paragraphs:
        words = re.findall(r"[a-z][a-z-]+", p.lower())
        for size in (2, 3):
            for i in range(len(words) - size + 1):
                gram = words[i : i + size]
                if gram[0] in STOP_WORDS or gram[-1] in STOP_WORDS:
                    continue
                grams[" ".join(gram)] += 1
    budget = n if dense else int(n * NGRAM_SHARE)
    for gram, count in sorted(grams.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(out) >= budget or (count < 2 and not dense):
            break
        take(gram)
    rng = random.Random(11)
    while len(out) < n:
        a, b = rng.choice(_SYLLABLES), rng.choice(_SYLLABLES)
        shape = rng.randrange(4)
        if shape == 0:
            take(a.capitalize() + b.capitalize() + rng.choice(_SUFFIXES))
        elif shape == 1:
            take(f"{a.capitalize()}-{rng.randrange(1, 9)}.{rng.randrange(10)}-{rng.choice([1, 3, 7, 8, 13, 70])}B")
        elif shape == 2:
            letters = "".join(rng.choice("ABCDEFGHKLMPRSTVW") for _ in range(rng.randrange(3, 6)))
            take(f"{a} {b} {rng.choice(['model', 'objective', 'estimator', 'decoding', 'policy'])}", (letters,))
        else:
            take(f"{a}-{b} {rng.choice(['attention', 'scheduling', 'sampling', 'probe', 'head'])}")
    return out


def glossaries(paragraphs: list[str], sizes: list[int], dense: bool = False) -> dict[int, list[TermForms]]:
    glossary = read_glossary(SAMPLE / "glossary.yaml")
    add_variants(glossary)
    real = [TermForms(t.id, t.label, tuple(t.aliases), tuple(t.acronyms), tuple(t.variants)) for t in glossary.terms]
    taken = {f.casefold() for t in real for f in (t.label, *t.aliases, *t.acronyms, *t.variants)}
    extra = synthetic_terms(paragraphs, set(taken), max(sizes) - len(real), dense) if max(sizes) > len(real) else []
    return {n: (real + extra)[:n] for n in sizes}


def forms_of(terms: list[TermForms]) -> list[tuple[str, str]]:
    return [(f, t.slug) for t in terms for f in (t.label, *t.aliases, *t.acronyms, *t.variants)]


# -- baselines ----------------------------------------------------------------------------
def phrasematcher(terms: list[TermForms]) -> Callable[[str], int]:
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("en")
    nlp.max_length = 10 * TEXT_BYTES
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    by_slug: dict[str, list[str]] = {}
    for form, slug in forms_of(terms):
        by_slug.setdefault(slug, []).append(form)
    for slug, forms in by_slug.items():
        matcher.add(slug, list(nlp.tokenizer.pipe(forms)))
    return lambda text: len(matcher(nlp.make_doc(text)))


def flashtext_matcher(terms: list[TermForms]) -> Callable[[str], int]:
    from flashtext import KeywordProcessor

    kp = KeywordProcessor(case_sensitive=False)
    for form, slug in forms_of(terms):
        kp.add_keyword(form, slug)
    return lambda text: len(kp.extract_keywords(text, span_info=True))


def pyahocorasick_matcher(terms: list[TermForms]) -> Callable[[str], int]:
    import ahocorasick

    auto = ahocorasick.Automaton()
    for form, slug in forms_of(terms):
        key = form.lower()
        if key not in auto:
            auto.add_word(key, (len(key), slug))
    auto.make_automaton()

    def run(text: str) -> int:
        low = text.lower()
        n = len(low)
        found = []
        for end, (length, _slug) in auto.iter(low):
            start = end - length + 1
            if (start == 0 or not low[start - 1].isalnum()) and (end + 1 == n or not low[end + 1].isalnum()):
                found.append((start, -end))
        found.sort()
        last = -1
        count = 0
        for start, neg_end in found:
            if start > last:
                count += 1
                last = -neg_end
        return count

    return run


# -- timing -------------------------------------------------------------------------------
CLOCK: Callable[[], float] = time.process_time


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = CLOCK()
        fn()
        best = min(best, CLOCK() - t0)
    return max(best, 1e-9)


def page_ms(fn: Callable[[str], object], page: str, repeat: int, inner: int) -> float:
    return best_of(lambda: [fn(page) for _ in range(inner)], repeat) / inner * 1000


def mb_s(fn: Callable[[str], object], text: str, repeat: int) -> float:
    return len(text.encode()) / 1e6 / best_of(lambda: fn(text), repeat)


def line(metric: str, terms: int, fmt: str, value: float, unit: str, baselines: dict[str, float]) -> None:
    print(
        json.dumps(
            {
                "metric": metric,
                "terms": terms,
                "format": fmt,
                "value": round(value, 3),
                "unit": unit,
                "baselines": {k: round(v, 3) for k, v in baselines.items()},
            }
        ),
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000,10000", help="glossary sizes (comma-separated)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per figure; the best is kept")
    ap.add_argument("--page-runs", type=int, default=20, help="pages annotated per timed run")
    ap.add_argument("--clock", choices=["cpu", "wall"], default="cpu", help="time CPU time or wall-clock time")
    ap.add_argument("--dense", action="store_true", help="synthesise terms from the text's phrases first (worst case)")
    args = ap.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    sizes = [int(s) for s in args.sizes.split(",")]
    paragraphs = seed_paragraphs()
    text = corpus_text(paragraphs)
    text_page = page_text(text)
    html_page = review_page()
    html_text = html_corpus(html_page)
    print(
        f"# text {len(text.encode()):,} B, html {len(html_text.encode()):,} B, pages {len(text_page.encode()):,} B "
        f"text / {len(html_page.encode()):,} B html",
        file=sys.stderr,
    )
    for n, terms in glossaries(paragraphs, sizes, args.dense).items():
        t0 = time.perf_counter()
        linker = Linker(terms)
        build_ms = (time.perf_counter() - t0) * 1000
        print(f"# {n} terms: {linker.size:,} keys, built in {build_ms:.0f} ms, {len(linker.conflicts)} conflicts, "
              f"{len(linker.find(text)):,} matches in the text", file=sys.stderr)  # fmt: skip
        baselines = {
            "spacy_phrasematcher": phrasematcher(terms),
            "flashtext": flashtext_matcher(terms),
            "pyahocorasick": pyahocorasick_matcher(terms),
            "str_lower": str.lower,
        }
        slow = {"spacy_phrasematcher": max(1, args.repeat // 2)}
        for fmt, big, page, fn in (
            ("text", text, text_page, linker.find),
            ("html", html_text, html_page, linker.annotate_html),
        ):
            value = mb_s(fn, big, args.repeat)
            base = {k: mb_s(f, big, slow.get(k, args.repeat)) for k, f in baselines.items()}
            line("annotate_mb_s", n, fmt, value, "MB/s", base)
            value = page_ms(fn, page, args.repeat, args.page_runs)
            base = {
                k: page_ms(f, page, slow.get(k, args.repeat), max(1, args.page_runs // (10 if k in slow else 1)))
                for k, f in baselines.items()
            }
            line("annotate_page_ms", n, fmt, value, "ms", base)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
