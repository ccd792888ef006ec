"""Derived edges, materialised when the graph is written so pages never scan the graph.

* **related episodes**: episodes that share papers (covered or recommended), glossary
  terms (explained or mentioned, by the episode or one of its chapters) or a topic.
  Each shared feature counts ``log(1 + MAX_FEATURE_DF / df)`` (``df``: how many
  episodes have it), so rare links count more; a feature held by one episode or by
  more than ``MAX_FEATURE_DF`` says nothing and counts 0. The top ``TOP_RELATED`` per
  episode are kept with the weight and the reason in words ("shared papers: …; shared
  terms: …; same topic: …").
* **co-recommended papers**: papers in the same reading list, with how many lists
  they share; the top ``TOP_CO_RECOMMENDED`` per paper.

Everything goes into one named graph, ``id/graph/derived``.

The IDF reference is the fixed ``MAX_FEATURE_DF``, not the live episode count: with
the live count every new episode would move every weight in the graph, and each
write would have to rewrite all of it. With a fixed reference a new episode changes
only the weights of its own features, which is what makes the update incremental.

**Incremental update.** Beside the store each generation keeps ``kg-derived.npz``:
episode -> features and feature -> episodes postings, and for every episode its best
``BUFFER`` candidates with their exact scores (scores are integers, in units of
1/``SCALE``, so sums never depend on order). An ingest recomputes the features of the
episodes whose graphs changed, adjusts the buffered scores of the episodes that share a
feature whose weight moved, and proves each such episode's top list still exact from a
bound on every candidate not in its buffer; only where that proof fails (or for the
changed episodes themselves) it recomputes the episode from the postings. The result
is the same graph a full recompute gives (``tests/test_derive.py`` checks it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat

from kg.queries import PREFIXES, subject_object_pairs
from kg.rdf.namespaces import CITO, DERIVED_GRAPH, KG, RDF, SCHEMA, SKOS, XSD, iri, local_id
from kg.store.changes import Changes

log = logging.getLogger("kg.derive")

TOP_RELATED = 6
TOP_CO_RECOMMENDED = 20
MAX_FEATURE_DF = 300  # a feature shared by more episodes than this says little
BUFFER = 16  # candidates kept per episode (exact), so most updates need no recompute
SCALE = 10_000  # scores are integers in units of 1/SCALE (the weight is shown with 4 decimals)
INDEX_FILE = "kg-derived.npz"
FULL_RECOMPUTE_SHARE = 0.2  # when more episodes than this changed, recompute everything
_FORMAT = 2  # 2: the materialised rows are kept (mat, mats, math)

PAPER, TERM, TOPIC = 0, 1, 2
KINDS = ("paper", "term", "topic")
_KIND_WORDS = ("shared papers", "shared terms", "same topic")
_PAPER_PREDICATES = (KG.covers, CITO.citesAsRecommendedReading)
_TERM_PREDICATES = (KG.explains, KG.mentions)


def feature_weight(df: int) -> int:
    """The weight of one shared feature held by ``df`` episodes, in units of 1/SCALE."""
    if df < 2 or df > MAX_FEATURE_DF:
        return 0
    return round(SCALE * math.log(1 + MAX_FEATURE_DF / df))


_TABLE = np.array([feature_weight(d) for d in range(MAX_FEATURE_DF + 1)], dtype=np.int64)


def _weights(dfs: np.ndarray) -> np.ndarray:
    table = _TABLE
    return np.where(dfs <= MAX_FEATURE_DF, table[np.minimum(dfs, MAX_FEATURE_DF)], 0)


def _decimal(score: int) -> str:
    """The score as the canonical xsd:decimal the store keeps (``8.949``, ``3``), 4 decimals at most."""
    whole, frac = divmod(score, SCALE)
    digits = f"{frac:04d}".rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)


def _best(values: Iterable[str]) -> str | None:
    """The longest of several labels (ties: the first in order), so the choice never depends on order."""
    best = None
    for v in values:
        if best is None or len(v) > len(best) or (len(v) == len(best) and v < best):
            best = v
    return best


# --------------------------------------------------------------------------------------
# Reading features from the store
# --------------------------------------------------------------------------------------


def _objects(store: pyoxigraph.Store, s: NamedNode, p: NamedNode) -> set[str]:
    return {q.object.value for q in store.quads_for_pattern(s, p, None) if isinstance(q.object, NamedNode)}


def _fallback_label(value: str, kind: int) -> str:
    return local_id(value, "paper") if kind == PAPER else value.rsplit("/", 1)[-1]


def _label(store: pyoxigraph.Store, value: str, kind: int) -> str | None:
    """The feature's label; ``None`` for a term without a preferred label (not a feature).

    A term's label is its ``skos:prefLabel``; a paper's or topic's, the ``schema:name``
    of the node typed ``kg:Paper`` / ``kg:Topic`` (the longest, if several), else its id.
    """
    node = NamedNode(value)
    if kind == TERM:
        return _best(q.object.value for q in store.quads_for_pattern(node, SKOS.prefLabel, None))
    typed = next(iter(store.quads_for_pattern(node, RDF.type, KG.Paper if kind == PAPER else KG.Topic)), None)
    name = _best(q.object.value for q in store.quads_for_pattern(node, SCHEMA.name, None)) if typed else None
    return name or _fallback_label(value, kind)


def _is_episode(store: pyoxigraph.Store, value: str) -> bool:
    return next(iter(store.quads_for_pattern(NamedNode(value), RDF.type, KG.Episode)), None) is not None


def read_episode(store: pyoxigraph.Store, value: str) -> tuple[set[tuple[str, int]], set[str]] | None:
    """One episode's raw features ``{(iri, kind)}`` and reading list; ``None`` if it is no episode."""
    if not _is_episode(store, value):
        return None
    e = NamedNode(value)
    feats: set[tuple[str, int]] = set()
    reading = _objects(store, e, CITO.citesAsRecommendedReading)
    for p in _PAPER_PREDICATES:
        feats.update((o, PAPER) for o in _objects(store, e, p))
    subjects = [e] + [NamedNode(c) for c in _objects(store, e, KG.hasChapter)]
    for s in subjects:
        for p in _TERM_PREDICATES:
            feats.update((o, TERM) for o in _objects(store, s, p))
    feats.update((o, TOPIC) for o in _objects(store, e, KG.inTopic))
    return feats, reading


