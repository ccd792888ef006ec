"""Every setting in one registry: name, default and help text.

The app reads them from the environment with the ``KG_`` prefix (``KG_STORE``,
``KG_SPARQL_TIMEOUT``, …) through Flask's ``from_prefixed_env``; the CLI reads
``KG_STORE``. ``tests/test_docs.py`` checks that the README documents each one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from kg.errors import KGError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("STORE", ".kg", "Store to serve: a directory (embedded Oxigraph) or a neo4j:// URI."),
    Setting("SECRET_KEY", None, "Key that signs session cookies; set it in production (random per process if unset)."),
    Setting(
        "MAX_CONTENT_LENGTH", 1024 * 1024, "Largest request body in bytes (annotate, SPARQL POST); larger gets 413."
    ),
    Setting("CORS_ORIGINS", "", "Space-separated origins allowed to use the API and embed script cross-origin."),
    Setting("LINK_FIRST_ONLY", True, "Link only the first mention of each term per section on review pages."),
    Setting("SPARQL_TIMEOUT", 10.0, "Seconds a SPARQL query may run before its worker is killed."),
    Setting("SPARQL_MAX_ROWS", 10000, "Most result rows a SPARQL query returns (the response says when cut)."),
    Setting("SPARQL_MAX_DEPTH", 64, "Deepest nesting of { } groups (and of ( ) or [ ]) a SPARQL query may have."),
    Setting("SPARQL_WORKERS", 2, "Worker processes that run SPARQL queries (per app process)."),
    Setting("SPARQL_QUOTA", "60/minute", "SPARQL queries one client (IP address) may run, e.g. 60/minute; 0: none."),
    Setting("SPARQL_MAX_MEMORY", 2048, "Address space in MiB a SPARQL worker may use (0: no limit)."),
    Setting("EDITOR_USER", "", "Editor login name (the editor pages are disabled while unset)."),
    Setting("EDITOR_PASSWORD", "", "Editor password (compared in constant time)."),
    Setting("GAP_QUIET_WEEKS", 4, "A topic with no episode in this many weeks counts as gone quiet."),
    Setting("EDITOR_LOGIN_RATE", "5 per minute", "Failed editor logins allowed per client address (then 429)."),
    Setting(
        "MAX_SOURCE_BYTES",
        32 * 1024 * 1024,
        "Largest source file (feed, review page, glossary) kg build/ingest reads; larger is refused (0: none).",
    ),
    Setting(
        "TRUSTED_PROXIES", 0, "Proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted (0: none)."
    ),
    Setting(
        "BUILD_WORKERS",
        "",
        "Processes that parse sources during `kg build` (empty: one per core for corpora over 16 MB; 0: none), "
        "and that find entities in the texts of a full build (empty: one per core for over 4 MB of text).",
    ),
    Setting(
        "SPACY_PIPELINE",
        "",
        "An installed spaCy pipeline (e.g. en_core_web_sm) for entities and term discovery; empty: spaCy's blank "
        "English with lookups (read by kg build, kg ingest and kg gaps).",
    ),
)


def build_worker_processes(size: int, threshold: int) -> int:
    """Worker processes for a part of a build: ``KG_BUILD_WORKERS``, else one per core when ``size``
    (bytes or characters of input) is over ``threshold``, else none."""
    configured = os.environ.get("KG_BUILD_WORKERS", "").strip()
    if configured:
        try:
            return max(0, int(configured))
        except ValueError:
            raise KGError("E001", f"KG_BUILD_WORKERS must be a number, not {configured!r}") from None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores if cores > 1 and size > threshold else 0


def defaults() -> dict[str, Any]:
    return {s.name: s.default for s in SETTINGS}
