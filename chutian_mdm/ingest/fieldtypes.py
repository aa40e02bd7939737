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
from ..standardize import Standardized, addresses, codes, dates, divisions, geo, ids, orgs, phones, text, units


@dataclass(frozen=True)
class FieldType:
    name: str
    sql_type: str
    standardize: Callable[[str, FieldSpec, DomainSchema], Standardized]
    derived: dict[str, str] = field(default_factory=dict)  # column suffix -> SQL type
    per_row: bool = False  # values are (nearly) unique: not worth de-duplicating first
    plain: Callable[[str], Standardized] | None = None  # the same, when spec and schema don't matter

    def standardizer(self, spec: FieldSpec, schema: DomainSchema) -> Callable[[str], Standardized]:
        """A one-argument standardiser for one field (the hot path of ingest)."""
        if self.plain is not None:
            return self.plain
        return lambda value: self.standardize(value, spec, schema)


def _simple(name: str, sql_type: str, function: Callable[[str], Standardized],
            derived: dict[str, str] | None = None, per_row: bool = False) -> FieldType:
    return FieldType(name, sql_type, lambda v, s, d: function(v), derived or {}, per_row, function)


def _plain_text(value: str) -> Standardized:
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
        _simple("id", "text", _plain_text),
        _simple("text", "text", _plain_text),
        _simple("person_name", "text", text.person_name, {"pinyin": "text"}),
        _simple("address", "text", addresses.address, {"standard": "text", "division": "text"}),
        _simple("citizen_id", "text", ids.citizen_id,
                {"raw": "text", "birth_date": "date", "gender": "text", "region": "text"}, per_row=True),
        _simple("uscc", "text", ids.uscc, {"raw": "text", "division": "text"}),
        _simple("taxpayer_id", "text", ids.taxpayer_id, {"kind": "text", "uscc": "text", "org_code": "text"}),
        _simple("org_name", "text", orgs.org_name,
                {"normalized": "text", "is_branch": "boolean", "org_form": "text", "region": "text",
                 "pinyin": "text"}),
        _simple("gender", "text", codes.gender),
        FieldType("code", "text", _code),
        _simple("industry_code", "text", codes.industry_code),
        FieldType("date", "date", _date),
        _simple("datetime", "timestamptz", dates.parse_datetime),
        _simple("phone", "text", phones.phone, {"raw": "text"}, per_row=True),
        _simple("division_code", "text", divisions.division_code, {"name": "text"}),
        _simple("amount_wan", "numeric", units.amount_wan),
        _simple("number", "numeric", units.number),
        _simple("unit", "text", units.unit, {"base": "text", "factor": "numeric"}),
        _simple("period", "text", units.period, {"type": "text"}),
        # checked as a pair (swapped axes, China's extent) by the domain: geo.check_pair
        _simple("longitude", "double precision", geo.coordinate),
        _simple("latitude", "double precision", geo.coordinate),
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
