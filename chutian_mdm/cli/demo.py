"""``chutian-mdm demo``: the bundled samples end to end on the configured (or embedded) database."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..demo import sample_files
from ..match.spec import matching_domains
from ..pipeline import RunResult, run_domain
from ._common import console, new_table, print_json, show_progress, state
from .ingest import batch_table, ingest_paths, results_json
from .match import run_result_json, stage_display


def demo(
    ctx: typer.Context,
    samples: Path | None = typer.Option(None, help="Folder of samples (default: the bundled ones)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Ingest the sample extracts of all four domains, match them and publish golden records.

    Run it again: files already ingested are recognised, and a run with nothing new publishes
    nothing."""
    engine = state(ctx).engine()
    results = []
    for domain, files in sample_files(samples).items():
        results += ingest_paths(engine, domain, files, quiet)
    runs: list[RunResult] = []
    with stage_display(show_progress(quiet)) as stages:
        for domain in matching_domains():
            runs.append(run_domain(engine, domain, progress=stages))
    if as_json:
        print_json({"batches": results_json(results), "runs": [run_result_json(r) for r in runs]})
        return
    console.print(batch_table(results, title="Sample batches"))
    rows_in = sum(r.rows_in for r in results)
    accepted = sum(r.accepted for r in results)
    quarantined = sum(r.quarantined for r in results)
    console.print(
        f"{len(results)} files, {rows_in} rows: {accepted} accepted, {quarantined} quarantined. "
        "See why with: chutian-mdm quarantine list"
    )
    console.print(_runs_table(runs))
    console.print("Next: chutian-mdm golden search --name 张伟 · chutian-mdm releases · "
                  "SQL: SELECT * FROM golden.population · SELECT * FROM golden.links")


def _runs_table(runs: list[RunResult]) -> Table:
    table = new_table("Matching and golden records")
    for column, justify in (("domain", "left"), ("run", "right"), ("records", "right"), ("clusters", "right"),
                            ("review pairs", "right"), ("release", "right"), ("golden records", "right"),
                            ("created", "right"), ("updated", "right"), ("merged", "right")):
        table.add_column(column, justify=justify, no_wrap=column == "domain")  # type: ignore[arg-type]
    for r in runs:
        release = r.release
        published = release is not None and release.release is not None
        table.add_row(
            r.domain, str(r.run_id), f"{r.records:,}", f"{r.clusters:,}" if r.status == "succeeded" else "–",
            f"{r.review_pairs:,}", str(release.release) if published and release else "(unchanged)",
            f"{release.golden_records:,}" if release else "–",
            *(f"{getattr(release, k):,}" if published and release else "0" for k in ("created", "updated", "merged")),
        )
    return table
