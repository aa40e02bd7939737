"""Drop-folder ingestion: naming convention or sidecar, processed/ and failed/, nothing lost."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from chutian_mdm.errors import ConfigError
from chutian_mdm.inbox import ingest_inbox, scan_inbox

from .helpers import person, write_csv


def test_files_are_ingested_by_name_or_sidecar_and_moved(engine: sa.Engine, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "population__police__20241125.csv", [person("P1"), person("P2", "")])
    headers = ["个人编号", "社会保障号码", "姓名"]
    write_csv(inbox / "人社导出.csv", [{"个人编号": "S1", "社会保障号码": "", "姓名": "李娜"}], headers=headers)
    (inbox / "人社导出.csv.meta.yaml").write_text("domain: population\nsource: social_security\n", encoding="utf-8")
    (inbox / "still_uploading.csv.part").write_text("x", encoding="utf-8")
    (inbox / ".hidden.csv").write_text("x", encoding="utf-8")

    result = ingest_inbox(engine, inbox)

    assert sorted((b.source, b.rows_in, b.accepted, b.quarantined) for b in result.ingested) == [
        ("police", 2, 1, 1), ("social_security", 1, 1, 0)]
    assert result.domains == ["population"] and result.quarantined == 1
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == [
        "population__police__20241125.csv", "人社导出.csv", "人社导出.csv.meta.yaml"]
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == [".hidden.csv", "still_uploading.csv.part"]


def test_unreadable_or_unnamed_files_go_to_failed_with_a_reason(engine: sa.Engine, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "population__police__broken.csv").write_bytes(b"")
    write_csv(inbox / "some_export.csv", [person("P1")])
    write_csv(inbox / "population__tax__x.csv", [person("P1")])  # tax delivers no population

    result = ingest_inbox(engine, inbox)

    assert not result.ingested and len(result.failed) == 3
    failed = inbox / "failed"
    reasons = {p.name.removesuffix(".reason.txt"): p.read_text(encoding="utf-8")
               for p in failed.glob("*.reason.txt")}
    assert "empty" in reasons["population__police__broken.csv"]
    assert "<domain>__<source>__<anything>.csv" in reasons["some_export.csv"]
    assert "no profile for domain 'population'" in reasons["population__tax__x.csv"]
    assert {p.name for p in failed.iterdir()} >= set(reasons)


def test_a_file_seen_before_is_a_duplicate_and_an_earlier_name_is_not_overwritten(
    engine: sa.Engine, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = "population__police__daily.csv"
    write_csv(inbox / name, [person("P1")])
    assert len(ingest_inbox(engine, inbox).ingested) == 1
    write_csv(inbox / name, [person("P1")])  # the same extract delivered again
    again = ingest_inbox(engine, inbox)
    assert not again.ingested and len(again.duplicates) == 1
    assert len(list((inbox / "processed").iterdir())) == 2  # both copies kept


def test_files_are_taken_oldest_first(tmp_path: Path) -> None:
    for age, name in ((30, "population__police__b.csv"), (60, "population__police__a2.csv"),
                      (10, "population__police__c.csv")):
        write_csv(tmp_path / name, [person("P1")])
        stamp = 1_700_000_000 - age
        os.utime(tmp_path / name, (stamp, stamp))
    assert [f.path.name for f in scan_inbox(tmp_path)] == [
        "population__police__a2.csv", "population__police__b.csv", "population__police__c.csv"]


def test_missing_inbox_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a directory"):
        scan_inbox(tmp_path / "nope")
