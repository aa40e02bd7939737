"""人口 samples: four departments' extracts of the same ~600 people, each with its own habits.

The bulk benchmark generator (:func:`generate_rows`, :func:`generate_table`,
:func:`write_police_csv`) lives in :mod:`chutian_mdm.synth.bulk` and is re-exported here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .addresses import address_variant, random_address
from .bulk import generate_rows, generate_table, write_police_csv
from .dirt import (
    Dirt,
    dirty_person_name,
    format_date,
    format_datetime,
    format_landline,
    format_mobile,
    random_datetime,
)
from .ids import dirty_citizen_id
from .output import Draft, SourceFile
from .people import Person, ethnicity_names, make_people
from .pools import name_pools

__all__ = ["generate_population", "generate_rows", "generate_table", "write_police_csv"]

UPDATED_FROM = dt.datetime(2020, 1, 1)
UPDATED_TO = dt.datetime(2026, 10, 31, 23, 59, 59)


@dataclass(frozen=True)
class Style:
    """How one department keeps its population records."""

    source: str
    fmt: str
    share: float  # chance that a person is in this department's extract
    duplicate: float  # chance that a person is in it twice (under two record IDs)
    rate: float  # scales the random dirt
    dates: tuple[str, ...]  # date styles, repeated to weight them
    datetimes: tuple[str, ...]
    genders: tuple[tuple[str, str], ...]  # (male, female) spellings
    ethnicities: tuple[str, ...]  # name | short | code | int
    missing: dict[str, float]  # chance that a field is left empty
    address: str  # home | residence
    keep_province: float
    division: str  # home | residence | insured (city-level for some)
    record_id: Callable[[int, Draft], str]


STYLES = (
    Style("police", "csv-bom", 0.66, 0.02, 0.4, ("iso",), ("space",), (("男", "女"),),
          ("name",), {"phone": 0.35, "address": 0.005}, "home", 0.9, "home",
          lambda n, d: f"RY42{n:08d}"),
    Style("civil_affairs", "csv-gb18030", 0.46, 0.04, 1.0,
          ("chinese", "chinese", "compact", "iso"), ("space", "date"), (("男", "女"), ("1", "2")),
          ("short", "name", "name"), {"phone": 0.2, "address": 0.04, "birth_date": 0.05,
                                      "citizen_id": 0.02, "gender": 0.02, "ethnicity": 0.05},
          "residence", 0.3, "home", lambda n, d: f"MZ-{n:07d}"),
    Style("social_security", "xlsx", 0.48, 0.04, 1.0, ("compact", "compact", "slash", "iso"),
          ("compact", "space"), (("1", "2"),), ("code", "code", "int"),
          {"phone": 0.05, "address": 0.04, "birth_date": 0.04, "citizen_id": 0.01,
           "ethnicity": 0.05}, "residence", 0.2, "insured", lambda n, d: f"{4200000 + n:010d}"),
    Style("health", "jsonl", 0.48, 0.05, 1.3, ("iso", "dotted", "slash", "compact"),
          ("iso_t", "space"), (("M", "F"), ("男", "女"), ("男", "女")), ("name", "short"),
          {"phone": 0.1, "address": 0.04, "birth_date": 0.05, "citizen_id": 0.06,
           "gender": 0.03, "ethnicity": 0.15},
          "residence", 0.5, "residence",
          lambda n, d: f"{d.record.get('household_division_code') or '420000'}2{n:010d}"),
)


def generate_population(seed: int, count: int = 600, **groups: Any) -> tuple[list[Person], list[SourceFile]]:
    """The true persons and the four departments' files. ``count`` and ``groups`` (the
    hard-negative group sizes of :func:`make_people`) scale it up for benchmarks."""
    rng = random.Random(f"population/{seed}")
    people = make_people(rng, name_pools(seed), count, **groups)
    membership = _membership(rng, people)
    files = []
    for style in STYLES:
        dirt = Dirt(random.Random(f"population/{seed}/{style.source}"))
        drafts: list[Draft] = []
        for person in people:
            if style.source not in membership[person.entity_id]:
                continue
            drafts.append(_record(person, style, dirt))
            if dirt.roll(style.duplicate):
                drafts.append(_duplicate(person, style, dirt))
                dirt.mark("duplicate_in_file")
        drafts += _bait(style, people, dirt)
        files.append(_assemble(style, drafts, dirt))
    return people, files


def _membership(rng: random.Random, people: list[Person]) -> dict[str, set[str]]:
    """Which departments hold each person: at least one, by each department's share."""
    out: dict[str, set[str]] = {}
    for person in people:
        sources = {s.source for s in STYLES if rng.random() < s.share}
        if not sources:
            sources = {rng.choices(STYLES, weights=[s.share for s in STYLES])[0].source}
        out[person.entity_id] = sources
    return out


def _assemble(style: Style, drafts: list[Draft], dirt: Dirt) -> SourceFile:
    dirt.rng.shuffle(drafts)
    file = SourceFile("population", style.source, style.fmt, dirt=dirt.counts)
    number = 0
    for draft in drafts:
        number += dirt.rng.randint(1, 7)  # record numbers have gaps (deleted records)
        file.add(draft, style.record_id(number, draft))
    return file


