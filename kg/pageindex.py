"""The page index: the JSON bodies of the hot pages, made when a generation is written.

``GET /api/terms/<slug>``, ``/api/episodes/<id>`` and ``/api/papers/<key>`` (and the HTML pages
and tooltip cards made from the same records) would otherwise run several SPARQL queries per
request. Instead, every generation keeps beside its store one file, ``kg-pages.sqlite``, holding
for each term, episode and paper the exact bytes the API serves and their ETag, so a request is
one keyed lookup and a header compare.

**Why SQLite (the standard library's ``sqlite3``).** A worker opens it in microseconds
(``mode=ro&immutable=1``: no locks, no journal, nothing read until asked) and a lookup by
``(kind, key)`` is a B-tree probe in pages the OS caches once for every worker, so nothing is
loaded into each worker's memory up front, at 100,000 episodes as at 10. An ingest copies the
previous generation's file and rewrites only the rows it affects in place, which a JSON-lines
file with an offsets array would have to do by rewriting the whole file. The file is written
under a temporary name inside the unpublished generation and renamed when complete, so a killed
build or ingest never leaves half an index where a reader would open it (the generation itself is
not published until the index is in place).

**Same bytes as the query path.** The records are made by the store's own page methods
(``OxigraphStore.term`` / ``episode`` / ``paper``), so they are the same dicts by construction:

* a full build answers each named query those methods run from rows joined in Python for every
  entry at once (:class:`_Prefetched`, :data:`_WHOLE_READERS`): each predicate the queries use is
  read once (:class:`_Facts`, a two-variable query that decodes only the subject and object: on
  Oxigraph, decoding terms is most of the cost) and the readers apply the query's joins, OPTIONALs
  (each a lookup from the row, as the engine makes them), DISTINCT and ORDER BY (a stable sort,
  unbound first ascending). Where the ORDER BY leaves rows tied, the store's methods settle the tie
  themselves (``kg.store.oxigraph._settle_ties``) or the rows come in the order of the store's
  indexes, as a bound run reads them. ``scripts/pageindex_check.py`` compares a fresh index with
  another one (e.g. made by the previous code) and with the query path;
* an ingest re-makes only the affected entries (:func:`affected`) with the bound queries; a term
  page, which lists every episode that explains or mentions the term (all of them, for a common
  term), gets the rows of the changed episodes afresh and keeps the others' (:func:`_patched_term`),
  an episode whose related list alone changed gets that list's row afresh, and a paper whose
  co-recommended list alone changed that list (:func:`_patched_co`; the rows of all of them from one
  run of the query, :func:`_select_many`). An entry re-made byte for byte as it was is not rewritten.

Bodies: ``term`` as ``kgweb.caching.json_body`` makes it (compact UTF-8), ``episode`` and
``paper`` as Flask's ``jsonify`` does outside debug mode (compact, ASCII, a final newline). An
episode is kept as two rows (:func:`rows_of`): its ``related`` list in a row of its own
(:data:`RELATED`), the rest in the episode's row; :meth:`PageIndex.get` joins them.
``tests/test_pageindex.py`` compares every entry of the sample with the query path, over HTTP too.

**What an ingest affects.** The ``Changes`` of the write say which IRIs were touched
(``touched``: subjects and IRI objects of every quad added or removed; ``subjects``: subjects
only) and which nodes the derived-edge step rewrote (``rewritten``). An entry is re-made when

* it was touched or rewritten itself (its own quads, or an edge to it, changed), or a node it owns
  was (an episode's chapters, takeaways and reading-list items; a term's mention nodes; the
  relatedness and co-recommendation nodes of the derived graph);
* a node whose own quads changed (or an episode owning such a node) is shown on its page
  (``refs``: the IRIs of the episodes, terms, papers, topics and reviews an entry shows, kept in
  the index), e.g. a retitled episode on the pages of the terms it explains.

When more than :data:`FULL_SHARE` of the entries would be re-made, the whole index is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, unquote

import pyoxigraph
from pyoxigraph import NamedNode

from kg import queries
from kg.rdf.namespaces import DATA_NS, KG, RDF, SCHEMA, SKOS, XSD, iri, local_id
from kg.store.changes import Changes

log = logging.getLogger("kg.pageindex")

INDEX_FILE = "kg-pages.sqlite"
FORMAT = "3"  # 3: an episode's related list is a row of its own (RELATED)
#: the ``mentioned_in`` rows a term's served record holds (newest first); ``mentioned_in_total`` counts
#: them all, and ``GET /api/terms/<slug>/mentions`` pages through the rest. A common term is mentioned
#: in thousands of chapters: its whole list was 377 KB at 1,000 episodes, for a tooltip's request.
MENTIONED_IN_SHOWN = 50
KINDS = ("episode", "paper", "term")
#: the row that holds an episode's ``related`` list (its episode row holds the rest of the record)
RELATED = "related"
FULL_SHARE = 0.25  # re-make more entries than this share and the whole index is rebuilt instead
_TYPES = {"episode": KG.Episode, "paper": KG.Paper, "term": KG.Term}
_OWNED_BY_EPISODE = (KG.hasChapter, KG.hasTakeaway, KG.hasRecommendation)  # (episode, p, node)
_OWNED_BY_ENTRY = (KG.relatedness, KG.coRecommended)  # (entry, p, derived node): the entry's own page only


class Entry(NamedTuple):
    body: bytes
    etag: str


def etag_of(body: bytes) -> str:
    """The strong ETag the app gives a body (``kgweb.caching`` uses this one)."""
    return hashlib.sha256(body).hexdigest()[:32]


def json_body(data: Any) -> bytes:
    """Compact UTF-8 JSON, as the app's cached JSON responses are (``kgweb.caching`` uses this one)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def served(kind: str, data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The record a page shows and the API serves, from the store's: a term's ``mentioned_in`` cut to
    its newest :data:`MENTIONED_IN_SHOWN` rows, with ``mentioned_in_total``."""
    if kind != "term" or data is None or "mentioned_in_total" in data:
        return data
    rows = data.get("mentioned_in") or []
    return {**data, "mentioned_in": rows[:MENTIONED_IN_SHOWN], "mentioned_in_total": len(rows)}


def _cut(kind: str, data: dict[str, Any]) -> tuple[bytes, int | None, int] | None:
    """A term's whole ``mentioned_in`` (JSON) where its served record holds only the newest rows, with
    what :func:`_prepended_term` needs to know of its rows without reading them: ``(body, top,
    orderly)``, the highest episode number on the term's page and whether every row there (explained
    or mentioned) has a number that no other episode's row has."""
    if kind != "term":
        return None
    rows = data.get("mentioned_in") or []
    if len(rows) <= MENTIONED_IN_SHOWN:
        return None
    numbers: dict[Any, str] = {}
    orderly = 1
    for x in (data.get("explained_in") or []) + rows:
        if x["number"] is None or numbers.setdefault(x["number"], x["episode"]) != x["episode"]:
            orderly = 0
    return json_body(rows), max(numbers, default=None), orderly


def encode(kind: str, data: dict[str, Any]) -> bytes:
    """The bytes the JSON API serves for one record (the store's, or already :func:`served`)."""
    if kind == "term":  # served with cached_json
        return json_body(served(kind, data))
    # Flask's jsonify outside debug mode (app.json.sort_keys is False in kgweb.create_app)
    return (json.dumps(data, ensure_ascii=True, separators=(",", ":")) + "\n").encode("utf-8")


def related_body(related: list[dict[str, Any]]) -> bytes:
    """An episode's ``related`` list as its :data:`RELATED` row holds it (as ``jsonify`` writes it)."""
    return json.dumps(related, ensure_ascii=True, separators=(",", ":")).encode("utf-8")


def rows_of(kind: str, data: dict[str, Any]) -> list[tuple[str, bytes, set[str]]]:
    """The rows one record is kept as: ``(row kind, body, refs)``.

    An episode's ``related`` list (its last field) is a row of its own: a new episode moves the
    weights of its features, so an ingest renews the related lists of hundreds of episodes, and
    each is then a small row written, not a whole episode body decoded and encoded again; and a
    related lookup (``/api/episodes/<id>/related``) reads only the list. :meth:`PageIndex.get`
    joins the two into the exact bytes :func:`encode` makes of the whole record.
    """
    if kind != "episode":
        return [(kind, encode(kind, data), refs_of(kind, data))]
    rest = {k: v for k, v in data.items() if k != "related"}
    return [("episode", encode(kind, rest), refs_of(kind, rest)), _related_row(data.get("related") or [])]


def _related_row(related: list[dict[str, Any]]) -> tuple[str, bytes, set[str]]:
    """The :data:`RELATED` row of an episode's ``related`` list: ``(RELATED, body, refs)``."""
    return RELATED, related_body(related), {_iri("episode", r["id"]) for r in related if r.get("id")}


def joined(episode: bytes, related: bytes) -> bytes:
    """An episode's served body from its two rows (:func:`rows_of`): ``related`` put back as the
    record's last field, byte for byte what :func:`encode` makes of the whole record."""
    head = episode.rstrip(b"\n")[:-1]  # without the closing brace
    return head + (b',"related":' if len(head) > 1 else b'"related":') + related + b"}\n"


