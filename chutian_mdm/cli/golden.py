"""``chutian-mdm golden show|history|search|publish``, ``releases`` and ``changes``: the golden
records as published, release by release."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from ..domains import load_domain
from ..errors import ExitCode
from ..golden import publish_release
from ..golden.query import (
    changes_of,
    get_golden,
    golden_history,
    latest_run,
    list_changes,
    list_releases,
    search_golden,
)
from ._common import cell_text, console, err_console, new_table, print_json, show_progress, state

golden_app = typer.Typer(
    help="Golden records: show one with its lineage, its history, search, publish a run.", no_args_is_help=True
)


@golden_app.command("show")
def show(
    ctx: typer.Context,
    golden_id: str = typer.Argument(..., help="A golden ID, e.g. PSN-0000000042."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a golden record: every attribute with the source record and rule it came from, and
    the source records it is made of."""
    record = get_golden(state(ctx).engine(), golden_id)
    if as_json:
        print_json(record.__dict__)
        return
    status = (f"current since release {record.valid_from_release}" if record.valid_to_release is None
              else f"retired in release {record.valid_to_release}; last version shown")
    console.print(f"{record.golden_id}  {record.domain}  {status}  {record.record_count} source record(s)")
    table = new_table("Attributes")
    for column in ("attribute", "value", "source", "source record", "rule"):
        table.add_column(column, overflow="fold")
    for name, value in record.attributes.items():
        origin = record.lineage.get(name, {})
        table.add_row(name, cell_text(value), origin.get("source", ""), origin.get("source_record_id", ""),
                      origin.get("rule", ""))
    console.print(table)
    members = new_table("Source records")
    for column in ("source", "source_record_id", "match probability", "record version", "since release"):
        members.add_column(column)
    for m in record.members:
        members.add_row(m["source"], m["source_record_id"], f"{m['match_probability']:.3f}", str(m["record_id"]),
                        str(m["valid_from_release"]))
    console.print(members)


@golden_app.command("history")
def history(
    ctx: typer.Context,
    golden_id: str = typer.Argument(..., help="A golden ID, e.g. PSN-0000000042."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show every version of a golden record (what changed, release by release) and what the
    releases did to it (created, updated, merged, split, retired)."""
    engine = state(ctx).engine()
    versions = golden_history(engine, golden_id)
    changes = changes_of(engine, golden_id)
    if as_json:
        print_json({"versions": [v.__dict__ for v in versions], "changes": changes})
        return
    table = new_table(f"{versions[0].golden_id} ({versions[0].domain})")
    for column in ("releases", "records", "changed attributes"):
        table.add_column(column, overflow="fold")
    previous: dict[str, Any] = {}
    for v in versions:
        span = f"{v.valid_from_release}–{v.valid_to_release - 1 if v.valid_to_release else 'now'}"
        changed = [f"{k}={cell_text(val)}" for k, val in v.attributes.items()
                   if (k in previous and previous[k] != val) or (not previous and val is not None)]
        table.add_row(span, str(v.record_count), ", ".join(changed) or "(source records only)")
        previous = v.attributes
    console.print(table)
    for c in changes:
        detail = (f" into {c['merged_into']}" if c["merged_into"] else "") + \
                 (f" from {c['split_from']}" if c["split_from"] else "")
        console.print(f"release {c['release']}: {c['golden_id']} {c['change']}{detail}")


@golden_app.command("search")
def search(
    ctx: typer.Context,
    name: str | None = typer.Option(None, "--name", help="Name (or part of it): person, company, place, indicator."),
    id_number: str | None = typer.Option(None, "--id", help="Citizen ID or unified social credit code (USCC)."),
    phone: str | None = typer.Option(None, "--phone", help="Phone number, in any common format."),
    domain: str | None = typer.Option(None, "--domain", "-d", help="Only this domain."),
    limit: int = typer.Option(50, help="At most N records."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Find current golden records by name, citizen ID / USCC or phone (standardised like at
    ingest: 张偉 finds 张伟, +86 138-1234-5678 finds 13812345678)."""
    if domain:
        load_domain(domain)
    found = search_golden(state(ctx).engine(), name=name, id_number=id_number, phone=phone, domain=domain,
                          limit=limit)
    if as_json:
        print_json(found)
        return
    if not found:
        console.print("No golden record found.")
        return
    table = new_table(f"Golden records ({len(found)})")
    for column in ("golden_id", "domain", "found", "records"):
        table.add_column(column, overflow="fold")
    for r in found:
        shown = "  ".join(cell_text(v) for k, v in r.items()
                          if k not in ("golden_id", "domain", "record_count", "valid_from_release") and v is not None)
        table.add_row(r["golden_id"], r["domain"], shown, str(r["record_count"]))
    console.print(table)


@contextmanager
def _steps(enabled: bool, description: str) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err_console, transient=True) as progress:
        task = progress.add_task(description, total=None)

        class _Bar:
            def start(self, expected_rows: int | None) -> None:
                progress.update(task, total=expected_rows)

            def advance(self, rows: int) -> None:
                progress.advance(task, rows)

        yield _Bar()


@golden_app.command("publish")
def publish(
    ctx: typer.Context,
    domain: str = typer.Argument(..., help="population, legal_entity, geospatial or macroeconomic"),
    run_id: int | None = typer.Option(None, "--run", help="Matching run to publish (default: the domain's latest)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Publish a matching run's clusters as the domain's next release (one transaction).

    `chutian-mdm run` does this after matching; this command re-publishes a run by hand.
    Exit code 3: the run changes nothing, no release was published.
    """
    load_domain(domain)
    engine = state(ctx).engine()
    run = run_id if run_id is not None else latest_run(engine, domain)
    with _steps(show_progress(quiet), f"{domain}: publishing run {run}") as bar:
        result = publish_release(engine, domain, run, bar)
    if as_json:
        print_json({**result.__dict__, "published": result.published})
    else:
        console.print(result.message)
    if not result.published:
        raise typer.Exit(ExitCode.NOTHING_TO_DO)


def releases(
    ctx: typer.Context,
    domain: str | None = typer.Argument(None, help="Only this domain."),
    limit: int = typer.Option(100, help="Newest N releases."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List published releases with what each changed."""
    rows = list_releases(state(ctx).engine(), domain, limit)
    if as_json:
        print_json(rows)
        return
    table = new_table("Releases")
    columns = ("domain", "release", "run_id", "golden_records", "created", "updated", "merged", "split", "retired",
               "published_at")
    for column in columns:
        table.add_column(column.replace("_", " "))
    for r in rows:
        table.add_row(*(cell_text(r[c]) for c in columns))
    console.print(table)


def changes(
    ctx: typer.Context,
    domain: str = typer.Argument(..., help="population, legal_entity, geospatial or macroeconomic"),
    since: int = typer.Option(0, "--since", help="Changes of the releases after release N (0: all)."),
    limit: int | None = typer.Option(None, help="At most N changes."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List what the releases after release N did to each golden ID: created, updated, merged
    (with the ID it lives on as), split, retired."""
    rows = list_changes(state(ctx).engine(), domain, since, limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(f"No changes to {domain} since release {since}.")
        return
    table = new_table(f"{domain}: changes since release {since}")
    for column in ("release", "golden_id", "change", "merged_into", "split_from"):
        table.add_column(column)
    for r in rows:
        table.add_row(str(r["release"]), r["golden_id"], r["change"], r["merged_into"] or "", r["split_from"] or "")
    console.print(table)
