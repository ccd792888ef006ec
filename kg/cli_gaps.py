"""``kg gaps [REPORT] [--json]``: the coverage-gap reports of :mod:`kg.gaps` on the command line.

``kg gaps`` prints every report; ``kg gaps uncovered-papers`` (or any id in ``kg.gaps.REPORT_IDS``)
one of them. ``--json`` prints the same JSON as ``GET /api/gaps``. ``kg gaps terms [--limit N]``
lists the term-discovery candidates themselves (:func:`kg.discovery.candidate_terms`), with the
evidence, contexts and suggested definition of each.
"""

from __future__ import annotations

import json
import os

import click

from kg.gaps import REPORT_IDS, gap_reports, parse_weeks


def _echo_report(report: dict) -> None:
    click.echo(f"{report['title']} ({report['count']})")
    click.echo(f"  {report['description']}")
    if report.get("available") is False:
        click.echo(f"  note: {report.get('note')}")
    for row in report["rows"]:
        s = row["subject"]
        where = f" {s['url']}" if s.get("url") else ""
        click.echo(f"  - {s['label']} [{s['kind']} {s['id']}]{where}")
        click.echo(f"      {row['reason']}")
        for ev in row["evidence"]:
            click.echo(f"      · {ev['text']}" + (f" ({ev['url']})" if ev.get("url") else ""))
    click.echo("")


def run(store: str, only: list[str] | None, as_json: bool, weeks: int | None) -> None:
    from kg.store import open_store

    quiet = weeks if weeks is not None else parse_weeks(os.environ.get("KG_GAP_QUIET_WEEKS", 4))
    data = gap_reports(open_store(store), quiet_weeks=quiet, only=only)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    g = data["graph"]
    click.echo(
        f"graph {g['version']}: {g['episodes']} episodes, newest {g['newest_episode']}; "
        f"quiet topics counted back {g['quiet_weeks']} weeks from that date\n"
    )
    for report in data["reports"]:
        _echo_report(report)


def _options(f):
    f = click.option("--json", "as_json", is_flag=True, help="Print the JSON of GET /api/gaps.")(f)
    f = click.option(
        "--weeks", type=click.IntRange(min=1), default=None, help="Quiet-topic window (default KG_GAP_QUIET_WEEKS, 4)."
    )(f)
    f = click.option(
        "--store", "store", envvar="KG_STORE", default=".kg", show_default=True, help="Store directory. Env: KG_STORE."
    )(f)
    return f


def make_group(friendly) -> click.Group:
    """The ``gaps`` group: bare ``kg gaps`` prints every report, ``kg gaps REPORT`` one."""

    @click.group(name="gaps", invoke_without_command=True)
    @_options
    @click.pass_context
    @friendly
    def gaps(ctx: click.Context, store: str, as_json: bool, weeks: int | None) -> None:
        """Coverage gaps: what the podcast has not covered, explained or linked yet."""
        if ctx.invoked_subcommand is None:
            run(store, None, as_json, weeks)

    for rid in REPORT_IDS:
        if rid != "terms":
            _add(gaps, rid, friendly)
    _add_terms(gaps, friendly)
    return gaps


def _add_terms(group: click.Group, friendly) -> None:
    """``kg gaps terms``: the term-discovery candidates, with their evidence (:mod:`kg.discovery`)."""

    @group.command("terms")
    @_options
    @click.option("--limit", default=100, show_default=True, type=click.IntRange(min=0), help="Most candidates.")
    @click.pass_context
    @friendly
    def gaps_terms(ctx: click.Context, store: str, as_json: bool, weeks: int | None, limit: int) -> None:
        """Terms the corpus uses that have no glossary entry, ranked by evidence, frequency and spread."""
        from kg.discovery import candidate_terms
        from kg.store import open_store

        parent = ctx.parent.params if ctx.parent else {}
        if ctx.get_parameter_source("store") is click.core.ParameterSource.DEFAULT:
            store = parent.get("store", store)
        found = candidate_terms(open_store(store), limit=limit)
        if as_json or parent.get("as_json"):
            click.echo(json.dumps(found, ensure_ascii=False, indent=1))
            return
        if not found:
            click.echo("no candidate terms: the glossary covers the corpus")
            return
        click.echo(f"{'score':>7} {'uses':>5} {'eps':>4}  term")
        for c in found:
            click.echo(
                f"{c['score']:7.2f} {c['count']:5d} {c['episodes']:4d}  {c['term']}  [{', '.join(c['evidence'])}]"
            )
            if c["suggested_definition"]:
                click.echo(f"{'':19}definition? {_shorten(c['suggested_definition'], 110)}")
            for where in c["contexts"][:1]:
                click.echo(f"{'':19}{where['source']}: {_shorten(where['text'], 100)}")


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


def _add(group: click.Group, rid: str, friendly) -> None:
    @group.command(name=rid, help=f"Only the {rid} report (options may also come before the report name).")
    @_options
    @click.pass_context
    @friendly
    def one(ctx: click.Context, store: str, as_json: bool, weeks: int | None) -> None:
        parent = ctx.parent.params if ctx.parent else {}
        if ctx.get_parameter_source("store") is click.core.ParameterSource.DEFAULT:
            store = parent.get("store", store)
        run(store, [rid], as_json or bool(parent.get("as_json")), weeks if weeks is not None else parent.get("weeks"))
