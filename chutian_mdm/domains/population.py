"""人口 — natural persons: checks that span fields (the citizen ID against the given values)."""

from __future__ import annotations

from typing import Any

from .base import NO_EXTRA_COLUMNS, Columns, Report

EXTRA_COLUMNS = NO_EXTRA_COLUMNS

_GENDER_LABEL = {"1": "男", "2": "女"}


def cross_checks(columns: Columns, report: Report) -> None:
    """Cross-check birth date and gender against those encoded in a valid citizen ID, and fill
    them in from the ID where the department left them empty."""
    ids = columns["citizen_id"]
    birth_dates, id_birth_dates = columns["birth_date"], columns["citizen_id_birth_date"]
    genders, id_genders = columns["gender"], columns["citizen_id_gender"]
    for i, citizen_id in enumerate(ids):
        if citizen_id is None:
            continue  # an unusable ID proves nothing about the other fields
        from_id = id_birth_dates[i]
        if from_id is not None:
            given = birth_dates[i]
            if given is None:
                birth_dates[i] = from_id
                report(i, "birth_date", "derived_from_id", f"birth date {from_id} taken from the citizen ID")
            elif given != from_id:
                report(i, "birth_date", "birth_date_mismatch",
                       f"birth date {given} differs from {from_id} in citizen ID {citizen_id}")
        gender_from_id = id_genders[i]
        if gender_from_id is not None:
            given_gender = genders[i]
            if given_gender is None:
                genders[i] = gender_from_id
                report(i, "gender", "derived_from_id",
                       f"gender {_GENDER_LABEL[gender_from_id]} taken from the citizen ID")
            elif given_gender in _GENDER_LABEL and given_gender != gender_from_id:
                report(i, "gender", "gender_mismatch",
                       f"gender {_GENDER_LABEL[given_gender]} differs from "
                       f"{_GENDER_LABEL[gender_from_id]} in citizen ID {citizen_id}")


# -- Matching (the engine is chutian_mdm/match; thresholds are in schemas/population.yaml) ------

def _address_key(column: str) -> str:
    """The address without the parts departments write or leave out at will: the province, the
    prefecture before a district, the township (…街道/镇/乡) and community (…社区/村), and with
    building/unit/room written 3-2-501 the way most departments write it."""
    x = f"coalesce({column}, '')"
    x = f"regexp_replace({x}, '^[^省市区县]{{2,7}}(省|自治区)', '')"
    x = f"regexp_replace({x}, '^[^市区县]{{2,5}}市([^市区县]{{1,6}}(区|县|市))', '\\1')"
    x = f"regexp_replace({x}, '^([^市区县]{{1,6}}(区|县|市))[^路街道大号]{{1,5}}?(街道|镇|乡)', '\\1')"
    x = f"regexp_replace({x}, '^([^市区县]{{1,6}}(区|县|市))[^路街道大号]{{1,5}}?(社区|村)', '\\1')"
    x = f"regexp_replace({x}, '(\\d+)(栋|号楼|幢)(\\d+)单元(\\d+)室?', '\\1-\\3-\\4', 'g')"
    return f"nullif({x}, '')"


# 黄雪莹 / 王雪莹: a surname typo (黄↔王 sound alike in some dialects) keeps the given name.
_SAME_GIVEN_NAME = "length({l}) >= 3 AND substr({l}, 2) = substr({r}, 2)"
# Names agree enough for the model to link on its own; otherwise a valid-looking ID must agree.
_NAMES_AGREE = ("l.name = r.name OR l.name_pinyin = r.name_pinyin "
                "OR jaro_winkler_similarity(l.name, r.name) >= 0.9 OR "
                + _SAME_GIVEN_NAME.format(l="l.name", r="r.name"))
_BIRTH_DATES_AGREE = ("l.birth_date_any IS NULL OR r.birth_date_any IS NULL OR "
                      "abs(date_diff('day', l.birth_date_any, r.birth_date_any)) <= 31 OR "
                      "(month(l.birth_date_any) = day(r.birth_date_any) AND "
                      "day(l.birth_date_any) = month(r.birth_date_any))")
_IDS_AGREE = ("left(l.id_text, 17) = left(r.id_text, 17) OR (levenshtein(left(l.id_text, 17), "
              "left(r.id_text, 17)) = 2 AND damerau_levenshtein(left(l.id_text, 17), left(r.id_text, 17)) = 1)")


