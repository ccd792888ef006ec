"""The glossary file (YAML): one entry per term, edited by hand.

YAML was chosen because editors write it comfortably (no quoting of most text,
comments allowed, folded definitions) and PyYAML keeps line numbers, so every
problem names ``glossary.yaml:LINE (term id, field)``.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from kg.errors import Location, ParseError, Report
from kg.parsers.yamlsafe import compose, read_text, to_python
from kg.records import ExplainedIn, Glossary, GlossaryTerm

MAX_DEFINITION = 280
KINDS = ("concept", "method", "metric", "benchmark", "model", "system", "organisation", "jargon")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$", re.ASCII)
_EP = re.compile(r"^E\d{1,6}$", re.ASCII)
_TS = re.compile(r"^(?:\d{1,2}:)?\d{1,2}:[0-5]\d$", re.ASCII)


def _text_field(entry: dict, key: str, where: Location) -> str | None:
    """A scalar field as text (numbers and dates are written as text); lists and mappings are refused."""
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, (list, dict, bytes)):
        raise ParseError("E043", f"{key} must be text, not a {type(value).__name__}", where.with_field(key))
    return str(value)


def read_glossary(path: str | Path, report: Report | None = None) -> Glossary:
    return parse_glossary(read_text(path, "glossary"), name=str(Path(path)), report=report)


def _str_list(value, where: Location, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise ParseError("E043", f"{field} must be a list of strings", where.with_field(field))
    return [str(v).strip() for v in value if str(v).strip()]


def parse_glossary(text: str, *, name: str = "<glossary>", report: Report | None = None) -> Glossary:
    report = report if report is not None else Report()
    root = compose(text, name, "E040", "glossary")
    if root is None:
        raise ParseError("E043", "the glossary is empty; expected a 'terms:' list", Location(name, 1))
    if not isinstance(root, yaml.MappingNode):
        raise ParseError("E043", "the glossary must be a mapping with a 'terms:' list", Location(name, 1))
    top = {k.value: v for k, v in root.value}
    terms_node = top.get("terms")
    if not isinstance(terms_node, yaml.SequenceNode):
        raise ParseError(
            "E043", "the glossary needs a 'terms:' list", Location(name, root.start_mark.line + 1, "terms")
        )
    scheme = to_python(top["scheme"], name, "E040") if "scheme" in top else {}
    if not isinstance(scheme, dict):
        scheme = {}

    terms: list[GlossaryTerm] = []
    ids: dict[str, int] = {}
    forms: dict[str, tuple[str, int]] = {}
    for node in terms_node.value:
        line = node.start_mark.line + 1
        where = Location(name, line)
        if not isinstance(node, yaml.MappingNode):
            raise ParseError("E043", "each term must be a mapping with id, label and definition", where)
        entry = to_python(node, name, "E040")
        tid = entry.get("id")
        if not isinstance(tid, str) or not _ID.fullmatch(tid):
            raise ParseError(
                "E043", f"id {tid!r} must be a slug: lowercase letters, digits and hyphens", where.with_field("id")
            )
        where = Location(name, line, f"term {tid!r}")
        if tid in ids:
            raise ParseError("E046", f"id {tid!r} is used again (first at line {ids[tid]})", where.with_field("id"))
        ids[tid] = line
        label = entry.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ParseError("E043", "the term has no label", where.with_field("label"))
        definition = _text_field(entry, "definition", where)
        if definition is None or not definition.strip():
            raise ParseError(
                "E041", "the term has no definition (needed for its tooltip)", where.with_field("definition")
            )
        definition = " ".join(str(definition).split())
        if len(definition) > MAX_DEFINITION:
            raise ParseError(
                "E045",
                f"the definition is {len(definition)} characters; tooltips take at most {MAX_DEFINITION}",
                where.with_field("definition"),
            )
        kind = (_text_field(entry, "kind", where) or "concept").strip().lower()
        if kind not in KINDS:
            raise ParseError("E043", f"kind {kind!r} is not one of {', '.join(KINDS)}", where.with_field("kind"))
        explained: list[ExplainedIn] = []
        raw_explained = entry.get("explained_in") or []
        if not isinstance(raw_explained, list):
            raise ParseError("E043", "explained_in must be a list", where.with_field("explained_in"))
        for i, item in enumerate(raw_explained, start=1):
            if isinstance(item, str):
                item = {"episode": item}
            episode = item.get("episode") if isinstance(item, dict) else None
            if not isinstance(episode, str) or not _EP.fullmatch(episode):
                raise ParseError(
                    "E043",
                    "explained_in items look like {episode: E172, chapter: '04:21'}",
                    where.with_field(f"explained_in[{i}]"),
                )
            chapter = _text_field(item, "chapter", where.with_field(f"explained_in[{i}]"))
            if chapter is not None:
                chapter = chapter.strip()
                if not _TS.fullmatch(chapter):
                    raise ParseError(
                        "E021",
                        f"chapter {chapter!r} is not a MM:SS timestamp",
                        where.with_field(f"explained_in[{i}].chapter"),
                    )
            explained.append(ExplainedIn(str(item["episode"]), chapter))
        term = GlossaryTerm(
            id=tid,
            label=" ".join(label.split()),
            definition=definition,
            kind=kind,
            aliases=_str_list(entry.get("aliases"), where, "aliases"),
            acronyms=_str_list(entry.get("acronyms"), where, "acronyms"),
            broader=_str_list(entry.get("broader"), where, "broader"),
            related=_str_list(entry.get("related"), where, "related"),
            explained_in=explained,
            line=line,
        )
        own: set[str] = set()
        for form in term.surface_forms:
            key = " ".join(form.split()).casefold()
            if key in own:
                continue
            own.add(key)
            if key in forms and forms[key][0] != tid:
                other, other_line = forms[key]
                raise ParseError(
                    "E042",
                    f"{form!r} is claimed by both {other!r} (line {other_line}) and {tid!r}; "
                    "each label, alias and acronym must point at one term",
                    where.with_field("aliases"),
                )
            forms[key] = (tid, line)
        terms.append(term)

    for term in terms:
        where = Location(name, term.line, f"term {term.id!r}")
        for fieldname in ("broader", "related"):
            for ref in getattr(term, fieldname):
                if ref not in ids:
                    raise ParseError(
                        "E044", f"{fieldname} refers to unknown term id {ref!r}", where.with_field(fieldname)
                    )
                if ref == term.id:
                    raise ParseError("E044", f"{fieldname} refers to the term itself", where.with_field(fieldname))
    _check_broader_cycles(terms, name)
    return Glossary(
        title=_text_field(scheme, "title", Location(name, field="scheme")) or "Glossary",
        description=_text_field(scheme, "description", Location(name, field="scheme")) or "",
        terms=terms,
        path=name,
    )


def _check_broader_cycles(terms: list[GlossaryTerm], name: str) -> None:
    broader = {t.id: t.broader for t in terms}
    lines = {t.id: t.line for t in terms}
    state: dict[str, int] = {}

    def visit(tid: str, path: list[str]) -> None:
        state[tid] = 1
        for b in broader.get(tid, []):
            if state.get(b) == 1:
                cycle = " -> ".join([*path[path.index(b) :], b]) if b in path else f"{tid} -> {b}"
                raise ParseError("E044", f"broader terms form a cycle: {cycle}", Location(name, lines[tid], "broader"))
            if b not in state:
                visit(b, [*path, b])
        state[tid] = 2

    for t in terms:
        if t.id not in state:
            visit(t.id, [t.id])