def entry_iri(kind: str, key: str) -> str:
    return iri(kind, key).value


@lru_cache(maxsize=65536)
def _iri(kind: str, key: str) -> str:
    return iri(kind, key).value


def refs_of(kind: str, data: dict[str, Any]) -> set[str]:
    """The IRIs of the other nodes whose own data an entry's page shows."""
    out: set[str] = set()

    def add(k: str, key: str | None) -> None:
        if key:
            out.add(_iri(k, key))

    if kind == "episode":
        if data.get("paper"):
            add("paper", data["paper"].get("key"))
        for r in data.get("reading") or []:
            add("paper", r.get("paper"))
        for t in data.get("topics") or []:
            add("topic", t.get("slug"))
        for r in data.get("reviews") or []:
            add("review", r.get("id"))
        for t in data.get("terms") or []:
            add("term", t.get("slug"))
        for c in data.get("chapters") or []:
            for t in c.get("terms") or []:
                add("term", t.get("slug"))
    elif kind == "term":
        for rel in ("broader", "narrower", "related"):
            for t in data.get(rel) or []:
                add("term", t.get("slug"))
        for x in (data.get("explained_in") or []) + (data.get("mentioned_in") or []):
            add("episode", x.get("episode"))
    elif kind == "paper":
        for x in (data.get("covered_by") or []) + (data.get("recommended_by") or []):
            add("episode", x.get("id"))
        for x in data.get("co_recommended") or []:
            add("paper", x.get("key"))
    return out


# --------------------------------------------------------------------------------------
# Reading (one per serving process, per generation)
# --------------------------------------------------------------------------------------


_EPISODE_ROWS = f"SELECT kind, body FROM pages WHERE kind IN ('episode', '{RELATED}') AND key = ?"

#: entries kept in memory per serving process (the bodies of the most asked-for terms, episodes, papers)
HOT_ENTRIES = 2048


class PageIndex:
    """One generation's page index, opened read-only."""

    def __init__(self, path: Path):
        self.path = path
        uri = f"file:{quote(str(path))}?mode=ro&immutable=1"
        self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()  # one connection, shared by a threaded server's threads
        # the entries asked for most (tooltips ask for the same few hundred terms again and again) are
        # kept in memory: a generation's entries never change, so nothing needs invalidating
        self._hot = lru_cache(maxsize=HOT_ENTRIES)(self._read)

    @classmethod
    def open(cls, generation: Path | None) -> PageIndex | None:
        """The index of a generation; ``None`` if it has none (an older store) or it does not open."""
        if generation is None:
            return None
        path = Path(generation) / INDEX_FILE
        if not path.is_file():
            return None
        try:
            index = cls(path)
            with index._lock:
                row = index._conn.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
        except sqlite3.Error as exc:
            log.warning("page index %s does not open (%s): pages are made by queries", path, exc)
            return None
        if not row or row[0] != FORMAT:
            index.close()
            return None
        return index

    def get(self, kind: str, key: str) -> Entry | None:
        return self._hot(kind, key)

    def _read(self, kind: str, key: str) -> Entry | None:
        if kind == "episode":  # two rows (rows_of), one probe each in one statement
            with self._lock:
                rows = dict(self._conn.execute(_EPISODE_ROWS, (key,)).fetchall())
            if "episode" not in rows:
                return None
            body = joined(rows["episode"], rows.get(RELATED, b"[]"))
            return Entry(body, etag_of(body))
        with self._lock:
            row = self._conn.execute("SELECT body, etag FROM pages WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return Entry(row[0], row[1]) if row else None

    def term_mentions(self, slug: str) -> list[dict[str, Any]] | None:
        """Every ``mentioned_in`` row of a term whose served record holds only the newest; else ``None``."""
        with self._lock:
            row = self._conn.execute("SELECT body FROM mentions WHERE key = ?", (slug,)).fetchone()
        return json.loads(row[0]) if row else None

    def keys(self, kind: str) -> list[str]:
        with self._lock:
            return [r[0] for r in self._conn.execute("SELECT key FROM pages WHERE kind = ? ORDER BY key", (kind,))]

    def close(self) -> None:
        self._conn.close()


# --------------------------------------------------------------------------------------
# Making entries
# --------------------------------------------------------------------------------------


class _Bound:
    """The store's page methods over one raw pyoxigraph store (the generation being written)."""

    def __init__(self, store: pyoxigraph.Store):
        self.store = store
        self.facts = _Facts(store, whole=False)

    def select(self, name: str, **bindings: Any) -> list[dict[str, Any]]:
        from kg.store.oxigraph import run_select

        if name in _WHOLE_READERS and len(bindings) == 1:
            ((_var, value),) = bindings.items()
            return _WHOLE_READERS[name](self.facts, [value.value]).get(value.value, [])
        return run_select(self.store, name, **bindings)

    def make(self, kind: str, key: str) -> dict[str, Any] | None:
        from kg.store.oxigraph import OxigraphStore

        return getattr(OxigraphStore, kind)(self, key)


class _Prefetched(_Bound):
    """``select`` answered from one unbound run of each query, grouped by the variable bound."""

    def __init__(self, store: pyoxigraph.Store, mentions: Mentions | None = None):
        super().__init__(store)
        self.facts = _Facts(store, whole=True)
        if mentions is not None:
            self.facts.seed_mentions(*mentions)
        self._groups: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}

    def select(self, name: str, **bindings: Any) -> list[dict[str, Any]]:
        if len(bindings) != 1:
            return super().select(name, **bindings)
        ((var, value),) = bindings.items()
        groups = self._groups.get((name, var))
        if groups is None:
            groups = self._groups[(name, var)] = self._run(name, var)
        return groups.get(value.value, [])

    def _run(self, name: str, var: str) -> dict[str, list[dict[str, Any]]]:
        from kg.store.oxigraph import py

        if name in _WHOLE_READERS:
            started = time.perf_counter()
            groups = _WHOLE_READERS[name](self.facts, None)
            log.debug("read %s: %d groups, %.0f ms", name, len(groups), (time.perf_counter() - started) * 1000)
            return groups
        text = queries.load(name)
        if name == "term.rq":  # one row per term: the LIMIT applies per bound term, not to the whole run
            text = text.replace("} LIMIT 1", "}")
        started = time.perf_counter()
        result = self.store.query(text, use_default_graph_as_union=True)
        names = [v.value for v in result.variables]
        if var not in names:
            raise ValueError(f"{name} does not select ?{var}: it cannot be run for every entry at once")
        groups: dict[str, list[dict[str, Any]]] = {}
        for sol in result:
            row = {n: py(sol[n]) for n in names}
            groups.setdefault(row[var], []).append(row)
        log.debug("unbound %s: %d groups, %.0f ms", name, len(groups), (time.perf_counter() - started) * 1000)
        return groups


class _Lazy:
    """``s -> [objects]`` (or ``o -> [subjects]``) of one predicate, looked up node by node (an ingest)."""

    def __init__(self, store: pyoxigraph.Store, p: NamedNode, how: str):
        self.store, self.p, self.how = store, p, how
        self._memo: dict[str, list[Any]] = {}

    def get(self, node: str, default: Any = None) -> Any:
        found = self._memo.get(node)
        if found is None:
            from kg.store.oxigraph import py

            if self.how == "inv":
                quads = self.store.quads_for_pattern(None, self.p, NamedNode(node))
                values = (q.subject.value for q in quads if type(q.subject) is NamedNode)
            elif self.how == "nodes":
                quads = self.store.quads_for_pattern(NamedNode(node), self.p, None)
                values = (q.object.value for q in quads if type(q.object) is NamedNode)
            else:
                values = (py(q.object) for q in self.store.quads_for_pattern(NamedNode(node), self.p, None))
            found = self._memo[node] = list(dict.fromkeys(values))
        return found if found else default


