"""The committed samples under ``data/samples``: every department file, the truth, the README.

``write_samples`` is deterministic: the same seed gives the same bytes on every run (given the
same versions of Faker, opencc and pyarrow, whose output feeds the files).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from .addresses import Address
from .companies import Company
from .geospatial import Place, anchor_addresses, generate_geospatial
from .legal_entity import generate_legal_entities
from .macroeconomic import TrueValue, generate_macroeconomic
from .output import SourceFile, csv_bytes, write_source_file
from .people import Person
from .population import generate_population

SEED = 20261101
TRUTH_HEADERS = ["source", "source_record_id", "entity_id"]
QUARANTINE_HEADERS = ["domain", "source", "file", "row", "source_record_id", "field", "rule",
                      "reason"]

Table = tuple[list[str], list[list[str]]]


@dataclass
class Samples:
    files: list[SourceFile]
    truth: dict[str, Table] = field(default_factory=dict)  # file name under truth/ -> table
    people: list[Person] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    values: list[TrueValue] = field(default_factory=list)


def build_samples(seed: int = SEED) -> Samples:
    """Generate all four domains in memory."""
    people, population_files = generate_population(seed)
    companies, legal_files = generate_legal_entities(seed, people)
    anchors = anchor_addresses(seed, [p.home for p in people], [c.address for c in companies])
    places, geo_files = generate_geospatial(seed, anchors)
    values, macro_files = generate_macroeconomic(seed)
    samples = Samples(population_files + legal_files + geo_files + macro_files, people=people,
                      places=places, values=values)
    for domain in ("population", "legal_entity", "geospatial", "macroeconomic"):
        rows = [[f.source, str(row["source_record_id"]), entity]
                for f in samples.files if f.domain == domain
                for row, entity in zip(f.rows, f.entity_ids, strict=True)]
        samples.truth[f"{domain}.csv"] = (TRUTH_HEADERS, rows)
    samples.truth["quarantine.csv"] = (QUARANTINE_HEADERS, [
        [f.domain, f.source, f.relative_path, str(f.row_number(b.index)),
         str(f.rows[b.index]["source_record_id"]), b.field, b.rule, b.reason]
        for f in samples.files for b in sorted(f.bait, key=lambda b: b.index)])
    samples.truth["population_entities.csv"] = (
        ["entity_id", "citizen_id", "name", "gender", "birth_date", "ethnicity",
         "household_division_code", "residence_division_code", "group"],
        [[p.entity_id, p.citizen_id, p.name, p.gender, p.birth.isoformat(), p.ethnicity,
          p.home.district.code, p.residence.district.code, p.group] for p in people])
    samples.truth["legal_entity_entities.csv"] = (
        ["entity_id", "uscc", "name", "kind", "parent_entity_id", "division_code", "status",
         "legal_representative_entity_id"],
        [[c.entity_id, c.uscc, c.name, c.kind, c.parent, c.district.code, c.status,
          c.representative.entity_id] for c in companies])
    samples.truth["geospatial_entities.csv"] = (
        ["entity_id", "address", "division_code", "place_name", "longitude_wgs84",
         "latitude_wgs84"],
        [[p.entity_id, p.address.standard(), p.address.district.code, p.place_name,
          f"{p.lon:.6f}", f"{p.lat:.6f}"] for p in places])
    samples.truth["links.csv"] = (["link", "from_entity_id", "to_entity_id", "method"],
                                  true_links(people, companies, places))
    samples.truth["macroeconomic_values.csv"] = (
        ["indicator_code", "division_code", "period", "value", "unit", "indicator_name",
         "entity_id"],
        [[v.indicator.code, v.division, v.period, format(v.value, "f"), v.indicator.unit,
          v.indicator.name, v.entity_id] for v in values])
    return samples


def true_links(people: list[Person], companies: list[Company], places: list[Place]) -> list[list[str]]:
    """Links across the databases: a company's legal representative (a person), and the places
    persons live at (home or current residence) and companies are registered at — the place of
    the address itself, of its building or of its door."""
    at = {p.address.standard(): p.entity_id for p in places}

    def containing(address: Address) -> list[tuple[str, str]]:
        levels = (("address", address), ("building", replace(address, unit=None, room=None)),
                  ("door", replace(address, building=None, unit=None, room=None)))
        out: list[tuple[str, str]] = []
        for method, level in levels:
            if (method == "address" or level != address) and level.standard() in at \
                    and at[level.standard()] not in {place for place, _ in out}:
                out.append((at[level.standard()], method))
        return out

    rows = [["legal_representative", c.entity_id, c.representative.entity_id, ""] for c in companies]
    rows += [["registered_address", c.entity_id, place, method] for c in companies
             for place, method in containing(c.address)]
    for person in people:
        found = dict(containing(person.home))
        for place, method in containing(person.residence):
            found.setdefault(place, method)
        rows += [["address", person.entity_id, place, method] for place, method in found.items()]
    return rows


def write_samples(out_dir: Path, seed: int = SEED) -> list[Path]:
    """Write the sample files, the truth tables and the README; return the paths written."""
    from .readme import render_readme

    samples = build_samples(seed)
    written = [write_source_file(f, out_dir) for f in samples.files]
    truth_dir = out_dir / "truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    for name, (headers, rows) in samples.truth.items():
        path = truth_dir / name
        path.write_bytes(csv_bytes(headers, rows, "utf-8"))
        written.append(path)
    readme = out_dir / "README.md"
    readme.write_text(render_readme(samples), encoding="utf-8")
    written.append(readme)
    return written
