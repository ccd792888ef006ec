"""``kg gaps [REPORT] [--json]``: the coverage-gap reports of :mod:`kg.gaps` on the command line.

``kg gaps`` prints every report; ``kg gaps uncovered-papers`` (or any id in ``kg.gaps.REPORT_IDS``)
one of them. ``--json`` prints the same JSON as ``GET /api/gaps``.
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
        _add(gaps, rid, friendly)
    return gaps


def install(main: click.Group, friendly) -> click.Group:
    """Put the report commands under ``kg gaps``: a new group, or one that already exists (the term
    discovery work adds ``kg gaps terms``; its own ``terms`` is kept, and bare ``kg gaps`` prints every report)."""
    existing = main.commands.get("gaps")
    if not isinstance(existing, click.Group):
        group = make_group(friendly)
        main.add_command(group)
        return group
    for rid in REPORT_IDS:
        if rid not in existing.commands:
            _add(existing, rid, friendly)
    if not existing.invoke_without_command:
        original = existing.callback
        mine = make_group(friendly)
        names = {p.name for p in existing.params}
        existing.params += [p for p in mine.params if p.name not in names]
        existing.invoke_without_command = True

        @click.pass_context
        def callback(ctx: click.Context, **kwargs):
            if ctx.invoked_subcommand is None:
                run(kwargs.get("store", ".kg"), None, bool(kwargs.get("as_json")), kwargs.get("weeks"))
            elif original is not None:
                own = {k: v for k, v in kwargs.items() if k in names}
                return ctx.invoke(original, **own)
            return None

        existing.callback = callback
    return existing


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
