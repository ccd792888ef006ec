"""User-facing errors and warnings.

Every problem a user can cause carries a code from the catalogue below and a
location (file, line, field) so the message says where to look and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, optionally a line and a field or item."""

    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file + (f":{self.line}" if self.line else ""))
        elif self.line:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(f"({self.field})" if parts else self.field)
        return " ".join(parts) or "<input>"

    def with_field(self, name: str) -> Location:
        joined = f"{self.field}, {name}" if self.field else name
        return Location(self.file, self.line, joined)


# The catalogue: code -> short explanation of what to do about it.
CATALOGUE: dict[str, str] = {
    "E001": "the file could not be read",
    "E010": "the feed is not well-formed XML; fix the markup near the line given",
    "E011": "the feed has no <item> elements",
    "E012": "two feed items share a guid; every episode needs its own guid",
    "E013": "the feed declares a DTD or entities, which are refused for safety",
    "E014": "a link or enclosure URL in the feed is not an absolute http(s) URL",
    "E015": "the source file is larger than KG_MAX_SOURCE_BYTES allows; split it or raise the limit",
    "E020": "the episode description has no 'Source:' line naming the paper it covers",
    "E021": "a chapter timestamp is malformed; write chapters as 'MM:SS - Title: summary'",
    "E022": "a date could not be read; use 2026-06-27 or June 27, 2026",
    "E023": "the description is empty",
    "E030": 'the review page has no <article class="review"> with a data-review-id',
    "E031": "the review cites an episode number that is not known",
    "E032": "the review page is not parseable HTML",
    "E040": "the glossary is not valid YAML",
    "E041": "a glossary entry has no definition",
    "E042": "two glossary entries claim the same label, alias or acronym",
    "E043": "a glossary entry is missing a required field or has the wrong type",
    "E044": "a glossary entry refers to a term id that does not exist",
    "E045": "a glossary definition is longer than 280 characters",
    "E046": "two glossary entries share an id",
    "E050": "no store at the given path; run `kg build` first",
    "E051": "the store is locked by another writer; try again when it has finished",
    "E060": "unknown export format",
    "E070": "the entity gazetteer is not valid YAML",
    "E071": "a gazetteer entry is missing a required field or has the wrong type",
    "E072": "two gazetteer entries share an id",
    "E073": "two gazetteer entries claim the same name or alias",
    "E074": "a gazetteer entry refers to an entity id that is neither in the gazetteer nor a glossary entity",
    "E075": "the gazetteer and the glossary give one entity two types; make them agree",
    "E080": "the spaCy pipeline named by KG_SPACY_PIPELINE is not installed",
    "E090": "Neo4j cannot be reached; check NEO4J_URI and that the server is running",
    "E091": "Neo4j rejected the credentials; check NEO4J_USER and NEO4J_PASSWORD",
    "E092": "Neo4j did not answer in time; check the server and the Bolt port in NEO4J_URI",
    "E093": "Neo4j refused a statement; the project's Cypher needs Neo4j 5.26 or later",
    "E094": "the Neo4j database holds no synced graph; run `kg sync neo4j` first",
    "E095": "not a usable Neo4j URI; use neo4j://, neo4j+s://, bolt:// or bolt+s://",
    "E096": "the command reads the embedded store directory, not a Neo4j URI",
    "E097": "the Neo4j store has no Cypher version of this method yet",
    "E098": "the neo4j-csv export writes a directory",
    "W020": "a recommended-reading item has no URL; it is kept as text without a paper link",
    "W021": "the feed's own chapter list differs from the chapters in the description",
    "W022": "a chapter does not start after the chapter before it",
    "W023": "a recommended-reading URL is not an absolute http(s) URL; the item is kept as text without a link",
    "W031": "an episode number is cited in the review but not in the feed",
    "W044": "a glossary explained_in entry points at an episode or chapter that is not known",
    "W045": "two glossary terms share a written form once case, hyphens and inflections are unified; one is linked",
    "W070": "a gazetteer entry names a glossary term that does not exist",
    "W071": "two entities share a written form once case and hyphens are unified; one is linked",
}


@dataclass
class Problem:
    """One error or warning, with its code and location."""

    code: str
    message: str
    where: Location = field(default_factory=Location)

    @property
    def is_error(self) -> bool:
        return self.code.startswith("E")

    def __str__(self) -> str:
        kind = "error" if self.is_error else "warning"
        return f"{self.where}: {kind} {self.code}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "file": self.where.file,
            "line": self.where.line,
            "field": self.where.field,
            "level": "error" if self.is_error else "warning",
        }


class KGError(Exception):
    """An error the user can fix; the CLI prints it without a traceback."""

    def __init__(self, code: str, message: str, where: Location | None = None):
        self.problem = Problem(code, message, where or Location())
        super().__init__(str(self.problem))

    @property
    def code(self) -> str:
        return self.problem.code

    @property
    def where(self) -> Location:
        return self.problem.where


class ParseError(KGError):
    """A source document could not be parsed."""


class StoreError(KGError):
    """The store could not be opened or written."""


@dataclass
class Report:
    """Collects warnings while a source is parsed; errors are raised."""

    problems: list[Problem] = field(default_factory=list)

    def warn(self, code: str, message: str, where: Location) -> None:
        self.problems.append(Problem(code, message, where))

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def extend(self, other: Report) -> None:
        self.problems.extend(other.problems)
