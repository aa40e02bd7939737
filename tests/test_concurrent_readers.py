"""Services read the golden tables while releases are published: every read sees one whole
release — its golden records, its open (脱敏) view and its cross-references agree."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from chutian_mdm.golden import publish_release

from .golden_helpers import create_run, current_records, ingest_samples, truth_clusters

READ = sa.text("""
    SELECT (SELECT max(release) FROM golden.releases WHERE domain = 'population') AS release,
           (SELECT golden_records FROM golden.releases WHERE domain = 'population'
             ORDER BY release DESC LIMIT 1) AS expected,
           (SELECT count(*) FROM golden.population) AS golden,
           (SELECT count(*) FROM open.population) AS open,
           (SELECT count(DISTINCT golden_id) FROM golden.population_xref WHERE valid_to_release IS NULL) AS xref,
           (SELECT coalesce(max(valid_from_release), 0) FROM golden.population) AS newest""")


def test_readers_of_golden_and_open_views_always_see_one_whole_release(engine: sa.Engine, database_url: str) -> None:
    ingest_samples(engine, "population")
    truth = truth_clusters("population")
    keys = sorted(current_records(engine, "population"))
    entities = sorted({truth[k] for k in keys})
    pairs = {e: entities[i - i % 2] for i, e in enumerate(entities)}
    clusterings = [
        {k: truth[k] for k in keys},              # the truth
        {k: pairs[truth[k]] for k in keys},       # pairs of persons merged
        {k: truth[k] for k in keys},              # split again
        {k: f"{k[0]}:{k[1]}" for k in keys},      # every record alone
        {k: truth[k] for k in keys},
    ]
    publish_release(engine, "population", create_run(engine, "population", clusterings[0]))

    stop = threading.Event()
    seen: list[tuple[int, int, int, int, int, int]] = []
    problems: list[str] = []

    def reader() -> None:
        local = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
        with local.connect() as conn:
            while not stop.is_set():
                row = tuple(conn.execute(READ).one())
                conn.rollback()
                seen.append(row)  # type: ignore[arg-type]
                release, expected, golden, open_rows, xref, newest = row
                if not (golden == open_rows == xref == expected and newest <= release):
                    problems.append(f"mixed read: {row}")
        local.dispose()

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        for clusters in clusterings[1:]:
            result = publish_release(engine, "population", create_run(engine, "population", clusters))
            assert result.release is not None
    finally:
        stop.set()
        for thread in readers:
            thread.join(30)
    assert not problems, problems[:3]
    releases = {row[0] for row in seen}
    assert len(seen) > 20 and len(releases) >= 3, (len(seen), releases)
