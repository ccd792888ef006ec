"""The entity gazetteer (``entities.yaml``): named methods, benchmarks, models, metrics, systems and organisations.

Edited by hand like the glossary, and parsed the same way (``kg.parsers.yamlsafe``: size limit,
no aliases or deep nesting, PyYAML node tree, so every problem names
``entities.yaml:LINE (entity id, field)``)::

    entities:
      - id: eagle-3                 # slug; the node is https://paperdive.ai/id/entity/eagle-3
        name: EAGLE-3               # as the corpus writes it
        type: method                # method | benchmark | model | metric | system | organisation
        aliases: [Eagle3, EAGLE3]   # other written forms (matched with the glossary linker's rules)
        term: eagle                 # optional: the glossary term that explains it
        extends: [eagle]            # optional curated edges, entity ids
        evaluated_on: [mt-bench]

A glossary term of an entity kind (``kind: method`` …) is an entity already
(``id/entity/<its slug>``); a gazetteer entry with the same id adds names and
edges to it and must agree on its type (checked when the graph is written).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from kg.errors import Location, ParseError
from kg.parsers.yamlsafe import compose, read_text, to_python
from kg.records import ENTITY_TYPES, Entity, Gazetteer

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$", re.ASCII)
_FIELDS = {"id", "name", "type", "aliases", "term", "extends", "evaluated_on", "note"}

ENTITY_FILE_NAMES = ("entities.yaml", "entities.yml")


def is_gazetteer_file(path: str | Path) -> bool:
    return Path(path).name in ENTITY_FILE_NAMES


def read_gazetteer(path: str | Path) -> Gazetteer:
    return parse_gazetteer(read_text(path, "entity gazetteer"), name=str(Path(path)))


def _names(value, where: Location, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise ParseError("E071", f"{field} must be a list of strings", where.with_field(field))
    return [" ".join(str(v).split()) for v in value if str(v).strip()]


def parse_gazetteer(text: str, *, name: str = "<entities>") -> Gazetteer:
    root = compose(text, name, "E070", "entity gazetteer")
    if root is None or not isinstance(root, yaml.MappingNode):
        raise ParseError("E071", "the gazetteer must be a mapping with an 'entities:' list", Location(name, 1))
    top = {k.value: v for k, v in root.value}
    items = top.get("entities")
    if not isinstance(items, yaml.SequenceNode):
        raise ParseError(
            "E071", "the gazetteer needs an 'entities:' list", Location(name, root.start_mark.line + 1, "entities")
        )
    entities: list[Entity] = []
    ids: dict[str, int] = {}
    claimed: dict[str, tuple[str, int]] = {}
    for node in items.value:
        line = node.start_mark.line + 1
        where = Location(name, line)
        if not isinstance(node, yaml.MappingNode):
            raise ParseError("E071", "each entity must be a mapping with id, name and type", where)
        entry = to_python(node, name, "E070")
        eid = entry.get("id")
        if not isinstance(eid, str) or not _ID.fullmatch(eid):
            raise ParseError(
                "E071", f"id {eid!r} must be a slug: lowercase letters, digits and hyphens", where.with_field("id")
            )
        where = Location(name, line, f"entity {eid!r}")
        unknown = sorted(set(entry) - _FIELDS)
        if unknown:
            raise ParseError(
                "E071", f"unknown field {unknown[0]!r}; use {', '.join(sorted(_FIELDS))}", where.with_field(unknown[0])
            )
        if eid in ids:
            raise ParseError("E072", f"id {eid!r} is used again (first at line {ids[eid]})", where.with_field("id"))
        ids[eid] = line
        label = entry.get("name")
        if not isinstance(label, (str, int, float)) or not str(label).strip():
            raise ParseError("E071", "the entity has no name", where.with_field("name"))
        etype = str(entry.get("type") or "").strip().lower()
        if etype not in ENTITY_TYPES:
            raise ParseError(
                "E071",
                f"type {entry.get('type')!r} is not one of {', '.join(ENTITY_TYPES)}",
                where.with_field("type"),
            )
        term = entry.get("term")
        if term is not None and (not isinstance(term, str) or not _ID.fullmatch(term)):
            raise ParseError("E071", f"term {term!r} must be a glossary term id (a slug)", where.with_field("term"))
        ent = Entity(
            id=eid,
            name=" ".join(str(label).split()),
            type=etype,
            aliases=_names(entry.get("aliases"), where, "aliases"),
            term=term,
            evaluated_on=_names(entry.get("evaluated_on"), where, "evaluated_on"),
            extends=_names(entry.get("extends"), where, "extends"),
            line=line,
        )
        for form in ent.names:
            key = form.casefold()
            if key in claimed and claimed[key][0] != eid:
                other, other_line = claimed[key]
                raise ParseError(
                    "E073",
                    f"{form!r} is claimed by both {other!r} (line {other_line}) and {eid!r}; "
                    "each name and alias must point at one entity",
                    where.with_field("aliases" if form != ent.name else "name"),
                )
            claimed[key] = (eid, line)
        entities.append(ent)
    for ent in entities:
        where = Location(name, ent.line, f"entity {ent.id!r}")
        for fieldname in ("evaluated_on", "extends"):
            for ref in getattr(ent, fieldname):
                if ref == ent.id:
                    raise ParseError("E074", f"{fieldname} refers to the entity itself", where.with_field(fieldname))
    return Gazetteer(entities=entities, path=name)
