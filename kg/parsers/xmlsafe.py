"""Parse XML without ever resolving entities, loading DTDs or touching the network."""

from __future__ import annotations

import re

from lxml import etree

from kg.errors import Location, ParseError

_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def safe_xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse_xml_bytes(data: bytes, where: Location) -> etree._Element:
    """Well-formed XML or a ParseError naming the line; DTDs and entities are refused."""
    head = data[:65536]
    if _DOCTYPE.search(head) or _DOCTYPE.search(data):
        m = _DOCTYPE.search(data)
        line = data[: m.start()].count(b"\n") + 1 if m else None
        raise ParseError(
            "E013",
            "the document declares a DTD or entities; feeds must not (this blocks XML bombs "
            "and external-entity file reads)",
            Location(where.file, line, where.field),
        )
    try:
        return etree.fromstring(data, parser=safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if getattr(exc, "lineno", None) else None
        msg = exc.msg if getattr(exc, "msg", None) else str(exc)
        raise ParseError("E010", f"not well-formed XML: {msg}", Location(where.file, line, where.field)) from None