class _Facts:
    """Objects and subjects of one predicate, in any graph (as the union default graph has them).

    ``whole=True`` (a build) reads each predicate once, for every subject, into plain dicts;
    otherwise (an ingest) each node is looked up when asked. Either way a reader asks
    ``facts.vals(p).get(s, ())`` (the distinct objects, as Python values), ``facts.nodes(p)`` (the
    distinct IRI objects) or ``facts.inv(p)`` (``o -> `` the distinct IRI subjects), in the order of
    the store's indexes; the readers below join these in Python.
    """

    def __init__(self, store: pyoxigraph.Store, whole: bool):
        self.store, self.whole = store, whole
        self._maps: dict[tuple[str, str], Any] = {}

    def vals(self, p: NamedNode) -> Any:
        found = self._maps.get((p.value, "vals"))
        return found if found is not None else self._map(p, "vals")

    def nodes(self, p: NamedNode) -> Any:
        found = self._maps.get((p.value, "nodes"))
        return found if found is not None else self._map(p, "nodes")

    def inv(self, p: NamedNode) -> Any:
        found = self._maps.get((p.value, "inv"))
        return found if found is not None else self._map(p, "inv")

    def _map(self, p: NamedNode, how: str) -> Any:
        if not self.whole:
            return self._maps.setdefault((p.value, how), _Lazy(self.store, p, how))
        self._scan(p)
        return self._maps[(p.value, how)]

    def _scan(self, p: NamedNode) -> None:
        """One pass over the predicate: ``vals``, ``nodes`` and ``inv`` at once."""
        from kg.store.oxigraph import py

        vals: dict[str, list[Any]] = {}
        nodes: dict[str, list[str]] = {}
        inv: dict[str, list[str]] = {}
        mixed = False
        for s, o in queries.subject_object_pairs(self.store, p):
            if type(s) is not NamedNode:
                continue
            s = s.value
            if type(o) is NamedNode:
                v = o.value
                have = nodes.get(s)
                if have is None:
                    nodes[s] = [v]
                elif v in have:
                    continue  # the same triple in another graph
                else:
                    have.append(v)
                back = inv.get(v)
                if back is None:
                    inv[v] = [s]
                else:
                    back.append(s)
            else:
                mixed = True
                v = py(o)
            have = vals.get(s)
            if have is None:
                vals[s] = [v]
            elif v not in have:
                have.append(v)
        key = p.value
        self._maps[(key, "vals")] = vals
        self._maps[(key, "nodes")] = nodes if mixed else vals
        self._maps[(key, "inv")] = inv

    def seed_mentions(self, counts: dict[str, dict[str, int]], slugs: dict[str, str]) -> bool:
        """Take what :func:`_term_explained` reads of the mention nodes (``kg:mentionOf``, ``kg:mentionIn``,
        ``kg:mentionCount``), and the ``kg:mentions`` edges :func:`_episode_terms` and
        :func:`_episode_chapter_terms` read, from what a build's mention step wrote (``counts``: text
        node -> term IRI -> count; ``slugs``: term IRI -> slug, as :mod:`kg.mentions` names the nodes),
        instead of reading back the four quads of each of a million (text, term) pairs; any such quad
        in a graph that step did not write is read from the store. The readers' rows do not depend on
        the order of these lists (they are collected into sets and sorted). False (nothing taken)
        where a text node's graphs counted a term differently (the store then holds two counts)."""
        from kg.mentions import MENTION_GRAPH_PREFIX
        from kg.store.oxigraph import py

        of: dict[str, list[str]] = {}
        within: dict[str, list[str]] = {}
        count: dict[str, list[Any]] = {}
        links: dict[str, list[str]] = {}
        value: dict[int, Any] = {}
        for node, terms in counts.items():
            links[node] = list(terms)
            for t, k in terms.items():
                if k < 0:
                    return False
                m = f"{node}/mention/{slugs[t]}"
                of.setdefault(t, []).append(m)
                within[m] = [node]
                v = value.get(k)
                if v is None:
                    v = value[k] = py(pyoxigraph.Literal(str(k), datatype=XSD.integer))
                count[m] = [v]

        def add(into: dict[str, list[Any]], key: str, v: Any) -> None:
            have = into.setdefault(key, [])
            if v not in have:
                have.append(v)

        for g in self.store.named_graphs():
            if not isinstance(g, NamedNode) or g.value.startswith(MENTION_GRAPH_PREFIX):
                continue
            for p in (KG.mentionOf, KG.mentionIn, KG.mentionCount, KG.mentions):
                for q in self.store.quads_for_pattern(None, p, None, g):
                    s, o = q.subject, q.object
                    if type(s) is not NamedNode:
                        continue
                    if p == KG.mentionCount:
                        add(count, s.value, py(o))
                    elif type(o) is not NamedNode:
                        continue
                    elif p == KG.mentionOf:
                        add(of, o.value, s.value)
                    elif p == KG.mentionIn:
                        add(within, s.value, o.value)
                    else:
                        add(links, s.value, o.value)
        self._maps[(KG.mentionOf.value, "inv")] = of
        self._maps[(KG.mentions.value, "nodes")] = links
        self._maps[(KG.mentionIn.value, "nodes")] = within
        self._maps[(KG.mentionCount.value, "vals")] = count
        return True

    def typed(self, cls: NamedNode) -> Any:
        """The IRIs of the nodes typed ``cls`` (supports ``in``; iterates in the store's order in a build)."""
        found = self._maps.get((cls.value, "a"))
        if found is None:
            if self.whole:
                quads = self.store.quads_for_pattern(None, RDF.type, cls)
                found = dict.fromkeys(q.subject.value for q in quads if type(q.subject) is NamedNode)
            else:
                found = _Typed(self.store, cls)
            self._maps[(cls.value, "a")] = found
        return found

    # the names the first readers used
    def objects(self, s: str, p: NamedNode, nodes: bool = False) -> list[Any]:
        return (self.nodes(p) if nodes else self.vals(p)).get(s, [])

    def optional(self, s: str, p: NamedNode) -> list[Any]:
        """The values an ``OPTIONAL { s p ?v }`` gives: each object, or one unbound."""
        return self.vals(p).get(s) or [None]

    def subjects(self, p: NamedNode, o: str) -> list[str]:
        return self.inv(p).get(o, [])

    def is_a(self, s: str, cls: NamedNode) -> bool:
        return s in self.typed(cls)

    def all_objects_of(self, p: NamedNode) -> list[str]:
        """Every IRI that is an object of ``p`` (a build's list of what to read)."""
        return list(self.inv(p))

    def all_subjects_a(self, cls: NamedNode) -> list[str]:
        return list(self.typed(cls))


class _Typed:
    """``node in``: whether a node is typed a class, looked up node by node (an ingest)."""

    def __init__(self, store: pyoxigraph.Store, cls: NamedNode):
        self.store, self.cls = store, cls
        self._memo: dict[str, bool] = {}

    def __contains__(self, node: object) -> bool:
        if not isinstance(node, str):
            return False
        found = self._memo.get(node)
        if found is None:
            quads = self.store.quads_for_pattern(NamedNode(node), RDF.type, self.cls)
            found = self._memo[node] = next(iter(quads), None) is not None
        return found


_NONE = [None]


def _term_explained(facts: _Facts, terms: Iterable[str] | None) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``term_explained.rq`` for each term (all of them: ``None``), joined in Python
    (the query takes a second per hundred terms on a large graph, run bound or unbound).

    Same rows and order as the query: its UNION branches, DISTINCT, ``ORDER BY ?how DESC(?number)
    ?start`` (unbound first ascending, last descending); rows the order leaves tied are settled by
    the store (``_settle_ties``) whichever way they come. ``tests/test_pageindex.py`` compares.
    """
    explained_by, mentions_of = facts.inv(KG.explains), facts.inv(KG.mentionOf)
    mention_in, mention_count = facts.nodes(KG.mentionIn), facts.vals(KG.mentionCount)
    chapter_of, takeaway_of, episodes = facts.inv(KG.hasChapter), facts.inv(KG.hasTakeaway), facts.typed(KG.Episode)
    number, name = facts.vals(SCHEMA.episodeNumber), facts.vals(SCHEMA.name)
    stamp, start = facts.vals(KG.timestamp), facts.vals(SCHEMA.startOffset)
    if terms is None:
        terms = set(explained_by) | set(mentions_of)
    eps: dict[str, list[tuple[Any, Any]]] = {}
    chs: dict[str, list[tuple[Any, Any, Any]]] = {}

    def ep(e: str) -> list[tuple[Any, Any]]:
        found = eps.get(e)
        if found is None:
            found = eps[e] = [(n, ti) for n in number.get(e) or _NONE for ti in name.get(e) or _NONE]
        return found

    def ch(c: str) -> list[tuple[Any, Any, Any]]:
        found = chs.get(c)
        if found is None:
            found = chs[c] = [
                (ts, st, ti)
                for ts in stamp.get(c) or _NONE
                for st in start.get(c) or _NONE
                for ti in name.get(c) or _NONE
            ]
        return found

    names = ("e", "number", "title", "chapter", "timestamp", "start", "chapterTitle", "how", "count")
    out: dict[str, list[dict[str, Any]]] = {}
    for t in terms:
        rows: set[tuple] = set()
        for x in explained_by.get(t, ()):
            for e in chapter_of.get(x, ()):
                for n, title in ep(e):
                    for ts, st, ctitle in ch(x):
                        rows.add((e, n, title, x, ts, st, ctitle, "explains", None))
            if x in episodes:
                for n, title in ep(x):
                    rows.add((x, n, title, None, None, None, None, "explains", None))
        for m in mentions_of.get(t, ()):
            for x in mention_in.get(m, ()):
                for count in mention_count.get(m, ()):
                    for e in chapter_of.get(x, ()):
                        for n, title in ep(e):
                            for ts, st, ctitle in ch(x):
                                rows.add((e, n, title, x, ts, st, ctitle, "mentions", count))
                    if x in episodes:
                        for n, title in ep(x):
                            rows.add((x, n, title, None, None, None, None, "mentions", count))
                    for e in takeaway_of.get(x, ()):
                        for n, title in ep(e):
                            rows.add((e, n, title, None, None, None, None, "mentions", count))
        if rows:
            out[t] = [{"t": t, **dict(zip(names, r, strict=True))} for r in sorted(rows, key=_explained_order)]
    return out


def _episode_terms(facts: _Facts, episodes: Iterable[str] | None) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``episode_terms.rq`` for each episode (as :func:`_term_explained`, for the same reason)."""
    explains, mentions, label = facts.nodes(KG.explains), facts.nodes(KG.mentions), facts.vals(SKOS.prefLabel)
    chapters, takeaways = facts.nodes(KG.hasChapter), facts.nodes(KG.hasTakeaway)
    out: dict[str, list[dict[str, Any]]] = {}
    for e in _keys(facts, episodes, KG.Episode):
        terms = set(explains.get(e, ())) | set(mentions.get(e, ()))
        for c in chapters.get(e, ()):
            terms.update(explains.get(c, ()))
            terms.update(mentions.get(c, ()))
        for t in takeaways.get(e, ()):
            terms.update(mentions.get(t, ()))
        rows = {(t, lab) for t in terms for lab in label.get(t, ())}
        if rows:
            out[e] = [{"e": e, "term": t, "label": lab} for t, lab in sorted(rows, key=lambda r: str(r[1]).lower())]
    return out


