"""``chutian-mdm review …``, ``merge``, ``split`` and ``steward log|undo``: the data steward's
workflow. Each command parses, calls one function of :mod:`chutian_mdm.steward`, prints."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from ..errors import ConfigError
from ..match.explain import RecordKey
from ..steward import (
    ActionResult,
    LogFilter,
    ReviewFilter,
    decide_review,
    default_steward,
    export_reviews,
    import_decisions,
    list_actions,
    list_reviews,
    merge_golden,
    parse_band,
    parse_review_id,
    show_review,
    split_golden,
    undo_action,
)
from ._common import cell_text, console, err_console, new_table, print_json, show_progress, state
from .match import stage_display

STEWARD_ENV = "CHUTIAN_MDM_STEWARD"

review_app = typer.Typer(
    help="The review queue: list pairs (most uncertain first), show one side by side, accept or reject, "
         "import decisions from a CSV, export the queue.",
    no_args_is_help=True,
)
steward_app = typer.Typer(help="The steward audit trail: every decision, and undo.", no_args_is_help=True)


def _steward_option() -> Any:
    return typer.Option(None, "--steward", envvar=STEWARD_ENV, show_envvar=True,
                        help="Who decides (default: the OS user).")


def _who(name: str | None) -> str:
    return name.strip() if name and name.strip() else default_steward()


def _status_filter(status: str) -> str | None:
    return None if status == "all" else status


# -- review --------------------------------------------------------------------------------------

@review_app.command("list")
def review_list(
    ctx: typer.Context,
    domain: str | None = typer.Option(None, "--domain", "-d", help="Only this domain."),
    band: str | None = typer.Option(None, "--band", metavar="LOW-HIGH",
                                    help="Only pairs with LOW ≤ probability < HIGH, e.g. 0.5-0.8."),
    status: str = typer.Option("open", help="open, accepted, rejected, superseded or all."),
    limit: int = typer.Option(50, help="At most N pairs."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List review pairs, the most uncertain first (probability nearest 0.5), with counts."""
    listed = list_reviews(state(ctx).engine(), ReviewFilter(domain, _status_filter(status),
                                                           parse_band(band) if band else None, limit))
    if as_json:
        print_json({"counts": listed.counts, "matching": listed.matching, "pairs": listed.pairs})
        return
    for name, counts in listed.counts.items():
        console.print(f"{name}: {counts['open']:,} open, {counts['accepted']:,} accepted, "
                      f"{counts['rejected']:,} rejected, {counts['superseded']:,} superseded")
    if not listed.pairs:
        console.print("No review pairs" + (" match the filter." if band or status != "open" else " to decide."))
        return
    table = new_table(f"Review pairs ({len(listed.pairs)} of {listed.matching}, most uncertain first)")
    for column in ("review", "probability", "weight", "left", "right", "status"):
        table.add_column(column, overflow="fold")
    for p in listed.pairs:
        table.add_row(str(p["review_id"]), f"{p['match_probability']:.3f}", f"{p['match_weight']:+.2f}",
                      f"{p['source_l']}:{p['source_record_id_l']} {cell_text(p['label_l'])}",
                      f"{p['source_r']}:{p['source_record_id_r']} {cell_text(p['label_r'])}", p["status"])
    console.print(table)
    console.print("Next: chutian-mdm review show REVIEW · review accept|reject REVIEW --note …")


