"""Parse XML without ever resolving entities, loading DTDs or touching the network."""

from __future__ import annotations

import codecs
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


def _refuse_dtd(line: int | None, where: Location) -> ParseError:
    return ParseError(
        "E013",
        "the document declares a DTD or entities; feeds must not (this blocks XML bombs "
        "and external-entity file reads)",
        Location(where.file, line, where.field),
    )


# XML's own ways of writing a document in UTF-16 or UTF-32 (a byte-order mark, or '<?' spread over 2 or 4 bytes)
_WIDE = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
    (b"<\0\0\0", "utf-32-le"), (b"\0\0\0<", "utf-32-be"), (b"<\0?\0", "utf-16-le"), (b"\0<\0?", "utf-16-be"),
)


def _scan_text(data: bytes) -> bytes:
    """The document as ASCII-compatible bytes for the DTD scan (UTF-16 and UTF-32 decoded first)."""
    for mark, codec in _WIDE:
        if data.startswith(mark):
            return data.decode(codec, errors="replace").encode("utf-8", errors="replace")
    return data


def parse_xml_bytes(data: bytes, where: Location) -> etree._Element:
    """Well-formed XML or a ParseError naming the line; DTDs and entities are refused."""
    scan = _scan_text(data)
    m = _DOCTYPE.search(scan)
    if m:
        raise _refuse_dtd(scan[: m.start()].count(b"\n") + 1, where)
    try:
        root = etree.fromstring(data, parser=safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if getattr(exc, "lineno", None) else None
        msg = exc.msg if getattr(exc, "msg", None) else str(exc)
        raise ParseError("E010", f"not well-formed XML: {msg}", Location(where.file, line, where.field)) from None
    # The byte scan above misses a DOCTYPE in UTF-16 or UTF-32; the parsed document does not.
    # (lxml has neither loaded nor expanded anything: no DTD loading, no entities, no network.)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        line = None
        try:
            text = data.decode(docinfo.encoding or "utf-8", errors="replace")
            at = text.upper().find("<!DOCTYPE")
            line = text[:at].count("\n") + 1 if at >= 0 else None
        except LookupError:
            pass
        raise _refuse_dtd(line, where)
    return root
