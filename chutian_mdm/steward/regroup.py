"""Merge and split golden records, expressed as steward constraints so that every later run
reproduces them, then published by re-running the domain.

- **merge A B**: must-links that hold the member records of A and B together. If one must-link
  between the two records suffices (the clustering rules, replayed on just these records with
  their stored links, keep everything else together) only that one is added; otherwise every
  member is must-linked to one anchor record (e.g. when the two carry different citizen IDs, which
  only a must-link may join).
- **split G --records R…**: cannot-links between each named record and each other member of G,
  and must-links inside each part only where the part would not stay together on its own
  links. Must-links of earlier decisions that cross the cut are removed (and restored by undo).

Which golden ID survives is the publisher's rule (DESIGN §6): in a merge the golden record
sharing more source records with the new cluster keeps its ID and the other is ``merged`` into
it; in a split the largest part keeps the ID and the others are ``created`` with ``split_from``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import sqlalchemy as sa

from ..db import tables
from ..errors import ConfigError
from ..match.cluster import constrained_clusters
from ..match.explain import RecordKey
from ..match.keyed import key_edges
from ..match.records import copy_out, duckdb_connection, load_into_duckdb, record_types
from ..match.spec import KeySpec, matching_of, thresholds
from ..pipeline import Progress
from .actions import ActionResult, Constraint, ReviewChange, StewardError, constraints_among, record_action, rerun
from .records import Key, current_golden, current_record_ids, key_text, release_changes


def _require_note(note: str | None) -> str:
    if not note or not note.strip():
        raise ConfigError("say why with --note (it goes into the audit trail)")
    return note.strip()


def _components(conn: sa.Connection, domain: str, keys: Sequence[Key],
                must_links: Sequence[tuple[Key, Key]]) -> list[list[Key]]:
    """How the clustering rules group ``keys`` on their own: the stored links between their
    current versions (at or above the match threshold), the given must-links, the exclusive keys.
    An exclusive key that is not a staging column cannot be replayed: every record is then its
    own group (the caller pins the part)."""
    spec = matching_of(domain)
    staging = tables.staging_table(domain)
    if any(key not in staging.c for key in spec.exclusive_keys):
        return [[k] for k in keys]
    versions = current_record_ids(conn, domain, keys)
    order = [k for k in keys if k in versions]
    node = {versions[k]: i for i, k in enumerate(order)}
    edges: Sequence[Any]
    if isinstance(spec, KeySpec):
        edges = _key_edges(conn, domain, spec, list(node))
    else:
        edges = conn.execute(sa.text("""
            SELECT record_id_l, record_id_r, match_weight, match_probability, rule FROM mdm.match_edges
            WHERE domain = :d AND record_id_l = ANY(:ids) AND record_id_r = ANY(:ids)
              AND match_probability >= :match AND rule <> 'review_only'
            ORDER BY record_id_l, record_id_r"""),
            {"d": domain, "ids": list(node), "match": thresholds(domain).match}).all()
    key_values = conn.execute(sa.select(staging.c.record_id, *(staging.c[k] for k in spec.exclusive_keys))
                              .where(staging.c.record_id.in_(list(node)))).all() if spec.exclusive_keys else []
    codes: list[np.ndarray] = []
    for index in range(len(spec.exclusive_keys)):
        seen: dict[Any, int] = {}
        column = np.full(len(order), -1, dtype=np.int64)
        for row in key_values:
            if row[index + 1] is not None:
                column[node[row.record_id]] = seen.setdefault(row[index + 1], len(seen))
        codes.append(column)
    position = {k: i for i, k in enumerate(order)}
    clustering = constrained_clusters(
        len(order),
        np.array([node[e.record_id_l] for e in edges], dtype=np.int64),
        np.array([node[e.record_id_r] for e in edges], dtype=np.int64),
        np.array([np.inf if e.rule == "deterministic" else e.match_weight for e in edges], dtype=np.float64),
        np.array([e.match_probability for e in edges], dtype=np.float64),
        must_links=[(position[a], position[b]) for a, b in must_links if a in position and b in position],
        exclusive_keys=codes,
    )
    groups: dict[int, list[Key]] = {}
    for key, label in zip(order, clustering.labels.tolist(), strict=True):
        groups.setdefault(label, []).append(key)
    missing = [[k] for k in keys if k not in versions]  # no current version: cannot be held by links
    return sorted(groups.values()) + missing


class _Edge(NamedTuple):
    record_id_l: int
    record_id_r: int
    match_weight: float
    match_probability: float
    rule: str


def _key_edges(conn: sa.Connection, domain: str, spec: KeySpec, record_ids: list[int]) -> list[_Edge]:
    """For a domain matching by key: the edges a run draws between these records
    (:func:`~chutian_mdm.match.keyed.key_edges`)."""
    names = ["record_id", *spec.reads]
    ids = ", ".join(str(int(i)) for i in record_ids) or "NULL"
    staging = tables.staging_table(domain)
    records = copy_out(conn, f"SELECT {', '.join(names)} FROM staging.{staging.name} WHERE record_id IN ({ids})",
                       record_types(conn, domain, names))
    con = duckdb_connection()
    try:
        load_into_duckdb(con, "records", records, spec)
        return [_Edge(**edge) for edge in key_edges(con, spec).to_pylist()]
    finally:
        con.close()


def _existing_must_links(constraints: Sequence[dict[str, Any]]) -> list[tuple[Key, Key]]:
    return [((c["source_l"], c["source_record_id_l"]), (c["source_r"], c["source_record_id_r"]))
            for c in constraints if c["kind"] == "must_link"]


def _must_links_to_hold(conn: sa.Connection, domain: str, part: Sequence[Key],
                        existing: Sequence[tuple[Key, Key]]) -> list[Constraint]:
    """The fewest must-links that keep ``part`` in one cluster: none if its own links do; one
    per extra group if that holds; else every member must-linked to the part's anchor."""
    inside = [(a, b) for a, b in existing if a in part and b in part]
    groups = _components(conn, domain, part, inside)
    if len(groups) <= 1:
        return []
    anchor = groups[0][0]
    bridges = [(anchor, group[0]) for group in groups[1:]]
    if len(_components(conn, domain, part, [*inside, *bridges])) == 1:
        return [Constraint("must_link", a, b) for a, b in bridges]
    linked = {frozenset(pair) for pair in inside}
    return [Constraint("must_link", anchor, k) for k in part
            if k != anchor and frozenset((anchor, k)) not in linked]


