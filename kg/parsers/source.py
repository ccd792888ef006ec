"""Reading a source file: a size limit before anything is parsed.

Every parser holds its whole input in memory (and feedparser several copies of it), so a
source larger than ``KG_MAX_SOURCE_BYTES`` is refused before it is read (error E015).
"""

from __future__ import annotations

import os
from pathlib import Path

from kg.errors import Location, ParseError
from kg.settings import SETTINGS

_DEFAULT = next(s.default for s in SETTINGS if s.name == "MAX_SOURCE_BYTES")


def max_source_bytes() -> int:
    """The limit: ``KG_MAX_SOURCE_BYTES`` from the environment, else the settings default (0: none)."""
    raw = os.environ.get("KG_MAX_SOURCE_BYTES", "").strip()
    if not raw:
        return int(_DEFAULT)
    try:
        return max(0, int(raw))
    except ValueError:
        raise ParseError(
            "E015", f"KG_MAX_SOURCE_BYTES must be a number of bytes, not {raw[:40]!r}", Location("KG_MAX_SOURCE_BYTES")
        ) from None


def too_large(size: int, what: str, name: str, limit: int) -> ParseError:
    return ParseError(
        "E015",
        f"the {what} is {size:,} bytes; at most {limit:,} are read (set KG_MAX_SOURCE_BYTES to raise the limit)",
        Location(name),
    )


def read_source_bytes(path: str | Path, what: str) -> bytes:
    """The bytes of a source file, or ParseError E001 (unreadable) / E015 (too large)."""
    path = Path(path)
    limit = max_source_bytes()
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if limit and size > limit:
                raise too_large(size, what, str(path), limit)
            data = fh.read(limit + 1) if limit else fh.read()
    except OSError as exc:
        raise ParseError("E001", f"cannot read the {what}: {exc.strerror or exc}", Location(str(path))) from None
    if limit and len(data) > limit:  # it grew while we read it, or is no regular file
        raise too_large(len(data), what, str(path), limit)
    return data
