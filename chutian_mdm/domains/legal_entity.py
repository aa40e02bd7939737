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
from typing import Any

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


# -- Matching (the engine is chutian_mdm/match; thresholds are in schemas/legal_entity.yaml) ----

# A USCC with a wrong check character (kept only in uscc_raw) is still evidence when it is a
# valid one with a typo: the same first 17 characters, or two adjacent characters swapped.
_USCCS_AGREE = ("left(l.uscc_text, 17) = left(r.uscc_text, 17) OR (levenshtein(left(l.uscc_text, 17), "
                "left(r.uscc_text, 17)) = 2 AND damerau_levenshtein(left(l.uscc_text, 17), "
                "left(r.uscc_text, 17)) = 1)")
# The trade name, industry and branch part agree: the same key, the same pinyin (a homophone,
# 锦联/金联) or nearly the same characters.
_NAMES_AGREE = ("l.name_normalized = r.name_normalized OR l.name_pinyin = r.name_pinyin "
                "OR jaro_winkler_similarity(l.name_normalized, r.name_normalized) >= 0.92")
# 武汉安瑞物流 and 宜昌安瑞物流 share a key but not a region: two companies.
_REGIONS_AGREE = "l.name_region IS NULL OR r.name_region IS NULL OR l.name_region = r.name_region"


def _comparisons() -> list[Any]:
    """Legal-entity comparisons, most specific level first (DuckDB SQL over ``x_l`` / ``x_r``),
    each level with a prior m probability that training re-estimates where the data shows it."""
    from ..match.levels import comparison, else_level, level, null

    return [
        comparison("uscc", [
            null("uscc_text"),
            level("uscc_l = uscc_r", "same valid USCC", 0.9),
            # Two valid, different codes are two legal entities: pinned, training cannot soften it.
            level("uscc_l IS NOT NULL AND uscc_r IS NOT NULL", "different valid USCCs", 1e-6,
                  fix_m_probability=True),
            level("left(uscc_text_l, 17) = left(uscc_text_r, 17)", "same code, check character differs", 0.05),
            level("levenshtein(left(uscc_text_l, 17), left(uscc_text_r, 17)) = 2 AND "
                  "damerau_levenshtein(left(uscc_text_l, 17), left(uscc_text_r, 17)) = 1",
                  "two adjacent characters swapped", 0.02),
            else_level(0.001, fix_m_probability=True),
        ]),
        comparison("name", [
            null("name_normalized"),
            level("name_normalized_l = name_normalized_r", "same name key", 0.85,
                  tf_adjustment_column="name_normalized"),
            level("name_pinyin_l = name_pinyin_r", "same pinyin (homophone)", 0.07),
            level("jaro_winkler_similarity(name_normalized_l, name_normalized_r) >= 0.92",
                  "similar characters (JW ≥ 0.92)", 0.05),
            else_level(0.03),
        ]),
        comparison("name_region", [
            null("name_region"),
            level("name_region_l = name_region_r", "same region in the name", 0.98),
            else_level(0.02),
        ]),
        comparison("legal_representative", [
            {"sql_condition": "(legal_representative_l IS NULL OR legal_representative_r IS NULL) AND "
                              "(legal_representative_id_l IS NULL OR legal_representative_id_r IS NULL)",
             "label_for_charts": "missing", "is_null_level": True},
            level("legal_representative_id_l = legal_representative_id_r", "same citizen ID", 0.6),
            level("legal_representative_l = legal_representative_r", "same name", 0.3),
            level("legal_representative_pinyin_l = legal_representative_pinyin_r", "same pinyin", 0.03),
            # Representatives change: a different one counts against a pair, not decisively.
            else_level(0.07),
        ]),
        comparison("registered_address", [
            null("address_key"),
            level("address_key_l = address_key_r", "same address", 0.6),
            level("address_door_l = address_door_r", "same road and door", 0.1),
            level("jaro_winkler_similarity(address_key_l, address_key_r) >= 0.9", "similar (JW ≥ 0.9)", 0.1),
            else_level(0.2),
        ]),
        comparison("established_date", [
            null("established_date"),
            level("established_date_l = established_date_r", "same date", 0.95),
            level("abs(date_diff('day', established_date_l, established_date_r)) <= 31", "within a month", 0.02),
            else_level(0.03),
        ]),
        comparison("phone", [null("phone"), level("phone_l = phone_r", "same", 0.8), else_level(0.2)]),
        comparison("division_code", [
            null("division_code"),
            level("division_code_l = division_code_r", "same county", 0.6),
            level("left(division_code_l, 4) = left(division_code_r, 4)", "same city", 0.37),
            else_level(0.03),
        ]),
    ]


