"""Steward actions: the one place that changes steward constraints, and the audit trail.

Every decision — a review accepted or rejected, a merge, a split, an undo — is a change set:
constraints to add, constraints to remove, review entries whose status changes. ``record_action``
applies it and appends one row to ``mdm.steward_actions`` in the caller's transaction, so a
decision and its record in the audit trail exist together or not at all. The audit tables are
append-only (a trigger refuses UPDATE and DELETE): ``undo_action`` reverses a change set by
recording the opposite one as an action of its own.

Constraints are stored ordered by the database's own comparison of ``(source, source_record_id)``
(the table's check constraint), so they are inserted ordered in SQL and looked up in both orders.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..db.steward_tables import ACTIONS, steward_action_outcomes, steward_actions
from ..errors import ConfigError, LockedError, MdmError
from ..pipeline import Progress, RunResult, run_domain
from .records import Key, golden_ids_of, key_text, release_changes


class StewardError(MdmError):
    """A steward action cannot be taken as asked (already decided, conflicting, not found)."""


def default_steward() -> str:
    """The OS user, when no ``--steward NAME`` is given."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True)
class Constraint:
    """A must-link or cannot-link between two source records (in either order)."""

    kind: str  # must_link | cannot_link
    a: Key
    b: Key
    review_id: int | None = None  # the review entry it decides, if any
    created_by: str | None = None  # set when restoring a removed constraint
    note: str | None = None

    @property
    def pair(self) -> frozenset[Key]:
        return frozenset((self.a, self.b))

    def describe(self) -> str:
        return f"{self.kind.replace('_', '-')} {key_text(self.a)} ~ {key_text(self.b)}"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Constraint:
        return cls(data["kind"], (data["source_l"], data["source_record_id_l"]),
                   (data["source_r"], data["source_record_id_r"]), data.get("review_id"),
                   data.get("created_by"), data.get("note"))


@dataclass(frozen=True)
class ReviewChange:
    review_id: int
    from_status: str
    to_status: str


@dataclass
class ActionResult:
    """What a steward command did: the action recorded and, if the domain was re-run, the run,
    the release and the golden IDs of the action's records after it."""

    action_id: int
    action: str
    domain: str
    steward: str
    message: str
    constraints_added: list[dict[str, Any]] = field(default_factory=list)
    constraints_removed: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    golden_before: list[str] = field(default_factory=list)
    golden_after: list[str] | None = None
    run: RunResult | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        release = self.run.release if self.run else None
        return {
            "action_id": self.action_id, "action": self.action, "domain": self.domain, "steward": self.steward,
            "message": self.message, "constraints_added": self.constraints_added,
            "constraints_removed": self.constraints_removed, "reviews": self.reviews,
            "golden_before": self.golden_before, "golden_after": self.golden_after,
            "run_id": self.run.run_id if self.run else None,
            "release": release.release if release else None, "warnings": self.warnings,
        }


_CONSTRAINT_COLUMNS = ("constraint_id, kind, source_l, source_record_id_l, source_r, source_record_id_r, "
                       "created_by, review_id, note")


def _constraint_json(row: Any) -> dict[str, Any]:
    return {k: row._mapping[k] for k in _CONSTRAINT_COLUMNS.split(", ")}


def constraints_among(conn: sa.Connection, domain: str, keys: Iterable[Key],
                      touching: bool = False) -> list[dict[str, Any]]:
    """Constraints of ``domain`` with both records among ``keys`` (with ``touching``: either)."""
    pairs = sorted(set(keys))
    joiner = "OR" if touching else "AND"
    rows = conn.execute(sa.text(f"""
        WITH k AS (SELECT * FROM unnest(CAST(:sources AS text[]), CAST(:ids AS text[])) AS k(source, rid))
        SELECT {_CONSTRAINT_COLUMNS} FROM mdm.constraints c
        WHERE c.domain = :domain
          AND (EXISTS (SELECT 1 FROM k WHERE k.source = c.source_l AND k.rid = c.source_record_id_l)
               {joiner} EXISTS (SELECT 1 FROM k WHERE k.source = c.source_r AND k.rid = c.source_record_id_r))
        ORDER BY constraint_id"""), {"domain": domain, "sources": [k[0] for k in pairs], "ids": [k[1] for k in pairs]})
    return [_constraint_json(r) for r in rows]


def constraint_between(conn: sa.Connection, domain: str, a: Key, b: Key) -> dict[str, Any] | None:
    found = [c for c in constraints_among(conn, domain, [a, b]) if {(c["source_l"], c["source_record_id_l"]),
                                                                   (c["source_r"], c["source_record_id_r"])} == {a, b}]
    return found[0] if found else None


