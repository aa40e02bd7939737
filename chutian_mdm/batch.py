"""Scheduled runs: take what is waiting in the inbox, then match and publish every domain.

One call of :func:`run_scheduled` is one unattended cycle (cron, a systemd timer, Airflow). A
domain that fails or is locked does not stop the others; the outcome says what happened to each
file and each domain and maps to one documented exit code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from .errors import ExitCode, LockedError, MdmError
from .inbox import InboxResult, ingest_inbox
from .log import event
from .match.spec import matching_domains, matching_of
from .pipeline import Progress, RunResult, run_domain


@dataclass
class ScheduledOutcome:
    inbox: InboxResult | None
    runs: list[RunResult] = field(default_factory=list)
    locked: list[tuple[str, str]] = field(default_factory=list)  # (domain, message)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (domain, message)

    @property
    def exit_code(self) -> ExitCode:
        """failed > locked > partial (rows quarantined or files rejected) > ok > nothing to do."""
        if self.failed:
            return ExitCode.FAILED
        if self.locked:
            return ExitCode.LOCKED
        inbox = self.inbox
        if inbox is not None and (inbox.failed or inbox.quarantined):
            return ExitCode.PARTIAL
        worked = any(r.status == "succeeded" or r.release is not None for r in self.runs)
        if worked or (inbox is not None and inbox.ingested):
            return ExitCode.OK
        return ExitCode.NOTHING_TO_DO

    @property
    def status(self) -> str:
        return {ExitCode.OK: "success", ExitCode.NOTHING_TO_DO: "nothing_to_do", ExitCode.PARTIAL: "partial",
                ExitCode.LOCKED: "locked", ExitCode.FAILED: "failed"}[self.exit_code]


def run_scheduled(
    engine: sa.Engine, domains: list[str] | None = None, inbox: Path | None = None, full: bool = False,
    wait_seconds: float = 0.0, progress: Progress | None = None,
) -> ScheduledOutcome:
    """Ingest the inbox (if given), then run every domain (or ``domains``)."""
    names = domains or matching_domains()
    for name in names:
        matching_of(name)  # an unknown or non-matching domain fails before any work
    received = None
    if inbox is not None:
        received = ingest_inbox(engine, inbox, domains=domains)
        for batch in received.ingested:
            event(logging.INFO, "file_ingested", f"{batch.path.name}: batch {batch.batch_id}, {batch.rows_in} rows, "
                  f"{batch.accepted} accepted, {batch.quarantined} quarantined", domain=batch.domain,
                  source=batch.source, file=batch.path.name, batch_id=batch.batch_id, rows_in=batch.rows_in,
                  accepted=batch.accepted, quarantined=batch.quarantined)
        for batch in received.duplicates:
            event(logging.INFO, "file_duplicate", f"{batch.path.name}: already ingested as batch {batch.batch_id}",
                  domain=batch.domain, source=batch.source, file=batch.path.name, batch_id=batch.batch_id)
        for path, reason in received.failed:
            event(logging.WARNING, "file_failed", f"{path.name}: moved to failed/: {reason}", file=path.name,
                  reason=reason)
    outcome = ScheduledOutcome(received)
    for name in names:
        try:
            result = run_domain(engine, name, full=full, progress=progress, wait_seconds=wait_seconds)
        except LockedError as exc:
            outcome.locked.append((name, str(exc)))
            event(logging.WARNING, "run_locked", str(exc), domain=name)
            continue
        except MdmError as exc:
            outcome.failed.append((name, str(exc)))
            event(logging.ERROR, "run_failed", f"{name}: {exc}", domain=name)
            continue
        outcome.runs.append(result)
        release = result.release
        event(logging.INFO, "run_finished", f"{name}: run {result.run_id} {result.status}"
              + (f", release {release.release}" if release is not None and release.release else ""),
              domain=name, run_id=result.run_id, status=result.status, records=result.records,
              clusters=result.clusters, review_pairs=result.review_pairs,
              release=release.release if release is not None else None)
    return outcome