def _matching() -> Any:
    from splink import block_on

    from ..match.spec import MatchSpec, Training

    return MatchSpec(
        reads=("uscc", "uscc_raw", "taxpayer_id_org_code", "name", "name_normalized", "name_region",
               "name_is_branch", "name_pinyin", "legal_representative", "legal_representative_pinyin",
               "legal_representative_id", "registered_address_standard", "division_code", "established_date",
               "phone"),
        derived={
            "uscc_text": "coalesce(uscc, uscc_raw)",
            # The organisation code (characters 9–17 of a USCC): a pre-2015 纳税人识别号 carries it too.
            "org_code": "coalesce(substr(uscc, 9, 9), taxpayer_id_org_code)",
            # The registered address without province and city (completed or not, they say nothing).
            "address_key": "nullif(regexp_replace(coalesce(registered_address_standard, ''), "
                           "'^[^省]{2,7}省[^市]{2,8}市', ''), '')",
            "address_door": "nullif(regexp_extract(coalesce(registered_address_standard, ''), "
                            "'^(.*?\\d+(-\\d+)?号)', 1), '')",
        },
        comparisons=_comparisons,
        blocking_rules=(
            block_on("uscc"),
            block_on("org_code"),
            block_on("name_normalized"),
            block_on("name_pinyin"),
            block_on("legal_representative_id"),
            block_on("phone"),
            block_on("address_key"),
        ),
        deterministic_rules=(block_on("uscc"), block_on("org_code")),
        # Two valid USCCs are two legal entities (武汉骏旺物流有限公司 and 骏旺（武汉）物流有限公司 share
        # key and region); a branch is never its parent or any other non-branch entity.
        exclusive_keys=("uscc", "name_is_branch"),
        link_conditions={
            "names agree, or the USCCs do": f"({_NAMES_AGREE}) OR ({_USCCS_AGREE})",
            "regions in the names agree": _REGIONS_AGREE,
        },
        training=Training(
            deterministic_rules=(block_on("uscc"),),
            recall=0.9,
            em_blocking_rules=(block_on("uscc"), block_on("name_normalized")),
        ),
    )


MATCHING = _matching()


# -- Links to the other databases (declared in schemas/links.yaml; chutian_mdm/golden/links.py) ---

def _representative_links() -> str:
    """The golden person who is an entity's legal representative: by citizen ID — the golden
    record's, else the one its source records give for the same representative (same pinyin) —
    or, when no ID is known at all, the only person of that name in the entity's county, else
    its city (household or address there)."""
    return """
        WITH entity AS (
          SELECT golden_id, legal_representative AS name, legal_representative_pinyin AS pinyin,
                 legal_representative_id AS citizen_id, division_code
          FROM golden.legal_entity WHERE legal_representative IS NOT NULL OR legal_representative_id IS NOT NULL),
        member_ids AS (
          SELECT e.golden_id, min(s.legal_representative_id) AS citizen_id
          FROM entity e
          JOIN golden.legal_entity_xref x ON x.golden_id = e.golden_id AND x.valid_to_release IS NULL
          JOIN staging.legal_entity s ON s.record_id = x.record_id
          WHERE e.citizen_id IS NULL AND s.legal_representative_id IS NOT NULL
            AND s.legal_representative_pinyin = e.pinyin
          GROUP BY e.golden_id HAVING count(DISTINCT s.legal_representative_id) = 1),
        ids AS (
          SELECT golden_id, citizen_id FROM entity WHERE citizen_id IS NOT NULL
          UNION ALL SELECT golden_id, citizen_id FROM member_ids),
        -- Entities without any ID of their representative: found by name. The persons of those
        -- names are counted per county and city (household or address there, each person once)
        -- before the join, so that a common name never multiplies the entities by its namesakes.
        unidentified AS (
          SELECT e.golden_id, e.name, e.division_code FROM entity e
          WHERE e.name IS NOT NULL AND e.division_code IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM ids i WHERE i.golden_id = e.golden_id)),
        placed AS (
          SELECT name, golden_id, household_division_code AS code FROM golden.population
          WHERE household_division_code IS NOT NULL AND name IN (SELECT name FROM unidentified)
          UNION
          SELECT name, golden_id, address_division FROM golden.population
          WHERE address_division IS NOT NULL AND name IN (SELECT name FROM unidentified)),
        in_county AS (SELECT name, code, count(*) AS persons, min(golden_id) AS person FROM placed GROUP BY 1, 2),
        in_city AS (
          SELECT name, city, count(*) AS persons, min(golden_id) AS person
          FROM (SELECT DISTINCT name, golden_id, left(code, 4) AS city FROM placed) p GROUP BY 1, 2),
        by_name AS (
          SELECT u.golden_id, county.persons AS in_county, county.person AS county_person,
                 city.persons AS in_city, city.person AS city_person
          FROM unidentified u
          LEFT JOIN in_county county ON county.name = u.name AND county.code = u.division_code
          LEFT JOIN in_city city ON city.name = u.name AND city.city = left(u.division_code, 4))
        SELECT i.golden_id AS from_golden_id, p.golden_id AS to_golden_id, 'citizen_id' AS method
        FROM ids i JOIN golden.population p ON p.citizen_id = i.citizen_id
        UNION ALL
        SELECT golden_id, county_person, 'name_county' FROM by_name WHERE in_county = 1
        UNION ALL
        SELECT golden_id, city_person, 'name_city' FROM by_name WHERE in_county IS NULL AND in_city = 1"""


def _registered_address_links() -> str:
    from ..golden.links import address_link_query

    return address_link_query("legal_entity", "registered_address_standard")


LINKS = {"legal_representative": _representative_links, "registered_address": _registered_address_links}