@review_app.command("show")
def review_show(
    ctx: typer.Context,
    pair: str = typer.Argument(..., help="Review ID (the first column of `review list`)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a review pair side by side, field by field, with each comparison's level and match
    weight, the final probability and what the matcher would do."""
    detail = show_review(state(ctx).engine(), parse_review_id(pair))
    if as_json:
        print_json(detail.as_dict())
        return
    r, e = detail.review, detail.explanation
    console.print(f"review {r['review_id']} ({r['domain']}, {r['status']}): queued by run {r['created_run_id']} "
                  f"at probability {r['match_probability']:.3f}")
    if r["decided_by"]:
        console.print(f"decided by {r['decided_by']} on {cell_text(r['decided_at'])}: {r['note'] or '(no note)'}")
    for key in detail.changed:
        console.print(f"note: {key} changed since the pair was queued; the scores are for its current version")
    table = new_table(f"{r['source_l']}:{r['source_record_id_l']}  vs  {r['source_r']}:{r['source_record_id_r']}")
    for column in ("field", "left", "right", "level", "weight"):
        table.add_column(column, overflow="fold")
    for f in detail.fields:
        weight = f"{f['match_weight']:+.2f}" if f["match_weight"] is not None else ""
        table.add_row(f"{f['field']} {f['label']}" if f["label"] != f["field"] else f["field"],
                      cell_text(f["left"]), cell_text(f["right"]), f["level"] or "", weight)
    console.print(table)
    if detail.reason:
        console.print(f"queued because {detail.reason}")
        console.print("outcome: the records share the key and stay one entity. `review accept`: that stands, "
                      "the pair is closed; `review reject`: they are not the same (e.g. a figure of another "
                      "scope) and become two entities from the next run on")
    if e is not None:
        console.print(f"prior {e.prior_weight:+.2f}; final match weight {e.match_weight:+.2f} → "
                      f"match probability {e.match_probability:.6f} (model v{e.model_version})")
        for note in e.notes:
            console.print(f"note: {note}")
        console.print(f"outcome: {e.outcome}")


def _decide(ctx: typer.Context, pair: str, decision: str, note: str | None, steward: str | None,
            as_json: bool) -> None:
    result = decide_review(state(ctx).engine(), parse_review_id(pair), decision, steward=_who(steward), note=note)
    _print_action(result, as_json)


@review_app.command("accept")
def review_accept(
    ctx: typer.Context,
    pair: str = typer.Argument(..., help="Review ID."),
    note: str | None = typer.Option(None, "--note", help="Why (kept in the audit trail)."),
    steward: str | None = _steward_option(),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Accept a pair: the two records are one entity (a must-link from the next run on)."""
    _decide(ctx, pair, "accept", note, steward, as_json)


@review_app.command("reject")
def review_reject(
    ctx: typer.Context,
    pair: str = typer.Argument(..., help="Review ID."),
    note: str | None = typer.Option(None, "--note", help="Why (kept in the audit trail)."),
    steward: str | None = _steward_option(),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Reject a pair: the two records are different entities (a cannot-link from the next run on)."""
    _decide(ctx, pair, "reject", note, steward, as_json)


@review_app.command("import")
def review_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="CSV with columns review_id, decision (accept|reject), note."),
    note: str | None = typer.Option(None, "--note", help="Note for rows that have none."),
    steward: str | None = _steward_option(),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Apply the decisions of a CSV (e.g. an edited `review export`): all rows or none; every row
    that cannot be applied is reported with its row number."""
    result = import_decisions(state(ctx).engine(), file, steward=_who(steward), note=note)
    if as_json:
        print_json({"applied": [a.as_dict() for a in result.applied], "skipped_rows": result.skipped_rows})
        return
    for action in result.applied:
        console.print(action.message)
    console.print(f"{file.name}: {len(result.applied)} decision(s) applied, {result.skipped_rows} row(s) without "
                  "a decision skipped.")


@review_app.command("export")
def review_export(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="CSV file to write."),
    domain: str | None = typer.Option(None, "--domain", "-d", help="Only this domain."),
    band: str | None = typer.Option(None, "--band", metavar="LOW-HIGH", help="Only pairs in this probability band."),
    status: str = typer.Option("open", help="open, accepted, rejected, superseded or all."),
    encoding: str = typer.Option("utf-8-sig", help="utf-8-sig (Excel) or gb18030."),
) -> None:
    """Write review pairs as CSV for offline work — both records side by side, empty decision and
    note columns — to fill in and load back with `review import`."""
    if encoding.lower() not in ("utf-8-sig", "utf-8", "gb18030"):
        raise ConfigError(f"--encoding {encoding!r}: utf-8-sig, utf-8 or gb18030")
    count = export_reviews(state(ctx).engine(), out,
                           ReviewFilter(domain, _status_filter(status), parse_band(band) if band else None, None),
                           encoding.lower())
    console.print(f"{count} review pair(s) written to {out}. Fill in decision (accept or reject) and note, "
                  f"then: chutian-mdm review import {out}")


# -- merge and split -------------------------------------------------------------------------------

def merge(
    ctx: typer.Context,
    golden_ids: list[str] = typer.Argument(..., help="Two golden IDs, e.g. PSN-0000000042 PSN-0000000077."),
    note: str = typer.Option(..., "--note", help="Why (required; kept in the audit trail)."),
    steward: str | None = _steward_option(),
    wait: float = typer.Option(0.0, "--wait", metavar="SECONDS", help="Wait for a run of the domain in progress."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Merge two golden records: must-links between their source records, then the domain is
    re-run and published (the merged-away ID is `merged` into the survivor)."""
    if len(golden_ids) != 2:
        raise ConfigError(f"merge takes two golden IDs, got {len(golden_ids)}")
    with stage_display(show_progress(quiet)) as stages:
        result = merge_golden(state(ctx).engine(), golden_ids[0], golden_ids[1], steward=_who(steward), note=note,
                              progress=stages, wait_seconds=wait)
    _print_action(result, as_json)


def split(
    ctx: typer.Context,
    golden_id: str = typer.Argument(..., help="The golden ID to split, e.g. PSN-0000000042."),
    records: list[str] = typer.Option(..., "--records", metavar="SOURCE:ID,…",
                                      help="Source records to split off (comma-separated, or repeat the option)."),
    note: str = typer.Option(..., "--note", help="Why (required; kept in the audit trail)."),
    steward: str | None = _steward_option(),
    wait: float = typer.Option(0.0, "--wait", metavar="SECONDS", help="Wait for a run of the domain in progress."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Split source records off a golden record: cannot-links between them and the rest, then the
    domain is re-run and published (the split-off part gets a new golden ID with `split_from`)."""
    keys = [RecordKey.parse(part.strip()) for item in records for part in item.split(",") if part.strip()]
    with stage_display(show_progress(quiet)) as stages:
        result = split_golden(state(ctx).engine(), golden_id, keys, steward=_who(steward), note=note,
                              progress=stages, wait_seconds=wait)
    _print_action(result, as_json)


# -- audit trail -------------------------------------------------------------------------------------

@steward_app.command("log")
def log(
    ctx: typer.Context,
    domain: str | None = typer.Option(None, "--domain", "-d", help="Only this domain."),
    steward: str | None = typer.Option(None, "--steward", help="Only this steward's actions."),
    action: str | None = typer.Option(None, "--action",
                                      help="Only review_accept, review_reject, merge, split or undo."),
    golden: str | None = typer.Option(None, "--golden", help="Only actions that involved this golden ID."),
    since: dt.datetime | None = typer.Option(None, "--since", formats=["%Y-%m-%d"], help="From this date on."),
    limit: int = typer.Option(100, help="Newest N actions."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show the audit trail, newest first: who did what, when, why, with which constraints, and
    the golden IDs before and after."""
    rows = list_actions(state(ctx).engine(), LogFilter(domain, steward, action, golden,
                                                       since.date() if since else None, limit))
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("No steward actions.")
        return
    for r in rows:
        head = f"#{r['action_id']}  {cell_text(r['acted_at'])}  {r['steward']}  {r['domain']}  {r['action']}"
        if r["undoes"]:
            head += f" of #{r['undoes']}"
        if r["undone_by"]:
            head += f"  (undone by #{r['undone_by']})"
        console.print(head)
        if r["note"]:
            console.print(f"    why: {r['note']}")
        for c in r["constraints_added"]:
            console.print(f"    + {_constraint(c)}")
        for c in r["constraints_removed"]:
            console.print(f"    - {_constraint(c)}")
        for change in r["reviews"]:
            console.print(f"    review {change['review_id']}: {change['from']} → {change['to']}")
        before = ", ".join(r["golden_before"]) or "-"
        if r["golden_after"] is not None:
            console.print(f"    golden: {before} → {', '.join(r['golden_after']) or '-'}; run {r['run_id']}"
                          + (f", release {r['release']}" if r["release"] else "") + f": {r['outcome']}")
        else:
            applied = (f"applied by run {r['first_run_after']}" if r["first_run_after"]
                       else f"takes effect with the next run of {r['domain']}")
            console.print(f"    golden: {before}; {applied}")


def _constraint(c: dict[str, Any]) -> str:
    return (f"{c['kind'].replace('_', '-')} {c['source_l']}:{c['source_record_id_l']} ~ "
            f"{c['source_r']}:{c['source_record_id_r']}")


@steward_app.command("undo")
def undo(
    ctx: typer.Context,
    action_id: int = typer.Argument(..., help="The action to reverse (`steward log` shows the IDs)."),
    note: str = typer.Option(..., "--note", help="Why (required; kept in the audit trail)."),
    steward: str | None = _steward_option(),
    wait: float = typer.Option(0.0, "--wait", metavar="SECONDS", help="Wait for a run of the domain in progress."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Reverse a steward action: its constraints are removed (those it removed come back), its
    review decisions reopened; recorded as an action of its own, then the domain is re-run."""
    with stage_display(show_progress(quiet)) as stages:
        result = undo_action(state(ctx).engine(), action_id, steward=_who(steward), note=note, progress=stages,
                             wait_seconds=wait)
    _print_action(result, as_json)


def _print_action(result: ActionResult, as_json: bool) -> None:
    if as_json:
        print_json(result.as_dict())
        return
    console.print(f"action {result.action_id}: {result.message}")
    for c in result.constraints_added:
        console.print(f"  + {_constraint(c)}")
    for c in result.constraints_removed:
        console.print(f"  - {_constraint(c)}")
    if result.run is not None:
        release = result.run.release
        published = release is not None and release.release is not None
        console.print(f"  run {result.run.run_id}: " + (f"published release {release.release}" if published and release
                                                         else (release.message if release else result.run.status)))
    for warning in result.warnings:
        err_console.print(f"warning: {warning}")
