"""Field types: the ``type:`` of a field in ``schemas/<domain>.yaml``.

A field type names the standardiser that cleans the value, the SQL type of its staging column
and the derived columns it adds (``citizen_id`` → ``citizen_id_birth_date`` …). This table is the
only place that ties schema types to code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from ..domains.schema import DomainSchema, FieldSpec
from ..standardize import Standardized, codes, dates, divisions, geo, ids, orgs, phones, text, units


@dataclass(frozen=True)
class FieldType:
    name: str
    sql_type: str
    standardize: Callable[[str, FieldSpec, DomainSchema], Standardized]
    derived: dict[str, str] = field(default_factory=dict)  # column suffix -> SQL type
    per_row: bool = False  # values are (nearly) unique: not worth de-duplicating first


def _plain(value: str, spec: FieldSpec, schema: DomainSchema) -> Standardized:
    cleaned = text.normalize_text(value)
    return Standardized(cleaned or None)


def _code(value: str, spec: FieldSpec, schema: DomainSchema) -> Standardized:
    assert spec.codes is not None
    return codes.code_value(value, code_list(schema.name, spec.codes))


def _date(value: str, spec: FieldSpec, schema: DomainSchema) -> Standardized:
    return dates.parse_date(value, not_before=spec.not_before or dt.date(1850, 1, 1))


@cache
def code_list(domain: str, name: str) -> codes.CodeList:
    from ..domains.schema import load_domain

    return codes.CodeList.from_entries(name, load_domain(domain).code_lists[name])


FIELD_TYPES: dict[str, FieldType] = {
    t.name: t
    for t in (
        FieldType("id", "text", _plain),
        FieldType("text", "text", _plain),
        FieldType("person_name", "text", lambda v, s, d: text.person_name(v), {"pinyin": "text"}),
        FieldType("address", "text", lambda v, s, d: text.address_text(v)),
        FieldType(
            "citizen_id",
            "text",
            lambda v, s, d: ids.citizen_id(v),
            {"raw": "text", "birth_date": "date", "gender": "text", "region": "text"},
            per_row=True,
        ),
        FieldType("uscc", "text", lambda v, s, d: ids.uscc(v), {"raw": "text", "division": "text"}),
        FieldType(
            "org_name",
            "text",
            lambda v, s, d: orgs.org_name(v),
            {"normalized": "text", "is_branch": "boolean", "org_form": "text"},
        ),
        FieldType("gender", "text", lambda v, s, d: codes.gender(v)),
        FieldType("code", "text", _code),
        FieldType("industry_code", "text", lambda v, s, d: codes.industry_code(v)),
        FieldType("date", "date", _date),
        FieldType("datetime", "timestamptz", lambda v, s, d: dates.parse_datetime(v)),
        FieldType("phone", "text", lambda v, s, d: phones.phone(v), {"raw": "text"}, per_row=True),
        FieldType(
            "division_code", "text", lambda v, s, d: divisions.division_code(v), {"name": "text"}
        ),
        FieldType("amount_wan", "numeric", lambda v, s, d: units.amount_wan(v)),
        FieldType("number", "numeric", lambda v, s, d: units.number(v)),
        FieldType(
            "unit", "text", lambda v, s, d: units.unit(v), {"base": "text", "factor": "numeric"}
        ),
        FieldType("period", "text", lambda v, s, d: units.period(v), {"type": "text"}),
        FieldType("longitude", "double precision", lambda v, s, d: geo.longitude(v)),
        FieldType("latitude", "double precision", lambda v, s, d: geo.latitude(v)),
    )
}


def field_type(spec: FieldSpec) -> FieldType:
    from ..errors import ConfigError

    try:
        return FIELD_TYPES[spec.type]
    except KeyError:
        known = ", ".join(sorted(FIELD_TYPES))
        raise ConfigError(f"field {spec.name}: unknown type {spec.type!r} (known: {known})") from None


def staging_columns(schema: DomainSchema) -> dict[str, str]:
    """Canonical and derived columns of a domain's staging table, name -> SQL type, in order."""
    columns: dict[str, str] = {}
    for spec in schema.fields.values():
        ftype = field_type(spec)
        columns[spec.name] = ftype.sql_type
        for suffix, sql_type in ftype.derived.items():
            columns[f"{spec.name}_{suffix}"] = sql_type
    return columns