def _open_reviews_between(conn: sa.Connection, domain: str, side_a: Sequence[Key],
                          side_b: Sequence[Key]) -> list[int]:
    """Open review entries with one record on each side."""
    rows = conn.execute(sa.text("""
        WITH a AS (SELECT * FROM unnest(CAST(:sa AS text[]), CAST(:ia AS text[])) AS a(source, rid)),
             b AS (SELECT * FROM unnest(CAST(:sb AS text[]), CAST(:ib AS text[])) AS b(source, rid))
        SELECT q.review_id FROM mdm.review_queue q
        WHERE q.domain = :d AND q.status = 'open' AND (
          (EXISTS (SELECT 1 FROM a WHERE a.source = q.source_l AND a.rid = q.source_record_id_l)
           AND EXISTS (SELECT 1 FROM b WHERE b.source = q.source_r AND b.rid = q.source_record_id_r))
          OR (EXISTS (SELECT 1 FROM b WHERE b.source = q.source_l AND b.rid = q.source_record_id_l)
           AND EXISTS (SELECT 1 FROM a WHERE a.source = q.source_r AND a.rid = q.source_record_id_r)))
        ORDER BY q.review_id"""), {
        "d": domain, "sa": [k[0] for k in side_a], "ia": [k[1] for k in side_a],
        "sb": [k[0] for k in side_b], "ib": [k[1] for k in side_b]})
    return [int(r.review_id) for r in rows]


