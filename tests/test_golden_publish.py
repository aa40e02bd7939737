"""Publishing releases on a real PostgreSQL: stable golden IDs, versions, changes, atomicity."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from chutian_mdm.golden import PublishError, publish_release
from chutian_mdm.golden.ids import Overlap, resolve_overlaps

from .golden_helpers import (
    create_run,
    current_records,
    golden_id_of,
    ingest_samples,
    rows,
    stage_rows,
    truth_clusters,
    truth_run,
)
from .helpers import citizen_id

DOMAINS = ("population", "legal_entity", "geospatial", "macroeconomic")


def person(record_id: str, name: str, sequence: str, **extra: str) -> dict[str, str]:
    return {"source_record_id": record_id, "name": name, "citizen_id": citizen_id(sequence=sequence),
            "updated_at": "2024-05-01 08:00:00", **extra}


@pytest.fixture
def people(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """Police records P1–P5: P1+P2 are person A, P3 person B, P4+P5 person C."""
    stage_rows(engine, tmp_path, "population", "police", [
        person("P1", "张伟", "111"), person("P2", "张伟", "111"), person("P3", "李娜", "222"),
        person("P4", "王芳", "444"), person("P5", "王芳", "444"),
    ])
    return engine


def police(*ids: str) -> list[tuple[str, str]]:
    return [("police", i) for i in ids]


def clusters(*groups: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    return {member: f"c{n}" for n, group in enumerate(groups) for member in group}


@pytest.mark.parametrize("domain", DOMAINS)
def test_first_release_has_one_golden_record_per_true_entity(engine: sa.Engine, domain: str) -> None:
    ingest_samples(engine, domain)
    run_id = truth_run(engine, domain)
    result = publish_release(engine, domain, run_id)
    truth = truth_clusters(domain)
    staged = current_records(engine, domain)
    entities = {truth[key] for key in staged}
    assert result.release == 1 and result.previous_release is None
    assert result.golden_records == result.created == len(entities)
    assert result.source_records == len(staged)
    # Every source record points at exactly one golden record, and the true entity's records
    # share it.
    xref = rows(engine, f"SELECT source, source_record_id, golden_id FROM golden.{domain}_xref")
    assert len(xref) == len(staged)
    by_entity: dict[str, set[str]] = {}
    for x in xref:
        by_entity.setdefault(truth[(x["source"], x["source_record_id"])], set()).add(x["golden_id"])
    assert all(len(ids) == 1 for ids in by_entity.values())
    counts = rows(engine, f"SELECT change, count(*) AS n FROM golden.{domain}_changes GROUP BY change")
    assert counts == [{"change": "created", "n": len(entities)}]
    release = rows(engine, "SELECT * FROM golden.releases")[0]
    assert (release["domain"], release["release"], release["run_id"]) == (domain, 1, run_id)
    assert rows(engine, "SELECT release FROM mdm.runs WHERE run_id = :r", r=run_id)[0]["release"] == 1


def test_golden_ids_carry_the_domain_prefix_and_a_sequence_number(people: sa.Engine) -> None:
    publish_release(people, "population", create_run(people, "population", clusters(
        police("P1", "P2"), police("P3"), police("P4", "P5"))))
    ids = sorted(r["golden_id"] for r in rows(people, "SELECT golden_id FROM golden.population"))
    assert ids == ["PSN-0000000001", "PSN-0000000002", "PSN-0000000003"]


def test_rerun_without_changes_keeps_ids_and_publishes_no_release(engine: sa.Engine) -> None:
    ingest_samples(engine, "population")
    first = publish_release(engine, "population", truth_run(engine, "population"))
    before = rows(engine, "SELECT source, source_record_id, golden_id FROM golden.population_xref ORDER BY 1, 2")
    again = publish_release(engine, "population", truth_run(engine, "population"))
    assert first.release == 1
    assert again.release is None and not again.published
    assert "no release published" in again.message and "since release 1" in again.message
    assert rows(engine, "SELECT source, source_record_id, golden_id FROM golden.population_xref ORDER BY 1, 2") \
        == before
    assert rows(engine, "SELECT count(*) AS n FROM golden.releases")[0]["n"] == 1
    assert rows(engine, "SELECT count(*) AS n FROM golden.population_history")[0]["n"] == first.golden_records


def test_cluster_keys_may_change_between_runs_without_changing_ids(people: sa.Engine) -> None:
    groups = (police("P1", "P2"), police("P3"), police("P4", "P5"))
    publish_release(people, "population", create_run(people, "population", clusters(*groups)))
    renamed = {member: f"other-{key}" for member, key in clusters(*reversed(groups)).items()}
    assert publish_release(people, "population", create_run(people, "population", renamed)).release is None


def test_new_record_bridging_two_clusters_merges_them(people: sa.Engine, tmp_path: Path) -> None:
    publish_release(people, "population", create_run(people, "population", clusters(
        police("P1", "P2"), police("P3"), police("P4", "P5"))))
    survivor, absorbed = golden_id_of(people, "population", "police", "P1"), \
        golden_id_of(people, "population", "police", "P3")
    # A health record links person A and B (the match stage now says they are one person).
    stage_rows(people, tmp_path, "population", "health", [person("H1", "张伟", "111")])
    result = publish_release(people, "population", create_run(people, "population", clusters(
        [*police("P1", "P2", "P3"), ("health", "H1")], police("P4", "P5"))))
    assert (result.release, result.merged, result.created, result.retired) == (2, 1, 0, 0)
    changes = rows(people, "SELECT golden_id, change, merged_into FROM golden.population_changes WHERE release = 2"
                           " ORDER BY golden_id")
    assert changes == [
        {"golden_id": survivor, "change": "updated", "merged_into": None},
        {"golden_id": absorbed, "change": "merged", "merged_into": survivor},
    ]
    assert golden_id_of(people, "population", "police", "P3") == survivor
    assert golden_id_of(people, "population", "health", "H1") == survivor
    assert rows(people, "SELECT record_count FROM golden.population WHERE golden_id = :g", g=survivor) \
        == [{"record_count": 4}]
    assert rows(people, "SELECT * FROM golden.population WHERE golden_id = :g", g=absorbed) == []


def test_split_keeps_the_id_on_the_largest_part_and_gives_the_others_new_ones(people: sa.Engine) -> None:
    publish_release(people, "population", create_run(people, "population", clusters(
        police("P1", "P2", "P3"), police("P4", "P5"))))
    original = golden_id_of(people, "population", "police", "P1")
    # A steward's cannot-link between P3 and the others: the cluster comes back in two parts.
    result = publish_release(people, "population", create_run(people, "population", clusters(
        police("P1", "P2"), police("P3"), police("P4", "P5"))))
    assert (result.split, result.created, result.merged) == (1, 1, 0)
    new_id = golden_id_of(people, "population", "police", "P3")
    assert golden_id_of(people, "population", "police", "P1") == original != new_id
    assert new_id == "PSN-0000000003"  # the next number: IDs are never reused
    changes = rows(people, "SELECT golden_id, change, split_from FROM golden.population_changes WHERE release = 2"
                           " ORDER BY golden_id")
    assert changes == [
        {"golden_id": original, "change": "split", "split_from": None},
        {"golden_id": new_id, "change": "created", "split_from": original},
    ]


def test_retired_ids_are_never_given_out_again(people: sa.Engine) -> None:
    publish_release(people, "population", create_run(people, "population", clusters(
        police("P1", "P2"), police("P3"), police("P4", "P5"))))
    publish_release(people, "population", create_run(people, "population", clusters(
        police("P1", "P2", "P3"), police("P4", "P5"))))
    result = publish_release(people, "population", create_run(people, "population", clusters(
        police("P1", "P2"), police("P3"), police("P4", "P5"))))
    assert result.created == 1
    assert golden_id_of(people, "population", "police", "P3") == "PSN-0000000004"


def test_tangled_overlaps_go_to_the_largest_overlap_first() -> None:
    # Old G = {a, b, c}, H = {d, e, f, g}; new C1 = {a, b, c, d, e}, C2 = {f, g}.
    resolved = resolve_overlaps([
        Overlap("C1", "G", 3, 1), Overlap("C1", "H", 2, 1), Overlap("C2", "H", 2, 6),
    ])
    assert resolved == {"C1": "G", "C2": "H"}
    # Equal overlaps: the older golden ID goes first, then the cluster with the lower anchor.
    assert resolve_overlaps([Overlap("X", "G2", 1, 5), Overlap("X", "G1", 1, 5)]) == {"X": "G1"}
    assert resolve_overlaps([Overlap("Y", "G1", 1, 9), Overlap("X", "G1", 1, 3)]) == {"X": "G1"}


def test_unchanged_golden_records_get_no_new_history_rows(people: sa.Engine, tmp_path: Path) -> None:
    groups = clusters(police("P1", "P2"), police("P3"), police("P4", "P5"))
    publish_release(people, "population", create_run(people, "population", groups))
    # Police resends P3 with a new phone number: only person B changes.
    stage_rows(people, tmp_path, "population", "police", [
        person("P3", "李娜", "222", phone="13911112222", updated_at="2025-01-01 08:00:00")])
    result = publish_release(people, "population", create_run(people, "population", groups))
    changed = golden_id_of(people, "population", "police", "P3")
    assert (result.release, result.updated, result.created) == (2, 1, 0)
    history = rows(people, "SELECT golden_id, valid_from_release, valid_to_release, phone"
                           " FROM golden.population_history ORDER BY golden_id, valid_from_release")
    assert [h for h in history if h["golden_id"] == changed] == [
        {"golden_id": changed, "valid_from_release": 1, "valid_to_release": 2, "phone": None},
        {"golden_id": changed, "valid_from_release": 2, "valid_to_release": None, "phone": "13911112222"},
    ]
    assert sum(1 for h in history if h["valid_from_release"] == 2) == 1
    # The xref row of P3 now names the new record version; the others are untouched.
    xref = rows(people, "SELECT source_record_id, valid_from_release, valid_to_release FROM golden.population_xref"
                        " ORDER BY source_record_id, valid_from_release")
    assert [x for x in xref if x["source_record_id"] == "P3"] == [
        {"source_record_id": "P3", "valid_from_release": 1, "valid_to_release": 2},
        {"source_record_id": "P3", "valid_from_release": 2, "valid_to_release": None},
    ]
    assert len(xref) == 6


def test_new_match_probability_versions_the_xref_but_not_the_golden_record(people: sa.Engine) -> None:
    groups = clusters(police("P1", "P2"), police("P3"), police("P4", "P5"))
    publish_release(people, "population", create_run(people, "population", groups))
    result = publish_release(people, "population", create_run(
        people, "population", groups, probabilities={("police", "P2"): 0.93}))
    assert (result.release, result.updated, result.xref_changes) == (2, 0, 2)
    assert rows(people, "SELECT match_probability FROM golden.population_xref WHERE source_record_id = 'P2'"
                        " AND valid_to_release IS NULL") == [{"match_probability": 0.93}]
    assert rows(people, "SELECT count(*) AS n FROM golden.population_history")[0]["n"] == 3


def test_as_of_release_n_returns_the_exact_earlier_state(people: sa.Engine, tmp_path: Path) -> None:
    groups = clusters(police("P1", "P2"), police("P3"), police("P4", "P5"))
    publish_release(people, "population", create_run(people, "population", groups))
    state_1 = rows(people, "SELECT * FROM golden.population ORDER BY golden_id")
    stage_rows(people, tmp_path, "population", "police", [
        person("P3", "李娜", "222", phone="13911112222", updated_at="2025-01-01 08:00:00")])
    publish_release(people, "population", create_run(people, "population", groups))
    publish_release(people, "population", create_run(people, "population", clusters(
        police("P1", "P2", "P3"), police("P4", "P5"))))
    columns = ", ".join(state_1[0])  # exactly the current view's columns
    as_of_1 = rows(people, f"""
        SELECT {columns}
        FROM golden.population_history
        WHERE valid_from_release <= :n AND (valid_to_release IS NULL OR valid_to_release > :n)
        ORDER BY golden_id""", n=1)
    assert as_of_1 == state_1
    assert len(rows(people, "SELECT * FROM golden.population")) == 2


def test_a_reader_sees_release_n_minus_1_or_n_never_a_mix(engine: sa.Engine, database_url: str) -> None:
    ingest_samples(engine, "population")
    truth = truth_clusters("population")
    staged = current_records(engine, "population")
    publish_release(engine, "population", truth_run(engine, "population"))
    # Release 2 merges every pair of true persons and changes many golden records at once.
    entities = sorted({truth[k] for k in staged})
    pair = {e: entities[i - i % 2] for i, e in enumerate(entities)}
    run_2 = create_run(engine, "population", {k: pair[truth[k]] for k in staged})
    conninfo = sa.make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    state = """SELECT (SELECT max(release) FROM golden.releases WHERE domain = 'population'),
                      (SELECT count(*) FROM golden.population),
                      (SELECT count(*) FROM golden.population_xref WHERE valid_to_release IS NULL),
                      (SELECT count(DISTINCT golden_id) FROM golden.population_xref WHERE valid_to_release IS NULL),
                      (SELECT count(*) FROM golden.population_changes),
                      (SELECT md5(string_agg(golden_id || record_count, ',' ORDER BY golden_id))
                         FROM golden.population)"""
    with psycopg.connect(conninfo, autocommit=True) as reader, \
            psycopg.connect(conninfo, autocommit=True) as snapshot, \
            psycopg.connect(conninfo, autocommit=True) as gate:
        before = reader.execute(state).fetchone()
        snapshot.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        assert snapshot.execute(state).fetchone() == before
        # Hold the publisher just before it records the release: history, xref and changes of
        # release 2 are written by then, but not committed.
        gate.execute("BEGIN")
        gate.execute("LOCK TABLE golden.releases IN SHARE ROW EXCLUSIVE MODE")
        published: list[object] = []
        publisher = threading.Thread(target=lambda: published.append(publish_release(engine, "population", run_2)))
        publisher.start()
        deadline = time.monotonic() + 60
        while not reader.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE "
                "'%%INSERT INTO golden.releases%%'").fetchone()[0]:  # type: ignore[index]
            assert time.monotonic() < deadline and publisher.is_alive(), "publisher never reached the release row"
            time.sleep(0.05)
        assert reader.execute(state).fetchone() == before  # mid-publish: still release 1, whole
        gate.execute("COMMIT")
        publisher.join(60)
        after = reader.execute(state).fetchone()
        assert after is not None and before is not None
        assert after[0] == 2 and after[1] < before[1] and after != before
        assert snapshot.execute(state).fetchone() == before  # the old snapshot still sees release 1
        snapshot.execute("COMMIT")
        assert snapshot.execute(state).fetchone() == after


def test_failed_publish_leaves_the_previous_release_untouched(people: sa.Engine) -> None:
    groups = clusters(police("P1", "P2"), police("P3"), police("P4", "P5"))
    publish_release(people, "population", create_run(people, "population", groups))
    broken = create_run(people, "population", groups)
    with people.begin() as conn:  # a hand-over naming a staging row that does not exist
        conn.execute(sa.text("UPDATE mdm.cluster_members SET record_id = 999999 WHERE run_id = :r"
                             " AND source_record_id = 'P3'"), {"r": broken})
    with pytest.raises(PublishError, match=r"record_id that is not in staging\.population"):
        publish_release(people, "population", broken)
    assert rows(people, "SELECT count(*) AS n FROM golden.releases")[0]["n"] == 1
    assert rows(people, "SELECT count(*) AS n FROM golden.population_history")[0]["n"] == 3


def test_unknown_run_and_run_of_another_domain_are_refused(people: sa.Engine) -> None:
    with pytest.raises(PublishError, match="no matching run 4242"):
        publish_release(people, "population", 4242)
    run_id = create_run(people, "population", clusters(police("P1", "P2"), police("P3"), police("P4", "P5")))
    with pytest.raises(PublishError, match="matched population, not legal_entity"):
        publish_release(people, "legal_entity", run_id)
    with people.begin() as conn:
        conn.execute(sa.text("UPDATE mdm.runs SET status = 'failed' WHERE run_id = :r"), {"r": run_id})
    with pytest.raises(PublishError, match=f"run {run_id} failed"):
        publish_release(people, "population", run_id)
    assert rows(people, "SELECT count(*) AS n FROM golden.releases")[0]["n"] == 0


def test_changed_survivorship_rules_recompute_every_record_but_version_only_real_changes(
        people: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import chutian_mdm.golden.publish as publish_module

    groups = clusters(police("P1", "P2"), police("P3"), police("P4", "P5"))
    publish_release(people, "population", create_run(people, "population", groups))
    monkeypatch.setattr(publish_module, "survivorship_digest", lambda domain: "rules-edited")
    result = publish_release(people, "population", create_run(people, "population", groups))
    assert result.release is None  # every golden record recomputed, none came out different
    assert rows(people, "SELECT count(*) AS n FROM golden.population_history")[0]["n"] == 3


def test_progress_is_told_every_step(people: sa.Engine) -> None:
    from chutian_mdm.golden.publish import STEPS

    seen: list[tuple[str, int | None]] = []

    class Recorder:
        def start(self, expected_rows: int | None) -> None:
            seen.append(("start", expected_rows))

        def advance(self, rows: int) -> None:
            seen.append(("advance", rows))

    groups = clusters(police("P1", "P2"), police("P3"), police("P4", "P5"))
    publish_release(people, "population", create_run(people, "population", groups), Recorder())
    assert seen == [("start", STEPS)] + [("advance", 1)] * STEPS
