"""法人 — legal entities: checks that span fields.

- 纳税人识别号 (``taxpayer_id``, from tax) against the USCC: a USCC missing from the USCC column is
  taken from it (note ``uscc_from_taxpayer_id``), one that contradicts it is flagged
  (``taxpayer_id_mismatch``);
- the division inside the USCC (characters 3–8, the registering authority's) against
  ``division_code`` (note ``uscc_division_mismatch``: companies move, authorities are city-level);
- the legal representative's citizen ID against the name field (``legal_representative_missing``)
  and the person's age (``legal_representative_underage``);
- the registered address completed from ``division_code`` when its text names no county.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from ..standardize import addresses, divisions
from ..standardize.dates import today
from .base import NO_EXTRA_COLUMNS, Columns, Report

EXTRA_COLUMNS = NO_EXTRA_COLUMNS

_parse = lru_cache(maxsize=65_536)(addresses.parse)


def cross_checks(columns: Columns, report: Report) -> None:
    _check_taxpayer_ids(columns, report)
    _check_uscc_division(columns, report)
    _check_legal_representative(columns, report)
    _complete_addresses(columns)


def _check_taxpayer_ids(columns: Columns, report: Report) -> None:
    usccs, raws = columns["uscc"], columns["uscc_raw"]
    for i, taxpayer in enumerate(columns["taxpayer_id"]):
        if taxpayer is None:
            continue
        kind, designated, org_code = (columns["taxpayer_id_kind"][i], columns["taxpayer_id_uscc"][i],
                                      columns["taxpayer_id_org_code"][i])
        given = usccs[i]
        if given is None and designated is not None:
            usccs[i], columns["uscc_division"][i] = designated, designated[2:8]
            was = f" (the USCC column held {raws[i]!r}, not a valid code)" if raws[i] else ""
            report(i, "uscc", "uscc_from_taxpayer_id", f"USCC {designated} taken from 纳税人识别号 {taxpayer}{was}")
            continue
        if given is None:
            continue
        if designated is not None and designated != given:
            report(i, "taxpayer_id", "taxpayer_id_mismatch",
                   f"纳税人识别号 {taxpayer} designates USCC {designated}, but the USCC given is {given}")
        elif kind == "legacy_15" and (given[8:17] != org_code or not _related(taxpayer[:6], given[2:8])):
            report(i, "taxpayer_id", "taxpayer_id_mismatch",
                   f"pre-2015 纳税人识别号 {taxpayer} (division {taxpayer[:6]}, organisation code {org_code}) does not "
                   f"fit USCC {given} (division {given[2:8]}, organisation code {given[8:17]})")


def _related(code: str, other: str) -> bool:
    """The same division, or one within the other (420104 and 420100)."""
    return divisions.is_within(code, other) or divisions.is_within(other, code)


def _check_uscc_division(columns: Columns, report: Report) -> None:
    codes, names = columns["division_code"], columns["division_code_name"]
    for i, in_uscc in enumerate(columns["uscc_division"]):
        code = codes[i]
        if in_uscc is None or code is None or columns["uscc"][i] is None:
            continue
        if _related(code, in_uscc):
            continue
        report(i, "division_code", "uscc_division_mismatch",
               f"division code {code} ({names[i] or 'unknown'}) differs from {in_uscc} "
               f"({divisions.name_of(in_uscc) or 'unknown'}) in USCC {columns['uscc'][i]}: registered elsewhere "
               "or moved since")


def _check_legal_representative(columns: Columns, report: Report) -> None:
    names, births = columns["legal_representative"], columns["legal_representative_id_birth_date"]
    updated = columns["updated_at"]
    for i, number in enumerate(columns["legal_representative_id"]):
        if number is None:
            continue
        if names[i] is None:
            report(i, "legal_representative", "legal_representative_missing",
                   f"a legal representative's citizen ID ({number[:6]}…) is given, but no name")
        born: dt.date | None = births[i]
        moment = updated[i].date() if isinstance(updated[i], dt.datetime) else today()
        if born is not None and _age(born, moment) < 18:
            report(i, "legal_representative_id", "legal_representative_underage",
                   f"the legal representative's citizen ID gives birth date {born}: "
                   f"{_age(born, moment)} years old on {moment}")


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _complete_addresses(columns: Columns) -> None:
    standard, division = columns["registered_address_standard"], columns["registered_address_division"]
    for i, text in enumerate(columns["registered_address"]):
        code = columns["division_code"][i]
        if text is None or code is None:
            continue
        parsed = _parse(text)
        if parsed.county is not None and parsed.division_code is not None:
            continue
        completed = addresses.complete_with(parsed, code)
        if completed is not parsed:
            standard[i], division[i] = completed.standard(), completed.division_code