def _members(store: pyoxigraph.Store, cls: NamedNode) -> set[str]:
    """IRIs typed ``cls`` in any graph."""
    query = f"SELECT DISTINCT ?s WHERE {{ ?s a <{cls.value}> }}"
    rows = store.query(query, use_default_graph_as_union=True)
    return {sol[0].value for sol in rows if isinstance(sol[0], NamedNode)}


def _grouped(store: pyoxigraph.Store, *predicates: NamedNode) -> dict[str, set[str]]:
    """IRI subject -> its IRI objects for any of ``predicates``, in any graph (the union graph's view)."""
    out: dict[str, set[str]] = defaultdict(set)
    for p in predicates:
        for s, o in subject_object_pairs(store, p):
            if isinstance(s, NamedNode) and isinstance(o, NamedNode):
                out[s.value].add(o.value)
    return out


def read_all(
    store: pyoxigraph.Store, mentions: Mapping[str, Iterable[str]] | None = None
) -> dict[str, tuple[set[tuple[str, int]], set[str]]]:
    """Every episode's raw features and reading list: one scan of each predicate, joined here.

    ``mentions``: the ``kg:mentions`` edges, when the caller has them (a build's mention step
    records what it wrote: most of the quads read otherwise).

    Joins are done in Python rather than in SPARQL so their cost never depends on the
    query planner (at 10,000 episodes the grouped SPARQL queries these scans replaced took
    87 s: decoding the terms of a million quads is most of it).
    """
    eps: dict[str, tuple[set[tuple[str, int]], set[str]]] = {e: (set(), set()) for e in _members(store, KG.Episode)}
    chapters: dict[str, list[str]] = defaultdict(list)
    for e, cs in _grouped(store, KG.hasChapter).items():
        if e in eps:
            for c in cs:
                chapters[c].append(e)
    for e, fs in _grouped(store, KG.covers).items():
        if e in eps:
            eps[e][0].update((f, PAPER) for f in fs)
    for e, fs in _grouped(store, CITO.citesAsRecommendedReading).items():
        if e in eps:
            eps[e][0].update((f, PAPER) for f in fs)
            eps[e][1].update(fs)
    terms = _grouped(store, KG.explains) if mentions is not None else _grouped(store, KG.explains, KG.mentions)
    for x, ts in (mentions or {}).items():
        terms[x].update(ts)
    for x, fs in terms.items():
        feats = [(f, TERM) for f in fs]
        if x in eps:
            eps[x][0].update(feats)
        for e in chapters.get(x, ()):
            eps[e][0].update(feats)
    for e, fs in _grouped(store, KG.inTopic).items():
        if e in eps:
            eps[e][0].update((f, TOPIC) for f in fs)
    return eps


def read_labels(store: pyoxigraph.Store) -> dict[tuple[str, int], str]:
    """Labels of every possible feature, as :func:`_label` gives them one by one (terms only if labelled)."""
    names: dict[str, set[str]] = defaultdict(set)
    for p in (SKOS.prefLabel, SCHEMA.name):
        for subject, o in subject_object_pairs(store, p):
            if isinstance(o, Literal):
                names[subject.value, p.value].add(o.value)
    out: dict[tuple[str, int], str] = {}
    for value, ns in names.items():
        if value[1] == SKOS.prefLabel.value:
            out[(value[0], TERM)] = _best(ns)  # type: ignore[assignment]
    for kind, cls in ((PAPER, KG.Paper), (TOPIC, KG.Topic)):
        for value in _members(store, cls):
            ns = names.get((value, SCHEMA.name.value))
            if ns:
                out[(value, kind)] = _best(ns)  # type: ignore[assignment]
    return out


# --------------------------------------------------------------------------------------
# Ragged rows of integers, CSR-packed on disk, edited per row in memory
# --------------------------------------------------------------------------------------


class Ragged:
    def __init__(self, ptr: np.ndarray | None = None, idx: np.ndarray | None = None, dtype=np.int32):
        self.ptr = ptr if ptr is not None else np.zeros(1, dtype=np.int64)
        self.idx = idx if idx is not None else np.zeros(0, dtype=dtype)
        self.dtype = dtype
        self.edits: dict[int, np.ndarray] = {}
        self.rows = len(self.ptr) - 1

    def __len__(self) -> int:
        return self.rows

    def row(self, i: int) -> np.ndarray:
        if i in self.edits:
            return self.edits[i]
        if i >= len(self.ptr) - 1:
            return self.idx[:0]
        return self.idx[self.ptr[i] : self.ptr[i + 1]]

    def set(self, i: int, values) -> None:
        self.edits[i] = np.asarray(values, dtype=self.dtype)
        self.rows = max(self.rows, i + 1)

    def grow(self, rows: int) -> None:
        self.rows = max(self.rows, rows)

    def packed(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.edits and self.rows == len(self.ptr) - 1:
            return self.ptr, self.idx
        lens = np.zeros(self.rows, dtype=np.int64)
        base = len(self.ptr) - 1
        lens[:base] = np.diff(self.ptr)
        for i, v in self.edits.items():
            lens[i] = len(v)
        ptr = np.zeros(self.rows + 1, dtype=np.int64)
        np.cumsum(lens, out=ptr[1:])
        idx = np.empty(int(ptr[-1]), dtype=self.dtype)
        # unchanged rows in runs, edited rows one by one
        keep = np.ones(self.rows, dtype=bool)
        keep[list(self.edits)] = False
        keep[base:] = False
        old_rows = np.flatnonzero(keep)
        if len(old_rows):
            src = _ranges(self.ptr[old_rows], lens[old_rows])
            dst = _ranges(ptr[old_rows], lens[old_rows])
            idx[dst] = self.idx[src]
        for i, v in self.edits.items():
            idx[ptr[i] : ptr[i + 1]] = v
        self.ptr, self.idx, self.edits = ptr, idx, {}
        return ptr, idx

    @classmethod
    def from_rows(cls, rows: list, dtype=np.int32) -> Ragged:
        lens = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        ptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lens, out=ptr[1:])
        idx = np.fromiter((x for r in rows for x in r), dtype=dtype, count=int(ptr[-1]))
        return cls(ptr, idx, dtype)


