"""Hand-edited YAML sources (the glossary, the entity gazetteer), composed safely with line numbers.

One place for what both parsers need: the file read within ``KG_MAX_SOURCE_BYTES`` and decoded as
UTF-8 with the line of a bad byte; aliases (a YAML bomb repeats one node billions of times) and
nesting deeper than :data:`MAX_DEPTH` refused from the event stream before the composer (which
recurses) builds anything; PyYAML's safe constructor only, an unknown tag such as
``!!python/object`` being a clear error. Each caller passes its own error code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kg.errors import Location, ParseError

# libyaml's composer when PyYAML has it (about 6x faster on a large glossary); same nodes and marks
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 20  # an entry is a mapping of scalars and short lists: 4 levels deep


def read_text(path: str | Path, what: str, code: str = "E001") -> str:
    """The UTF-8 text of a source file (E001 unreadable or not UTF-8, naming the line; E015 too large)."""
    from kg.parsers.source import read_source_bytes

    data = read_source_bytes(path, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(
            code, f"the {what} is not UTF-8 text (byte {exc.object[exc.start]:#04x}); save it as UTF-8",
            Location(str(path), line),
        ) from None


def _invalid(exc: yaml.YAMLError, name: str, code: str) -> ParseError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return ParseError(code, f"not valid YAML: {problem}", Location(name, mark.line + 1 if mark else None))


def _check_shape(text: str, name: str, code: str, what: str) -> None:
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.AliasEvent):
                raise ParseError(
                    code,
                    f"YAML aliases (*{event.anchor}) are not allowed in the {what}; write each value out",
                    Location(name, event.start_mark.line + 1),
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    where = Location(name, event.start_mark.line + 1)
                    raise ParseError(code, f"the YAML is nested more than {MAX_DEPTH} levels deep", where)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        if "nesting depth" not in str(exc):  # libyaml may stop at its own nesting limit first
            raise
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = Location(name, mark.line + 1 if mark else None)
        raise ParseError(code, f"the YAML is nested more than {MAX_DEPTH} levels deep", where) from None


def compose(text: str, name: str, code: str, what: str) -> yaml.Node | None:
    """The node tree of ``text`` (marks give lines), or ParseError ``code`` naming the line."""
    try:
        _check_shape(text, name, code, what)
        return yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise _invalid(exc, name, code) from None


def to_python(node: yaml.Node, name: str, code: str) -> Any:
    """A node as plain Python values (safe constructor only)."""
    try:
        return yaml.constructor.SafeConstructor().construct_document(node)
    except yaml.YAMLError as exc:  # e.g. an unknown tag such as !!python/object
        raise _invalid(exc, name, code) from None