def _episode_chapter_terms(facts: _Facts, episodes: Iterable[str] | None) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``episode_chapter_terms.rq`` for each episode (as :func:`_term_explained`)."""
    explains, mentions, label = facts.nodes(KG.explains), facts.nodes(KG.mentions), facts.vals(SKOS.prefLabel)
    chapters = facts.nodes(KG.hasChapter)
    out: dict[str, list[dict[str, Any]]] = {}
    for e in _keys(facts, episodes, KG.Episode):
        rows = set()
        for c in chapters.get(e, ()):
            for how, links in (("explains", explains), ("mentions", mentions)):
                rows.update((c, t, lab, how) for t in links.get(c, ()) for lab in label.get(t, ()))
        if rows:
            out[e] = [
                {"e": e, "chapter": c, "term": t, "label": lab, "how": how}
                for c, t, lab, how in sorted(rows, key=lambda r: (r[0], str(r[2]), r[3]))
            ]
    return out


# --------------------------------------------------------------------------------------
# The page queries' rows, joined in Python (a build: every entry's rows at once)
# --------------------------------------------------------------------------------------
#
# Each reader returns, for each node of ``keys`` (every node of its kind: ``None``), the rows
# the named query gives bound to that node: its patterns joined as the engine joins them (each
# OPTIONAL a lookup from the row, in the order of the store's indexes), its DISTINCT, and its
# ORDER BY as a stable sort with SPARQL's order of unbound values. ``scripts/pageindex_check.py``
# and ``tests/test_pageindex.py`` compare the entries made from them with the query path.


def _keys(facts: _Facts, keys: Iterable[str] | None, cls: NamedNode) -> Iterable[str]:
    return keys if keys is not None else facts.all_subjects_a(cls)


def _asc(value: Any) -> tuple:
    """SPARQL's ascending order of one value: unbound first."""
    return (0, 0) if value is None else (1, value)


def _desc(value: Any) -> tuple:
    """SPARQL's descending order of one number: unbound last."""
    return (1, 0) if value is None else (0, -value)


def _fields_reader(cls: NamedNode, var: str, kind: str, fields: tuple[tuple[str, NamedNode], ...]) -> Any:
    """``episode.rq`` / ``paper.rq``: a node's own fields, one row per distinct value."""

    def read(facts: _Facts, keys: Iterable[str] | None) -> dict[str, list[dict[str, Any]]]:
        typed = facts.typed(cls)
        maps = [(field, facts.vals(p)) for field, p in fields]
        out: dict[str, list[dict[str, Any]]] = {}
        for s in _keys(facts, keys, cls):
            rows = [(kind, "")] if s in typed else []
            for field, values in maps:
                rows.extend((field, v) for v in values.get(s, ()))
            if rows:
                out[s] = [{var: s, "field": f, "value": v} for f, v in dict.fromkeys(rows)]
        return out

    return read


_episode = _fields_reader(
    KG.Episode, "e", "episode",
    (("number", SCHEMA.episodeNumber), ("title", SCHEMA.name), ("url", SCHEMA.url),
     ("published", SCHEMA.datePublished), ("duration", SCHEMA.duration), ("summary", SCHEMA.description),
     ("reviewSummary", KG.reviewSummary), ("note", KG.generationNote), ("generatedOn", KG.generatedOn),
     ("guid", KG.guid)),
)  # fmt: skip
_paper = _fields_reader(
    KG.Paper, "p", "paper",
    (("key", SCHEMA.identifier), ("title", SCHEMA.name), ("url", SCHEMA.url), ("published", SCHEMA.datePublished),
     ("arxiv", KG.arxivId), ("doi", KG.doi)),
)  # fmt: skip


def _parts_reader(
    has: NamedNode, node: str | None, fields: tuple[tuple[str, NamedNode, bool], ...], order: str | None
) -> Any:
    """``episode_source.rq`` / ``_takeaways`` / ``_chapters`` / ``_reading``: an episode's parts (the
    objects of ``has``), each with its values of ``fields`` (``(column, predicate, required)``; not
    required: OPTIONAL), one row per distinct combination, the part itself a column when ``node``
    names one; sorted by the column ``order`` (stable), else in the store's order."""
    names = ([node] if node else []) + [column for column, _, _ in fields]
    at = names.index(order) if order else None

    def read(facts: _Facts, keys: Iterable[str] | None) -> dict[str, list[dict[str, Any]]]:
        parts = facts.nodes(has)
        maps = [(facts.vals(pred), required) for _, pred, required in fields]
        out: dict[str, list[dict[str, Any]]] = {}
        for e in _keys(facts, keys, KG.Episode):
            rows: dict[tuple, None] = {}
            for c in parts.get(e, ()):
                own = (c,) if node else ()
                for combo in product(*(m.get(c, ()) if required else m.get(c) or _NONE for m, required in maps)):
                    rows[own + combo] = None
            if rows:
                found = sorted(rows, key=lambda r: r[at]) if at is not None else rows
                out[e] = [{"e": e, **dict(zip(names, r, strict=True))} for r in found]
        return out

    return read


_episode_source = _parts_reader(
    KG.covers, "paper",
    (("key", SCHEMA.identifier, False), ("title", SCHEMA.name, False), ("url", SCHEMA.url, False),
     ("published", SCHEMA.datePublished, False)),
    None,
)  # fmt: skip
_episode_takeaways = _parts_reader(
    KG.hasTakeaway, None, (("position", SCHEMA.position, True), ("text", SCHEMA.text, True)), "position"
)
_episode_chapters = _parts_reader(
    KG.hasChapter, "chapter",
    (("position", SCHEMA.position, True), ("timestamp", KG.timestamp, True), ("start", SCHEMA.startOffset, True),
     ("title", SCHEMA.name, False), ("summary", SCHEMA.description, False)),
    "position",
)  # fmt: skip
_episode_reading = _parts_reader(
    KG.hasRecommendation, None,
    (("position", SCHEMA.position, True), ("title", SCHEMA.name, False), ("note", KG.note, False),
     ("url", SCHEMA.url, False), ("paper", KG.recommendedPaper, False)),
    "position",
)  # fmt: skip


def _episode_topics(facts: _Facts, keys: Iterable[str] | None) -> dict[str, list[dict[str, Any]]]:
    in_topic, discussed, name = facts.nodes(KG.inTopic), facts.inv(KG.discusses), facts.vals(SCHEMA.name)
    out: dict[str, list[dict[str, Any]]] = {}
    for e in _keys(facts, keys, KG.Episode):
        rows: dict[tuple, None] = {}
        for t in in_topic.get(e, ()):
            for ti in name.get(t) or _NONE:
                rows[(t, ti, None, None)] = None
        for r in discussed.get(e, ()):
            for rt in name.get(r) or _NONE:
                rows[(None, None, r, rt)] = None
        if rows:
            out[e] = [
                {"e": e, "topic": t, "title": ti, "review": r, "reviewTitle": rt}
                for t, ti, r, rt in sorted(rows, key=lambda x: (_asc(x[0]), _asc(x[2])))
            ]
    return out


def _episode_related(facts: _Facts, keys: Iterable[str] | None) -> dict[str, list[dict[str, Any]]]:
    has, to, weight = facts.nodes(KG.relatedness), facts.vals(KG.relatedTo), facts.vals(KG.weight)
    reason, name, number = facts.vals(KG.reason), facts.vals(SCHEMA.name), facts.vals(SCHEMA.episodeNumber)
    out: dict[str, list[dict[str, Any]]] = {}
    for e in _keys(facts, keys, KG.Episode):
        links = [
            (o, w, why)
            for rel in has.get(e, ())
            for o in to.get(rel, ())
            for w, why in product(weight.get(rel, ()), reason.get(rel, ()))
        ]
        rows = _related_rows(e, links, name, number)
        if rows:
            out[e] = rows
    return out