def _ranges(starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Concatenated ``range(s, s + n)`` for each start and length, vectorised."""
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(np.cumsum(lens) - lens, lens)
    return np.repeat(starts.astype(np.int64), lens) + (np.arange(total, dtype=np.int64) - offsets)


# --------------------------------------------------------------------------------------
# The index
# --------------------------------------------------------------------------------------


@dataclass
class Stats:
    mode: str = "full"
    episodes: int = 0
    changed: int = 0
    checked: int = 0
    recomputed: int = 0
    rewritten: int = 0
    quads: int = 0

    def __str__(self) -> str:
        if self.mode == "full":
            return f"derived edges: {self.quads} quads for {self.episodes} episodes"
        return (
            f"derived edges: {self.changed} episodes changed, {self.checked} checked, "
            f"{self.recomputed} recomputed, {self.rewritten} rewritten"
        )


class DerivedIndex:
    """Postings, candidate buffers and what is materialised, for one generation."""

    def __init__(self) -> None:
        self.episodes: list[str] = []  # one slot per episode ever seen (IRI)
        self.alive = np.zeros(0, dtype=bool)
        self.f_iri: list[str] = []
        self.f_kind = np.zeros(0, dtype=np.int8)
        self.f_label: list[str] = []
        self.ef = Ragged()  # episode -> features (sorted)
        self.fe = Ragged()  # feature -> episodes (sorted)
        self.er = Ragged()  # episode -> recommended papers (feature slots, sorted)
        self.re = Ragged()  # paper -> episodes that recommend it
        self.buf = Ragged()  # episode -> buffered candidates (others)
        self.bsc = Ragged(dtype=np.int64)  # ... and their scores
        self.complete = np.zeros(0, dtype=bool)
        self.digest = np.zeros(0, dtype=np.uint64)  # of what is materialised per episode
        # what is materialised per episode, row by row: the other episode, the score, a hash of the
        # reason; an update rewrites only the quads of a row that changed (most: its weight alone)
        self.mat = Ragged()
        self.mats = Ragged(dtype=np.int64)
        self.math = Ragged(dtype=np.uint64)
        self.co = Ragged()  # paper -> co-recommended papers (materialised)
        self.coc = Ragged()  # ... and their counts
        self._ep_ix: dict[str, int] = {}
        self._f_ix: dict[tuple[str, int], int] = {}
        self._rank: np.ndarray | None = None

    def materialised_quads(self) -> int:
        """How many quads the derived graph holds (6 per related episode, 4 per co-recommendation, 2 more)."""
        buf_ptr, _ = self.buf.packed()
        co_ptr, _ = self.co.packed()
        return 2 + 6 * int(np.minimum(np.diff(buf_ptr), TOP_RELATED).sum()) + 4 * int(np.diff(co_ptr).sum())

    # -- slots -----------------------------------------------------------------------
    def _reindex(self) -> None:
        self._ep_ix = {e: i for i, e in enumerate(self.episodes)}
        self._f_ix = {(f, int(k)): i for i, (f, k) in enumerate(zip(self.f_iri, self.f_kind.tolist(), strict=True))}
        self._rank = None

    def episode_slot(self, value: str) -> int:
        i = self._ep_ix.get(value)
        if i is None:
            i = len(self.episodes)
            self.episodes.append(value)
            self._ep_ix[value] = i
            self.alive = np.append(self.alive, False)
            self.complete = np.append(self.complete, True)
            self.digest = np.append(self.digest, np.uint64(0))
            for r in (self.ef, self.er, self.buf, self.bsc, self.mat, self.mats, self.math):
                r.grow(len(self.episodes))
            self._rank = None
        return i

    def feature_slot(self, value: str, kind: int, label: str) -> int:
        key = (value, kind)
        i = self._f_ix.get(key)
        if i is None:
            i = len(self.f_iri)
            self.f_iri.append(value)
            self.f_kind = np.append(self.f_kind, np.int8(kind))
            self.f_label.append(label)
            self._f_ix[key] = i
            for r in (self.fe, self.re, self.co, self.coc):
                r.grow(len(self.f_iri))
        return i

    @property
    def rank(self) -> np.ndarray:
        """Each episode's position in IRI order: ties between equal scores go to the smaller IRI."""
        if self._rank is None or len(self._rank) != len(self.episodes):
            order = sorted(range(len(self.episodes)), key=self.episodes.__getitem__)
            rank = np.empty(len(self.episodes), dtype=np.int64)
            rank[order] = np.arange(len(self.episodes))
            self._rank = rank
        return self._rank

    def df(self, f: int) -> int:
        return len(self.fe.row(f))

    def weights(self) -> np.ndarray:
        ptr, _ = self.fe.packed()
        return _weights(np.diff(ptr))

    # -- building from a snapshot ----------------------------------------------------
    @classmethod
    def from_store(cls, store: pyoxigraph.Store, mentions: Mapping[str, Iterable[str]] | None = None) -> DerivedIndex:
        idx = cls()
        raw = read_all(store, mentions)
        known = read_labels(store)
        labels: dict[tuple[str, int], str | None] = {}
        for feats, _reading in raw.values():
            for key in feats:
                if key not in labels:
                    labels[key] = known.get(key) or (None if key[1] == TERM else _fallback_label(*key))
        for e in sorted(raw):
            idx.episode_slot(e)
        rows: list[list[int]] = []
        reading_rows: list[list[int]] = []
        for e in idx.episodes:
            feats, reading = raw[e]
            ids = sorted(idx.feature_slot(f, k, labels[(f, k)]) for f, k in feats if labels[(f, k)] is not None)
            rows.append(ids)
            reading_rows.append(sorted(idx._f_ix[(p, PAPER)] for p in reading))
        idx.alive = np.ones(len(idx.episodes), dtype=bool)
        idx.ef = Ragged.from_rows(rows)
        idx.er = Ragged.from_rows(reading_rows)
        idx.fe = _invert(idx.ef, len(idx.f_iri))
        idx.re = _invert(idx.er, len(idx.f_iri))
        return idx

    # -- persistence -------------------------------------------------------------------
    def save(self, directory: Path) -> Path:
        arrays: dict[str, np.ndarray] = {}
        for name in _RAGGED:
            r: Ragged = getattr(self, name)
            ptr, idx = r.packed()
            arrays[name + "_ptr"], arrays[name + "_idx"] = ptr, idx
        strings = json.dumps([_FORMAT, self.episodes, self.f_iri, self.f_label], ensure_ascii=False)
        arrays["strings"] = np.frombuffer(strings.encode("utf-8"), dtype=np.uint8)
        arrays["alive"], arrays["complete"], arrays["digest"], arrays["f_kind"] = (
            self.alive,
            self.complete,
            self.digest,
            self.f_kind,
        )
        path = Path(directory) / INDEX_FILE
        tmp = path.with_suffix(".tmp.npz")
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, directory: Path | None) -> DerivedIndex | None:
        if directory is None or not (Path(directory) / INDEX_FILE).is_file():
            return None
        try:
            with np.load(Path(directory) / INDEX_FILE) as data:
                fmt, episodes, f_iri, f_label = json.loads(data["strings"].tobytes().decode("utf-8"))
                if fmt != _FORMAT:
                    return None
                idx = cls()
                idx.episodes, idx.f_iri, idx.f_label = episodes, f_iri, f_label
                idx.alive, idx.complete = data["alive"].copy(), data["complete"].copy()
                idx.digest, idx.f_kind = data["digest"].copy(), data["f_kind"].copy()
                for name, dtype in _RAGGED.items():
                    setattr(idx, name, Ragged(data[name + "_ptr"], data[name + "_idx"], dtype))
        except (OSError, ValueError, KeyError) as exc:
            log.warning("derived index unreadable (%s); recomputing", exc)
            return None
        idx._reindex()
        return idx

    # -- scoring -----------------------------------------------------------------------
    def recompute(self, rows: Iterable[int]) -> None:
        """Exact top-BUFFER candidates of ``rows`` from the postings (vectorised)."""
        rows = np.array(sorted(set(rows)), dtype=np.int64)
        if len(rows) == 0:
            return
        ef_ptr, ef_idx = self.ef.packed()
        fe_ptr, fe_idx = self.fe.packed()
        w = _weights(np.diff(fe_ptr))
        rank = self.rank
        n = len(self.episodes)
        lens_a = ef_ptr[rows + 1] - ef_ptr[rows]
        A = np.repeat(rows, lens_a)
        F = ef_idx[_ranges(ef_ptr[rows], lens_a)]
        active = w[F] > 0
        A, F = A[active], F[active]
        cost = np.diff(fe_ptr)[F]
        per_row = np.bincount(np.searchsorted(rows, A), weights=cost, minlength=len(rows))
        found: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        budget, start = 4_000_000, 0
        bounds = np.cumsum(per_row)
        while start < len(rows):
            base = bounds[start - 1] if start else 0
            stop = max(start + 1, int(np.searchsorted(bounds, base + budget, side="right")))
            lo, hi = rows[start], rows[stop - 1]
            sel = (A >= lo) & (A <= hi)
            found.update(self._score_chunk(A[sel], F[sel], fe_ptr, fe_idx, w, rank, n))
            start = stop
        empty_o, empty_s = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
        for r in rows.tolist():
            others, scores = found.get(r, (empty_o, empty_s))
            self.buf.set(r, others[:BUFFER])
            self.bsc.set(r, scores[:BUFFER])
            self.complete[r] = len(others) <= BUFFER

    @staticmethod
    def _score_chunk(A, F, fe_ptr, fe_idx, w, rank, n) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        lens = fe_ptr[F + 1] - fe_ptr[F]
        B = fe_idx[_ranges(fe_ptr[F], lens)].astype(np.int64)
        AA = np.repeat(A, lens)
        W = np.repeat(w[F], lens)
        mask = B != AA
        key = AA[mask] * n + B[mask]
        if len(key) == 0:
            return {}
        uniq, inv = np.unique(key, return_inverse=True)
        sc = np.rint(np.bincount(inv, weights=W[mask].astype(np.float64))).astype(np.int64)
        ra, rb = uniq // n, uniq % n
        order = np.lexsort((rank[rb], -sc, ra))
        ra, rb, sc = ra[order], rb[order], sc[order]
        cut = np.flatnonzero(np.diff(ra)) + 1
        starts = np.r_[0, cut]
        ends = np.r_[cut, len(ra)]
        out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            # keep one more than the buffer so 'complete' is known
            out[int(ra[s])] = (rb[s : min(e, s + BUFFER + 1)].astype(np.int32), sc[s : min(e, s + BUFFER + 1)])
        return out

    def related(self, a: int) -> list[tuple[int, int]]:
        return list(zip(self.buf.row(a)[:TOP_RELATED].tolist(), self.bsc.row(a)[:TOP_RELATED].tolist(), strict=True))

    # -- co-recommendation -----------------------------------------------------------
    def co_recommended(self, p: int) -> list[tuple[int, int]]:
        counts: Counter[int] = Counter()
        for e in self.re.row(p).tolist():
            counts.update(self.er.row(e).tolist())
        counts.pop(p, None)
        best = sorted(counts.items(), key=lambda kv: (-kv[1], self.f_iri[kv[0]]))[:TOP_CO_RECOMMENDED]
        return best

    def recompute_co(self, papers: Iterable[int]) -> list[int]:
        """Recompute the materialised lists of ``papers``; return those that changed."""
        changed = []
        for p in sorted(set(papers)):
            best = self.co_recommended(p)
            others = [o for o, _ in best]
            counts = [c for _, c in best]
            if others != self.co.row(p).tolist() or counts != self.coc.row(p).tolist():
                changed.append(p)
                self.co.set(p, others)
                self.coc.set(p, counts)
        return changed

    def all_co(self) -> None:
        pairs: Counter[tuple[int, int]] = Counter()
        er_ptr, er_idx = self.er.packed()
        for e in range(len(self.episodes)):
            papers = er_idx[er_ptr[e] : er_ptr[e + 1]].tolist()
            pairs.update(combinations(papers, 2))
        lists: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for (a, b), c in pairs.items():
            lists[a].append((b, c))
            lists[b].append((a, c))
        rows_o: list[list[int]] = [[] for _ in self.f_iri]
        rows_c: list[list[int]] = [[] for _ in self.f_iri]
        for p, lst in lists.items():
            lst.sort(key=lambda kv: (-kv[1], self.f_iri[kv[0]]))
            rows_o[p] = [o for o, _ in lst[:TOP_CO_RECOMMENDED]]
            rows_c[p] = [c for _, c in lst[:TOP_CO_RECOMMENDED]]
        self.co = Ragged.from_rows(rows_o)
        self.coc = Ragged.from_rows(rows_c)

    # -- materialising -----------------------------------------------------------------
    def reason(self, b: int, counting: set[int]) -> str:
        """Why episode ``b`` is related to one whose features of positive weight are ``counting``: the
        shared features that count, by kind, four names each."""
        shared = [f for f in self.ef.row(b).tolist() if f in counting]
        labels: tuple[list[str], ...] = ([], [], [])
        for f, kind in zip(shared, self.f_kind[shared].tolist(), strict=True):
            labels[kind].append(self.f_label[f])
        parts = []
        for kind in (PAPER, TERM, TOPIC):
            names = sorted(labels[kind])
            if names:
                shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
                parts.append(f"{_KIND_WORDS[kind]}: {shown}")
        return "; ".join(parts)

    def related_rows(self, a: int, w: np.ndarray) -> list[tuple[int, int, str]]:
        top = self.related(a)
        if not top:
            return []
        mine = self.ef.row(a)
        counting = set(mine[w[mine] > 0].tolist())
        return [(b, s, self.reason(b, counting)) for b, s in top]

    def set_materialised(self, a: int, rows: list[tuple[int, int, str]]) -> None:
        """Record ``rows`` as what the graph holds for episode ``a``."""
        self.mat.set(a, [b for b, _, _ in rows])
        self.mats.set(a, [s for _, s, _ in rows])
        self.math.set(a, [_reason_hash(r) for _, _, r in rows])

    def materialised(self, a: int) -> dict[int, tuple[int, int]]:
        """What the graph holds for episode ``a``: other episode -> (score, hash of the reason)."""
        return dict(
            zip(
                self.mat.row(a).tolist(),
                zip(self.mats.row(a).tolist(), self.math.row(a).tolist(), strict=True),
                strict=True,
            )
        )

    def related_node(self, a: int, b: int) -> str:
        return iri(
            "episode", local_id(self.episodes[a], "episode"), "related", local_id(self.episodes[b], "episode")
        ).value

    @staticmethod
    def row_digest(rows: list[tuple[str, ...]]) -> np.uint64:
        h = hashlib.blake2b("\x1f".join("\x1e".join(map(str, r)) for r in rows).encode("utf-8"), digest_size=8)
        return np.uint64(int.from_bytes(h.digest(), "little"))

    def related_nq(self, a: int, rows: list[tuple[int, int, str]]) -> str:
        """The related-episode quads of one episode, as N-Quads text."""
        e = self.episodes[a]
        out = []
        for b, score, reason in rows:
            other = self.episodes[b]
            node = self.related_node(a, b)
            out.append(
                f"<{e}> {_P_RELATED_EPISODE} <{other}> {_G} .\n"
                f"<{e}> {_P_RELATEDNESS} <{node}> {_G} .\n"
                f"<{node}> {_P_TYPE} {_C_RELATEDNESS} {_G} .\n"
                f"<{node}> {_P_RELATED_TO} <{other}> {_G} .\n"
                f'<{node}> {_P_WEIGHT} "{_decimal(score)}"^^{_T_DECIMAL} {_G} .\n'
                f"<{node}> {_P_REASON} {_nt_string(reason)} {_G} .\n"
            )
        return "".join(out)

    def co_nq(self, p: int) -> str:
        """The co-recommendation quads of one paper, as N-Quads text."""
        x = self.f_iri[p]
        xid = local_id(x, "paper")
        out = []
        for o, count in zip(self.co.row(p).tolist(), self.coc.row(p).tolist(), strict=True):
            y = self.f_iri[o]
            node = iri("paper", xid, "co", local_id(y, "paper")).value
            out.append(
                f"<{x}> {_P_CO} <{node}> {_G} .\n"
                f"<{node}> {_P_TYPE} {_C_RELATEDNESS} {_G} .\n"
                f"<{node}> {_P_RELATED_TO} <{y}> {_G} .\n"
                f'<{node}> {_P_WEIGHT} "{count}"^^{_T_INTEGER} {_G} .\n'
            )
        return "".join(out)