def merge_golden(engine: sa.Engine, golden_a: str, golden_b: str, *, steward: str, note: str | None,
                 progress: Progress | None = None, wait_seconds: float = 0.0) -> ActionResult:
    """Merge two current golden records of one domain: record must-links, re-run the domain and
    publish. Refused if a steward cannot-link separates their records."""
    note = _require_note(note)
    with engine.begin() as conn:
        domain, first, members_a = current_golden(conn, golden_a)
        domain_b, second, members_b = current_golden(conn, golden_b)
        if domain_b != domain:
            raise ConfigError(f"{first} ({domain}) and {second} ({domain_b}) are of different domains")
        if first == second:
            raise ConfigError(f"{first} is named twice; merge two different golden records")
        matching_of(domain)
        members = [*members_a, *members_b]
        existing = constraints_among(conn, domain, members)
        set_a = set(members_a)
        for c in existing:
            ends = {(c["source_l"], c["source_record_id_l"]), (c["source_r"], c["source_record_id_r"])}
            if c["kind"] == "cannot_link" and len(ends & set_a) == 1:
                l_key, r_key = sorted(ends)
                raise StewardError(
                    f"{first} and {second} cannot be merged: a steward cannot-link keeps {key_text(l_key)} and "
                    f"{key_text(r_key)} apart (by {c['created_by']}: {c['note'] or 'no note'}); undo that decision "
                    "first (`chutian-mdm steward log --golden ID` finds it)")
        add = _must_links_to_hold(conn, domain, members, _existing_must_links(existing))
        reviews = [ReviewChange(r, "open", "accepted") for r in _open_reviews_between(conn, domain, members_a,
                                                                                          members_b)]
        result = record_action(conn, domain=domain, action="merge", steward=steward, note=note, records=members,
                               add=add, reviews=reviews, details={"golden_ids": [first, second]})

    def describe(conn: sa.Connection, result: ActionResult, after: dict[Key, str]) -> None:
        survivors = sorted(set(after.values()))
        release = result.run.release.release if result.run and result.run.release else None
        changes = release_changes(conn, domain, release, [first, second])
        if len(survivors) == 1:
            result.message = f"merged {first} and {second} into {survivors[0]}" + (
                f" (release {release}: {changes})" if changes else "")
        else:
            result.message = f"merge of {first} and {second} did not hold: the records are in {', '.join(survivors)}"
            result.warnings.append(result.message + "; see `chutian-mdm runs` (conflicting must-links)")

    return rerun(engine, result, members, progress, wait_seconds, describe)


def split_golden(engine: sa.Engine, golden_id: str, records: Sequence[RecordKey], *, steward: str,
                 note: str | None, progress: Progress | None = None, wait_seconds: float = 0.0) -> ActionResult:
    """Split the named source records off a current golden record: cannot-links between them
    and the rest, must-links inside each part where needed; re-run the domain and publish."""
    note = _require_note(note)
    if not records:
        raise ConfigError("name the records to split off with --records SOURCE:ID,SOURCE:ID")
    with engine.begin() as conn:
        domain, golden, members = current_golden(conn, golden_id)
        matching_of(domain)
        named = list(dict.fromkeys((r.source, r.source_record_id) for r in records))
        strangers = [key_text(k) for k in named if k not in set(members)]
        if strangers:
            raise ConfigError(f"{', '.join(strangers)} {'is' if len(strangers) == 1 else 'are'} not a source record "
                              f"of {golden}; its records: {', '.join(key_text(k) for k in members)}")
        rest = [k for k in members if k not in set(named)]
        if not rest:
            raise ConfigError(f"nothing would remain of {golden}: name only the records to split off")
        existing = constraints_among(conn, domain, members)
        crossing = [Constraint.from_json(c) for c in existing if c["kind"] == "must_link"
                    and len({(c["source_l"], c["source_record_id_l"]), (c["source_r"], c["source_record_id_r"])}
                            & set(named)) == 1]
        kept = [pair for pair in _existing_must_links(existing)
                if Constraint("must_link", *pair).pair not in {c.pair for c in crossing}]
        apart = {Constraint.from_json(c).pair for c in existing if c["kind"] == "cannot_link"}
        add = [Constraint("cannot_link", a, b) for a in named for b in rest if frozenset((a, b)) not in apart]
        add += _must_links_to_hold(conn, domain, named, kept) + _must_links_to_hold(conn, domain, rest, kept)
        reviews = [ReviewChange(r, "open", "rejected") for r in _open_reviews_between(conn, domain, named, rest)]
        result = record_action(conn, domain=domain, action="split", steward=steward, note=note, records=members,
                               add=add, remove=crossing, reviews=reviews,
                               details={"golden_id": golden, "split_off": [list(k) for k in named]})

    def describe(conn: sa.Connection, result: ActionResult, after: dict[Key, str]) -> None:
        part_ids = {after.get(k) for k in named}
        rest_ids = {after.get(k) for k in rest}
        release = result.run.release.release if result.run and result.run.release else None
        changes = release_changes(conn, domain, release, [golden])
        if part_ids & rest_ids:
            result.message = f"split of {golden} did not hold: the named records are still with the rest"
            result.warnings.append(result.message)
            return
        result.message = (f"split {golden}: {', '.join(sorted(i for i in part_ids if i))} ({len(named)} record(s)) "
                          f"and {', '.join(sorted(i for i in rest_ids if i))} ({len(rest)} record(s))"
                          + (f" (release {release}: {changes})" if changes else ""))
        if len(rest_ids) > 1:
            result.warnings.append(f"the rest of {golden} is now in {', '.join(sorted(i for i in rest_ids if i))}")

    return rerun(engine, result, members, progress, wait_seconds, describe)