def _related_rows(e: str, links: Iterable[tuple[str, Any, str]], name: Any, number: Any) -> list[dict[str, Any]]:
    """The rows of ``episode_related.rq`` for episode ``e`` from its ``(other, weight, reason)`` links:
    each other episode's titles and numbers joined in, DISTINCT, in the query's order."""
    rows: dict[tuple, None] = {}
    for o, w, why in links:
        for ti, n in product(name.get(o) or _NONE, number.get(o) or _NONE):
            rows[(o, w, why, ti, n)] = None
    return [
        {"e": e, "other": o, "weight": w, "reason": why, "title": ti, "number": n}
        for o, w, why, ti, n in sorted(rows, key=lambda r: (-r[1], _asc(r[4])))
    ]


def _paper_episodes(facts: _Facts, keys: Iterable[str] | None) -> dict[str, list[dict[str, Any]]]:
    covered, recommending, has = facts.inv(KG.covers), facts.inv(KG.recommendedPaper), facts.inv(KG.hasRecommendation)
    note, number, name = facts.vals(KG.note), facts.vals(SCHEMA.episodeNumber), facts.vals(SCHEMA.name)
    out: dict[str, list[dict[str, Any]]] = {}
    for p in _keys(facts, keys, KG.Paper):
        union = [(e, "covers", None) for e in covered.get(p, ())]
        for r in recommending.get(p, ()):
            for e in has.get(r, ()):
                union.extend((e, "recommends", no) for no in note.get(r) or _NONE)
        rows = _paper_rows(p, union, number, name)
        if rows:
            out[p] = rows
    return out


def _paper_rows(p: str, union: Iterable[tuple[str, str, Any]], number: Any, name: Any) -> list[dict[str, Any]]:
    """The rows of ``paper_episodes.rq`` for paper ``p`` from its ``(episode, how, note)`` links: each
    episode's numbers and titles joined in, DISTINCT, in the query's order."""
    rows: dict[tuple, None] = {}
    for e, how, no in union:
        for n in number.get(e) or _NONE:
            for ti in name.get(e) or _NONE:
                rows[(e, n, ti, how, no)] = None
    return [
        {"p": p, "e": e, "number": n, "title": ti, "how": how, "note": no}
        for e, n, ti, how, no in sorted(rows, key=lambda r: (r[3], _desc(r[1])))
    ]


def _paper_corecommended(facts: _Facts, keys: Iterable[str] | None) -> dict[str, list[dict[str, Any]]]:
    has, to, weight = facts.nodes(KG.coRecommended), facts.vals(KG.relatedTo), facts.vals(KG.weight)
    ident, name = facts.vals(SCHEMA.identifier), facts.vals(SCHEMA.name)
    out: dict[str, list[dict[str, Any]]] = {}
    for p in _keys(facts, keys, KG.Paper):
        rows: dict[tuple, None] = {}
        for link in has.get(p, ()):
            for o in to.get(link, ()):
                for c in weight.get(link, ()):
                    for v in ident.get(o, ()):
                        rows[(o, c, "key", v)] = None
                    for v in name.get(o, ()):
                        rows[(o, c, "title", v)] = None
        if rows:
            out[p] = [{"p": p, "other": o, "count": c, "field": f, "value": v} for o, c, f, v in rows]
    return out


def _term(facts: _Facts, keys: Iterable[str] | None) -> dict[str, list[dict[str, Any]]]:
    terms, label = facts.typed(KG.Term), facts.vals(SKOS.prefLabel)
    definition, kind = facts.vals(SKOS.definition), facts.vals(KG.termKind)
    out: dict[str, list[dict[str, Any]]] = {}
    for t in _keys(facts, keys, KG.Term):
        if t not in terms:
            continue
        rows = [
            {"t": t, "label": la, "definition": d, "kind": k}
            for la in label.get(t, ())
            for d in definition.get(t) or _NONE
            for k in kind.get(t) or _NONE
        ]
        if rows:
            out[t] = rows
    return out


def _term_forms(facts: _Facts, keys: Iterable[str] | None) -> dict[str, list[dict[str, Any]]]:
    alt, acronym = facts.vals(SKOS.altLabel), facts.vals(KG.acronym)
    out: dict[str, list[dict[str, Any]]] = {}
    for t in _keys(facts, keys, KG.Term):
        rows = dict.fromkeys([(f, "alias") for f in alt.get(t, ())] + [(f, "acronym") for f in acronym.get(t, ())])
        if rows:
            out[t] = [{"t": t, "form": f, "type": ty} for f, ty in sorted(rows, key=lambda r: (r[1], r[0]))]
    return out


def _term_links(facts: _Facts, keys: Iterable[str] | None) -> dict[str, list[dict[str, Any]]]:
    broader, narrower = facts.nodes(SKOS.broader), facts.inv(SKOS.broader)
    related, related_by, label = facts.nodes(SKOS.related), facts.inv(SKOS.related), facts.vals(SKOS.prefLabel)
    out: dict[str, list[dict[str, Any]]] = {}
    for t in _keys(facts, keys, KG.Term):
        rows: dict[tuple, None] = {}
        for rel, links in (("broader", broader), ("narrower", narrower), ("related", related), ("related", related_by)):
            for o in links.get(t, ()):
                for la in label.get(o, ()):
                    rows[(o, la, rel)] = None
        if rows:
            out[t] = [
                {"t": t, "other": o, "label": la, "rel": rel}
                for o, la, rel in sorted(rows, key=lambda r: (r[2], str(r[1]).lower()))
            ]
    return out


_READERS = {  # also an ingest's, for one node (the query is slow bound too)
    "term_explained.rq": _term_explained,
    "episode_terms.rq": _episode_terms,
    "episode_chapter_terms.rq": _episode_chapter_terms,
}
_WHOLE_READERS = {  # a build's, for every node at once
    **_READERS,
    "episode.rq": _episode,
    "episode_source.rq": _episode_source,
    "episode_takeaways.rq": _episode_takeaways,
    "episode_chapters.rq": _episode_chapters,
    "episode_reading.rq": _episode_reading,
    "episode_topics.rq": _episode_topics,
    "episode_related.rq": _episode_related,
    "paper.rq": _paper,
    "paper_episodes.rq": _paper_episodes,
    "paper_corecommended.rq": _paper_corecommended,
    "term.rq": _term,
    "term_forms.rq": _term_forms,
    "term_links.rq": _term_links,
}


def _entries(store: pyoxigraph.Store, kind: str) -> Iterator[str]:
    """Keys of every node of a kind whose key names it again (others are left to the query path)."""
    seen: set[str] = set()
    prefix = DATA_NS + kind + "/"
    for q in store.quads_for_pattern(None, RDF.type, _TYPES[kind]):
        s = q.subject
        if not isinstance(s, NamedNode) or not s.value.startswith(prefix) or s.value in seen:
            continue
        seen.add(s.value)
        key = unquote(local_id(s.value, kind)) if kind != "term" else local_id(s.value, kind)
        if entry_iri(kind, key) == s.value:
            yield key


def key_of(kind: str, value: str) -> str | None:
    """The key of an entry IRI of a kind (``None`` if it is not one)."""
    prefix = DATA_NS + kind + "/"
    if not value.startswith(prefix):
        return None
    key = unquote(local_id(value, kind)) if kind != "term" else local_id(value, kind)
    return key if entry_iri(kind, key) == value else None


def _is_entry(store: pyoxigraph.Store, kind: str, value: str) -> bool:
    return next(iter(store.quads_for_pattern(NamedNode(value), RDF.type, _TYPES[kind])), None) is not None


# --------------------------------------------------------------------------------------
# Writing (in the generation being written)
# --------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE pages (kind TEXT NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL, etag TEXT NOT NULL,
                    PRIMARY KEY (kind, key)) WITHOUT ROWID;
CREATE TABLE refs (iri TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
                   PRIMARY KEY (iri, kind, key)) WITHOUT ROWID;
CREATE TABLE mentions (key TEXT PRIMARY KEY, body BLOB NOT NULL, top INTEGER, orderly INTEGER NOT NULL)
    WITHOUT ROWID;