def _nt_string(value: str) -> str:
    """An N-Triples string literal (JSON's escapes are all valid N-Triples escapes)."""
    return json.dumps(value, ensure_ascii=False)


_G = f"<{DERIVED_GRAPH.value}>"
_P_RELATED_EPISODE = f"<{KG.relatedEpisode.value}>"
_P_RELATEDNESS = f"<{KG.relatedness.value}>"
_P_TYPE = f"<{RDF.type.value}>"
_C_RELATEDNESS = f"<{KG.Relatedness.value}>"
_P_RELATED_TO = f"<{KG.relatedTo.value}>"
_P_WEIGHT = f"<{KG.weight.value}>"
_P_REASON = f"<{KG.reason.value}>"
_P_CO = f"<{KG.coRecommended.value}>"
_T_DECIMAL = f"<{XSD.decimal.value}>"
_T_INTEGER = f"<{XSD.integer.value}>"
_RAGGED = {
    "ef": np.int32, "fe": np.int32, "er": np.int32, "re": np.int32, "buf": np.int32, "bsc": np.int64,
    "co": np.int32, "coc": np.int32, "mat": np.int32, "mats": np.int64, "math": np.uint64,
}  # fmt: skip


def _invert(r: Ragged, columns: int) -> Ragged:
    ptr, idx = r.packed()
    rows = np.repeat(np.arange(len(ptr) - 1, dtype=np.int32), np.diff(ptr))
    order = np.lexsort((rows, idx))
    counts = np.bincount(idx, minlength=columns) if len(idx) else np.zeros(columns, dtype=np.int64)
    out_ptr = np.zeros(columns + 1, dtype=np.int64)
    np.cumsum(counts, out=out_ptr[1:])
    return Ragged(out_ptr, rows[order].astype(np.int32))


