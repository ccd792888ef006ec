"""The ``kg`` command: thin wrappers over the library's functions.

Every command takes ``--store DIR`` (default ``.kg``, or ``KG_STORE``). A user
mistake prints one clear line naming the file/line/field and exits non-zero.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from kg.errors import KGError


def _store_option(f):
    return click.option(
        "--store",
        "store",
        envvar="KG_STORE",
        default=".kg",
        show_default=True,
        help="Store directory (or neo4j:// URI where supported). Env: KG_STORE.",
    )(f)


def _friendly(f):
    """Turn KGError (and a few OS errors) into a message and exit code 1."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except KGError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except BrokenPipeError:  # the reader went away (`kg gaps | head`): nothing more to say
            sys.stderr.close()
            sys.exit(0)
        except OSError as exc:
            click.echo(f"error: {exc.filename or ''}: {exc.strerror or exc}", err=True)
            sys.exit(1)

    return wrapper


def _progress():
    if sys.stderr.isatty():
        return lambda msg: click.echo(f"  {msg}", err=True)
    return lambda _msg: None


def _print_warnings(warnings: list[str]) -> None:
    for w in warnings:
        click.echo(w, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="paperdive-kg")
def main() -> None:
    """Knowledge graph and glossary of the podcast 'AI Papers: A Deep Dive'."""


@main.command()
@_store_option
@click.option(
    "--data",
    "data",
    type=click.Path(file_okay=False),
    default=None,
    help="Directory with feed (*.xml), reviews/*.html and glossary (*.yaml). Default: the bundled sample.",
)
@_friendly
def build(store: str, data: str | None) -> None:
    """Build the graph from a data directory into a fresh store generation."""
    from kg.pipeline import build as do_build

    result = do_build(store, data, progress=_progress())
    _print_warnings(result.warnings)
    click.echo(f"built {len(result.graphs_written)} graphs, {result.quads} quads into {store} ({result.generation})")


@main.command()
@click.argument("kind", type=click.Choice(["feed", "review", "glossary", "entities"]))
@click.argument("path", type=click.Path(dir_okay=False))
@_store_option
@_friendly
def ingest(kind: str, path: str, store: str) -> None:
    """Ingest one source (feed, review, glossary or entities gazetteer), replacing only its own graphs."""
    from kg.pipeline import ingest as do_ingest

    if not Path(path).exists():
        raise KGError("E001", "no such file", _loc(path))
    result = do_ingest(store, kind, path, progress=_progress())
    _print_warnings(result.warnings)
    if result.graphs_written:
        click.echo(
            f"ingested {path}: {len(result.graphs_written)} graphs replaced, "
            f"{len(result.graphs_unchanged)} unchanged; {result.quads} quads ({result.generation})"
        )
    else:
        click.echo(f"ingested {path}: nothing changed")


def _loc(path: str):
    from kg.errors import Location

    return Location(path)


def _open(store: str):
    from kg.store import open_store

    return open_store(store)


@main.command()
@_store_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_friendly
def stats(store: str, as_json: bool) -> None:
    """Count quads, nodes by kind and edges by kind."""
    s = _open(store).stats()
    if as_json:
        click.echo(json.dumps(s, sort_keys=True))
        return
    click.echo(f"quads: {s['quads']}")
    click.echo("nodes:")
    for k, v in s["nodes"].items():
        click.echo(f"  {k:<16} {v}")
    click.echo("edges:")
    for k, v in s["edges"].items():
        click.echo(f"  {k:<20} {v}")


@main.command()
@_store_option
@click.option("--json", "as_json", is_flag=True, help="Print the violations as JSON.")
@_friendly
def validate(store: str, as_json: bool) -> None:
    """Check the graph against the SHACL shapes; exit 1 if anything violates them."""
    from kg.export import embedded
    from kg.validate import validate_store

    violations = validate_store(embedded(_open(store)))
    if as_json:
        click.echo(json.dumps([v.to_dict() for v in violations], indent=1))
    else:
        for v in violations:
            click.echo(str(v))
        click.echo(f"{len(violations)} violations" if violations else "the graph conforms to the shapes")
    if violations:
        sys.exit(1)


@main.command()
@_store_option
@click.option("--format", "fmt", type=click.Choice(["ttl", "jsonld", "nq", "neo4j-csv"]), required=True)
@click.argument("out", type=click.Path(allow_dash=True))
@_friendly
def export(store: str, fmt: str, out: str) -> None:
    """Export the whole graph (ttl, jsonld or nq) to OUT ('-' for stdout), or neo4j-csv into directory OUT."""
    from kg.export import DIRECTORY_FORMATS, export_directory
    from kg.export import export as do_export

    st = _open(store)
    if fmt in DIRECTORY_FORMATS:
        if out == "-":
            raise KGError("E098", "the neo4j-csv export writes a directory; name one instead of '-'")
        result = export_directory(st, fmt, out)
        click.echo(f"wrote {result.nodes} nodes and {result.relationships} relationships into {out}", err=True)
        click.echo(result.command)
        return
    if Path(out).is_dir():
        raise KGError("E001", f"{fmt} export writes a file, and this is a directory", _loc(out))
    if out == "-":
        do_export(st, fmt, sys.stdout.buffer)
        return
    tmp = Path(out + ".part")
    with open(tmp, "wb") as fh:
        do_export(st, fmt, fh)
    tmp.replace(out)
    click.echo(f"wrote {out}", err=True)


