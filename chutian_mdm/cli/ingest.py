"""``chutian-mdm ingest``, ``batches`` and ``quarantine``: getting department files in."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ..domains.schema import load_domain, load_source
from ..errors import ExitCode
from ..ingest import BatchResult, ingest_file
from ..ingest.quarantine import (
    QuarantineFilter,
    describe_reasons,
    export_quarantine,
    list_batches,
    list_quarantine,
)
from ._common import console, err_console, new_table, print_json, show_progress, state

quarantine_app = typer.Typer(
    help="Rejected rows: list them, export them as CSV for the department.", no_args_is_help=True
)


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        yield progress


class _Bar:
    def __init__(self, progress: Progress, description: str) -> None:
        self.progress = progress
        self.task = progress.add_task(description, total=None)

    def start(self, expected_rows: int | None) -> None:
        self.progress.update(self.task, total=expected_rows)

    def advance(self, rows: int) -> None:
        self.progress.advance(self.task, rows)


def ingest_paths(
    engine: sa.Engine, domain: str, files: Sequence[tuple[Path, str]], quiet: bool
) -> list[BatchResult]:
    """Ingest (path, source) pairs in order, with a progress bar at a terminal."""
    results = []
    with _progress(show_progress(quiet)) as progress:
        for path, source in files:
            bar = _Bar(progress, f"{domain} ← {path.name}") if progress is not None else None
            results.append(ingest_file(engine, domain, path, source, bar))
    return results


def batch_table(results: Sequence[BatchResult], title: str = "Batches") -> Table:
    # No vertical rules, domain and source never cut, a long file name folded: whole names on a
    # 120-column terminal, still readable on 80.
    table = new_table(title)
    notes = [f"already ingested {r.ingested_at:%Y-%m-%d %H:%M}" if r.already_ingested else "" for r in results]
    table.add_column("batch", justify="right")
    table.add_column("domain", no_wrap=True)
    table.add_column("source", overflow="fold")
    table.add_column("file", overflow="fold", min_width=12)
    for column in ("rows in", "accepted", "quarantined", "warnings", "superseded"):
        table.add_column(column, justify="right")
    if any(notes):
        table.add_column("", overflow="fold")
    for r, note in zip(results, notes, strict=True):
        table.add_row(str(r.batch_id), r.domain, r.source, r.path.name, str(r.rows_in),
                      str(r.accepted), str(r.quarantined), str(r.rows_with_warnings),
                      str(r.superseded), *([note] if any(notes) else []))
    return table


def results_json(results: Sequence[BatchResult]) -> list[dict[str, object]]:
    return [
        {
            "batch_id": r.batch_id, "domain": r.domain, "source": r.source, "file": str(r.path),
            "rows_in": r.rows_in, "accepted": r.accepted, "quarantined": r.quarantined,
            "rows_with_warnings": r.rows_with_warnings, "superseded": r.superseded,
            "already_ingested": r.already_ingested, "ignored_columns": list(r.ignored_columns),
        }
        for r in results
    ]


def exit_code_for(results: Sequence[BatchResult]) -> ExitCode:
    if results and all(r.already_ingested for r in results):
        return ExitCode.NOTHING_TO_DO
    if any(r.quarantined and not r.already_ingested for r in results):
        return ExitCode.PARTIAL
    return ExitCode.OK


def ingest(
    ctx: typer.Context,
    domain: str = typer.Argument(..., help="population, legal_entity, geospatial or macroeconomic"),
    files: list[Path] = typer.Argument(..., help="CSV, JSON Lines, Parquet or .xlsx files"),
    source: str = typer.Option(..., "--source", "-s", help="Source profile, e.g. police (schemas/sources/)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Validate, standardise and load department files, one batch per file.

    Bad rows are quarantined with their reasons; re-ingesting an identical file does nothing.
    Exit code 0: all rows accepted; 4: some rows quarantined; 3: every file was already ingested.
    """
    load_domain(domain)
    load_source(source).mapping_for(domain)  # fail before touching the database
    engine = state(ctx).engine()
    results = ingest_paths(engine, domain, [(path, source) for path in files], quiet)
    if as_json:
        print_json(results_json(results))
    else:
        console.print(batch_table(results))
        for r in results:
            if r.already_ingested:
                console.print(
                    f"{r.path.name}: identical to batch {r.batch_id}, already ingested; nothing to do."
                )
            if r.ignored_columns:
                console.print(f"{r.path.name}: columns not in the {source} profile, kept only in raw: "
                              + ", ".join(r.ignored_columns))
        _print_quarantine_sample(engine, results)
    raise typer.Exit(exit_code_for(results))


