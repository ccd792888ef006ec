"""BibTeX for a paper and for an episode's reading list.

Input is the store's page data (``GraphStore.paper`` / ``GraphStore.episode``
dicts), output is BibTeX text. Every value is escaped for (La)TeX - ``%``,
``&``, ``$``, ``#``, ``_``, ``~``, ``^`` and backslashes get their usual
escapes, and braces become ``\textbraceleft{}``/``\textbraceright{}`` because
BibTeX counts braces even after a backslash - so a hostile title can neither
end its field nor inject an entry or a TeX command. Titles
are wrapped in an extra pair of braces so styles keep their capitalisation.
arXiv papers are ``@misc`` with ``eprint``/``archiveprefix`` (biblatex and
natbib styles both read them), DOI papers ``@article`` with ``doi``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

_SPECIAL = {
    "\\": r"\textbackslash{}",
    # BibTeX balances braces even after a backslash, so "\{" would still open a group: spell them out
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPECIAL_RE = re.compile(r"[\\{}%&$#_~^]")
_ARXIV_NEW = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def tex_escape(value: str) -> str:
    """Text safe inside a braced BibTeX field: specials escaped, control characters and newlines flattened."""
    value = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in value)
    value = re.sub(r"\s+", " ", value).strip()
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group()], value)


def url_value(url: str) -> str:
    """A URL for the ``url`` field (read verbatim by the url package): braces, backslashes and spaces encoded."""
    url = "".join(ch for ch in url if unicodedata.category(ch)[0] != "C")
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def citation_key(key: str) -> str:
    """A BibTeX key from a paper key: ``arxiv/2305.18290`` -> ``arxiv:2305.18290``."""
    scheme, _, ident = key.partition("/")
    raw = f"{scheme}:{ident}" if ident else scheme
    return re.sub(r"[^A-Za-z0-9:._/+-]", "-", raw)[:120] or "paper"


def _date_parts(paper: dict[str, Any]) -> tuple[str | None, str | None]:
    published = paper.get("published") or ""
    m = re.match(r"^(\d{4})(?:-(\d{2}))?", published)
    if m:
        month = _MONTHS[int(m.group(2)) - 1] if m.group(2) and 1 <= int(m.group(2)) <= 12 else None
        return m.group(1), month
    arxiv = paper.get("arxiv") or ""
    m = _ARXIV_NEW.match(arxiv)
    if m and 1 <= int(m.group(2)) <= 12:  # a new-style arXiv id starts with its submission year and month
        return "20" + m.group(1), _MONTHS[int(m.group(2)) - 1]
    return None, None


def _field(name: str, value: str) -> str:
    return f"  {name:<13} = {{{value}}},"


def paper_entry(
    paper: dict[str, Any], *, title: str | None = None, note: str | None = None, key: str | None = None
) -> str:
    """One BibTeX entry for a paper dict (``key``, ``title``, ``url``, ``published``, ``arxiv``, ``doi``)."""
    fields: list[str] = []
    the_title = paper.get("title") or title
    if the_title:
        fields.append(_field("title", "{" + tex_escape(the_title) + "}"))
    year, month = _date_parts(paper)
    if year:
        fields.append(_field("year", year))
    if month:
        fields.append(f"  {'month':<13} = {month},")
    kind = "misc"
    if paper.get("arxiv"):
        fields.append(_field("eprint", tex_escape(paper["arxiv"])))
        fields.append(_field("archiveprefix", "arXiv"))
    if paper.get("doi"):
        kind = "article"
        fields.append(_field("doi", url_value(paper["doi"])))
    if paper.get("url"):
        fields.append(_field("url", url_value(paper["url"])))
        if kind == "misc" and not paper.get("arxiv"):
            fields.append(_field("howpublished", r"\url{" + url_value(paper["url"]) + "}"))
    if note:
        fields.append(_field("note", tex_escape(note)))
    cite = citation_key(key or paper.get("key") or "paper")
    return "@" + kind + "{" + cite + ",\n" + "\n".join(fields) + "\n}\n"


def _header(lines: Iterable[str]) -> str:
    # BibTeX ignores text outside entries; '@' would start one, so it is removed from comments
    return "".join("% " + line.replace("@", "(at)").replace("\n", " ") + "\n" for line in lines)


def paper_bibtex(paper: dict[str, Any]) -> str:
    """The BibTeX file for one paper."""
    episodes = [f"{e['id']}" for e in paper.get("covered_by", [])]
    note = None
    if episodes:
        note = "Covered by AI Papers: A Deep Dive, episode " + ", ".join(episodes)
    head = _header([f"{paper.get('label') or paper.get('key')}", "from the AI Papers: A Deep Dive knowledge graph"])
    return head + "\n" + paper_entry(paper, note=note)


def reading_list_bibtex(episode: dict[str, Any], papers: dict[str, dict[str, Any]]) -> str:
    """The BibTeX file for an episode: its source paper, then its recommended reading in order.

    ``papers`` maps paper keys to paper dicts (for arXiv ids, DOIs and dates); items without a paper
    (no URL in the feed) get a ``@misc`` with their title only.
    """
    eid = episode["id"]
    out = [_header([f"Reading list of {eid}: {episode.get('title') or eid}", "AI Papers: A Deep Dive"]), "\n"]
    seen: set[str] = set()
    src = episode.get("paper")
    if src and src.get("key"):
        data = {**src, **papers.get(src["key"], {})}
        out.append(paper_entry(data, note=f"Source paper of AI Papers: A Deep Dive, episode {eid}"))
        seen.add(citation_key(src["key"]))
    for item in episode.get("reading", []):
        note = f"Recommended reading {item['position']} in episode {eid}"
        if item.get("note"):
            note += ": " + item["note"]
        if item.get("paper"):
            cite = citation_key(item["paper"])
            if cite in seen:
                continue
            seen.add(cite)
            data = {"key": item["paper"], "url": item.get("url"), **papers.get(item["paper"], {})}
            out.append("\n" + paper_entry(data, title=item.get("title"), note=note))
        else:
            cite = citation_key(f"{eid}-reading/{item['position']}")
            out.append("\n" + paper_entry({"url": item.get("url")}, title=item.get("title"), note=note, key=cite))
    return "".join(out)
