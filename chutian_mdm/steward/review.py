"""The review queue from a steward's side: list the pairs to decide (most uncertain first), show
one side by side with the model's reasoning, decide it (a must-link or cannot-link from the next
run on), decide many from a CSV, export the queue for offline work.

A decision is recorded through :func:`.actions.record_action`: the constraint, the review entry's
new status and the audit row are written in one transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..db import tables
from ..domains import load_domain
from ..errors import ConfigError, InputFileError, MdmError
from ..ingest.quarantine import neutralise_formula
from ..ingest.readers import detect_encoding
from ..match.explain import Explanation, RecordKey, explain_pair
from ..match.spec import KeySpec, matching_domains, matching_of
from .actions import ActionResult, Constraint, ReviewChange, StewardError, constraint_between, record_action
from .records import Key, key_text, record_rows

STATUSES = ("open", "accepted", "rejected", "superseded")
DECISIONS = {"accept": "accepted", "accepted": "accepted", "reject": "rejected", "rejected": "rejected"}
KIND_OF = {"accepted": "must_link", "rejected": "cannot_link"}


def parse_band(text: str) -> tuple[float, float]:
    """``0.5-0.8`` → (0.5, 0.8): pairs with low ≤ probability < high (≤ 1 for the top band)."""
    cleaned = text.replace("..", "-").replace(":", "-").replace("–", "-")
    low_text, sep, high_text = cleaned.partition("-")
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise ConfigError(f"--band {text!r}: write LOW-HIGH with probabilities, e.g. 0.5-0.8") from None
    if not sep or not 0.0 <= low < high <= 1.0:
        raise ConfigError(f"--band {text!r}: need 0 ≤ LOW < HIGH ≤ 1, e.g. 0.5-0.8")
    return low, high


@dataclass(frozen=True)
class ReviewFilter:
    domain: str | None = None
    status: str | None = "open"  # None: every status
    band: tuple[float, float] | None = None
    limit: int | None = 50


@dataclass
class ReviewList:
    pairs: list[dict[str, Any]]
    matching: int  # pairs that pass the filter (before the limit)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # domain -> status -> count


def _domains(domain: str | None) -> list[str]:
    if domain is None:
        return matching_domains()
    load_domain(domain)
    return [domain]


def label_field(domain: str) -> str | None:
    """The field that names a record in lists (a person's or company's name, a place's name)."""
    names: list[str] = list(load_domain(domain).golden.search.get("name") or [])
    return names[0] if names else None


def list_reviews(engine: sa.Engine, where: ReviewFilter = ReviewFilter()) -> ReviewList:
    """Review pairs, most uncertain first: the smallest |match weight| (probability nearest 0.5)
    leads; counts per domain and status."""
    if where.status is not None and where.status not in STATUSES:
        raise ConfigError(f"--status {where.status!r}: one of {', '.join(STATUSES)} or all")
    pairs: list[dict[str, Any]] = []
    counts: dict[str, dict[str, int]] = {}
    low, high = where.band or (0.0, 1.0)
    with engine.connect() as conn:
        for domain in _domains(where.domain):
            staging = tables.staging_table(domain).name
            label = label_field(domain)
            shown = (f"sl.{label} AS label_l, sr.{label} AS label_r" if label
                     else "NULL AS label_l, NULL AS label_r")
            rows = conn.execute(sa.text(f"""
                SELECT q.review_id, q.domain, q.status, q.match_probability, q.match_weight,
                       q.source_l, q.source_record_id_l, q.record_id_l, q.source_r, q.source_record_id_r,
                       q.record_id_r, q.created_run_id, q.created_at, q.decided_by, q.decided_at, q.note, {shown}
                FROM mdm.review_queue q
                JOIN staging.{staging} sl ON sl.record_id = q.record_id_l
                JOIN staging.{staging} sr ON sr.record_id = q.record_id_r
                WHERE q.domain = :domain AND (CAST(:status AS text) IS NULL OR q.status = :status)
                  AND q.match_probability >= :low AND (q.match_probability < :high OR :high >= 1.0)
                ORDER BY abs(q.match_weight), q.review_id"""),
                {"domain": domain, "status": where.status, "low": low, "high": high}).mappings().all()
            pairs += [dict(r) for r in rows]
            counts[domain] = {status: 0 for status in STATUSES}
            for status, n in conn.execute(sa.text(
                    "SELECT status, count(*) FROM mdm.review_queue WHERE domain = :d GROUP BY status"), {"d": domain}):
                counts[domain][status] = int(n)
    pairs.sort(key=lambda p: (abs(p["match_weight"]), p["review_id"]))
    matching = len(pairs)
    return ReviewList(pairs[: where.limit] if where.limit else pairs, matching, counts)


def _review_row(conn: sa.Connection, review_id: int, lock: bool = False) -> Any:
    row = conn.execute(sa.text(
        "SELECT * FROM mdm.review_queue WHERE review_id = :id" + (" FOR UPDATE" if lock else "")),
        {"id": review_id}).first()
    if row is None:
        raise StewardError(f"no review {review_id} (see `chutian-mdm review list`)")
    return row


def parse_review_id(text: str) -> int:
    cleaned = text.strip().lstrip("#")
    if not cleaned.isdigit():
        raise ConfigError(f"{text!r} is not a review ID; `chutian-mdm review list` shows them (the first column)")
    return int(cleaned)


@dataclass
class ReviewDetail:
    review: dict[str, Any]
    fields: list[dict[str, Any]]  # field, label, left, right, comparison, level, match_weight
    explanation: Explanation | None  # None for a domain that matches by key (no model)
    changed: list[str]  # records whose version changed since the pair was queued
    reason: str | None = None  # why a domain matching by key queued the pair

    def as_dict(self) -> dict[str, Any]:
        return {"review": self.review, "fields": self.fields, "changed_since_queued": self.changed,
                "explanation": self.explanation.as_dict() if self.explanation else None, "reason": self.reason}


def show_review(engine: sa.Engine, review_id: int) -> ReviewDetail:
    """A review pair side by side, field by field (the versions queued), with each comparison's
    level and match weight for the records' current versions (:func:`explain_pair`)."""
    with engine.connect() as conn:
        review = dict(_review_row(conn, review_id)._mapping)
        domain = review["domain"]
        schema = load_domain(domain)
        names = [name for name in schema.fields if name != "source_record_id"]
        matching = matching_of(domain)
        extra = ([c for c in (*matching.key, *matching.review_columns) if c not in names]
                 if isinstance(matching, KeySpec) else [])
        rows = record_rows(conn, domain, [review["record_id_l"], review["record_id_r"]], [*names, *extra])
    left, right = rows[review["record_id_l"]], rows[review["record_id_r"]]
    changed = [f"{r['source']}:{r['source_record_id']}" for r in (left, right) if not r["is_current"]]
    if isinstance(matching, KeySpec):  # no model: say which fields agree, and why the pair is here
        fields = [{"field": name, "label": schema.fields[name].label if name in schema.fields else name,
                   "left": left.get(name), "right": right.get(name), "comparison": None,
                   "level": _key_level(name in matching.key, left.get(name), right.get(name)),
                   "match_weight": None} for name in [*names, *extra]]
        return ReviewDetail(review, fields, None, changed, matching.review_reason)
    explanation = explain_pair(engine, domain, RecordKey(review["source_l"], review["source_record_id_l"]),
                               RecordKey(review["source_r"], review["source_record_id_r"]))
    steps = {s.comparison: s for s in explanation.steps}
    fields = []
    for name in names:
        step = steps.pop(name, None)
        fields.append({"field": name, "label": schema.fields[name].label, "left": left.get(name),
                       "right": right.get(name), "comparison": step.comparison if step else None,
                       "level": step.level if step else None,
                       "match_weight": round(step.match_weight, 4) if step else None})
    for step in steps.values():  # comparisons over derived values, not one field
        fields.append({"field": step.comparison, "label": step.comparison, "left": step.value_l,
                       "right": step.value_r, "comparison": step.comparison, "level": step.level,
                       "match_weight": round(step.match_weight, 4)})
    return ReviewDetail(review, fields, explanation, changed)


def _key_level(is_key: bool, left: Any, right: Any) -> str:
    if left is None and right is None:
        return ""
    same = left == right
    if is_key:
        return "same key" if same else "key differs"
    return "same" if same else "differs"


# -- decisions --------------------------------------------------------------------------------------

def _decided_by_action(conn: sa.Connection, review_id: int) -> str:
    found = conn.execute(sa.text("""
        SELECT action_id FROM mdm.steward_actions
        WHERE reviews @> CAST(:probe AS jsonb) ORDER BY action_id DESC LIMIT 1"""),
        {"probe": f'[{{"review_id": {int(review_id)}}}]'}).scalar()
    return f" (action {found}; reverse it with `chutian-mdm steward undo {found}`)" if found else ""


def _decision_problem(conn: sa.Connection, review: Any, status: str) -> str | None:
    """Why this review entry cannot take the decision, or None."""
    if review.status in ("accepted", "rejected"):
        when = f" on {review.decided_at:%Y-%m-%d %H:%M}" if review.decided_at else ""
        return (f"review {review.review_id} is already {review.status} by {review.decided_by}{when}"
                + _decided_by_action(conn, review.review_id))
    if review.status == "superseded":
        return (f"review {review.review_id} is superseded: a record changed after it was queued; the next run "
                "queues the new versions if they still need review")
    staging = tables.staging_table(review.domain).name
    stale = conn.execute(sa.text(
        f"SELECT source || ':' || source_record_id FROM staging.{staging} "
        "WHERE record_id IN (:l, :r) AND superseded_by_batch_id IS NOT NULL ORDER BY 1"),
        {"l": review.record_id_l, "r": review.record_id_r}).scalars().all()
    if stale:
        return (f"review {review.review_id}: record {', '.join(stale)} changed after the pair was queued; "
                f"run `chutian-mdm run {review.domain}` to queue the new versions")
    existing = constraint_between(conn, review.domain, (review.source_l, review.source_record_id_l),
                                  (review.source_r, review.source_record_id_r))
    if existing is not None and existing["kind"] != KIND_OF[status]:
        return (f"review {review.review_id}: the records already have a steward "
                f"{existing['kind'].replace('_', '-')} (by {existing['created_by']}); undo that decision first "
                "(`chutian-mdm steward log` shows it)")
    return None


def _decide(conn: sa.Connection, review: Any, status: str, steward: str, note: str | None,
            details: dict[str, Any] | None = None) -> ActionResult:
    a: Key = (review.source_l, review.source_record_id_l)
    b: Key = (review.source_r, review.source_record_id_r)
    existing = constraint_between(conn, review.domain, a, b)
    add = [] if existing is not None else [Constraint(KIND_OF[status], a, b, review_id=review.review_id)]
    result = record_action(
        conn, domain=review.domain, action="review_accept" if status == "accepted" else "review_reject",
        steward=steward, note=note, records=[a, b], add=add,
        reviews=[ReviewChange(review.review_id, "open", status)], details={"review_id": review.review_id,
                                                                             **(details or {})})
    kind = KIND_OF[status].replace("_", "-")
    result.message = (f"review {review.review_id} {status}: {kind} {key_text(a)} ~ {key_text(b)} "
                      f"(action {result.action_id}); it takes effect with the next run "
                      f"(`chutian-mdm run {review.domain}`)")
    return result


def decide_review(engine: sa.Engine, review_id: int, decision: str, *, steward: str,
                  note: str | None = None) -> ActionResult:
    """Accept (must-link) or reject (cannot-link) an open review pair. The constraint applies from
    the next run on; the pair never comes back to the queue."""
    status = DECISIONS.get(decision.strip().lower())
    if status is None:
        raise ConfigError(f"decision {decision!r}: accept or reject")
    with engine.begin() as conn:
        review = _review_row(conn, review_id, lock=True)
        problem = _decision_problem(conn, review, status)
        if problem:
            raise StewardError(problem)
        return _decide(conn, review, status, steward, note)


class DecisionFileError(MdmError):
    """A decisions file with problems: one line per row, nothing applied."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        shown = list(problems[:50]) + ([f"… and {len(problems) - 50} more"] if len(problems) > 50 else [])
        super().__init__(f"{path.name}: nothing applied, {len(problems)} problem(s):\n  " + "\n  ".join(shown))
        self.problems = list(problems)


@dataclass
class ImportResult:
    applied: list[ActionResult]
    skipped_rows: int  # rows without a decision


def import_decisions(engine: sa.Engine, path: Path, *, steward: str, note: str | None = None) -> ImportResult:
    """Apply the decisions of a CSV (columns ``review_id``, ``decision`` = accept|reject, optional
    ``note``; others, such as those ``export_reviews`` writes, are ignored; a row with an empty
    decision is skipped). All rows or none: a row that cannot be applied stops the whole file, and
    every such row is reported with its row number."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror or exc}") from None
    encoding = detect_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise InputFileError(path, f"not valid {encoding} text (save it as UTF-8 or GB18030 CSV)") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    headers = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [h for h in ("review_id", "decision") if h not in headers]
    if missing:
        raise InputFileError(path, f"missing column(s) {', '.join(missing)}; the columns are review_id, "
                                   "decision (accept or reject) and optionally note")
    reader.fieldnames = headers
    problems: list[str] = []
    wanted: list[tuple[int, int, str, str | None]] = []  # row, review, status, note
    first_row: dict[int, int] = {}
    skipped = 0
    for number, row in enumerate(reader, start=2):
        decision = (row.get("decision") or "").strip()
        raw_id = (row.get("review_id") or "").strip()
        if not decision:
            skipped += 1
            continue
        status = DECISIONS.get(decision.lower())
        if status is None:
            problems.append(f"row {number}: decision {decision!r} is neither accept nor reject")
            continue
        if not raw_id.isdigit():
            problems.append(f"row {number}: review_id {raw_id!r} is not a review ID")
            continue
        review_id = int(raw_id)
        if review_id in first_row:
            problems.append(f"row {number}: review {review_id} is decided again (first on row {first_row[review_id]})")
            continue
        first_row[review_id] = number
        wanted.append((number, review_id, status, (row.get("note") or "").strip() or note))
    applied: list[ActionResult] = []
    with engine.begin() as conn:
        reviews = {}
        for number, review_id, status, _ in wanted:
            try:
                reviews[review_id] = review = _review_row(conn, review_id, lock=True)
            except StewardError:
                problems.append(f"row {number}: no review {review_id} in the queue")
                continue
            problem = _decision_problem(conn, review, status)
            if problem:
                problems.append(f"row {number}: {problem}")
        if problems:
            raise DecisionFileError(path, sorted(problems, key=lambda p: int(p.split()[1].rstrip(":"))))
        for number, review_id, status, row_note in wanted:
            applied.append(_decide(conn, reviews[review_id], status, steward, row_note,
                                   {"file": path.name, "row": number}))
    return ImportResult(applied, skipped)