def _print_quarantine_sample(engine: sa.Engine, results: Sequence[BatchResult], limit: int = 10) -> None:
    for r in results:
        if r.already_ingested or not r.quarantined:
            continue
        rows = list_quarantine(engine, QuarantineFilter(batch_id=r.batch_id), limit=limit)
        console.print(f"\n{r.quarantined} row(s) of {r.path.name} quarantined"
                      + (f" (first {limit}):" if r.quarantined > limit else ":"))
        for row in rows:
            console.print(f"  {row['file_name']} row {row['row_number']}: {describe_reasons(row['reasons'])}",
                          markup=False)
        console.print("  See them all with: chutian-mdm quarantine list "
                      f"--batch {r.batch_id}; send them back with: chutian-mdm quarantine export")


def batches(
    ctx: typer.Context,
    domain: str | None = typer.Option(None, "--domain", "-d", help="Only this domain."),
    limit: int = typer.Option(100, help="Newest N batches."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List ingested batches with their row counts (rows in = accepted + quarantined)."""
    if domain:
        load_domain(domain)
    rows = list_batches(state(ctx).engine(), domain, limit)
    if as_json:
        print_json(rows)
        return
    table = new_table("Batches")
    table.add_column("batch", justify="right")
    table.add_column("domain", no_wrap=True)
    table.add_column("source", no_wrap=True)
    table.add_column("file", overflow="fold", min_width=10)
    table.add_column("format")
    for column in ("rows in", "accepted", "quarantined", "warnings", "superseded"):
        table.add_column(column, justify="right")
    table.add_column("ingested", min_width=10)
    for b in rows:
        table.add_row(str(b["batch_id"]), b["domain"], b["source"], b["file_name"],
                      " ".join(filter(None, (b["file_format"], b["encoding"]))), str(b["rows_in"]),
                      str(b["accepted"]), str(b["quarantined"]), str(b["rows_with_warnings"]), str(b["superseded"]),
                      f"{b['finished_at']:%Y-%m-%d %H:%M} by {b['ingested_by']}")
    console.print(table)


def _filter(domain: str | None, source: str | None, batch: int | None, include_resolved: bool) -> QuarantineFilter:
    if domain:
        load_domain(domain)
    if source:
        load_source(source)
    return QuarantineFilter(domain, source, batch, include_resolved)


@quarantine_app.command("list")
def quarantine_list(
    ctx: typer.Context,
    domain: str | None = typer.Option(None, "--domain", "-d"),
    source: str | None = typer.Option(None, "--source", "-s"),
    batch: int | None = typer.Option(None, "--batch", "-b"),
    include_resolved: bool = typer.Option(False, "--all", help="Include rows a later batch fixed."),
    limit: int = typer.Option(200, help="At most N rows."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show quarantined rows with every reason."""
    rows = list_quarantine(state(ctx).engine(), _filter(domain, source, batch, include_resolved), limit)
    if as_json:
        print_json(rows)
        return
    table = new_table(f"Quarantined rows ({len(rows)} shown)")
    for column in ("batch", "source", "file", "row", "source_record_id", "reasons"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(str(row["batch_id"]), row["source"], row["file_name"], str(row["row_number"]),
                      row["source_record_id"] or "", describe_reasons(row["reasons"]))
    console.print(table)


@quarantine_app.command("export")
def quarantine_export(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", "-o", help="CSV file to write."),
    domain: str | None = typer.Option(None, "--domain", "-d"),
    source: str | None = typer.Option(None, "--source", "-s"),
    batch: int | None = typer.Option(None, "--batch", "-b"),
    include_resolved: bool = typer.Option(False, "--all", help="Include rows a later batch fixed."),
    encoding: str = typer.Option("utf-8-sig", help="utf-8-sig (Excel-friendly) or gb18030."),
) -> None:
    """Export quarantined rows as CSV in the department's own columns, with a reasons column."""
    count = export_quarantine(state(ctx).engine(), out, _filter(domain, source, batch, include_resolved),
                              encoding)
    console.print(f"Wrote {count} quarantined row(s) to {out}.")
