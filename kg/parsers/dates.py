"""The two date forms the podcast writes: ``2026-06-27`` and ``June 24, 2026``."""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    name.lower(): i
    for i, name in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_LONG = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")


def parse_date(text: str) -> dt.date:
    """Parse one of the podcast's date forms; ``ValueError`` says what was expected."""
    s = text.strip().rstrip(".")
    m = _ISO.match(s)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _LONG.match(s)
    if m and m.group(1).lower() in _MONTHS:
        return dt.date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
    raise ValueError(f"cannot read date {text!r}; expected 2026-06-27 or June 27, 2026")