def _record(person: Person, style: Style, dirt: Dirt) -> Draft:
    rng = dirt.rng
    miss = style.missing

    def missing(field: str) -> bool:
        if dirt.roll(miss.get(field, 0.0)):
            dirt.mark(f"{field}_missing")
            return True
        return False

    record: dict[str, str | None] = dict.fromkeys(
        ("citizen_id", "name", "gender", "birth_date", "ethnicity", "phone", "address",
         "household_division_code", "updated_at"))
    if not missing("citizen_id"):
        record["citizen_id"] = dirty_citizen_id(person.citizen_id, person.birth.year, dirt,
                                                style.rate)
    record["name"] = dirty_person_name(person.name, dirt, style.rate)
    if not missing("gender"):
        male, female = rng.choice(style.genders)
        wrong = dirt.roll(0.005 * style.rate)
        if wrong:
            dirt.mark("gender_contradicts_id")
        record["gender"] = male if person.male != wrong else female
    if not missing("birth_date"):
        birth = person.birth
        if dirt.roll(0.01 * style.rate):
            birth = birth.replace(day=min(birth.day % 28 + 1, 28))
            dirt.mark("birth_date_contradicts_id")
        date_style = rng.choice(style.dates)
        if date_style != "iso":
            dirt.mark(f"birth_date_as_{date_style}")
        record["birth_date"] = format_date(birth, date_style)
    if not missing("ethnicity"):
        record["ethnicity"] = _ethnicity(person.ethnicity, rng.choice(style.ethnicities))
    if not missing("phone"):
        record["phone"] = _phone(person, dirt, style)
    address = person.home if style.address == "home" else person.residence
    if not missing("address"):
        record["address"] = address_variant(address, dirt, keep_province=style.keep_province,
                                             keep_city=0.8, with_township=0.25, rate=style.rate)
    division = (person.home if style.division == "home" else person.residence).district.code
    if style.division == "insured" and rng.random() < 0.4:
        division = division[:4] + "00"  # insured at city level
        dirt.mark("division_city_level")
    record["household_division_code"] = None if missing("household_division_code") else division
    start = max(UPDATED_FROM, dt.datetime.combine(person.birth, dt.time(9)))
    record["updated_at"] = format_datetime(random_datetime(rng, start, UPDATED_TO),
                                           rng.choice(style.datetimes))
    return Draft(record, person.entity_id)


def _ethnicity(code: str, style: str) -> str:
    name, short = ethnicity_names()[code]
    return {"name": name, "short": short, "code": code, "int": str(int(code))}[style]


def _phone(person: Person, dirt: Dirt, style: Style) -> str | None:
    if person.mobile and (not person.landline or dirt.rng.random() < 0.7):
        if dirt.roll(min(1.0, 0.5 * style.rate)):
            text, kind = format_mobile(person.mobile, dirt.rng)
            if kind:
                dirt.mark(kind)
            return text
        return person.mobile
    if person.landline:
        area, local = person.landline.split("-")
        dirt.mark("phone_landline")
        return format_landline(area, local, dirt.rng)
    return None


def _duplicate(person: Person, style: Style, dirt: Dirt) -> Draft:
    """The same person registered again: sometimes after moving house."""
    draft = _record(person, style, dirt)
    if dirt.roll(0.3) and draft.record.get("address"):
        moved = random_address(dirt.rng).with_home(dirt.rng)
        draft.record["address"] = address_variant(moved, dirt, keep_province=style.keep_province,
                                                   keep_city=0.8, with_township=0.2, rate=0)
        dirt.mark("duplicate_moved_house")
    return draft


def _bait(style: Style, people: list[Person], dirt: Dirt) -> list[Draft]:
    """Records ingest must quarantine (each is an extra record of an existing person)."""
    rng = dirt.rng
    victims = rng.sample(people, 2)
    drafts = [_record(p, style, dirt) for p in victims]
    first, second = drafts
    birth = victims[1].birth
    if style.source == "police":
        first.record["name"] = ""
        first.bait = ("name", "required_missing", "empty 姓名")
        second.record["birth_date"] = f"{birth.year}-13-45"
        second.bait = ("birth_date", "date_invalid", "month 13, day 45")
    elif style.source == "civil_affairs":
        second.record["birth_date"] = f"{birth.year}年2月30日"
        second.bait = ("birth_date", "date_invalid", "30 February")
        address = victims[0].residence
        first.record["address"] = f"{address.district.name}{address.road},{address.door_text}"
        first.bait = ("address", "row_malformed",
                      "unquoted comma in 居住地址: one column more than the header")
        first.split_field = "address"
    elif style.source == "social_security":
        first.record["name"] = None
        first.bait = ("name", "required_missing", "empty 姓名 cell")
        drafts = [first]
    else:
        first.record["updated_at"] = "2019-02-29 10:15:00"
        first.bait = ("updated_at", "datetime_invalid", "29 February 2019 (not a leap year)")
        drafts = [first]
    dirt.counts["quarantine_bait"] += len(drafts)
    return drafts
