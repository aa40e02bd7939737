"""``chutian-mdm run``, ``train``, ``explain`` and ``runs``: matching and clustering."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..batch import ScheduledOutcome, run_scheduled
from ..log import configure as configure_logging
from ..match.explain import Explanation, RecordKey, explain_pair
from ..match.model import StoredModel, train_model
from ..match.spec import match_spec, matching_of
from ..pipeline import RunResult, list_runs
from ._common import console, err_console, new_table, print_json, show_progress, state
from .ingest import batch_table, results_json


class _Stages:
    """Shows the stage a run is in, at a terminal."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("starting", total=None)

    def stage(self, description: str) -> None:
        self.progress.update(self.task, description=description)


@contextmanager
def stage_display(enabled: bool) -> Iterator[_Stages | None]:
    if not enabled:
        yield None
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err_console, transient=True) as progress:
        yield _Stages(progress)


def run(
    ctx: typer.Context,
    domains: list[str] | None = typer.Argument(None, help="Domains to run (default: every domain that matches)."),
    inbox: Path | None = typer.Option(None, "--inbox", metavar="DIR",
                                      help="First ingest every new file in this drop folder (README: Scheduled runs)."),
    full: bool = typer.Option(False, "--full", help="Re-match every record, not only new or changed ones."),
    wait: float = typer.Option(0.0, "--wait", metavar="SECONDS",
                               help="Wait up to SECONDS for another run of the domain to finish."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
    log_format: str = typer.Option("text", "--log-format", help="Log events as 'text' or 'json' lines on stderr."),
) -> None:
    """Match, cluster and publish each domain; with --inbox, ingest the drop folder first.

    Only new or changed records are compared with the existing ones, unless --full (or the
    domain has no earlier run, or a new model was trained). Exit codes: 0 done; 3 nothing to do;
    4 done, but rows were quarantined or files rejected; 5 another run holds a domain's lock;
    1 a domain failed.
    """
    configure_logging(log_format)
    engine = state(ctx).engine()
    with stage_display(show_progress(quiet or log_format == "json")) as stages:
        outcome = run_scheduled(engine, domains, inbox, full=full, wait_seconds=wait, progress=stages)
    if as_json:
        print_json(_outcome_json(outcome))
    else:
        _print_inbox(outcome)
        for r in outcome.runs:
            _print_result(r)
        for name, message in outcome.locked + outcome.failed:
            err_console.print(f"chutian-mdm: {name}: {message}")
    raise typer.Exit(outcome.exit_code)


def _outcome_json(outcome: ScheduledOutcome) -> dict[str, Any]:
    inbox = outcome.inbox
    return {
        "status": outcome.status,
        "exit_code": int(outcome.exit_code),
        "inbox": None if inbox is None else {
            "ingested": results_json(inbox.ingested),
            "duplicates": results_json(inbox.duplicates),
            "failed": [{"file": path.name, "reason": reason} for path, reason in inbox.failed],
        },
        "runs": [run_result_json(r) for r in outcome.runs],
        "locked": [{"domain": d, "message": m} for d, m in outcome.locked],
        "failed": [{"domain": d, "message": m} for d, m in outcome.failed],
    }


def _print_inbox(outcome: ScheduledOutcome) -> None:
    inbox = outcome.inbox
    if inbox is None:
        return
    if inbox.ingested:
        console.print(batch_table(inbox.ingested, title="Files ingested from the inbox"))
    for batch in inbox.duplicates:
        console.print(f"{batch.path.name}: already ingested as batch {batch.batch_id}; moved to processed/.")
    for path, reason in inbox.failed:
        console.print(f"{path.name}: moved to failed/: {reason}")
    if not (inbox.ingested or inbox.duplicates or inbox.failed):
        console.print("The inbox holds no new files.")


def run_result_json(r: RunResult) -> dict[str, Any]:
    return {
        "run_id": r.run_id, "domain": r.domain, "mode": r.mode, "status": r.status, "records": r.records,
        "compared_records": r.compared_records, "candidate_pairs": r.candidate_pairs, "matches": r.matches,
        "review_pairs": r.review_pairs, "clusters": r.clusters, "model_version": r.model_version,
        "trained_model": r.trained_model, "full_reason": r.full_reason, "seconds": r.seconds,
        "stats": r.stats, "published_run_id": r.published_run_id,
        "release": None if r.release is None else {
            "release": r.release.release, "previous_release": r.release.previous_release,
            "golden_records": r.release.golden_records, "created": r.release.created,
            "updated": r.release.updated, "merged": r.release.merged, "split": r.release.split,
            "retired": r.release.retired, "message": r.release.message,
            "link_release": r.release.link_release,
        },
    }


def _print_result(r: RunResult) -> None:
    _print_match(r)
    release = r.release
    if release is None:
        return
    if release.release is None:
        console.print(f"{r.domain}: {release.message}")
        return
    console.print(
        f"{r.domain}: published release {release.release} (run {r.published_run_id}): "
        f"{release.golden_records:,} golden records — {release.created:,} created, {release.updated:,} updated, "
        f"{release.merged:,} merged, {release.split:,} split, {release.retired:,} retired"
        + (f"; links across the databases as link release {release.link_release}." if release.link_release
           else "."))


def _print_match(r: RunResult) -> None:
    if r.trained_model:
        console.print(f"{r.domain}: no model yet — trained model version {r.model_version} on "
                      f"{r.records:,} records (re-train any time with: chutian-mdm train {r.domain}).")
    if r.status == "nothing_to_do":
        console.print(f"{r.domain}: run {r.run_id}: {r.stats.get('reason')} ({r.records:,} records); "
                      "nothing to do." + (" Use --full to re-match everything." if r.records else ""))
        return
    if r.full_reason and r.full_reason != "requested (--full)":
        console.print(f"{r.domain}: matching every record: {r.full_reason}.")
    how = f"model v{r.model_version}" if r.model_version is not None else "matched by key, no model"
    table = new_table(f"Run {r.run_id}: {r.domain} ({r.mode}, {how}, {r.seconds:.1f} s)")
    table.add_column("")
    table.add_column("", justify="right")
    for label, value in (
        ("records", r.records), ("new or changed records compared", r.compared_records),
        ("candidate pairs", r.candidate_pairs), ("matches (links)", r.matches),
        ("review pairs queued", r.review_pairs), ("clusters", r.clusters),
        ("clusters of 2+ records", r.stats.get("multi_record_clusters", 0)),
    ):
        table.add_row(label, f"{value:,}")
    console.print(table)


def train(
    ctx: typer.Context,
    domain: str = typer.Argument(..., help="Domain whose model to (re-)estimate, e.g. population."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Estimate the domain's matching model on its current records and store it as a new version.

    u by random sampling, m by expectation maximisation, λ from the deterministic rules. The next
    run uses it (and re-matches everything, as every pair scores anew).
    """
    match_spec(domain)
    model = train_model(state(ctx).engine(), domain)
    if as_json:
        print_json(_model_json(model))
        return
    console.print(f"{domain}: trained model version {model.version} (id {model.model_id}) on "
                  f"{model.record_count:,} records in {model.training_seconds:.1f} s; "
                  f"λ = {model.probability_two_random_records_match:.3g}.")


def _model_json(model: StoredModel) -> dict[str, Any]:
    return {"model_id": model.model_id, "domain": model.domain, "version": model.version,
            "trained_at": model.trained_at, "record_count": model.record_count,
            "training_seconds": model.training_seconds,
            "probability_two_random_records_match": model.probability_two_random_records_match}


def explain(
    ctx: typer.Context,
    domain: str = typer.Argument(..., help="Domain, e.g. population."),
    record_a: str = typer.Argument(..., help="First record as SOURCE:ID, e.g. police:RY4200000006."),
    record_b: str = typer.Argument(..., help="Second record as SOURCE:ID."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Explain the score of two records: per comparison the level reached and its match weight,
    then the final weight and probability (Splink's waterfall), and any rule that overrides it."""
    match_spec(domain)
    left, right = RecordKey.parse(record_a), RecordKey.parse(record_b)
    explanation = explain_pair(state(ctx).engine(), domain, left, right)
    if as_json:
        print_json(explanation.as_dict())
        return
    _print_explanation(explanation)


def _print_explanation(e: Explanation) -> None:
    """The waterfall as plain lines: each comparison adds its weight to the running total."""
    console.print(f"{e.domain}: {e.record_l} (record {e.record_id_l}) vs {e.record_r} "
                  f"(record {e.record_id_r}), model v{e.model_version}")
    console.print(f"{'comparison':<24} {'level':<34} {'weight':>8} {'total':>8}  values")
    total = e.prior_weight
    console.print(f"{'prior (λ)':<24} {'':<34} {e.prior_weight:>+8.2f} {total:>+8.2f}")
    for step in e.steps:
        total += step.match_weight
        values = f"{_text(step.value_l)} | {_text(step.value_r)}"
        tf = f" (tf {step.term_frequency_adjustment:+.2f})" if step.term_frequency_adjustment else ""
        console.print(f"{step.comparison:<24} {step.level:<34} {step.match_weight:>+8.2f} {total:>+8.2f}  "
                      f"{values}{tf}")
    console.print(f"final match weight {e.match_weight:+.2f} → match probability {e.match_probability:.6f}")
    for note in e.notes:
        console.print(f"note: {note}")
    console.print(f"outcome: {e.outcome}")


def _text(value: object) -> str:
    return "" if value is None or value == "None" else str(value)


def runs(
    ctx: typer.Context,
    domain: str | None = typer.Option(None, "--domain", "-d", help="Only this domain."),
    limit: int = typer.Option(50, help="Newest N runs."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List matching runs, newest first: mode, status, model, records, clusters."""
    if domain:
        matching_of(domain)
    rows = list_runs(state(ctx).engine(), domain, limit)
    if as_json:
        print_json(rows)
        return
    table = new_table("Runs")
    for column in ("run", "domain", "mode", "status", "model", "records", "compared", "matches",
                   "review", "clusters", "started", "seconds"):
        table.add_column(column)
    for row in rows:
        stats = row["stats"] or {}
        seconds = (row["finished_at"] - row["started_at"]).total_seconds() if row["finished_at"] else None
        table.add_row(
            str(row["run_id"]), row["domain"], row["mode"],
            row["status"] + (f": {row['error']}" if row["error"] else ""),
            f"v{row['model_version']}" if row["model_version"] else "", _count(stats, "records"),
            _count(stats, "compared_records"), _count(stats, "matches"), _count(stats, "review_pairs"),
            _count(stats, "clusters"), f"{row['started_at']:%Y-%m-%d %H:%M}",
            f"{seconds:.1f}" if seconds is not None else "",
        )
    console.print(table)


def _count(stats: dict[str, Any], key: str) -> str:
    value = stats.get(key)
    return f"{value:,}" if isinstance(value, int) else ""