@main.group()
def sync() -> None:
    """Copy the graph into another backend (see README, Scaling out)."""


@sync.command("neo4j")
@_store_option
@click.option("--uri", envvar="NEO4J_URI", default=None, help="neo4j:// or bolt:// URI. Env: NEO4J_URI.")
@click.option("--user", envvar="NEO4J_USER", default=None, help="User name (default neo4j). Env: NEO4J_USER.")
@click.option(
    "--password",
    envvar="NEO4J_PASSWORD",
    default=None,
    help="Password; prefer the environment variable to the command line. Env: NEO4J_PASSWORD.",
)
@click.option("--database", envvar="NEO4J_DATABASE", default=None, help="Database (default: the server's).")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0.1), help="Seconds to connect.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as one JSON object.")
@_friendly
def sync_neo4j(
    store: str,
    uri: str | None,
    user: str | None,
    password: str | None,
    database: str | None,
    batch_size: int,
    timeout: float,
    as_json: bool,
) -> None:
    """Sync the store into Neo4j: constraints, then batched MERGE per changed source; idempotent."""
    from kg.store.neo4j import Neo4jTarget, is_neo4j_uri
    from kg.sync import sync_neo4j as do_sync

    if is_neo4j_uri(store):
        raise KGError(
            "E096", "kg sync neo4j copies from the embedded store; pass --store DIR (KG_STORE names a Neo4j URI)"
        )
    target = Neo4jTarget.from_env(uri=uri, user=user, password=password, database=database, timeout=timeout)
    try:
        result = do_sync(store, target, batch_size=batch_size, progress=_progress())
    except KeyboardInterrupt:
        click.echo("error: sync interrupted; run `kg sync neo4j` again to finish it (that is safe)", err=True)
        sys.exit(130)
    if as_json:
        click.echo(json.dumps(result.to_dict(), sort_keys=True))
    elif not result.changed and not result.removed:
        click.echo(f"{result.target} is already in sync with {store} ({result.unchanged} graphs)")
    else:
        click.echo(
            f"synced {store} into {result.target}: {len(result.changed)} graphs written, "
            f"{len(result.removed)} removed, {result.unchanged} unchanged; "
            f"{result.nodes} nodes and {result.relationships} relationships"
        )


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--html", "is_html", is_flag=True, help="FILE is HTML: link text nodes only and print the HTML too.")
@click.option(
    "--first-only",
    type=click.Choice(["section", "page"]),
    default=None,
    help="Link only the first mention of each term per section or per page.",
)
@_store_option
@_friendly
def annotate(file: str, is_html: bool, first_only: str | None, store: str) -> None:
    """Find the glossary terms in FILE ('-' for stdin); print the same JSON as POST /api/annotate."""
    from kg.nlp.annotate import annotate_request
    from kg.nlp.linker import Linker

    if file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise KGError("E001", f"not UTF-8 text ({exc.reason} at byte {exc.start})", _loc(file)) from None
        except FileNotFoundError:
            raise KGError("E001", "no such file", _loc(file)) from None
    linker = Linker.from_rows(_open(store).glossary())
    result = annotate_request(linker, {"html" if is_html else "text": text, "first_only": first_only})
    click.echo(json.dumps(result, ensure_ascii=False))


@main.command()
@_store_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Flask debug mode (never in production).")
@_friendly
def serve(store: str, host: str, port: int, debug: bool) -> None:
    """Serve the web app (for production use gunicorn: see README)."""
    from kg.store.neo4j import is_neo4j_uri, safe_uri
    from kgweb import create_app

    if is_neo4j_uri(store):  # connect now, so a wrong URI or password stops here with one clear line
        _open(store).close()
    app = create_app({"STORE": store})
    click.echo(f"serving {safe_uri(store)} on http://{host}:{port}/", err=True)
    app.run(host=host, port=port, debug=debug, threaded=True, use_reloader=False)


def _add_gaps() -> None:
    from kg.cli_gaps import make_group

    main.add_command(make_group(_friendly))


_add_gaps()  # kg gaps [REPORT] [--json], kg gaps terms: kg/cli_gaps.py


if __name__ == "__main__":  # pragma: no cover
    main()