def _provenance() -> list[Quad]:
    g = DERIVED_GRAPH
    return [Quad(g, RDF.type, KG.SourceGraph, g), Quad(g, KG.sourceKind, Literal("derived"), g)]


# --------------------------------------------------------------------------------------
# Full recompute
# --------------------------------------------------------------------------------------


def compute_index(store: pyoxigraph.Store, mentions: Mapping[str, Iterable[str]] | None = None) -> DerivedIndex:
    idx = DerivedIndex.from_store(store, mentions)
    idx.recompute(range(len(idx.episodes)))
    idx.all_co()
    return idx


def index_nq(idx: DerivedIndex) -> bytes:
    """The whole derived graph the index materialises, as N-Quads (each episode's digest set on the way)."""
    parts = [pyoxigraph.serialize(_provenance(), format=RdfFormat.N_QUADS).decode("utf-8")]
    w = idx.weights()
    for a in range(len(idx.episodes)):
        rows = idx.related_rows(a, w)
        idx.digest[a] = idx.row_digest(_digest_rows(idx, rows))
        idx.set_materialised(a, rows)
        parts.append(idx.related_nq(a, rows))
    for p in range(len(idx.f_iri)):
        if len(idx.co.row(p)):
            parts.append(idx.co_nq(p))
    return "".join(parts).encode("utf-8")