def _arrays(constraints: Sequence[Constraint]) -> dict[str, list[Any]]:
    return {
        "kinds": [c.kind for c in constraints], "sa": [c.a[0] for c in constraints],
        "ia": [c.a[1] for c in constraints], "sb": [c.b[0] for c in constraints],
        "ib": [c.b[1] for c in constraints],
    }


def _remove(conn: sa.Connection, domain: str, remove: Sequence[Constraint]) -> list[dict[str, Any]]:
    if not remove:
        return []
    rows = conn.execute(sa.text(f"""
        DELETE FROM mdm.constraints c
        USING unnest(CAST(:kinds AS text[]), CAST(:sa AS text[]), CAST(:ia AS text[]), CAST(:sb AS text[]),
                     CAST(:ib AS text[])) AS d(kind, sa, ia, sb, ib)
        WHERE c.domain = :domain AND c.kind = d.kind
          AND ((c.source_l, c.source_record_id_l, c.source_r, c.source_record_id_r) = (d.sa, d.ia, d.sb, d.ib)
            OR (c.source_l, c.source_record_id_l, c.source_r, c.source_record_id_r) = (d.sb, d.ib, d.sa, d.ia))
        RETURNING {', '.join('c.' + name for name in _CONSTRAINT_COLUMNS.split(', '))}"""),
        {"domain": domain, **_arrays(remove)}).all()
    removed = [_constraint_json(r) for r in rows]
    if len(removed) != len(remove):
        gone = {Constraint.from_json(c).pair for c in removed}
        missing = [c.describe() for c in remove if c.pair not in gone]
        raise StewardError(f"{domain}: no longer in force: {', '.join(missing)} (another action changed it)")
    return removed


def _add(conn: sa.Connection, domain: str, steward: str, note: str | None,
         add: Sequence[Constraint]) -> list[dict[str, Any]]:
    if not add:
        return []
    involved = {key for c in add for key in (c.a, c.b)}
    existing = {Constraint.from_json(c).pair for c in constraints_among(conn, domain, involved)}
    taken = [c for c in add if c.pair in existing]
    if taken:
        raise StewardError(f"{domain}: already constrained: {', '.join(c.describe() for c in taken)}")
    rows = conn.execute(sa.text(f"""
        INSERT INTO mdm.constraints (domain, kind, source_l, source_record_id_l, source_r, source_record_id_r,
                                     created_by, review_id, note)
        SELECT :domain, n.kind,
               CASE WHEN (n.sa, n.ia) < (n.sb, n.ib) THEN n.sa ELSE n.sb END,
               CASE WHEN (n.sa, n.ia) < (n.sb, n.ib) THEN n.ia ELSE n.ib END,
               CASE WHEN (n.sa, n.ia) < (n.sb, n.ib) THEN n.sb ELSE n.sa END,
               CASE WHEN (n.sa, n.ia) < (n.sb, n.ib) THEN n.ib ELSE n.ia END,
               n.created_by, n.review_id, n.note
        FROM unnest(CAST(:kinds AS text[]), CAST(:sa AS text[]), CAST(:ia AS text[]), CAST(:sb AS text[]),
                    CAST(:ib AS text[]), CAST(:created_by AS text[]), CAST(:review_ids AS bigint[]),
                    CAST(:notes AS text[])) AS n(kind, sa, ia, sb, ib, created_by, review_id, note)
        RETURNING {_CONSTRAINT_COLUMNS}"""), {
        "domain": domain, **_arrays(add), "created_by": [c.created_by or steward for c in add],
        "review_ids": [c.review_id for c in add],
        "notes": [c.note if c.created_by else note for c in add]}).all()
    return [_constraint_json(r) for r in rows]


def _change_reviews(conn: sa.Connection, steward: str, note: str | None,
                    reviews: Sequence[ReviewChange]) -> None:
    for change in reviews:  # a handful per action
        decided = change.to_status in ("accepted", "rejected")
        changed = conn.execute(sa.text("""
            UPDATE mdm.review_queue SET status = :to,
                   decided_by = CASE WHEN :decided THEN CAST(:steward AS text) END,
                   decided_at = CASE WHEN :decided THEN now() END,
                   note = CASE WHEN :decided THEN CAST(:note AS text) END
            WHERE review_id = :id AND status = :from"""), {
            "to": change.to_status, "from": change.from_status, "id": change.review_id, "decided": decided,
            "steward": steward, "note": note}).rowcount
        if not changed:
            raise StewardError(f"review {change.review_id} is no longer {change.from_status} "
                               "(another steward decided it meanwhile); see `chutian-mdm review show "
                               f"{change.review_id}`")


