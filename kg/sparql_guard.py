"""Checks a SPARQL request must pass before any engine sees it.

pyoxigraph makes real HTTP requests for ``SERVICE`` (and ``LOAD`` in updates),
has no way to switch that off, and crashes its process on ~3,000 nested
``{ }`` groups. So a query is first *lexed* here - strings, IRIs, comments and
prefixed names are recognised as whole tokens, so a keyword inside a literal or
an IRI is never mistaken for one and a keyword outside them is never missed -
and refused when it:

* nests ``{ }`` (or ``( )``, ``[ ]``) deeper than the limit (checked first, in
  one linear pass, before any parser runs);
* uses an update operation (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, …);
* uses ``SERVICE`` (federation: an outbound connection);
* names a dataset (``FROM``/``FROM NAMED``, or the protocol's
  ``default-graph-uri``/``named-graph-uri``) outside this graph's IRIs.

The lexer errs on the side of refusing: anything it cannot read as a string,
IRI or comment stays visible to the keyword checks. Real syntax errors are left
to the engine (its message is what the user sees). No Flask here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from kg.rdf.namespaces import DATA_NS, PREFIXES

# The prefixes every query may use without declaring them (kg:, schema:, skos:, …).
DEFAULT_PREFIXES: dict[str, str] = dict(PREFIXES)

# Dataset IRIs a query may name: the graph's own (every named graph is under …/id/graph/).
ALLOWED_DATASET_PREFIX = DATA_NS

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "ADD", "MOVE", "COPY", "WITH"})

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]*)
  | (?P<pname>(?:[^\W\d][\w.\-]*)?:(?:[\w\-:.%]|\\[_~.\-!$&'()*+,;=/?\#@%])*)
  | (?P<word>[^\W\d]\w*)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    offset: int


class QueryRefused(Exception):
    """A request the endpoint will not run; ``status`` and ``code`` are for the HTTP answer."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after  # seconds, for 429 and 503 answers


@dataclass
class CheckedQuery:
    """What the checks learned: the query text and the dataset it names (all inside the graph)."""

    text: str
    depth: int
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {col}"


def tokens(text: str) -> list[Token]:
    """Lex ``text`` into significant tokens (whitespace and comments dropped)."""
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        out.append(Token(kind, m.group(), m.start()))
    return out


def nesting_depth(text: str) -> int:
    """The deepest nesting of ``{ }``, ``( )`` and ``[ ]`` outside strings, IRIs and comments."""
    depth = deepest = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "open":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "close":
            depth = max(0, depth - 1)
    return deepest


def _resolve(tok: Token, prefixes: dict[str, str], base: str | None, text: str) -> str:
    if tok.kind == "iri":
        ref = tok.text[1:-1]
        return urljoin(base, ref) if base else ref
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix not in prefixes:
            raise QueryRefused(
                400, "sparql_syntax", f"unknown prefix {prefix + ':'!r} at {_position(text, tok.offset)}"
            )
        return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local.rstrip("."))
    raise QueryRefused(
        400, "sparql_syntax", f"expected an IRI after FROM at {_position(text, tok.offset)}, found {tok.text[:40]!r}"
    )


def check_dataset_iri(value: str, where: str) -> str:
    """Refuse a dataset IRI outside this graph (a FROM clause or a protocol parameter)."""
    if not value.startswith(ALLOWED_DATASET_PREFIX):
        raise QueryRefused(
            403,
            "dataset_refused",
            f"{where} <{value[:200]}> is outside this graph; only IRIs under <{ALLOWED_DATASET_PREFIX}> "
            "(the graph's own named graphs) may be named",
        )
    return value


def check_query(text: str, *, max_depth: int) -> CheckedQuery:
    """Run every check on a query; raise :class:`QueryRefused` or return what was learned."""
    if not text.strip():
        raise QueryRefused(400, "missing_query", "the query is empty; send it as the `query` parameter")
    depth = nesting_depth(text)
    if depth > max_depth:
        raise QueryRefused(
            400,
            "query_too_deep",
            f"the query nests groups {depth} deep; at most {max_depth} are allowed (KG_SPARQL_MAX_DEPTH)",
        )
    toks = tokens(text)
    prefixes = dict(DEFAULT_PREFIXES)
    base: str | None = None
    checked = CheckedQuery(text=text, depth=depth)
    i = 0
    while i < len(toks):
        tok = toks[i]
        word = tok.text.upper() if tok.kind == "word" else ""
        if word in UPDATE_KEYWORDS:
            raise QueryRefused(
                403,
                "update_refused",
                f"this endpoint is read-only: {word} (at {_position(text, tok.offset)}) is an update operation",
            )
        if word == "SERVICE":
            raise QueryRefused(
                403,
                "service_refused",
                f"SERVICE (at {_position(text, tok.offset)}) is refused: this endpoint makes no federated or "
                "outbound requests",
            )
        if word == "PREFIX" and i + 2 < len(toks) and toks[i + 1].kind == "pname" and toks[i + 2].kind == "iri":
            name = toks[i + 1].text.partition(":")[0]
            prefixes[name] = _resolve(toks[i + 2], prefixes, base, text)
            i += 3
            continue
        if word == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            base = _resolve(toks[i + 1], prefixes, base, text)
            i += 2
            continue
        if word == "FROM":
            named = i + 1 < len(toks) and toks[i + 1].kind == "word" and toks[i + 1].text.upper() == "NAMED"
            j = i + 2 if named else i + 1
            if j >= len(toks):
                raise QueryRefused(400, "sparql_syntax", f"FROM without an IRI at {_position(text, tok.offset)}")
            iri = check_dataset_iri(_resolve(toks[j], prefixes, base, text), "FROM NAMED" if named else "FROM")
            (checked.from_named_graphs if named else checked.from_graphs).append(iri)
            i = j + 1
            continue
        i += 1
    return checked