def export_reviews(engine: sa.Engine, out: Path, where: ReviewFilter = ReviewFilter(limit=None),
                   encoding: str = "utf-8-sig") -> int:
    """Write review pairs as CSV for offline work: ``review_id``, empty ``decision`` and ``note``
    columns to fill in, the probability and weight, and every field of both records side by side
    (``name_l``, ``name_r`` …). Cells that a spreadsheet would run as a formula are neutralised.
    ``import_decisions`` reads the file back. Returns the number of pairs."""
    listed = list_reviews(engine, where)
    by_domain: dict[str, list[dict[str, Any]]] = {}
    for pair in listed.pairs:
        by_domain.setdefault(pair["domain"], []).append(pair)
    domains = sorted(by_domain) or _domains(where.domain)[:1]
    fields: list[str] = []
    for domain in domains:
        fields += [f for f in load_domain(domain).fields if f != "source_record_id" and f not in fields]
    header = ["review_id", "decision", "note", "domain", "status", "match_probability", "match_weight",
              "record_l", "record_r"] + [f"{name}_{side}" for name in fields for side in ("l", "r")]
    with engine.connect() as conn:
        values: dict[int, dict[str, Any]] = {}
        for domain, pairs in by_domain.items():
            ids = [p[k] for p in pairs for k in ("record_id_l", "record_id_r")]
            values.update(record_rows(conn, domain, ids, fields))
    with out.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for p in listed.pairs:
            left, right = values[p["record_id_l"]], values[p["record_id_r"]]
            cells: list[Any] = [
                p["review_id"], "", "", p["domain"], p["status"], f"{p['match_probability']:.6f}",
                f"{p['match_weight']:.4f}", key_text((p["source_l"], p["source_record_id_l"])),
                key_text((p["source_r"], p["source_record_id_r"])),
            ]
            for name in fields:
                cells += [left.get(name), right.get(name)]
            writer.writerow([neutralise_formula("" if c is None else str(c)) for c in cells])
    return len(listed.pairs)
