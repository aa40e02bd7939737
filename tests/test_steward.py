"""The data steward's workflow from the command line, on a real database: the review queue,
decisions that hold in every later run, merge and split of golden records, undo, and the
append-only audit trail."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from chutian_mdm.db.locks import domain_lock
from chutian_mdm.db.steward_tables import steward_action_outcomes, steward_actions
from chutian_mdm.ingest import ingest_file

from .conftest import Cli
from .helpers import person, write_csv
from .steward_helpers import WUHAN, golden_of, review_id_of, review_pairs_file


def ok(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 0, (code, out, err)
    return out


def as_json(result: tuple[int, str, str]) -> dict:
    return json.loads(ok(result))


def query(engine: sa.Engine, sql: str, **params: object) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def constraints(engine: sa.Engine) -> set[tuple[str, str, str]]:
    return {(r.kind, r.a, r.b) for r in query(engine, """
        SELECT kind, least(source_l || ':' || source_record_id_l, source_r || ':' || source_record_id_r) AS a,
               greatest(source_l || ':' || source_record_id_l, source_r || ':' || source_record_id_r) AS b
        FROM mdm.constraints""")}


def review_rows(engine: sa.Engine, tag: str) -> list[sa.Row]:
    return query(engine, "SELECT review_id, status, record_id_l, record_id_r FROM mdm.review_queue "
                         "WHERE source_record_id_l LIKE :t AND source_record_id_r LIKE :t ORDER BY review_id",
                 t=f"{tag}\\_%")


def resend(tmp_path: Path, engine: sa.Engine, record: str, **changes: str) -> None:
    """A new version of one of the review-pair records (e.g. the department corrected a field)."""
    with engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT raw FROM staging.population WHERE source_record_id = :r "
                                   "AND superseded_by_batch_id IS NULL"), {"r": record}).scalar_one()
    ingest_file(engine, "population", write_csv(tmp_path / f"{record}.csv", [{**raw, **changes}],
                                                headers=list(raw)), "police")


# -- the review queue -------------------------------------------------------------------------------

def test_review_list_puts_the_most_uncertain_pair_first_and_counts_by_status(scli: Cli) -> None:
    listed = as_json(scli("review", "list", "--json"))
    assert listed["counts"]["population"] == {"open": 4, "accepted": 0, "rejected": 0, "superseded": 0}
    order = [p["source_record_id_l"][:2] for p in listed["pairs"]]
    assert order[0] == "P6" and order[-1] == "P2", order  # 0.50 first, 0.88 last
    weights = [abs(p["match_weight"]) for p in listed["pairs"]]
    assert weights == sorted(weights)
    assert all(0.5 <= p["match_probability"] < 0.95 for p in listed["pairs"])
    band = as_json(scli("review", "list", "--band", "0.8-0.9", "--json"))
    assert [p["source_record_id_l"][:2] for p in band["pairs"]] == ["P2"] and band["matching"] == 1
    out = ok(scli("review", "list", "--domain", "population"))
    assert "population: 4 open, 0 accepted" in out and "钭思远" in out and "most uncertain first" in out
    assert scli("review", "list", "--band", "0.9-0.5")[0] == 2
    assert scli("review", "list", "--status", "maybe")[0] == 2


def test_review_show_puts_both_records_side_by_side_with_each_levels_weight(scli: Cli, db: sa.Engine) -> None:
    review = review_id_of(db, "P1")
    shown = as_json(scli("review", "show", str(review), "--json"))
    fields = {f["field"]: f for f in shown["fields"]}
    assert fields["name"]["left"] == fields["name"]["right"] == "钭思远"
    assert fields["name"]["level"] == "same name" and fields["name"]["match_weight"] > 5
    assert fields["phone"]["left"] == "13700000001" and fields["phone"]["right"] == "13900000001"
    assert fields["phone"]["level"] == "different" and fields["phone"]["match_weight"] < 0
    assert fields["birth_date"]["level"] == "same date"
    assert shown["explanation"]["outcome"].startswith("review")
    out = ok(scli("review", "show", str(review)))
    for text in ("police:P1_A", "police:P1_B", "same name", "different", "match probability", "outcome: review"):
        assert text in out, text
    assert scli("review", "show", "999999")[0] == 1
    code, _, err = scli("review", "show", "P1")
    assert code == 2 and "is not a review ID" in err


def test_accepted_pair_is_linked_from_the_next_run_and_never_comes_back(
        scli: Cli, db: sa.Engine, tmp_path: Path) -> None:
    review = review_id_of(db, "P2")
    assert golden_of(db, "police", "P2_A") != golden_of(db, "police", "P2_B")
    out = ok(scli("review", "accept", str(review), "--note", "same person, moved house", "--steward", "wang"))
    assert "must-link police:P2_A ~ police:P2_B" in out and "next run" in out
    assert ("must_link", "police:P2_A", "police:P2_B") in constraints(db)
    assert [r.status for r in review_rows(db, "P2")] == ["accepted"]
    assert "already accepted by wang" in scli("review", "accept", str(review))[2]

    ok(scli("run", "population"))
    assert golden_of(db, "police", "P2_A") == golden_of(db, "police", "P2_B")
    ok(scli("run", "population", "--full"))  # every pair scored anew: the decided pair is not queued again
    assert [r.status for r in review_rows(db, "P2")] == ["accepted"]
    # A new version of a record: the decision is about the source records, so it still holds.
    resend(tmp_path, db, "P2_B", 联系电话="13911112222")
    ok(scli("run", "population"))
    assert [r.status for r in review_rows(db, "P2")] == ["accepted"]
    assert golden_of(db, "police", "P2_A") == golden_of(db, "police", "P2_B")
    log = as_json(scli("steward", "log", "--json"))
    assert log[0]["action"] == "review_accept" and log[0]["steward"] == "wang"
    assert log[0]["note"] == "same person, moved house" and log[0]["first_run_after"] is not None


def test_rejected_pair_is_kept_apart_and_undo_puts_it_back_in_the_queue(scli: Cli, db: sa.Engine) -> None:
    review = review_id_of(db, "P1")
    out = ok(scli("review", "reject", str(review), "--note", "different people"))
    assert "cannot-link police:P1_A ~ police:P1_B" in out
    ok(scli("run", "population", "--full"))
    assert golden_of(db, "police", "P1_A") != golden_of(db, "police", "P1_B")
    assert [r.status for r in review_rows(db, "P1")] == ["rejected"]
    shown = ok(scli("review", "show", str(review)))
    assert "decided by" in shown and "steward cannot-link between these records" in shown
    action = as_json(scli("steward", "log", "--action", "review_reject", "--json"))[0]["action_id"]
    undone = as_json(scli("steward", "undo", str(action), "--note", "rejected by mistake", "--json"))
    assert undone["action"] == "undo" and undone["constraints_removed"][0]["kind"] == "cannot_link"
    assert [r.status for r in review_rows(db, "P1")] == ["open"]
    assert not constraints(db)
    code, _, err = scli("steward", "undo", str(action), "--note", "again")
    assert code == 1 and f"already undone by action {undone['action_id']}" in err


def test_export_then_import_decisions_all_rows_or_none(scli: Cli, db: sa.Engine, tmp_path: Path) -> None:
    exported = tmp_path / "queue.csv"
    assert "4 review pair(s) written" in ok(scli("review", "export", "--out", str(exported)))
    raw = exported.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # opens in Excel as UTF-8
    with exported.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["decision"] for r in rows] == [""] * 4
    assert {"review_id", "note", "match_probability", "name_l", "name_r", "phone_l", "phone_r"} <= set(rows[0])
    by_tag = {r["record_l"].split(":")[1][:2]: r for r in rows}
    assert by_tag["P1"]["name_l"] == by_tag["P1"]["name_r"] == "钭思远"

    def write(decisions: list[tuple[str, str, str]]) -> Path:
        path = tmp_path / "decisions.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["review_id", "decision", "note"])
            writer.writerows(decisions)
        return path

    bad = write([(by_tag["P1"]["review_id"], "accept", "same flat"), (by_tag["P2"]["review_id"], "maybe", ""),
                 ("999999", "reject", ""), (by_tag["P1"]["review_id"], "reject", ""), ("x1", "accept", ""),
                 (by_tag["P4"]["review_id"], "", "")])
    code, _, err = scli("review", "import", str(bad))
    assert code == 1 and "nothing applied, 4 problem(s)" in err
    for text in ("row 3: decision 'maybe' is neither accept nor reject", "row 4: no review 999999",
                 "row 5: review", "decided again (first on row 2)", "row 6: review_id 'x1' is not a review ID"):
        assert text in err, text
    assert not constraints(db) and not query(db, "SELECT * FROM mdm.steward_actions")
    assert {r.status for r in query(db, "SELECT status FROM mdm.review_queue")} == {"open"}

    good = write([(by_tag["P1"]["review_id"], "accept", "same flat"), (by_tag["P6"]["review_id"], "REJECT", ""),
                  (by_tag["P4"]["review_id"], "", "")])
    result = as_json(scli("review", "import", str(good), "--note", "batch review 2026-11", "--steward", "li",
                          "--json"))
    assert len(result["applied"]) == 2 and result["skipped_rows"] == 1
    assert constraints(db) == {("must_link", "police:P1_A", "police:P1_B"),
                               ("cannot_link", "police:P6_A", "police:P6_B")}
    notes = {r.note for r in query(db, "SELECT note FROM mdm.steward_actions")}
    assert notes == {"same flat", "batch review 2026-11"}
    code, _, err = scli("review", "import", str(good))
    assert code == 1 and "row 2: review" in err and "already accepted by li" in err


def test_export_neutralises_spreadsheet_formulas(scli: Cli, db: sa.Engine, tmp_path: Path) -> None:
    rows = [person(f"F{i}", name="濮阳一鸣", 公民身份号码="", 出生日期="1966-06-06", 联系电话=f"1370000100{i}",
                   户籍地址="=HYPERLINK(\"x\")" if i == 0 else "@SUM(A1)",
                   户籍地行政区划="420106" if i == 0 else "420111")
            for i in range(2)]
    ingest_file(db, "population", write_csv(tmp_path / "formula.csv", rows), "police")
    ok(scli("run", "population"))
    exported = tmp_path / "queue.csv"
    ok(scli("review", "export", "--out", str(exported), "--status", "all"))
    text = exported.read_text(encoding="utf-8-sig")
    cells = [cell for row in csv.reader(text.splitlines()) for cell in row]
    assert not any(cell.startswith(("=", "@")) for cell in cells)
    assert "police:F0" in text  # the pair was queued: its address cells are there, made harmless
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text


# -- merge and split -----------------------------------------------------------------------------

def _persons_with_ids(engine: sa.Engine, count: int, min_records: int = 2) -> list[str]:
    return [r.golden_id for r in query(engine, """
        SELECT golden_id FROM golden.population WHERE citizen_id IS NOT NULL AND record_count >= :n
        ORDER BY golden_id LIMIT :count""", n=min_records, count=count)]


def _members(engine: sa.Engine, golden_id: str) -> set[str]:
    return {f"{r.source}:{r.source_record_id}" for r in query(engine, """
        SELECT source, source_record_id FROM golden.population_xref
        WHERE golden_id = :g AND valid_to_release IS NULL""", g=golden_id)}


def _golden_ids(engine: sa.Engine, keys: set[str]) -> set[str]:
    return {r.golden_id for r in query(engine, """
        SELECT golden_id FROM golden.population_xref
        WHERE source || ':' || source_record_id = ANY(:k) AND valid_to_release IS NULL""", k=list(keys))}


def test_merge_publishes_a_merged_change_and_every_later_run_keeps_it(scli: Cli, db: sa.Engine) -> None:
    first, second = _persons_with_ids(db, 2)  # two persons with different valid citizen IDs
    members = _members(db, first) | _members(db, second)
    result = as_json(scli("merge", first, second, "--note", "one person with two IDs (re-issued)", "--json"))
    assert result["golden_before"] == sorted([first, second]) and len(result["golden_after"]) == 1
    survivor = result["golden_after"][0]
    gone = ({first, second} - {survivor}).pop()
    assert _golden_ids(db, members) == {survivor}
    changes = {r.golden_id: r for r in query(db, "SELECT * FROM golden.population_changes WHERE release = :r",
                                             r=result["release"])}
    assert changes[gone].change == "merged" and changes[gone].merged_into == survivor
    # Different valid IDs: one must-link would not hold (exclusive key), so every record is linked.
    assert len(result["constraints_added"]) == len(members) - 1
    assert {c["kind"] for c in result["constraints_added"]} == {"must_link"}
    ok(scli("run", "population", "--full"))
    assert _golden_ids(db, members) == {survivor}
    code, _, err = scli("merge", gone, survivor, "--note", "again")
    assert code == 1 and f"merged it into {survivor}" in err
    log = ok(scli("steward", "log", "--golden", gone))
    assert "merge" in log and "one person with two IDs" in log and f"→ {survivor}" in log


def test_merge_of_records_a_steward_kept_apart_is_refused(scli: Cli, db: sa.Engine) -> None:
    ok(scli("review", "reject", str(review_id_of(db, "P1")), "--note", "different people"))
    ok(scli("run", "population"))
    code, _, err = scli("merge", golden_of(db, "police", "P1_A"), golden_of(db, "police", "P1_B"), "--note", "x")
    assert code == 1 and "cannot-link keeps police:P1_A and police:P1_B apart" in err
    assert len(query(db, "SELECT * FROM mdm.steward_actions")) == 1


def test_split_publishes_split_and_created_and_every_later_run_keeps_it(scli: Cli, db: sa.Engine) -> None:
    (golden,) = _persons_with_ids(db, 1, min_records=3)
    members = sorted(_members(db, golden))
    off, rest = members[0], set(members[1:])
    result = as_json(scli("split", golden, "--records", off, "--note", "a namesake, not this person", "--json"))
    assert golden in result["golden_after"] and len(result["golden_after"]) == 2
    part = _golden_ids(db, {off})
    assert part != {golden} and _golden_ids(db, rest) == {golden}  # the larger part keeps the ID
    (new_id,) = part
    changes = {r.golden_id: r for r in query(db, "SELECT * FROM golden.population_changes WHERE release = :r",
                                             r=result["release"])}
    assert changes[golden].change == "split"
    assert changes[new_id].change == "created" and changes[new_id].split_from == golden
    assert {(c["kind"]) for c in result["constraints_added"]} >= {"cannot_link"}
    ok(scli("run", "population", "--full"))
    assert _golden_ids(db, {off}) == {new_id} and _golden_ids(db, rest) == {golden}
    code, _, err = scli("split", golden, "--records", "police:nope", "--note", "x")
    assert code == 2 and "is not a source record of" in err
    code, _, err = scli("split", golden, "--records", ",".join(sorted(rest)), "--note", "x")
    assert code == 2 and "nothing would remain" in err


def test_split_after_merge_keeps_the_rest_together_with_must_links(scli: Cli, db: sa.Engine) -> None:
    first, second = _persons_with_ids(db, 2)
    members = _members(db, first) | _members(db, second)
    merged = as_json(scli("merge", first, second, "--note", "same person", "--json"))
    # The merge linked every record to one anchor; splitting the anchor off leaves records with two
    # different citizen IDs, which stay together only by must-links.
    anchors = [{f"{c['source_l']}:{c['source_record_id_l']}", f"{c['source_r']}:{c['source_record_id_r']}"}
               for c in merged["constraints_added"]]
    (anchor,) = set.intersection(*anchors)
    result = as_json(scli("split", merged["golden_after"][0], "--records", anchor, "--note", "the anchor is wrong",
                          "--json"))
    assert len(result["constraints_removed"]) == len(members) - 1  # the merge's must-links that cross the cut
    added = {c["kind"] for c in result["constraints_added"]}
    assert added == {"cannot_link", "must_link"}
    assert len(_golden_ids(db, members - {anchor})) == 1
    assert _golden_ids(db, {anchor}).isdisjoint(_golden_ids(db, members - {anchor}))
    ok(scli("run", "population", "--full"))
    assert len(_golden_ids(db, members - {anchor})) == 1


def test_undo_of_a_merge_separates_the_records_again_and_is_recorded(scli: Cli, db: sa.Engine) -> None:
    first, second = _persons_with_ids(db, 2)
    merged = as_json(scli("merge", first, second, "--note", "looked alike", "--json"))
    undone = as_json(scli("steward", "undo", str(merged["action_id"]), "--note", "two people after all",
                          "--steward", "zhao", "--json"))
    assert len(undone["golden_after"]) == 2 and merged["golden_after"][0] in undone["golden_after"]
    assert not constraints(db)
    assert _golden_ids(db, _members(db, undone["golden_after"][0])) != _golden_ids(
        db, _members(db, undone["golden_after"][1]))
    log = as_json(scli("steward", "log", "--json"))
    assert [a["action"] for a in log] == ["undo", "merge"]
    assert log[0]["undoes"] == merged["action_id"] and log[1]["undone_by"] == log[0]["action_id"]
    assert log[0]["steward"] == "zhao" and log[0]["release"] is not None
    out = ok(scli("steward", "log"))
    assert f"undo of #{merged['action_id']}" in out and f"(undone by #{log[0]['action_id']})" in out


def test_merge_while_a_run_holds_the_lock_is_recorded_and_applied_by_the_next_run(
        scli: Cli, db: sa.Engine) -> None:
    first, second = _persons_with_ids(db, 2)
    with domain_lock(db, "population"):
        code, _, err = scli("merge", first, second, "--note", "same person")
    assert code == 5 and "takes effect with the next run" in err
    assert len(query(db, "SELECT * FROM mdm.steward_actions WHERE action = 'merge'")) == 1
    ok(scli("run", "population"))
    assert len(_golden_ids(db, _members(db, first) | _members(db, second))) == 1


def test_steward_commands_fail_with_one_clear_line(scli: Cli, db: sa.Engine) -> None:
    first, second = _persons_with_ids(db, 2)
    for args, code, text in [
        (["review", "accept", "999999"], 1, "no review 999999"),
        (["merge", first, first, "--note", "x"], 2, "named twice"),
        (["merge", first, "--note", "x"], 2, "merge takes two golden IDs"),
        (["merge", first, "PSN-0999999999", "--note", "x"], 1, "no golden record PSN-0999999999"),
        (["merge", first, "X-1", "--note", "x"], 2, "is not a golden ID"),
        (["merge", first, second], 2, "--note"),
        (["merge", first, second, "--note", " "], 2, "say why with --note"),
        (["split", first, "--records", "nokey", "--note", "x"], 2, "is not a record key"),
        (["steward", "undo", "424242", "--note", "x"], 1, "no steward action 424242"),
        (["steward", "log", "--action", "delete"], 2, "unknown action 'delete'"),
    ]:
        result = scli(*args)
        assert result[0] == code, (args, result)
        assert text in result[2], (args, result[2])
        assert "Traceback" not in result[2]


# -- the audit trail --------------------------------------------------------------------------------

def test_audit_trail_is_append_only_in_the_database(scli: Cli, db: sa.Engine) -> None:
    first, second = _persons_with_ids(db, 2)
    ok(scli("merge", first, second, "--note", "same person"))
    for statement in ("UPDATE mdm.steward_actions SET note = 'rewritten'", "DELETE FROM mdm.steward_actions",
                      "TRUNCATE mdm.steward_actions CASCADE", "UPDATE mdm.steward_action_outcomes SET release = 0",
                      "DELETE FROM mdm.steward_action_outcomes"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.begin() as conn:
            conn.execute(sa.text(statement))
    for role in ("chutian_reader", "chutian_open"):
        for statement in ("UPDATE mdm.steward_actions SET note = 'x'", "DELETE FROM mdm.steward_actions"):
            with pytest.raises(sa.exc.DBAPIError, match="permission denied"), db.begin() as conn:
                conn.execute(sa.text(f"SET LOCAL ROLE {role}"))
                conn.execute(sa.text(statement))
    assert [r.note for r in query(db, "SELECT note FROM mdm.steward_actions")] == ["same person"]


def test_steward_log_filters_and_json(scli: Cli, db: sa.Engine) -> None:
    ok(scli("review", "accept", str(review_id_of(db, "P2")), "--steward", "wang"))
    ok(scli("review", "reject", str(review_id_of(db, "P1")), "--steward", "li", "--note", "twins?"))
    assert [a["steward"] for a in as_json(scli("steward", "log", "--steward", "li", "--json"))] == ["li"]
    assert [a["action"] for a in as_json(scli("steward", "log", "--action", "review_accept", "--json"))] == [
        "review_accept"]
    golden = golden_of(db, "police", "P1_A")
    assert [a["steward"] for a in as_json(scli("steward", "log", "--golden", golden, "--json"))] == ["li"]
    assert as_json(scli("steward", "log", "--since", "2000-01-01", "--limit", "1", "--json"))[0]["steward"] == "li"
    out = ok(scli("steward", "log"))
    assert "why: twins?" in out and "takes effect with the next run of population" in out
    ok(scli("run", "population"))
    assert "applied by run" in ok(scli("steward", "log"))


def test_steward_tables_match_their_definitions(db: sa.Engine) -> None:
    inspector = sa.inspect(db)
    for table in (steward_actions, steward_action_outcomes):
        in_database = {c["name"]: str(c["type"].compile(dialect=db.dialect))
                       for c in inspector.get_columns(table.name, schema="mdm")}
        assert in_database == {c.name: str(c.type.compile(dialect=db.dialect)) for c in table.columns}


# -- the whole workflow, as the README tells it ----------------------------------------------------

@pytest.mark.slow
def test_a_steward_works_through_the_demo_from_the_cli_alone(cli: Cli, engine: sa.Engine, tmp_path: Path) -> None:
    ok(cli("demo", "--quiet"))
    # The samples' persons all match clearly; a department's resend brings pairs to review.
    ok(cli("ingest", "population", str(review_pairs_file(tmp_path)), "--source", "police"))
    ok(cli("run", "population", "--quiet"))
    listed = as_json(cli("review", "list", "--json"))
    assert listed["counts"]["population"]["open"] == 4
    pairs = {p["source_record_id_l"][:2]: p["review_id"] for p in listed["pairs"]}
    assert "钭思远" in ok(cli("review", "show", str(pairs["P1"])))
    ok(cli("review", "reject", str(pairs["P1"]), "--note", "different people"))
    ok(cli("review", "accept", str(pairs["P2"]), "--note", "same person"))

    # Offline: export the rest, decide P6 in a spreadsheet, leave P4 for later, import.
    exported = tmp_path / "rest.csv"
    ok(cli("review", "export", "--domain", "population", "--out", str(exported)))
    with exported.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["record_l"][7:9] for row in rows} == {"P4", "P6"}
    for row in rows:
        if row["record_l"].startswith("police:P6"):
            row["decision"], row["note"] = "reject", "checked with 公安 by phone"
    with exported.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert "1 decision(s) applied, 1 row(s) without a decision skipped" in ok(cli("review", "import", str(exported)))

    # P4 turns out to be one person: merge their golden records (this closes the open pair too).
    p4 = golden_of(engine, "police", "P4_A"), golden_of(engine, "police", "P4_B")
    merged = as_json(cli("merge", *p4, "--note", "same person: 笪静怡 moved from 襄阳 to 宜昌", "--json"))
    assert len(merged["golden_after"]) == 1 and merged["reviews"] == [
        {"review_id": pairs["P4"], "from": "open", "to": "accepted"}]
    assert as_json(cli("review", "list", "--json"))["counts"]["population"]["open"] == 0
    assert cli("run", "population")[0] == 3  # the merge's run applied every decision so far
    assert golden_of(engine, "police", "P2_A") == golden_of(engine, "police", "P2_B")
    assert golden_of(engine, "police", "P1_A") != golden_of(engine, "police", "P1_B")
    assert golden_of(engine, "police", "P6_A") != golden_of(engine, "police", "P6_B")

    # A new record of another 蒯雨桐 born the same day at P2_A's address joins P2's golden record;
    # the steward knows it is someone else and splits it off.
    namesake = person("P9_A", name="蒯雨桐", 公民身份号码="", 出生日期="1979-03-14", 联系电话="13800000009",
                      户籍地址=WUHAN[0], 户籍地行政区划=WUHAN[1], 性别="女")
    ok(cli("ingest", "population", str(write_csv(tmp_path / "p9.csv", [namesake])), "--source", "police"))
    ok(cli("run", "population", "--quiet"))
    p2 = golden_of(engine, "police", "P2_A")
    assert golden_of(engine, "police", "P9_A") == p2
    split = as_json(cli("split", p2, "--records", "police:P9_A", "--note", "a namesake: 女, other household",
                        "--json"))
    assert len(split["golden_after"]) == 2 and p2 in split["golden_after"]
    assert cli("run", "population", "--full")[0] == 0  # every pair scored anew: the decisions hold
    assert golden_of(engine, "police", "P9_A") != golden_of(engine, "police", "P2_A") == p2
    assert golden_of(engine, "police", "P2_B") == p2
    assert golden_of(engine, "police", "P4_A") == golden_of(engine, "police", "P4_B")
    assert as_json(cli("review", "list", "--json"))["counts"]["population"]["open"] == 0

    log = ok(cli("steward", "log"))
    for action in ("review_accept", "review_reject", "merge", "split"):
        assert action in log, action
    report = tmp_path / "report.html"
    assert "written to" in ok(cli("report", "--out", str(report), "--golden", p2))
    html = report.read_text(encoding="utf-8")
    assert 'data-chart="cluster-graph"' in html and "police:P2_B" in html