CREATE INDEX refs_of_entry ON refs (kind, key);
"""
_REFS_INDEX = "CREATE INDEX refs_of_entry ON refs (kind, key)"


@dataclass
class Stats:
    mode: str = "full"
    entries: int = 0
    remade: int = 0
    seconds: float = 0.0
    prepended: int = 0  # terms whose whole list got the new rows put first (_prepended_term)

    def __str__(self) -> str:
        if self.mode == "full":
            return f"page index: {self.entries} entries in {self.seconds:.1f} s"
        extra = f" ({self.prepended} terms' new rows put before their old ones)" if self.prepended else ""
        return f"page index: {self.remade} of {self.entries} entries re-made in {self.seconds:.2f} s{extra}"


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")  # a private file in an unpublished generation: all or nothing
    conn.execute("PRAGMA synchronous = OFF")  # flushed once, before it is renamed into place
    return conn


def _finish(conn: sqlite3.Connection, tmp: Path, path: Path) -> None:
    conn.close()
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _write(conn: sqlite3.Connection, kind: str, key: str, data: dict[str, Any] | None, fresh: bool = False) -> None:
    """Write (or, for ``None``, delete) one entry and its refs; ``fresh``: the file has no row for it yet."""
    if kind == "term":  # a term's whole mentioned_in, where the served record holds only the newest
        cut = _cut(kind, data) if data is not None else None
        if cut is None:
            conn.execute("DELETE FROM mentions WHERE key = ?", (key,))
        else:
            conn.execute("INSERT OR REPLACE INTO mentions VALUES (?, ?, ?, ?)", (key, *cut))
    if data is None:
        for row_kind in (kind, RELATED) if kind == "episode" else (kind,):
            conn.execute("DELETE FROM refs WHERE kind = ? AND key = ?", (row_kind, key))
            conn.execute("DELETE FROM pages WHERE kind = ? AND key = ?", (row_kind, key))
        return
    for row_kind, body, refs in rows_of(kind, data):
        _put(conn, row_kind, key, body, refs, fresh)


def _put(conn: sqlite3.Connection, kind: str, key: str, body: bytes, refs: set[str], fresh: bool) -> None:
    """Write one row and its refs, unless it holds these bytes already."""
    if not fresh:  # an entry re-made as it was (most of them, in an ingest) is left as it is
        row = conn.execute("SELECT body FROM pages WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        if row is not None and row[0] == body:
            return
    conn.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)", (kind, key, body, etag_of(body)))
    if not fresh:  # only the difference: most of an entry's refs stay when it is re-made
        old = {r for (r,) in conn.execute("SELECT iri FROM refs WHERE kind = ? AND key = ?", (kind, key))}
        gone = [(r, kind, key) for r in old - refs]
        conn.executemany("DELETE FROM refs WHERE iri = ? AND kind = ? AND key = ?", gone)
        refs = refs - old
    conn.executemany("INSERT OR IGNORE INTO refs VALUES (?, ?, ?)", [(r, kind, key) for r in refs])


Mentions = tuple[dict[str, dict[str, int]], dict[str, str]]


def build(store: pyoxigraph.Store, target: Path, mentions: Mentions | None = None) -> Stats:
    """Make the whole index of ``store`` into ``target`` (a generation directory); ``mentions``: what a
    build's mention step wrote (:attr:`Changes.mentions`, :attr:`Changes.mention_slugs`)."""
    started = time.perf_counter()
    path, tmp = Path(target) / INDEX_FILE, Path(target) / (INDEX_FILE + ".tmp")
    tmp.unlink(missing_ok=True)
    maker = _Prefetched(store, mentions)
    conn = _connect(tmp)
    n = 0
    try:
        conn.executescript(_SCHEMA.replace(_REFS_INDEX + ";", ""))
        conn.execute("BEGIN")
        conn.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT,))
        all_refs: list[tuple[str, str, str]] = []
        for kind in KINDS:
            pages: list[tuple[str, str, bytes, str]] = []
            refs: list[tuple[str, str, str]] = []
            cuts: list[tuple[str, bytes, int | None, int]] = []
            for key in _entries(store, kind):
                data = maker.make(kind, key)
                if data is None:
                    continue
                for row_kind, body, row_refs in rows_of(kind, data):
                    pages.append((row_kind, key, body, etag_of(body)))
                    refs.extend((r, row_kind, key) for r in row_refs)
                cut = _cut(kind, data)
                if cut is not None:
                    cuts.append((key, *cut))
                n += 1
            # in key order, so each insert appends to the B-tree instead of splitting its pages
            conn.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)", sorted(pages))
            conn.executemany("INSERT OR REPLACE INTO mentions VALUES (?, ?, ?, ?)", sorted(cuts))
            all_refs.extend(refs)
            maker._groups.clear()  # the next kind's rows; the facts read stay (most are shared)
        conn.executemany("INSERT OR IGNORE INTO refs VALUES (?, ?, ?)", sorted(set(all_refs)))
        conn.execute(_REFS_INDEX)  # made once the rows are in, not row by row
        conn.execute("COMMIT")
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    _finish(conn, tmp, path)
    return Stats("full", entries=n, seconds=time.perf_counter() - started)


def _visible_changes(store: pyoxigraph.Store, changes: Changes) -> tuple[set[str], set[str]]:
    """``(touched, subjects)`` of the quads whose triple appeared in or vanished from the union of graphs.

    Pages show the union: a paper's title stated again by one more episode's graph changes no page
    that shows the paper, so it must not re-make the hundreds of pages that do.
    """
    if changes.quads is None:
        return set(changes.touched), set(changes.subjects)
    touched: set[str] = set()
    subjects: set[str] = set()
    for q in changes.quads:
        others = store.quads_for_pattern(q.subject, q.predicate, q.object)
        if any(o.graph_name != q.graph_name for o in others):
            continue  # another graph states it too: the union is the same
        if isinstance(q.subject, NamedNode):
            touched.add(q.subject.value)
            subjects.add(q.subject.value)
        if isinstance(q.object, NamedNode):
            touched.add(q.object.value)
    return touched, subjects