def _py_decimal(score: int) -> object:
    """The score as the store gives it back to Python (:func:`kg.store.oxigraph.py`)."""
    from kg.store.oxigraph import py

    return py(Literal(_decimal(score), datatype=XSD.decimal))


def _reason_hash(reason: str) -> int:
    return int.from_bytes(hashlib.blake2b(reason.encode("utf-8"), digest_size=8).digest(), "little")


def _digest_rows(idx: DerivedIndex, rows: list[tuple[int, int, str]]) -> list[tuple[str, ...]]:
    return [(idx.episodes[b], str(s), r) for b, s, r in rows]


def derived_quads(store: pyoxigraph.Store) -> list[Quad]:
    """The derived graph a full recompute gives for what is in ``store`` now."""
    return list(pyoxigraph.parse(index_nq(compute_index(store)), format=RdfFormat.N_QUADS))


def rebuild(
    store: pyoxigraph.Store, target: Path | None = None, mentions: Mapping[str, Iterable[str]] | None = None
) -> Stats:
    """Recompute the whole derived graph (and its index, saved into ``target``); ``mentions`` as for
    :func:`read_all`."""
    idx = compute_index(store, mentions)
    data = index_nq(idx)
    if store.contains_named_graph(DERIVED_GRAPH):
        store.remove_graph(DERIVED_GRAPH)
    store.bulk_load(data, format=RdfFormat.N_QUADS)  # the generation is private until published
    if target is not None:
        idx.save(target)
    return Stats("full", episodes=int(idx.alive.sum()), quads=data.count(b"\n"))


def refresh_derived(store: pyoxigraph.Store) -> int:
    """Recompute the whole derived graph; the number of quads written."""
    return rebuild(store).quads


# --------------------------------------------------------------------------------------
# Incremental update
# --------------------------------------------------------------------------------------


def update(store: pyoxigraph.Store, changes: Changes) -> Stats:
    """Bring the derived graph up to date after ``changes``; exact, and cheap when they are small."""
    idx = None if changes.full else DerivedIndex.load(changes.previous)
    if idx is None or not store.contains_named_graph(DERIVED_GRAPH):
        return _rebuild_counted(store, changes)
    before = idx.materialised_quads()
    stats = _Updater(store, idx, changes).run() if changes.touched else Stats("incremental")
    if stats is None:
        return _rebuild_counted(store, changes)
    stats.episodes = int(idx.alive.sum())
    stats.quads = idx.materialised_quads()
    changes.quad_delta += stats.quads - before
    if changes.target is not None:
        idx.save(changes.target)
    return stats


def _rebuild_counted(store: pyoxigraph.Store, changes: Changes) -> Stats:
    changes.rewrote_all = True
    before = 0
    if store.contains_named_graph(DERIVED_GRAPH):
        before = sum(1 for _ in store.quads_for_pattern(None, None, None, DERIVED_GRAPH))
    stats = rebuild(store, changes.target, changes.mentions)
    changes.quad_delta += stats.quads - before
    return stats