def record_action(conn: sa.Connection, *, domain: str, action: str, steward: str, note: str | None,
                  records: Iterable[Key], add: Sequence[Constraint] = (), remove: Sequence[Constraint] = (),
                  reviews: Sequence[ReviewChange] = (), undoes: int | None = None,
                  details: dict[str, Any] | None = None) -> ActionResult:
    """Apply a change set (remove, then add constraints; change review statuses) and append it to
    the audit trail, in the caller's transaction. Raises :class:`StewardError` if a constraint
    to remove is gone or a pair to constrain is already constrained."""
    if action not in ACTIONS:
        raise ValueError(action)
    if not steward.strip():
        raise ConfigError("--steward must name someone")
    keys = sorted(set(records))
    golden_before = sorted(set(golden_ids_of(conn, domain, keys).values()))
    last_run = conn.execute(sa.text("SELECT max(run_id) FROM mdm.runs WHERE domain = :d"), {"d": domain}).scalar()
    removed = _remove(conn, domain, remove)
    added = _add(conn, domain, steward, note, add)
    _change_reviews(conn, steward, note, reviews)
    review_json = [{"review_id": r.review_id, "from": r.from_status, "to": r.to_status} for r in reviews]
    action_id = conn.execute(sa.insert(steward_actions).values(
        domain=domain, action=action, steward=steward, note=note, records=[list(k) for k in keys],
        constraints_added=added, constraints_removed=removed, reviews=review_json,
        golden_before=golden_before, undoes=undoes, details={**(details or {}), "last_run_id": last_run},
    ).returning(steward_actions.c.action_id)).scalar_one()
    return ActionResult(int(action_id), action, domain, steward, "", added, removed, review_json, golden_before)


def rerun(engine: sa.Engine, result: ActionResult, keys: Iterable[Key], progress: Progress | None,
          wait_seconds: float, describe: Any = None) -> ActionResult:
    """Run the action's domain (match incrementally, re-cluster with the new constraints, publish)
    and record the outcome: the run, the release and the golden IDs of ``keys`` afterwards.
    ``describe(conn, result)`` may add the action's own message and warnings."""
    try:
        run = run_domain(engine, result.domain, progress=progress, wait_seconds=wait_seconds)
    except MdmError as exc:  # locked, or the run failed: the decision stands, the next run applies it
        wrapped = (LockedError if isinstance(exc, LockedError) else MdmError)(
            f"{exc}. Action {result.action_id} is recorded and takes effect with the next run of {result.domain} "
            f"(`chutian-mdm run {result.domain}`)")
        wrapped.exit_code = exc.exit_code
        raise wrapped from exc
    result.run = run
    with engine.begin() as conn:
        after = golden_ids_of(conn, result.domain, keys)
        result.golden_after = sorted(set(after.values()))
        release = run.release.release if run.release else None
        if describe is not None:
            describe(conn, result, after)
        else:
            changes = release_changes(conn, result.domain, release, sorted({*result.golden_before,
                                                                            *result.golden_after}))
            result.message += f" (release {release}: {changes})" if changes else ""
        outcome = result.message or (f"published release {release}" if release else "no release: nothing changed")
        conn.execute(sa.insert(steward_action_outcomes).values(
            action_id=result.action_id, run_id=run.published_run_id or run.run_id, release=release,
            golden_after=result.golden_after, message=outcome))
    return result


# -- undo ---------------------------------------------------------------------------------------

def _action_row(conn: sa.Connection, action_id: int) -> Any:
    row = conn.execute(sa.select(steward_actions).where(steward_actions.c.action_id == action_id)).first()
    if row is None:
        raise StewardError(f"no steward action {action_id} (see `chutian-mdm steward log`)")
    return row


def _later_action_on(conn: sa.Connection, after_id: int, domain: str, constraint: Constraint) -> str:
    """Which later action changed the constraint between the records of ``constraint``."""
    for a, b in ((constraint.a, constraint.b), (constraint.b, constraint.a)):
        probe = json.dumps([{"source_l": a[0], "source_record_id_l": a[1], "source_r": b[0],
                             "source_record_id_r": b[1]}])
        row = conn.execute(sa.text("""
            SELECT action_id, action, undoes FROM mdm.steward_actions
            WHERE domain = :d AND action_id > :after
              AND (constraints_added @> CAST(:probe AS jsonb) OR constraints_removed @> CAST(:probe AS jsonb))
            ORDER BY action_id LIMIT 1"""), {"d": domain, "after": after_id, "probe": probe}).first()
        if row is not None:
            if row.undoes == after_id:
                return f"it was already undone by action {row.action_id}"
            return f"later action {row.action_id} ({row.action}) changed it; undo that one first"
    return "it was changed outside the steward commands"


