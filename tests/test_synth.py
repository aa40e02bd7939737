"""The synthetic sample generator: deterministic, true to the source profiles, honest truth."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from stdnum import numdb
from stdnum.cn import ric, uscc

from chutian_mdm.domains.schema import load_source
from chutian_mdm.synth import write_samples
from chutian_mdm.synth.addresses import wgs84_to_gcj02
from chutian_mdm.synth.output import SourceFile
from chutian_mdm.synth.population import generate_rows, generate_table, write_police_csv
from chutian_mdm.synth.regions import ALL_CODES
from chutian_mdm.synth.samples import build_samples

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "data" / "samples"
DOMAINS = ("population", "legal_entity", "geospatial", "macroeconomic")


@pytest.fixture(scope="module")
def samples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    write_samples(out)
    return out


def read_table(path: Path) -> tuple[list[str], list[list[str | None]]]:
    """A department file as header + rows of text, read without chutian_mdm's own readers."""
    if path.suffix == ".csv":
        data = path.read_bytes()
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else (
            "gb18030" if path.name == "civil_affairs.csv" else "utf-8")
        header, *rows = csv.reader(io.StringIO(data.decode(encoding), newline=""))
        return header, [[v or None for v in row] for row in rows]
    if path.suffix == ".jsonl":
        objects = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        header = list(objects[0])
        return header, [[o.get(h) for h in header] for o in objects]
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).worksheets[0]
        header, *rows = (list(r) for r in sheet.iter_rows(values_only=True))
        return [str(h) for h in header], rows
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return table.column_names, [list(r.values()) for r in table.to_pylist()]


def department_files(root: Path) -> list[tuple[str, str, Path]]:
    return [(domain, path.stem, path) for domain in DOMAINS
            for path in sorted((root / domain).iterdir())]