class _Updater:
    def __init__(self, store: pyoxigraph.Store, idx: DerivedIndex, changes: Changes):
        self.store, self.idx, self.changes = store, idx, changes

    def _episodes_touched(self) -> set[str]:
        """Episodes whose features may have changed: touched episodes, episodes of touched chapters."""
        idx, store = self.idx, self.store
        out: set[str] = set()
        for value in self.changes.touched:
            if value in idx._ep_ix or _is_episode(store, value):
                out.add(value)
            for q in store.quads_for_pattern(None, KG.hasChapter, NamedNode(value)):
                out.add(q.subject.value)
        # a chapter that was removed no longer says whose it was: its old episode was touched too,
        # since the hasChapter edge lived in the episode's own graph
        return out

    def _relabel(self, episodes: set[str]) -> tuple[set[int], set[str]]:
        """Labels of touched features; returns features whose label changed, and more episodes to
        recompute (holders of terms that gained or lost their preferred label)."""
        idx, store = self.idx, self.store
        changed: set[int] = set()
        more: set[str] = set()
        for value in self.changes.touched:
            for kind in (PAPER, TERM, TOPIC):
                f = idx._f_ix.get((value, kind))
                label = _label(store, value, kind) if f is not None or kind == TERM else None
                if f is not None:
                    old = idx.f_label[f]
                    if label is None:  # a term without a label is no feature any more
                        more.update(idx.episodes[e] for e in idx.fe.row(f).tolist())
                    elif label != old:
                        idx.f_label[f] = label
                        changed.add(f)
                elif kind == TERM and label is not None:
                    node = NamedNode(value)
                    for p in _TERM_PREDICATES:
                        for q in store.quads_for_pattern(None, p, node):
                            s = q.subject.value
                            more.add(s)
                            for q2 in store.quads_for_pattern(None, KG.hasChapter, q.subject):
                                more.add(q2.subject.value)
        return changed, {e for e in more if e in idx._ep_ix or _is_episode(store, e)} - episodes

    def run(self) -> Stats | None:
        idx, store = self.idx, self.store
        touched_eps = self._episodes_touched()
        label_changed, more = self._relabel(touched_eps)
        touched_eps |= more
        if len(touched_eps) > FULL_RECOMPUTE_SHARE * max(len(idx.episodes), 50):
            return None
        stats = Stats("incremental")
        w_old = idx.weights()
        n_feat_old = len(idx.f_iri)

        # 1. new features and reading lists of the changed episodes
        C: list[int] = []
        old_feats: dict[int, set[int]] = {}
        old_reading: dict[int, set[int]] = {}
        new_feats: dict[int, set[int]] = {}
        new_reading: dict[int, set[int]] = {}
        for value in sorted(touched_eps):
            a = idx.episode_slot(value)
            C.append(a)
            old_feats[a] = set(idx.ef.row(a).tolist())
            old_reading[a] = set(idx.er.row(a).tolist())
            got = read_episode(store, value)
            if got is None:
                idx.alive[a] = False
                new_feats[a], new_reading[a] = set(), set()
                continue
            idx.alive[a] = True
            raw, reading = got
            feats = set()
            for f, k in raw:
                slot = idx._f_ix.get((f, k))
                label = idx.f_label[slot] if slot is not None and slot not in label_changed else _label(store, f, k)
                if label is None:
                    continue
                if slot is None:
                    slot = idx.feature_slot(f, k, label)
                feats.add(slot)
            new_feats[a] = feats
            new_reading[a] = {idx._f_ix[(p, PAPER)] for p in reading}
        Cset = set(C)
        stats.changed = len(C)

        # 2. postings
        D: set[int] = set()
        for a in C:
            for f in old_feats[a] ^ new_feats[a]:
                D.add(f)
            idx.ef.set(a, sorted(new_feats[a]))
            idx.er.set(a, sorted(new_reading[a]))
        holder_sets: dict[int, set[int]] = {}
        for f in D:
            hs = set(idx.fe.row(f).tolist())
            for a in C:
                if f in new_feats[a]:
                    hs.add(a)
                else:
                    hs.discard(a)
            holder_sets[f] = hs
            idx.fe.set(f, sorted(hs))
        papers_touched: set[int] = set()
        for a in C:
            for p in old_reading[a] ^ new_reading[a]:
                rs = set(idx.re.row(p).tolist())
                if p in new_reading[a]:
                    rs.add(a)
                else:
                    rs.discard(a)
                idx.re.set(p, sorted(rs))
            papers_touched |= old_reading[a] | new_reading[a]
        w_new = idx.weights()
        w_old = np.concatenate([w_old, np.zeros(len(idx.f_iri) - n_feat_old, dtype=np.int64)])
        delta = {f: int(w_new[f] - w_old[f]) for f in D if w_new[f] != w_old[f]}

        # 3. who is affected: everyone holding an active feature a changed episode had or has
        #    (holders other than the changed episodes are the same before and after)
        affected: set[int] = set()
        for a in C:
            for f in old_feats[a] | new_feats[a]:
                if w_old[f] > 0 or w_new[f] > 0:
                    affected.update(holder_sets[f] if f in holder_sets else idx.fe.row(f).tolist())
        affected -= Cset
        stats.checked = len(affected)

        # scores between the changed episodes and everyone who shares a feature with them
        cand: dict[int, dict[int, int]] = defaultdict(dict)
        for x in C:
            for f in new_feats[x]:
                wf = int(w_new[f])
                if wf <= 0:
                    continue
                for a in holder_sets[f] if f in holder_sets else idx.fe.row(f).tolist():
                    if a != x:
                        d = cand[a]
                        d[x] = d.get(x, 0) + wf
        dw_of: dict[int, list[int]] = defaultdict(list)
        for f in delta:
            for a in holder_sets[f]:
                dw_of[a].append(f)

        rank = idx.rank
        redo: set[int] = set(C)
        for a in sorted(affected):
            if not self._patch(a, Cset, cand.get(a, {}), dw_of.get(a, []), delta, holder_sets, rank):
                redo.add(a)
        stats.recomputed = len(redo)
        idx.recompute(redo)

        # 4. rewrite what changed: a top list, or a reason (a label, or a shared feature that
        #    started or stopped counting)
        check = affected | Cset
        for f in label_changed | {f for f in D if (w_old[f] > 0) != (w_new[f] > 0)}:
            check.update(idx.fe.row(f).tolist())
        rewrite: list[int] = []
        edit = _RowEdits(idx)
        for a in sorted(check):
            rows = idx.related_rows(a, w_new)
            digest = idx.row_digest(_digest_rows(idx, rows))
            if digest != idx.digest[a]:
                rewrite.append(a)
                edit.related(a, rows)
                idx.digest[a] = digest
                self.changes.related[idx.episodes[a]] = [
                    (idx.episodes[b], _py_decimal(score), reason) for b, score, reason in rows
                ]
        co = idx.recompute_co(papers_touched)
        text = edit.added + [idx.co_nq(p) for p in co]
        self.changes.rewritten.update(idx.episodes[a] for a in rewrite)
        self.changes.rewritten.update(idx.f_iri[p] for p in co)
        edit.apply(store)
        self._delete(co, _DELETE_CO, papers=True)
        if text:
            store.load("".join(text).encode("utf-8"), format=RdfFormat.N_QUADS)
        stats.rewritten = len(rewrite) + len(co)
        stats.episodes = int(idx.alive.sum())
        return stats

    def _patch(self, a, Cset, cand_a, dws, delta, holder_sets, rank) -> bool:
        """Update episode ``a``'s buffer in place; False when it cannot be proved exact."""
        idx = self.idx
        others = idx.buf.row(a).tolist()
        scores = idx.bsc.row(a).tolist()
        complete = bool(idx.complete[a])
        merged: dict[int, int] = {}
        for b, s in zip(others, scores, strict=True):
            if b in Cset:
                continue
            for f in dws:
                if b in holder_sets[f]:
                    s += delta[f]
            if s > 0:
                merged[b] = s
        for x, s in cand_a.items():
            if s > 0:
                merged[x] = s
        inc = 0
        for f in dws:
            if delta[f] > 0 and len(holder_sets[f] - Cset - {a}) > 0:
                inc += delta[f]
        L = sorted(merged.items(), key=lambda kv: (-kv[1], rank[kv[0]]))
        if complete and inc == 0:
            certain = len(L)
        else:
            if complete:
                bound_s, bound_r, strict_bound = inc, None, True
            elif inc == 0:
                bound_s, bound_r, strict_bound = scores[-1], rank[others[-1]], False
            else:
                bound_s, bound_r, strict_bound = scores[-1] + inc, None, True
            certain = 0
            for b, s in L:
                if s > bound_s or (not strict_bound and s == bound_s and rank[b] <= bound_r):
                    certain += 1
                else:
                    break
            if certain < TOP_RELATED:  # a candidate outside the buffer might belong in the top list
                return False
        keep = L[: min(certain, BUFFER)]
        idx.buf.set(a, [b for b, _ in keep])
        idx.bsc.set(a, [s for _, s in keep])
        idx.complete[a] = bool(complete and inc == 0 and len(L) <= BUFFER)
        return True

    def _delete(self, slots: list[int], template: str, papers: bool = False) -> None:
        """Delete the materialised rows of many episodes (or papers) in one update."""
        names = self.idx.f_iri if papers else self.idx.episodes
        for i in range(0, len(slots), 500):
            values = " ".join(f"<{names[x]}>" for x in slots[i : i + 500])  # IRIs held by NamedNodes
            self.store.update(PREFIXES + template.replace("VALUES_HERE", values))