def affected(store: pyoxigraph.Store, conn: sqlite3.Connection, changes: Changes) -> dict[str, set[str]]:
    """The entries an ingest's changes may have changed, by kind (see the module's docstring); and under
    ``"changed_episodes"`` the IRIs of the episodes whose rows on a term's page may have changed."""
    itself, shown = _visible_changes(store, changes)
    for value in list(shown):
        node = NamedNode(value)
        for p in _OWNED_BY_EPISODE:
            shown.update(q.subject.value for q in store.quads_for_pattern(None, p, node))
        for p in _OWNED_BY_ENTRY:
            itself.update(q.subject.value for q in store.quads_for_pattern(None, p, node))
        itself.update(q.object.value for q in store.quads_for_pattern(node, KG.mentionOf, None))
    for value in list(shown):  # a mention node: the chapter, takeaway or episode it counts in
        node = NamedNode(value)
        if next(iter(store.quads_for_pattern(node, KG.mentionOf, None)), None) is not None:
            itself.update(q.object.value for q in store.quads_for_pattern(node, KG.mentionIn, None))
    out: dict[str, set[str]] = {k: set() for k in KINDS}
    out["changed_episodes"] = set()
    for value in itself | shown:
        node = NamedNode(value)
        for p in (KG.hasChapter, KG.hasTakeaway):  # a chapter's or takeaway's rows are its episode's
            for q in store.quads_for_pattern(None, p, node):
                out["changed_episodes"].add(q.subject.value)
        if key_of("episode", value) is not None:
            out["changed_episodes"].add(value)
    for value in itself | shown:
        for kind in KINDS:
            key = key_of(kind, value)
            if key is not None:
                out[kind].add(key)
    values = sorted(shown)
    lists: set[str] = set()  # episodes whose related list shows a changed episode
    for i in range(0, len(values), 500):
        chunk = values[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for kind, key in conn.execute(f"SELECT kind, key FROM refs WHERE iri IN ({marks})", chunk):
            (lists if kind == RELATED else out[kind]).add(key)
    # nodes whose derived edges alone were rewritten: an episode gets its related list afresh, a paper
    # its co-recommended list
    out["related_only"], out["co_only"] = set(), set()
    for value in changes.rewritten:
        for kind, only in (("episode", "related_only"), ("paper", "co_only")):
            key = key_of(kind, value)
            if key is not None:
                out[only].add(key)
    out["related_only"] = (out["related_only"] | lists) - out["episode"]
    out["co_only"] -= out["paper"]
    return out


def _select_many(store: pyoxigraph.Store, name: str, var: str, values: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The rows of a query bound to each of ``values`` (its variable ``var``), by value: one run with
    ``VALUES``, the rows of each value in the query's order (ORDER BY sorts every value's rows alike)."""
    from kg.store.oxigraph import py

    groups: dict[str, list[dict[str, Any]]] = {}
    if not values:
        return groups
    text = queries.load(name)
    where = text.index("WHERE {") + len("WHERE {")
    inline = " ".join(f"<{v}>" for v in sorted(values))
    text = f"{text[:where]} VALUES ?{var} {{ {inline} }}{text[where:]}"
    result = store.query(text, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    for sol in result:
        row = {n: py(sol[n]) for n in names}
        groups.setdefault(row[var], []).append(row)
    return groups


def _handed_related(
    facts: _Facts, handed: dict[str, list[tuple[str, Any, str]]], episodes: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``episode_related.rq`` for the ``episodes`` whose related rows the derived-edge
    step handed over (:attr:`Changes.related`), as :func:`_episode_related` makes them from the
    store: only the other episodes' titles and numbers are looked up. An episode left out (rows
    that tie on weight and number, whose order is the store's) is asked of the store."""
    name, number = facts.vals(SCHEMA.name), facts.vals(SCHEMA.episodeNumber)
    out: dict[str, list[dict[str, Any]]] = {}
    for e in episodes:
        given = handed.get(e)
        if given is None:
            continue
        rows = _related_rows(e, given, name, number)
        ties = {(r["weight"], r["number"]) for r in rows}
        if len(ties) < len({(r["other"], r["weight"], r["number"]) for r in rows}):
            continue
        out[e] = rows
    return out


def _patched_co(conn: sqlite3.Connection, key: str, rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any] | None:
    """A paper whose co-recommended list alone changed: the previous page with that list afresh, from
    ``rows`` (:func:`_paper_corecommended`'s, by paper, for every list to renew at once)."""
    from kg.store.oxigraph import co_recommended_items

    page = _old_page(conn, "paper", key)
    if page is not None:
        page["co_recommended"] = co_recommended_items(rows.get(entry_iri("paper", key), []))
    return page


class _Restricted(_Bound):
    """A page with the rows of one query (``term_explained.rq``, ``paper_episodes.rq``) of some episodes
    only (see :func:`_patched_term`, :func:`_patched_paper`)."""

    def __init__(self, bound: _Bound, query: str, rows: list[dict[str, Any]]):
        self.store, self.facts, self.query, self.rows = bound.store, bound.facts, query, rows

    def select(self, name: str, **bindings: Any) -> list[dict[str, Any]]:
        return list(self.rows) if name == self.query else super().select(name, **bindings)


def _old_page(conn: sqlite3.Connection, kind: str, key: str) -> dict[str, Any] | None:
    """The entry's record as the index being updated holds it (before this write); a term's with its
    whole ``mentioned_in``."""
    row = conn.execute("SELECT body FROM pages WHERE kind = ? AND key = ?", (kind, key)).fetchone()
    if row is None:
        return None
    data = json.loads(row[0])
    if kind == "term" and data.pop("mentioned_in_total", 0) > len(data.get("mentioned_in") or []):
        cut = conn.execute("SELECT body FROM mentions WHERE key = ?", (key,)).fetchone()
        if cut is None:
            return None  # re-made whole
        data["mentioned_in"] = json.loads(cut[0])
    return data


def _merged(
    old: list[dict[str, Any]], fresh: list[dict[str, Any]], ident: str, changed: set[str],
    numbers: dict[Any, str], order: Any,
) -> list[dict[str, Any]] | None:  # fmt: skip
    """A patched page's list: the rows of episodes not ``changed`` kept from ``old``, the ``fresh`` rows
    of the changed ones, sorted by ``order``; ``None`` where two episodes could tie in that order
    (a row without a number, or one number on two episodes, recorded across lists in ``numbers``)."""
    merged = [x for x in old if x[ident] not in changed] + fresh
    for x in merged:
        if x["number"] is None or numbers.setdefault(x["number"], x[ident]) != x[ident]:
            return None
    merged.sort(key=order)
    return merged


def _explained_rows(facts: _Facts, t: str, episodes: Iterable[str]) -> list[dict[str, Any]]:
    """The rows of ``term_explained.rq`` for term ``t`` that belong to ``episodes``, in the query's order."""
    from itertools import product

    from kg.rdf.namespaces import SCHEMA

    rows: set[tuple] = set()
    for e in episodes:
        ep = list(product(facts.optional(e, SCHEMA.episodeNumber), facts.optional(e, SCHEMA.name)))
        for x in facts.objects(e, KG.hasChapter, True):
            ch = list(
                product(
                    facts.optional(x, KG.timestamp), facts.optional(x, SCHEMA.startOffset),
                    facts.optional(x, SCHEMA.name),
                )
            )  # fmt: skip
            if t in facts.objects(x, KG.explains, True):
                rows.update((e, n, ti, x, ts, st, ct, "explains", None) for (n, ti), (ts, st, ct) in product(ep, ch))
            for m in facts.subjects(KG.mentionIn, x):
                if t in facts.objects(m, KG.mentionOf, True):
                    for count in facts.objects(m, KG.mentionCount):
                        rows.update(
                            (e, n, ti, x, ts, st, ct, "mentions", count) for (n, ti), (ts, st, ct) in product(ep, ch)
                        )
        if facts.is_a(e, KG.Episode):
            if t in facts.objects(e, KG.explains, True):
                rows.update((e, n, ti, None, None, None, None, "explains", None) for n, ti in ep)
            for m in facts.subjects(KG.mentionIn, e):
                if t in facts.objects(m, KG.mentionOf, True):
                    for count in facts.objects(m, KG.mentionCount):
                        rows.update((e, n, ti, None, None, None, None, "mentions", count) for n, ti in ep)
        for tk in facts.objects(e, KG.hasTakeaway, True):
            for m in facts.subjects(KG.mentionIn, tk):
                if t in facts.objects(m, KG.mentionOf, True):
                    for count in facts.objects(m, KG.mentionCount):
                        rows.update((e, n, ti, None, None, None, None, "mentions", count) for n, ti in ep)
    names = ("e", "number", "title", "chapter", "timestamp", "start", "chapterTitle", "how", "count")
    return [{"t": t, **dict(zip(names, r, strict=True))} for r in sorted(rows, key=_explained_order)]


def _paper_rows_of(facts: _Facts, p: str, episodes: Iterable[str]) -> list[dict[str, Any]]:
    """The rows of ``paper_episodes.rq`` for paper ``p`` that belong to ``episodes``, in the query's
    order: looked up from each episode's side (a paper many episodes recommend has thousands)."""
    covers, has, to = facts.nodes(KG.covers), facts.nodes(KG.hasRecommendation), facts.nodes(KG.recommendedPaper)
    note, number, name = facts.vals(KG.note), facts.vals(SCHEMA.episodeNumber), facts.vals(SCHEMA.name)
    union: list[tuple[str, str, Any]] = []
    for e in episodes:
        if p in covers.get(e, ()):
            union.append((e, "covers", None))
        for r in has.get(e, ()):
            if p in to.get(r, ()):
                union.extend((e, "recommends", no) for no in note.get(r) or _NONE)
    return _paper_rows(p, union, number, name)


def _patched_paper(maker: _Bound, conn: sqlite3.Connection, key: str, episodes: set[str]) -> dict[str, Any] | None:
    """A paper's page re-made without reading every episode that covers or recommends it: as
    :func:`_patched_term` does for a term (its own fields and co-recommended papers afresh, the rows
    of the changed ``episodes`` afresh, the others kept, merged in the page's order: newest number
    first). ``None`` where that order could tie two episodes: the caller re-makes it whole."""
    old = _old_page(conn, "paper", key)
    if old is None:
        return None
    changed = {local_id(e, "episode") for e in episodes}
    from kg.store.oxigraph import OxigraphStore

    rows = _paper_rows_of(maker.facts, entry_iri("paper", key), sorted(episodes))
    fresh = OxigraphStore.paper(_Restricted(maker, "paper_episodes.rq", rows), key)
    if fresh is None:
        return None
    for field in ("covered_by", "recommended_by"):
        merged = _merged(old.get(field, []), fresh[field], "id", changed, {}, lambda x: -x["number"])
        if merged is None:
            return None
        fresh[field] = merged
    return fresh


def _explained_order(r: tuple) -> tuple:
    n, start = r[1], r[5]
    return (r[7], (0, -n) if n is not None else (1, 0), (0, 0) if start is None else (1, start))


def _page_order(x: dict[str, Any]) -> tuple:
    """The order of a term page's rows (``term_explained.rq``'s, every row numbered): newest first."""
    return (-x["number"], (0, 0) if x["start"] is None else (1, x["start"]))


def _patched_term(maker: _Bound, conn: sqlite3.Connection, slug: str, episodes: set[str]) -> dict[str, Any] | None:
    """A term's page re-made without reading all its episodes: its own fields afresh, the rows of the
    changed ``episodes`` afresh, the rows of every other episode kept from the previous page, merged
    in the page's order (newest number first, then chapter start). ``None`` where that order could
    tie two episodes (an episode without a number, or two with one): the caller re-makes it whole."""
    old = _old_page(conn, "term", slug)
    if old is None:
        return None
    changed = {local_id(e, "episode") for e in episodes}
    from kg.store.oxigraph import OxigraphStore

    rows = _explained_rows(maker.facts, entry_iri("term", slug), sorted(episodes))
    fresh = OxigraphStore.term(_Restricted(maker, "term_explained.rq", rows), slug)
    if fresh is None:
        return None
    numbers: dict[Any, str] = {}  # one episode per number across both lists
    for field in ("explained_in", "mentioned_in"):
        merged = _merged(old.get(field, []), fresh[field], "episode", changed, numbers, _page_order)
        if merged is None:
            return None
        fresh[field] = merged
    fresh["episode_count"] = len({x["episode"] for x in fresh["explained_in"] + fresh["mentioned_in"]})
    return fresh


_COUNT = f"SELECT COUNT(*) FROM pages WHERE kind != '{RELATED}'"  # entries (an episode's two rows: one)


def _prepended_term(maker: _Bound, conn: sqlite3.Connection, slug: str, episodes: set[str]) -> bool:
    """Re-make a common term's entry without reading its whole ``mentioned_in``; False: not done.

    A new episode is the newest: its rows go before every row the term's page has. When none of the
    changed ``episodes`` has a row there yet (the entry's refs say so), each of their rows has a
    number higher than any there, and the page's rows were all numbered, one episode to a number
    (``orderly``, kept beside the whole list), :func:`_patched_term`'s merge is the fresh rows
    sorted, then the old rows as they were: so the whole list is the fresh rows' JSON put before the
    old list's bytes, and the served record is made from its own newest rows. At 10,000 episodes a
    common term's whole list is thousands of rows, decoded and encoded again by every ingest before.
    """
    row = conn.execute("SELECT body, top, orderly FROM mentions WHERE key = ?", (slug,)).fetchone()
    if row is None or not row[2] or row[1] is None:
        return False
    whole, top = row[0], row[1]
    eps = sorted(episodes)
    for i in range(0, len(eps), 500):
        chunk = eps[i : i + 500]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT 1 FROM refs WHERE iri IN ({marks}) AND kind = 'term' AND key = ? LIMIT 1"
        if conn.execute(query, (*chunk, slug)).fetchone():
            return False  # an episode with rows on the page already: merged by _patched_term
    page = conn.execute("SELECT body FROM pages WHERE kind = 'term' AND key = ?", (slug,)).fetchone()
    if page is None:
        return False
    old = json.loads(page[0])
    from kg.store.oxigraph import OxigraphStore

    rows = _explained_rows(maker.facts, entry_iri("term", slug), eps)
    fresh = OxigraphStore.term(_Restricted(maker, "term_explained.rq", rows), slug)
    if fresh is None:
        return False
    numbers: dict[Any, str] = {}
    for x in fresh["explained_in"] + fresh["mentioned_in"]:
        if x["number"] is None or x["number"] <= top or numbers.setdefault(x["number"], x["episode"]) != x["episode"]:
            return False
    explained = sorted(fresh["explained_in"], key=_page_order) + old["explained_in"]
    newest = sorted(fresh["mentioned_in"], key=_page_order)
    shown = newest + old["mentioned_in"][: max(MENTIONED_IN_SHOWN - len(newest), 0)]
    # refs: the old rows' episodes stay (thousands: left as they are); the term's neighbours are afresh
    own = refs_of("term", {**fresh, "explained_in": [], "mentioned_in": []})
    others = conn.execute(_TERM_NEIGHBOUR_REFS, (slug, _EPISODE_PREFIX + "%")).fetchall()
    conn.executemany("DELETE FROM refs WHERE iri = ? AND kind = 'term' AND key = ?",
                     [(r, slug) for (r,) in others if r not in own])  # fmt: skip
    added = own | refs_of("term", {"explained_in": fresh["explained_in"], "mentioned_in": newest})
    conn.executemany("INSERT OR IGNORE INTO refs VALUES (?, 'term', ?)", [(r, slug) for r in sorted(added)])
    fresh["explained_in"] = explained
    fresh["mentioned_in"] = shown[:MENTIONED_IN_SHOWN]
    fresh["episode_count"] = old["episode_count"] + len(numbers)  # one episode to a number, none on the page
    fresh["mentioned_in_total"] = old["mentioned_in_total"] + len(newest)
    if newest:
        whole = json_body(newest)[:-1] + b"," + whole[1:]
    conn.execute(
        "UPDATE mentions SET body = ?, top = ? WHERE key = ?", (whole, max(numbers, default=top), slug)
    )  # fmt: skip
    body = json_body(fresh)
    conn.execute("INSERT OR REPLACE INTO pages VALUES ('term', ?, ?, ?)", (slug, body, etag_of(body)))
    return True


_EPISODE_PREFIX = iri("episode", "x").value[:-1]
_TERM_NEIGHBOUR_REFS = "SELECT iri FROM refs WHERE kind = 'term' AND key = ? AND iri NOT LIKE ?"


class Copy:
    """The previous generation's index copied into the one being written, on a thread, while an ingest's
    other steps run (the copy, and flushing it to disk, took a third of the step at 10,000 episodes: the
    file is half a gigabyte there). :func:`update` waits for it; :meth:`discard` removes what it wrote."""

    def __init__(self, previous: Path, target: Path):
        self.source, self.tmp = Path(previous) / INDEX_FILE, Path(target) / (INDEX_FILE + ".tmp")
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="kg-pageindex-copy")
        self._thread.start()

    def _run(self) -> None:
        try:
            shutil.copyfile(self.source, self.tmp)
            fd = os.open(self.tmp, os.O_RDONLY)
            try:  # most of the file stays as copied: flushed now, the final fsync writes only what changed
                os.fdatasync(fd)
            finally:
                os.close(fd)
        except BaseException as exc:  # noqa: BLE001 - raised by wait(), in the ingest's thread
            self.error = exc

    def wait(self) -> Path:
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.tmp

    def discard(self) -> None:
        self._thread.join()
        self.tmp.unlink(missing_ok=True)