def read_truth(root: Path, name: str) -> list[dict[str, str]]:
    with (root / "truth" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# -- determinism ---------------------------------------------------------------------------------


def test_bulk_rows_are_the_same_for_the_same_seed() -> None:
    first = list(generate_rows(3000, seed=7))
    assert first == list(generate_rows(3000, seed=7))
    assert first != list(generate_rows(3000, seed=8))


def test_samples_are_byte_identical_on_every_run(samples_dir: Path, tmp_path: Path) -> None:
    write_samples(tmp_path)
    produced = sorted(p.relative_to(samples_dir) for p in samples_dir.rglob("*") if p.is_file())
    assert produced == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    for relative in produced:
        assert (samples_dir / relative).read_bytes() == (tmp_path / relative).read_bytes(), relative


def test_committed_samples_are_what_the_generator_writes(samples_dir: Path) -> None:
    stale = [str(p.relative_to(samples_dir)) for p in samples_dir.rglob("*") if p.is_file()
             and (COMMITTED / p.relative_to(samples_dir)).read_bytes() != p.read_bytes()]
    assert not stale, f"regenerate with: python -m chutian_mdm.synth samples ({stale})"


# -- files fit the source profiles ---------------------------------------------------------------


def test_headers_are_exactly_the_source_profile_columns(samples_dir: Path) -> None:
    files = department_files(samples_dir)
    assert len(files) == 10
    for domain, source, path in files:
        header, _ = read_table(path)
        assert header == list(load_source(source).mapping_for(domain).columns), path


def test_files_use_their_departments_encodings_and_types(samples_dir: Path) -> None:
    police = (samples_dir / "population" / "police.csv").read_bytes()
    assert police.startswith(b"\xef\xbb\xbf")
    civil = (samples_dir / "population" / "civil_affairs.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        civil.decode("utf-8")
    assert "姓名" in civil.decode("gb18030")
    from openpyxl import load_workbook

    sheet = load_workbook(samples_dir / "population" / "social_security.xlsx").worksheets[0]
    kinds = {cell.data_type for row in sheet.iter_rows() for cell in row if cell.value is not None}
    assert kinds == {"s"}  # IDs are text, not numbers
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(samples_dir / "legal_entity" / "tax.parquet")
    assert all(t == pa.string() for t in schema.types)


def test_files_have_hundreds_of_rows(samples_dir: Path) -> None:
    sizes = {f"{d}/{s}": len(read_table(p)[1]) for d, s, p in department_files(samples_dir)}
    assert sizes["population/police"] >= 380
    assert all(n >= 90 for n in sizes.values()), sizes


# -- truth ---------------------------------------------------------------------------------------


def test_truth_lists_every_record_exactly_once(samples_dir: Path) -> None:
    for domain in DOMAINS:
        in_files = Counter()
        for file_domain, source, path in department_files(samples_dir):
            if file_domain == domain:
                header, rows = read_table(path)
                id_column = next(h for h, f in load_source(source).mapping_for(domain).columns.items()
                                 if f == "source_record_id")
                at = header.index(id_column)
                in_files.update((source, str(row[at])) for row in rows)
        truth = Counter((r["source"], r["source_record_id"]) for r in read_truth(samples_dir,
                                                                                 f"{domain}.csv"))
        assert max(in_files.values()) == 1, f"{domain}: a source_record_id repeats in a file"
        assert max(truth.values()) == 1
        assert set(truth) == set(in_files), domain


def test_entities_appear_in_several_departments_and_twice_in_one(samples_dir: Path) -> None:
    truth = read_truth(samples_dir, "population.csv")
    sources_per_person: dict[str, set[str]] = {}
    for row in truth:
        sources_per_person.setdefault(row["entity_id"], set()).add(row["source"])
    assert len(sources_per_person) == 600
    spread = Counter(len(s) for s in sources_per_person.values())
    assert set(spread) <= {1, 2, 3, 4} and spread[1] and spread[4]
    per_file = Counter((r["source"], r["entity_id"]) for r in truth)
    assert any(n > 1 for n in per_file.values())


def test_generated_identifiers_have_valid_check_characters(samples_dir: Path) -> None:
    people = read_truth(samples_dir, "population_entities.csv")
    for person in people:
        number = person["citizen_id"]
        assert ric.calc_check_digit(number) == number[-1], number
        assert ric.get_birth_date(number).isoformat() == person["birth_date"]
        assert int(number[16]) % 2 == (1 if person["gender"] == "1" else 0)
    assert len({p["citizen_id"] for p in people}) == len(people)
    companies = read_truth(samples_dir, "legal_entity_entities.csv")
    for company in companies:
        assert uscc.is_valid(company["uscc"]), company["uscc"]
    # bulk rows: apart from the deliberately broken ones (about 2 %), 18-digit IDs check out
    plain = [i for r in generate_rows(5000, seed=1) if re.fullmatch(r"[0-9]{17}[0-9X]", i := r["公民身份号码"])]
    assert len(plain) > 4500
    broken = [i for i in plain if ric.calc_check_digit(i) != i[-1]]
    assert 0 < len(broken) < 0.03 * len(plain)


def test_division_codes_are_real_gbt2260_codes() -> None:
    table = numdb.get("cn/loc")
    for code, name in ALL_CODES.items():
        info = {k: v for _, props in table.info(code) for k, v in props.items()}
        known = info.get("county", "") + info.get("province", "")
        assert name in known, (code, name, info)


def test_hard_negatives_are_different_entities(samples_dir: Path) -> None:
    people = read_truth(samples_dir, "population_entities.csv")
    groups: dict[str, list[dict[str, str]]] = {}
    for person in people:
        groups.setdefault(person["group"], []).append(person)
    twins = [g for name, g in groups.items() if name.startswith("twins")]
    assert len(twins) == 4
    for a, b in twins:
        assert a["birth_date"] == b["birth_date"] and a["name"] != b["name"]
        assert a["citizen_id"] != b["citizen_id"]
    fathers_and_sons = [g for name, g in groups.items() if name.startswith("father_son")]
    assert len(fathers_and_sons) == 3
    for father, son in fathers_and_sons:
        assert father["name"] == son["name"] and father["birth_date"] < son["birth_date"]
        assert father["household_division_code"] == son["household_division_code"]
    assert len(groups["common_name:张伟"]) == 8
    assert any("·" in p["name"] for p in people)


def test_branches_are_entities_distinct_from_their_parents(samples_dir: Path) -> None:
    companies = {c["entity_id"]: c for c in read_truth(samples_dir, "legal_entity_entities.csv")}
    branches = [c for c in companies.values() if c["kind"] == "branch"]
    assert branches
    for branch in branches:
        parent = companies[branch["parent_entity_id"]]
        assert branch["name"].startswith(parent["name"]) and branch["name"].endswith("分公司")
        assert branch["uscc"] != parent["uscc"]
    people = {p["entity_id"] for p in read_truth(samples_dir, "population_entities.csv")}
    assert {c["legal_representative_entity_id"] for c in companies.values()} <= people


def test_macroeconomic_truth_values_and_units(samples_dir: Path) -> None:
    values = {r["entity_id"]: r for r in read_truth(samples_dir, "macroeconomic_values.csv")}
    assert {"A01|420100|2024", "A02|420500|2024Q3", "A04|420000|2024-06"} <= set(values)
    truth = read_truth(samples_dir, "macroeconomic.csv")
    quarantined = {r["source_record_id"] for r in read_truth(samples_dir, "quarantine.csv")}
    assert {r["entity_id"] for r in truth if r["source_record_id"] not in quarantined} <= set(values)
    overlap = {r["entity_id"] for r in truth if r["source"] == "tax"} & {
        r["entity_id"] for r in truth if r["source"] == "statistics"}
    assert len(overlap) >= 20
    units = {r["unit"] for r in values.values()}
    assert units == {"亿元", "万人", "元", "%"}


def test_gcj02_offset_is_hundreds_of_metres() -> None:
    lon, lat = 114.316, 30.554
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    metres = math.hypot((g_lon - lon) * 111_320 * math.cos(math.radians(lat)), (g_lat - lat) * 111_320)
    assert 200 < metres < 1000


# -- quarantine bait -----------------------------------------------------------------------------


def _is_date(text: str) -> bool:
    patterns = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S")
    for pattern in patterns:
        try:
            dt.datetime.strptime(text, pattern)
            return True
        except ValueError:
            pass
    return False


def test_quarantine_bait_is_in_the_files(samples_dir: Path) -> None:
    bait = read_truth(samples_dir, "quarantine.csv")
    rules = Counter(r["rule"] for r in bait)
    assert rules["required_missing"] >= 3 and rules["date_invalid"] >= 3
    assert rules["row_malformed"] == 1
    for row in bait:
        path = samples_dir / row["file"]
        source = load_source(row["source"]).mapping_for(row["domain"]).columns
        header_of = {f: h for h, f in source.items()}
        if row["rule"] == "row_malformed":
            lines = path.read_bytes().decode("gb18030").splitlines()
            cells = next(csv.reader([lines[int(row["row"]) - 1]]))
            assert len(cells) == len(source) + 1 and cells[0] == row["source_record_id"]
            continue
        header, rows = read_table(path)
        record = dict(zip(header, rows[int(row["row"]) - (1 if path.suffix in (".jsonl", ".parquet")
                                                          else 2)], strict=True))
        assert str(record[header_of["source_record_id"]]) == row["source_record_id"]
        value = record[header_of[row["field"]]]
        if row["rule"] == "required_missing":
            assert not value
        elif row["rule"] in ("date_invalid", "datetime_invalid"):
            assert value and not _is_date(value), value
    population = [r for r in bait if r["domain"] == "population"]
    assert {r["file"] for r in population} == {
        "population/police.csv", "population/civil_affairs.csv", "population/social_security.xlsx",
        "population/health.jsonl"}


def test_quarantine_list_matches_the_generated_bait() -> None:
    samples = build_samples()
    baited = {(f.relative_path, b.index) for f in samples.files for b in f.bait}
    assert len(baited) == len(samples.truth["quarantine.csv"][1])
    assert all(isinstance(f, SourceFile) for f in samples.files)


# -- bulk generator ------------------------------------------------------------------------------


def test_bulk_rows_are_keyed_by_police_headers_and_dirty() -> None:
    headers = list(load_source("police").mapping_for("population").columns)
    rows = list(generate_rows(20_000, seed=3, with_entity_id=True))
    assert list(rows[0]) == [*headers, "entity_id"]
    ids = [r["公民身份号码"] for r in rows]
    assert any(len(i) == 15 for i in ids)  # legacy IDs
    assert any(re.search(r"[０-９]", i) for i in ids)  # full-width digits
    entities = Counter(r["entity_id"] for r in rows)
    assert 0.03 < sum(n - 1 for n in entities.values()) / len(rows) < 0.1  # duplicates
    assert len({r["人员编号"] for r in rows}) == len(rows)


def test_bulk_table_and_csv(tmp_path: Path) -> None:
    table = generate_table(500, seed=2)
    assert table.num_rows == 500  # type: ignore[attr-defined]
    path = write_police_csv(tmp_path / "police.csv", 500, seed=2)
    with path.open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header == list(load_source("police").mapping_for("population").columns)
    assert rows == [list(r.values()) for r in generate_rows(500, seed=2)]


def test_missing_faker_gives_an_installable_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    from chutian_mdm.synth.pools import require_faker

    monkeypatch.setitem(sys.modules, "faker", None)
    with pytest.raises(RuntimeError, match=r"pip install 'chutian-mdm\[dev\]'"):
        require_faker()
