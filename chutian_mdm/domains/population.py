"""人口 — natural persons: checks that span fields (the citizen ID against the given values)."""

from __future__ import annotations

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