def _comparisons() -> list[Any]:
    """Population comparisons, most specific level first (DuckDB SQL over ``x_l`` / ``x_r``).

    Each level carries a prior m probability (the share of true matches at that level); training
    re-estimates it wherever the data shows the level, and the prior stands where it does not.
    """
    from ..match.levels import comparison, else_level, level, null

    return [
        comparison("name", [
            null("name"),
            level("name_l = name_r", "same name", 0.9, tf_adjustment_column="name"),
            level("name_pinyin_l = name_pinyin_r", "same pinyin (homophone)", 0.06),
            level("jaro_winkler_similarity(name_l, name_r) >= 0.9", "similar characters (JW ≥ 0.9)", 0.02),
            level(_SAME_GIVEN_NAME.format(l="name_l", r="name_r"), "same given name, surname differs", 0.01),
            else_level(0.02),
        ]),
        comparison("birth_date", [
            null("birth_date_any"),
            level("birth_date_any_l = birth_date_any_r", "same date", 0.95),
            level("year(birth_date_any_l) = year(birth_date_any_r) AND month(birth_date_any_l) = day(birth_date_any_r)"
                  " AND day(birth_date_any_l) = month(birth_date_any_r)", "day and month swapped", 0.01),
            level("abs(date_diff('day', birth_date_any_l, birth_date_any_r)) <= 31", "within a month", 0.03),
            else_level(0.001),
        ]),
        comparison("citizen_id", [
            null("id_text"),
            level("citizen_id_l = citizen_id_r", "same valid ID", 0.9),
            # Two valid, different numbers are two people (twins, father and son): pinned to a
            # strongly negative weight that training cannot soften.
            level("citizen_id_l IS NOT NULL AND citizen_id_r IS NOT NULL", "different valid IDs", 1e-6,
                  fix_m_probability=True),
            # An invalid number that is a valid one with a typo. Twins' numbers differ in the
            # sequence digit (one substitution), so only the typos departments make count: a
            # wrong check digit, or two adjacent digits swapped.
            level("left(id_text_l, 17) = left(id_text_r, 17)", "same number, check digit differs", 0.05),
            level("levenshtein(left(id_text_l, 17), left(id_text_r, 17)) = 2 AND "
                  "damerau_levenshtein(left(id_text_l, 17), left(id_text_r, 17)) = 1",
                  "two adjacent digits swapped", 0.03),
            # Otherwise the numbers name different people (a father's and his son's): pinned, as
            # training sees too few such pairs among true matches to estimate it.
            else_level(0.001, fix_m_probability=True),
        ]),
        comparison("gender", [null("gender"), level("gender_l = gender_r", "same", 0.99), else_level(0.01)]),
        comparison("phone", [null("phone"), level("phone_l = phone_r", "same", 0.8), else_level(0.2)]),
        comparison("address", [
            null("address_key"),
            level("address_key_l = address_key_r", "same address", 0.6),
            level("jaro_winkler_similarity(address_key_l, address_key_r) >= 0.9", "similar (JW ≥ 0.9)", 0.1),
            level("jaro_winkler_similarity(address_key_l, address_key_r) >= 0.75", "alike (JW ≥ 0.75)", 0.1),
            else_level(0.2),
        ]),
        comparison("household_division_code", [
            null("household_division_code"),
            level("household_division_code_l = household_division_code_r", "same county", 0.7),
            level("left(household_division_code_l, 4) = left(household_division_code_r, 4)", "same city", 0.2),
            level("left(household_division_code_l, 2) = left(household_division_code_r, 2)", "same province",
                  0.08),
            else_level(0.02, u_probability=0.5),
        ]),
        comparison("ethnicity", [
            null("ethnicity"), level("ethnicity_l = ethnicity_r", "same", 0.98), else_level(0.02),
        ]),
    ]


def _matching() -> Any:
    from splink import block_on

    from ..match.spec import MatchSpec, Training

    return MatchSpec(
        reads=("citizen_id", "citizen_id_raw", "name", "name_pinyin", "gender", "birth_date",
               "ethnicity", "phone", "address", "household_division_code"),
        derived={
            # An invalid number is still evidence when it is a valid one with a typo.
            "id_text": "coalesce(citizen_id, citizen_id_raw)",
            # The birth date, or else the one inside an 18-character (even invalid) ID number.
            "birth_date_any": "coalesce(birth_date, CASE WHEN length(coalesce(citizen_id, citizen_id_raw)) = 18 "
                              "THEN try_strptime(substr(coalesce(citizen_id, citizen_id_raw), 7, 8), '%Y%m%d')::DATE "
                              "END)",
            "address_key": _address_key("address"),
        },
        comparisons=_comparisons,
        blocking_rules=(
            block_on("citizen_id"),
            block_on("name_pinyin", "birth_date_any"),
            block_on("name_pinyin", "address_key"),  # no birth date, no ID: same name, same flat
            block_on("phone"),
            # Names with a typo that changes the pinyin (黄↔王), no usable ID, no phone: same
            # birthday in the same county. (Name-only blocks grow quadratically with common names.)
            block_on("birth_date_any", "household_division_code"),
        ),
        deterministic_rules=(block_on("citizen_id"),),
        exclusive_keys=("citizen_id",),
        # Twins share a birthday, a flat and often a guardian's phone; a father and his son a name
        # and a flat. When names or birth dates disagree, only the ID numbers can confirm a link
        # the model proposes; otherwise the pair goes to review.
        link_conditions={
            "names agree, or the ID numbers do": f"({_NAMES_AGREE}) OR ({_IDS_AGREE})",
            "birth dates agree, or the ID numbers do": f"({_BIRTH_DATES_AGREE}) OR ({_IDS_AGREE})",
        },
        training=Training(
            deterministic_rules=(block_on("citizen_id"),),
            recall=0.85,
            em_blocking_rules=(block_on("citizen_id"), block_on("name_pinyin", "birth_date_any")),
        ),
    )


MATCHING = _matching()


# -- Links to the other databases (declared in schemas/links.yaml; chutian_mdm/golden/links.py) ---

def _address_links() -> str:
    from ..golden.links import address_link_query

    return address_link_query("population", "address_standard")


LINKS = {"address": _address_links}