def start_copy(changes: Changes) -> Copy | None:
    """For an ingest, the previous index's copy begun now (:class:`Copy`); ``None`` when it has no index."""
    if changes.full or changes.previous is None or changes.target is None:
        return None
    if not (Path(changes.previous) / INDEX_FILE).is_file():
        return None
    return Copy(changes.previous, changes.target)


def update(store: pyoxigraph.Store, changes: Changes, copy: Copy | None = None) -> Stats:
    """Bring the index up to date after ``changes`` (the previous generation's, copied; or rebuilt).
    ``copy``: that copy, begun early (:func:`start_copy`)."""
    if changes.target is None:
        if copy is not None:
            copy.discard()
        return Stats("skipped")
    previous = Path(changes.previous) / INDEX_FILE if changes.previous is not None else None
    if changes.full or changes.rewrote_all or previous is None or PageIndex.open(changes.previous) is None:
        if copy is not None:
            copy.discard()
        written = changes.mentions, changes.mention_slugs
        return build(store, changes.target, written if written[0] is not None and written[1] is not None else None)
    started = time.perf_counter()
    path, tmp = Path(changes.target) / INDEX_FILE, Path(changes.target) / (INDEX_FILE + ".tmp")
    if copy is not None and copy.tmp == tmp and copy.source == previous:
        copy.wait()
    else:
        if copy is not None:
            copy.discard()
        shutil.copyfile(previous, tmp)
    conn = _connect(tmp)
    try:
        total = conn.execute(_COUNT).fetchone()[0]
        todo = affected(store, conn, changes)
        changed_episodes, related_only = todo.pop("changed_episodes"), todo.pop("related_only")
        co_only = todo.pop("co_only")
        count = sum(len(v) for v in todo.values())
        log.debug("to re-make %s, related lists %d", {k: len(v) for k, v in todo.items()}, len(related_only))
        if count > FULL_SHARE * max(total, 200):
            conn.close()
            tmp.unlink(missing_ok=True)
            return build(store, changes.target)
        from kg.store.oxigraph import related_items

        maker = _Bound(store)
        conn.execute("BEGIN")
        # many related lists change together (a new episode moves the weights of its features): one
        # run of each query for all of them
        renewed = [entry_iri("episode", k) for k in related_only]
        related = _handed_related(maker.facts, changes.related, renewed)
        related.update(_select_many(store, "episode_related.rq", "e", [e for e in renewed if e not in related]))
        co = _select_many(store, "paper_corecommended.rq", "p", [entry_iri("paper", k) for k in co_only])
        for key in sorted(related_only):  # only the list's own row (rows_of)
            if conn.execute("SELECT 1 FROM pages WHERE kind = 'episode' AND key = ?", (key,)).fetchone() is None:
                _write(conn, "episode", key, maker.make("episode", key))
                continue
            row_kind, body, refs = _related_row(related_items(related.get(entry_iri("episode", key), [])))
            _put(conn, row_kind, key, body, refs, fresh=False)
        for key in sorted(co_only):
            _write(conn, "paper", key, _patched_co(conn, key, co) or maker.make("paper", key))
        count += len(related_only) + len(co_only)
        prepended = 0
        for kind in KINDS:
            for key in sorted(todo[kind]):
                if not _is_entry(store, kind, entry_iri(kind, key)):
                    data = None
                elif kind == "term":
                    if _prepended_term(maker, conn, key, changed_episodes):
                        prepended += 1
                        continue
                    data = _patched_term(maker, conn, key, changed_episodes) or maker.make(kind, key)
                elif kind == "paper":
                    data = _patched_paper(maker, conn, key, changed_episodes) or maker.make(kind, key)
                else:
                    data = maker.make(kind, key)
                _write(conn, kind, key, data)
        conn.execute("COMMIT")
        total = conn.execute(_COUNT).fetchone()[0]
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    _finish(conn, tmp, path)
    return Stats("incremental", entries=total, remade=count, seconds=time.perf_counter() - started, prepended=prepended)


def records(store: Any, kind: str, keys: Iterable[str]) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """``(key, the store's record)`` for each key: the query path, to compare an index with."""
    method = getattr(store, kind)
    for key in keys:
        yield key, method(key)


__all__ = [
    "INDEX_FILE",
    "KINDS",
    "Entry",
    "PageIndex",
    "Stats",
    "affected",
    "build",
    "encode",
    "served",
    "MENTIONED_IN_SHOWN",
    "entry_iri",
    "etag_of",
    "refs_of",
    "records",
    "update",
]
