"""Publishing a release: a matching run's clusters → golden records, in ONE transaction.

1. ``w_m``: the run's members (``mdm.cluster_members``) with their current xref entry.
2. Stable golden IDs (:mod:`.ids`) and ``w_cid``: the clusters whose golden record may have
   changed — new ones, those that gained, lost or swapped member records or whose members have
   a new record version; every cluster when the survivorship rules or trust ranks changed since
   the last release. A clean, unchanged cluster is not touched again.
3. ``w_mg``: their members (and members whose match probability alone changed).
4. Survivorship (:mod:`.survive`) into ``w_golden``; ``w_changed``: the golden records that
   differ from their current version (unchanged ones get no new history row).
5. Write release N (:mod:`.release`), and the links to and from the domain as link release L
   (:mod:`.links`).

Everything is SQL over whole work tables (temporary, dropped at commit). Readers see release
N-1 or N, never a mix; a failure rolls everything back and leaves release N-1 as it was. If
nothing changed, no release is written and the result says so.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Protocol

import sqlalchemy as sa

from ..domains import load_domain
from ..domains.survivorship import GoldenSettings
from ..errors import ExitCode, MdmError
from ..failpoints import failpoint
from .columns import golden_layout
from .compute import MissingStagingRows, compute_golden_rows
from .ids import assign_golden_ids
from .links import LINKS_LOCK, publish_links
from .rank import rank_run_clusters
from .release import ReleaseCounts, prepare_changes, restore_indexes, suspend_indexes, write_release
from .survive import survivorship_digest

# Publishing sorts and hashes whole work tables: give this transaction room to do it in memory.
WORK_MEM = "256MB"
TEMP_BUFFERS = "1GB"  # only takes effect in a session that has not used temporary tables yet
# pg_try_advisory_xact_lock(PUBLISH_LOCK, hashtext(domain)): one publish per domain at a time.
PUBLISH_LOCK = 0x601DE


class PublishError(MdmError):
    """The run cannot be published (unknown run, wrong domain, broken hand-over)."""


class PublishLockedError(MdmError):
    """Another publish of the same domain is in progress."""

    exit_code = ExitCode.LOCKED


class PublishProgress(Protocol):
    """Told how many steps publishing takes, then each finished step (the same protocol as
    ingest's progress: ``start(total)``, ``advance(n)``)."""

    def start(self, expected_rows: int | None) -> None: ...

    def advance(self, rows: int) -> None: ...


@dataclass(frozen=True)
class ReleaseResult:
    """What publishing a run did. ``release`` is None when nothing changed (nothing published)."""

    domain: str
    run_id: int
    release: int | None
    previous_release: int | None
    golden_records: int  # current golden records after this publish
    source_records: int  # source records (cluster members) of the run
    created: int = 0
    updated: int = 0
    merged: int = 0
    split: int = 0
    retired: int = 0
    xref_changes: int = 0  # xref rows opened or closed
    seconds: float = 0.0
    link_release: int | None = None  # the links published with it (golden.link_releases)

    @property
    def published(self) -> bool:
        return self.release is not None

    @property
    def message(self) -> str:
        if self.release is None:
            since = f"release {self.previous_release}" if self.previous_release else "the start"
            return f"{self.domain}: run {self.run_id} changes nothing since {since}; no release published."
        return (f"{self.domain}: release {self.release} from run {self.run_id}: {self.golden_records:,} golden "
                f"records ({self.created:,} created, {self.updated:,} updated, {self.merged:,} merged, "
                f"{self.split:,} split, {self.retired:,} retired) in {self.seconds:.1f} s.")


STEPS = 5


class _NothingChanged(Exception):
    def __init__(self, result: ReleaseResult) -> None:
        self.result = result


def publish_release(engine: sa.Engine, domain: str, run_id: int,
                    progress: PublishProgress | None = None) -> ReleaseResult:
    """Publish the clusters of matching run ``run_id`` as the next release of ``domain``.

    Reads ``mdm.cluster_members`` of the run (every current source record of the domain with its
    cluster) and the staging rows they name; writes ``golden.<domain>_history``, ``_xref``,
    ``_changes`` and ``golden.releases`` in one transaction of its own and sets
    ``mdm.runs.release`` in it. A run that changes nothing publishes nothing
    (``result.release is None``, ``result.message`` says so).

    The pipeline calls it at the end of a run, after committing the run's cluster members and
    without holding a lock on the run's ``mdm.runs`` row (status ``running`` or ``succeeded``;
    a ``failed`` run is refused). Raises :class:`PublishError` for an unknown, failed or broken
    run or one of another domain, :class:`PublishLockedError` while another publish of the domain
    is in progress; nothing is written then. A domain's first release locks its golden tables
    until it commits (their indexes are built once at the end). Publishes of different domains
    wait for each other (they write the links across domains, :mod:`.links`).
    """
    settings = load_domain(domain).golden
    golden_layout(domain)  # configuration errors before touching the database
    started = time.perf_counter()
    if progress is not None:
        progress.start(STEPS)

    def step() -> None:
        if progress is not None:
            progress.advance(1)

    try:
        with engine.connect() as conn, ThreadPoolExecutor(1) as meanwhile:
            try:
                with conn.begin():
                    result = _publish(conn, domain, run_id, settings, step, meanwhile)
                    if not result.published:
                        raise _NothingChanged(result)  # roll back the work tables
                    failpoint("publish:written")
            finally:
                # Its temporary-table buffers were sized for this publish: do not reuse the session.
                conn.invalidate()
    except _NothingChanged as nothing:
        result = nothing.result
    return replace(result, seconds=time.perf_counter() - started)


def _publish(conn: sa.Connection, domain: str, run_id: int, settings: GoldenSettings,
             step: Callable[[], None], meanwhile: ThreadPoolExecutor) -> ReleaseResult:
    run = conn.exec_driver_sql
    if not run(f"SELECT pg_try_advisory_xact_lock({PUBLISH_LOCK}, hashtext('{domain}'))").scalar_one():
        raise PublishLockedError(f"another publish of {domain} is in progress; try again when it has finished")
    # Before any lock on golden tables: publishes of other domains read them to compute links.
    run(f"SELECT pg_advisory_xact_lock({LINKS_LOCK})")
    _tune(conn)
    found = run("SELECT domain, status FROM mdm.runs WHERE run_id = %(run_id)s", {"run_id": run_id}).first()
    if found is None:
        raise PublishError(f"no matching run {run_id}")
    if found[0] != domain:
        raise PublishError(f"run {run_id} matched {found[0]}, not {domain}")
    if found[1] == "failed":
        raise PublishError(f"run {run_id} failed; its clusters are not published (release stays as it was)")
    previous = run("SELECT release, survivorship_digest, source_records FROM golden.releases WHERE domain = %(d)s "
                   "ORDER BY release DESC LIMIT 1", {"d": domain}).first()
    previous_release = int(previous[0]) if previous else None
    release = (previous_release or 0) + 1
    digest = survivorship_digest(domain)
    recompute_all = previous is None or previous[1] != digest
    first = previous is None

    # Computing every golden record: the clusters of several records are ranked meanwhile, on a
    # connection of its own (their members are committed), while this transaction assigns IDs
    # and writes the golden records of one record.
    ranked = meanwhile.submit(rank_run_clusters, conn.engine, domain, run_id, WORK_MEM) if recompute_all else None
    members, matched = _stage_members(conn, domain, run_id, previous_release)
    step()
    tables = [f"golden.{domain}_{t}" for t in ("history", "xref", "changes")]
    restore = suspend_indexes(conn, tables) if first else []
    golden_records = assign_golden_ids(conn, domain, settings, everything=recompute_all,
                                       nothing_gone=previous is not None and previous[2] == matched)
    # Members of the clusters to compute, and members whose match probability alone changed.
    run("""CREATE TEMP TABLE w_mg ON COMMIT DROP AS
           SELECT m.*, coalesce(c.golden_id, m.old_golden_id) AS golden_id, coalesce(c.is_new, false) AS is_new,
                  c.cluster_key IS NOT NULL AS dirty, c.size AS _size
           FROM w_m m LEFT JOIN w_cid c USING (cluster_key)
           WHERE c.cluster_key IS NOT NULL OR m.old_probability IS DISTINCT FROM m.match_probability""")
    run("ANALYZE w_mg")
    step()
    try:
        compute_golden_rows(conn, domain, release, ranked)
    except MissingStagingRows as missing:
        raise PublishError(f"run {run_id}: {missing.missing} cluster member(s) name a record_id that is not in "
                           f"staging.{domain}") from None
    step()
    columns = [c.name for c in golden_layout(domain).columns] + ["record_count", "lineage"]
    counts = prepare_changes(conn, domain)
    step()
    if not counts.anything:
        return ReleaseResult(domain, run_id, None, previous_release, golden_records, members)

    write_release(conn, domain, release, columns, first)
    if restore:
        restore_indexes(conn, restore, tables)
    _record_release(conn, domain, release, run_id, golden_records, members, counts, digest)
    links = publish_links(conn, domain, release)
    step()
    return ReleaseResult(domain, run_id, release, previous_release, golden_records, members,
                         created=counts.created, updated=counts.updated, merged=counts.merged,
                         split=counts.split, retired=counts.retired, xref_changes=counts.xref_changes,
                         link_release=links.link_release if links else None)


def _tune(conn: sa.Connection) -> None:
    run = conn.exec_driver_sql
    run(f"SET LOCAL work_mem = '{WORK_MEM}'")
    # The work tables are small next to the golden tables they are checked against: probing the
    # golden tables' indexes beats scanning them, which the default cost model underrates.
    run("SET LOCAL random_page_cost = 1.1")
    try:
        with conn.begin_nested():
            run(f"SET LOCAL temp_buffers = '{TEMP_BUFFERS}'")
    except sa.exc.DBAPIError:
        pass  # the session already used temporary tables: publish with the default buffers


def _stage_members(conn: sa.Connection, domain: str, run_id: int, previous_release: int | None
                   ) -> tuple[int, int]:
    """``w_m``: the run's members with their current xref entry; returns how many members, and
    how many of them have one."""
    run = conn.exec_driver_sql
    # The run's members and the current xref rows come sorted by (source, source_record_id) from
    # their keys: merging them beats hashing every member (1.3 s against 3 s for 1.5 million),
    # which the planner's estimates do not see.
    run("SET LOCAL enable_hashjoin = off")
    run(f"""CREATE TEMP TABLE w_m ON COMMIT DROP AS
            SELECT cm.cluster_key, cm.source, cm.source_record_id, cm.record_id, cm.match_probability,
                   x.golden_id AS old_golden_id, x.record_id AS old_record_id,
                   x.match_probability AS old_probability
            FROM mdm.cluster_members cm
            LEFT JOIN golden.{domain}_xref x ON x.valid_to_release IS NULL
                 AND x.source = cm.source AND x.source_record_id = cm.source_record_id
            WHERE cm.run_id = %(run_id)s AND cm.domain = %(domain)s""", {"run_id": run_id, "domain": domain})
    run("SET LOCAL enable_hashjoin = on")
    members, matched = (int(v) for v in run("SELECT count(*), count(old_golden_id) FROM w_m").one())
    if members == 0 and previous_release is not None:
        raise PublishError(f"run {run_id} has no cluster members: publishing it would retire every golden "
                           f"record of {domain}")
    run("ANALYZE w_m")
    return members, matched


def _record_release(conn: sa.Connection, domain: str, release: int, run_id: int, golden_records: int,
                    members: int, counts: ReleaseCounts, digest: str) -> None:
    conn.exec_driver_sql(
        """INSERT INTO golden.releases (domain, release, run_id, published_at, published_by, golden_records,
                                        source_records, created, updated, merged, split, retired, xref_changes,
                                        survivorship_digest)
           VALUES (%(domain)s, %(release)s, %(run_id)s, now(), %(by)s, %(golden)s, %(sources)s, %(created)s,
                   %(updated)s, %(merged)s, %(split)s, %(retired)s, %(xref)s, %(digest)s)""",
        {"domain": domain, "release": release, "run_id": run_id, "by": _user(), "golden": golden_records,
         "sources": members, "created": counts.created, "updated": counts.updated, "merged": counts.merged,
         "split": counts.split, "retired": counts.retired, "xref": counts.xref_changes, "digest": digest})
    conn.exec_driver_sql("UPDATE mdm.runs SET release = %(release)s WHERE run_id = %(run_id)s",
                         {"release": release, "run_id": run_id})


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a container
        return "unknown"
