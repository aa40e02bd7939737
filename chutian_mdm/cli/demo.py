"""``chutian-mdm demo``: the bundled samples end to end on the configured (or embedded) database."""

from __future__ import annotations

from pathlib import Path

import typer

from ..demo import sample_files
from ._common import console, print_json, state
from .ingest import batch_table, ingest_paths, results_json


def demo(
    ctx: typer.Context,
    samples: Path | None = typer.Option(None, help="Folder of samples (default: the bundled ones)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Ingest the sample extracts of all four domains and show what was accepted and quarantined."""
    engine = state(ctx).engine()
    results = []
    for domain, files in sample_files(samples).items():
        results += ingest_paths(engine, domain, files, quiet)
    if as_json:
        print_json(results_json(results))
        return
    console.print(batch_table(results, title="Sample batches"))
    rows_in = sum(r.rows_in for r in results)
    accepted = sum(r.accepted for r in results)
    quarantined = sum(r.quarantined for r in results)
    console.print(
        f"{len(results)} files, {rows_in} rows: {accepted} accepted, {quarantined} quarantined. "
        "See why with: chutian-mdm quarantine list"
    )
