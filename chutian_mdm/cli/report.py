"""``chutian-mdm report``: a run's HTML report, one self-contained file."""

from __future__ import annotations

from pathlib import Path

import typer

from ..report import write_report
from ._common import console, print_json, state


def report(
    ctx: typer.Context,
    run_id: int | None = typer.Argument(None, help="Run to report on (default: the latest successful run)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="HTML file to write (default: chutian-mdm-run-N.html)."),
    domain: str | None = typer.Option(None, "--domain", "-d", help="The latest run of this domain."),
    golden: str | None = typer.Option(None, "--golden", help="Also show this golden record's cluster."),
    all_batches: bool = typer.Option(False, "--all-batches",
                                     help="Ingest figures of every batch, not only those since the previous run."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Write a run's report as one HTML file that opens offline in any browser: rows ingested and
    quarantined, comparisons, matches, clusters (size histogram), the review queue, the release's
    changes, the model's match weights and m/u parameters; with --golden, one cluster."""
    result = write_report(state(ctx).engine(), out, run_id, domain, golden, all_batches)
    if as_json:
        print_json({"path": result.path, "run_id": result.run_id, "domain": result.domain, "charts": result.charts,
                    "bytes": result.bytes})
        return
    console.print(f"{result.domain}: report of run {result.run_id} written to {result.path} "
                  f"({len(result.charts)} charts, {result.bytes / 1024:.0f} KB); open it in a browser.")