def undo_action(engine: sa.Engine, action_id: int, *, steward: str, note: str,
                progress: Progress | None = None, wait_seconds: float = 0.0) -> ActionResult:
    """Reverse a steward action — remove the constraints it added, restore those it removed, put
    the review entries it decided back — as a new ``undo`` action, then re-run the domain."""
    if not note or not note.strip():
        raise ConfigError("say why with --note")
    with engine.begin() as conn:
        original = _action_row(conn, action_id)
        added = [Constraint.from_json(c) for c in original.constraints_added]
        removed = [Constraint.from_json(c) for c in original.constraints_removed]
        for constraint in added:
            now = constraint_between(conn, original.domain, constraint.a, constraint.b)
            if now is None or now["kind"] != constraint.kind:
                raise StewardError(f"action {action_id} cannot be undone: its {constraint.describe()} is no longer "
                                   f"in force — {_later_action_on(conn, action_id, original.domain, constraint)}")
        replaced = {c.pair for c in added}  # removed by this undo before the old ones come back
        for constraint in removed:
            if (constraint.pair not in replaced
                    and constraint_between(conn, original.domain, constraint.a, constraint.b) is not None):
                raise StewardError(f"action {action_id} cannot be undone: the records of its removed "
                                   f"{constraint.describe()} are constrained again — "
                                   f"{_later_action_on(conn, action_id, original.domain, constraint)}")
        reviews = []
        for change in original.reviews:
            status = conn.execute(sa.text("SELECT status FROM mdm.review_queue WHERE review_id = :id FOR UPDATE"),
                                  {"id": change["review_id"]}).scalar()
            if status == change["to"]:
                reviews.append(ReviewChange(change["review_id"], change["to"], change["from"]))
            elif status != "superseded":  # a record changed since: the entry stays superseded
                raise StewardError(f"action {action_id} cannot be undone: review {change['review_id']} is "
                                   f"{status} now, not {change['to']}")
        keys = [tuple(k) for k in original.records]
        result = record_action(
            conn, domain=original.domain, action="undo", steward=steward, note=note, records=keys,  # type: ignore[arg-type]
            add=removed, remove=added, reviews=reviews, undoes=action_id,
            details={"undone_action": original.action})
    result.message = f"undid action {action_id} ({original.action})"
    return rerun(engine, result, keys, progress, wait_seconds)  # type: ignore[arg-type]


# -- the audit trail ------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogFilter:
    domain: str | None = None
    steward: str | None = None
    action: str | None = None
    golden_id: str | None = None
    since: dt.date | None = None
    limit: int = 100


def list_actions(engine: sa.Engine, where: LogFilter = LogFilter()) -> list[dict[str, Any]]:
    """Steward actions, newest first, with their outcome: the run and release of an action that
    re-ran its domain; for a review decision, the first run after it (which applied it)."""
    if where.action is not None and where.action not in ACTIONS:
        raise ConfigError(f"unknown action {where.action!r}; actions: {', '.join(ACTIONS)}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("""
            SELECT a.action_id, a.acted_at, a.domain, a.action, a.steward, a.note, a.records,
                   a.constraints_added, a.constraints_removed, a.reviews, a.golden_before, a.undoes, a.details,
                   o.run_id, o.release, o.golden_after, o.message AS outcome,
                   (SELECT min(r.run_id) FROM mdm.runs r WHERE r.domain = a.domain AND r.status = 'succeeded'
                      AND r.run_id > coalesce(CAST(a.details->>'last_run_id' AS integer), 0)) AS first_run_after,
                   (SELECT max(u.action_id) FROM mdm.steward_actions u WHERE u.undoes = a.action_id) AS undone_by
            FROM mdm.steward_actions a LEFT JOIN mdm.steward_action_outcomes o USING (action_id)
            WHERE (CAST(:domain AS text) IS NULL OR a.domain = :domain)
              AND (CAST(:steward AS text) IS NULL OR a.steward = :steward)
              AND (CAST(:action AS text) IS NULL OR a.action = :action)
              AND (CAST(:golden AS text) IS NULL OR a.golden_before @> ARRAY[CAST(:golden AS text)]
                   OR o.golden_after @> ARRAY[CAST(:golden AS text)])
              AND (CAST(:since AS date) IS NULL OR a.acted_at >= CAST(:since AS date))
            ORDER BY a.action_id DESC LIMIT :limit"""), {
            "domain": where.domain, "steward": where.steward, "action": where.action,
            "golden": where.golden_id.strip().upper() if where.golden_id else None, "since": where.since,
            "limit": where.limit}).mappings().all()
    return [dict(r) for r in rows]
