"""A fast generator of police-style population rows for benchmarks (a million rows in seconds).

Faker builds the name pools once; addresses, birth dates and timestamps are pre-rendered into
pools; each row is then a handful of draws from ``random.Random(seed)``. The dirt is that of the
samples (see :mod:`chutian_mdm.synth.population`) at similar rates: duplicates of earlier
persons (about 6 % of rows), twins, typos, traditional characters, legacy 15-digit and broken
IDs, phone formats, addresses with and without prefixes, and about 0.1 % quarantine bait.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from ..domains.schema import load_source
from .addresses import Address, address_variant, random_address
from .dirt import Dirt, dirty_person_name, format_datetime, format_mobile, random_datetime
from .ids import citizen_id, dirty_citizen_id, sequence_for
from .output import REFERENCE_DATE, csv_bytes
from .pools import mobile_number, name_pools
from .regions import id_region

FIELDS = ("source_record_id", "citizen_id", "name", "gender", "birth_date", "ethnicity", "phone",
          "address", "household_division_code", "updated_at")
DUPLICATE_RATE = 0.06
TWIN_RATE = 0.002
BAIT_RATE = 0.001
_DIRT_RATE = 0.7  # the samples' police extract uses 0.4, the other departments 1.0–1.3
_ETHNICITIES = ("汉族",) * 96 + ("回族", "土家族", "土家族", "满族")
_BATCH = 50_000
_RECENT = 100_000


def police_headers() -> list[str]:
    """The police profile's headers, in the order of :data:`FIELDS`."""
    columns = load_source("police").mapping_for("population").columns
    by_field = {f: h for h, f in columns.items()}
    return [by_field[f] for f in FIELDS]


@cache
def _pools(seed: int) -> tuple[list[tuple[Address, list[str]]], list[str], list[dt.date]]:
    rng = random.Random(f"bulk-pools/{seed}")
    dirt = Dirt(rng)
    addresses = []
    for _ in range(5000):
        address = random_address(rng).with_home(rng)
        variants = [address_variant(address, dirt, keep_province=0.85, keep_city=0.8,
                                    with_township=0.2, rate=_DIRT_RATE) for _ in range(3)]
        addresses.append((address, variants))
    start, end = dt.datetime(2020, 1, 1), dt.datetime(2026, 10, 31, 23, 59, 59)
    timestamps = [format_datetime(random_datetime(rng, start, end), "space") for _ in range(20000)]
    births = [REFERENCE_DATE - dt.timedelta(days=int(rng.betavariate(2.0, 2.4) * 92 * 365.25) + 30)
              for _ in range(40000)]
    return addresses, timestamps, births


def _rows(n: int, seed: int) -> Iterator[tuple[str, ...]]:
    """Rows as tuples in :data:`FIELDS` order plus the true ``entity_id`` last."""
    rng = random.Random(seed)
    dirt = Dirt(rng)
    names = name_pools(seed)
    addresses, timestamps, births = _pools(seed)
    # The most recent persons (a ring buffer): duplicates and twins are drawn from them.
    recent: list[tuple[str, str, bool, dt.date, str, int, str]] = []
    count = 0
    record_number = 0
    for _ in range(n):
        roll = rng.random()
        if recent and roll < DUPLICATE_RATE:
            person = recent[rng.randrange(len(recent))]
        else:
            if recent and roll < DUPLICATE_RATE + TWIN_RATE:
                sibling = recent[(count - 1) % _RECENT]
                male = rng.random() < 0.5
                birth, address_index, ethnicity = sibling[3], sibling[5], sibling[6]
                name = sibling[1][0] + names.given_name(rng, male, birth.year)
            else:
                male = rng.random() < 0.5
                birth = births[rng.randrange(len(births))]
                address_index = rng.randrange(len(addresses))
                ethnicity = _ETHNICITIES[rng.randrange(100)]
                name = names.full_name(rng, male, birth.year)
            region = id_region(addresses[address_index][0].district, birth.year)
            number = citizen_id(region, birth, sequence_for(rng, male))
            count += 1
            person = (f"P{count:08d}", name, male, birth, number, address_index, ethnicity)
            if len(recent) < _RECENT:
                recent.append(person)
            else:
                recent[(count - 1) % _RECENT] = person
        entity_id, name, male, birth, number, address_index, ethnicity = person
        address, variants = addresses[address_index]
        record_number += 1 + (rng.random() < 0.2)
        name = dirty_person_name(name, dirt, _DIRT_RATE)
        birth_text = birth.isoformat()
        if rng.random() < BAIT_RATE:
            if rng.random() < 0.5:
                name = ""
            else:
                birth_text = f"{birth.year}-13-45"
        phone = "" if rng.random() < 0.3 else mobile_number(rng)
        if phone and rng.random() < 0.3:
            phone = format_mobile(phone, rng)[0]
        yield (
            f"RY{record_number:010d}",
            dirty_citizen_id(number, birth.year, dirt, _DIRT_RATE),
            name,
            "男" if male else "女",
            birth_text,
            ethnicity,
            phone,
            variants[rng.randrange(3)] if rng.random() > 0.005 else "",
            address.district.code,
            timestamps[rng.randrange(len(timestamps))],
            entity_id,
        )


def generate_rows(n: int, seed: int = 0, *, with_entity_id: bool = False
                  ) -> Iterator[dict[str, str]]:
    """``n`` police-style rows keyed by the police profile's Chinese headers (empty string for
    a missing value). With ``with_entity_id`` each row also carries the true person as
    ``entity_id``, for measuring matching accuracy."""
    headers = police_headers()
    for row in _rows(n, seed):
        out = dict(zip(headers, row[:-1], strict=True))
        if with_entity_id:
            out["entity_id"] = row[-1]
        yield out


def generate_table(n: int, seed: int = 0, *, with_entity_id: bool = False) -> object:
    """The same rows as a ``pyarrow.Table`` of string columns."""
    import pyarrow as pa

    headers = police_headers() + (["entity_id"] if with_entity_id else [])
    width = len(headers)
    columns: list[list[str]] = [[] for _ in range(width)]
    for row in _rows(n, seed):
        for column, value in zip(columns, row[:width], strict=False):
            column.append(value)
    return pa.table({h: pa.array(c, pa.string()) for h, c in zip(headers, columns, strict=True)})


def write_police_csv(path: str | Path, n: int, seed: int = 0) -> Path:
    """Write ``n`` rows as a UTF-8 CSV with the police profile's headers; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    headers = police_headers()
    with path.open("wb") as out:
        batch: list[tuple[str, ...]] = []
        first = True
        for row in _rows(n, seed):
            batch.append(row[:-1])
            if len(batch) >= _BATCH:
                out.write(csv_bytes(headers if first else [], batch, "utf-8", header=first))
                batch, first = [], False
        out.write(csv_bytes(headers, batch, "utf-8", header=first))
    return path