class _RowEdits:
    """The quads that change when episodes' related rows are rewritten, row by row.

    A new episode moves the weight of its features, so the scores of hundreds of episodes' rows
    change while their other episode and reason stay. Such a row changes one quad (its weight),
    not six: deleting and re-adding every quad of every rewritten list was most of an ingest's
    derived-edge step (each quad deleted costs the store tens of microseconds, in six indexes).
    """

    def __init__(self, idx: DerivedIndex):
        self.idx = idx
        self.gone: list[str] = []  # quads known exactly, for DELETE DATA
        self.cleared: list[str] = []  # row nodes whose every quad goes
        self.reasons: list[str] = []  # row nodes whose reason is replaced
        self.added: list[str] = []  # N-Quads text

    def related(self, a: int, rows: list[tuple[int, int, str]]) -> None:
        idx = self.idx
        old = idx.materialised(a)
        e = idx.episodes[a]
        fresh = []
        for b, score, reason in rows:
            was = old.pop(b, None)
            if was is None:
                fresh.append((b, score, reason))
                continue
            node = idx.related_node(a, b)
            if was[0] != score:
                self.gone.append(f'<{node}> {_P_WEIGHT} "{_decimal(was[0])}"^^{_T_DECIMAL} .')
                self.added.append(f'<{node}> {_P_WEIGHT} "{_decimal(score)}"^^{_T_DECIMAL} {_G} .\n')
            if was[1] != _reason_hash(reason):
                self.reasons.append(node)
                self.added.append(f"<{node}> {_P_REASON} {_nt_string(reason)} {_G} .\n")
        for b in old:  # rows that left the list
            node = idx.related_node(a, b)
            self.gone.append(f"<{e}> {_P_RELATED_EPISODE} <{idx.episodes[b]}> .")
            self.gone.append(f"<{e}> {_P_RELATEDNESS} <{node}> .")
            self.cleared.append(node)
        self.added.append(idx.related_nq(a, fresh))
        idx.set_materialised(a, rows)

    def apply(self, store: pyoxigraph.Store) -> None:
        """Delete what went (the caller loads :attr:`added` afterwards)."""
        for i in range(0, len(self.gone), 2000):
            store.update(f"DELETE DATA {{ GRAPH {_G} {{ {' '.join(self.gone[i : i + 2000])} }} }}")
        for nodes, pattern in ((self.cleared, "?n ?p ?v"), (self.reasons, f"?n {_P_REASON} ?v")):
            for i in range(0, len(nodes), 500):
                values = " ".join(f"<{n}>" for n in nodes[i : i + 500])
                where = f"VALUES ?n {{ {values} }} GRAPH {_G} {{ {pattern} }}"
                store.update(f"DELETE {{ GRAPH {_G} {{ {pattern} }} }} WHERE {{ {where} }}")


_DELETE_CO = f"""
DELETE {{ GRAPH <{DERIVED_GRAPH.value}> {{ ?a kg:coRecommended ?n . ?n ?p ?v }} }}
WHERE {{ VALUES ?a {{ VALUES_HERE }} GRAPH <{DERIVED_GRAPH.value}> {{ ?a kg:coRecommended ?n . ?n ?p ?v }} }}
"""


__all__ = [
    "TOP_RELATED",
    "TOP_CO_RECOMMENDED",
    "MAX_FEATURE_DF",
    "DerivedIndex",
    "derived_quads",
    "feature_weight",
    "rebuild",
    "refresh_derived",
    "update",
]
