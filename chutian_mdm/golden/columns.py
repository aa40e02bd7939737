"""The columns of a domain's golden records, derived from ``schemas/<domain>.yaml``.

A golden attribute is a canonical field (minus ``source_record_id`` and the recency field) with
the columns derived from it at ingest (``citizen_id`` → ``citizen_id_birth_date`` …) except
``_raw`` (values that failed validation never reach a golden record), and any domain-computed
column the schema names as its companion (``value`` → ``value_base``). A field and its companions
always come from the same member record.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..domains import domain_module, load_domain
from ..domains.survivorship import AttributeGroup
from ..errors import ConfigError
from ..ingest.fieldtypes import field_type

_NOT_GOLDEN_SUFFIXES = ("raw",)


@dataclass(frozen=True)
class GoldenColumn:
    name: str
    sql_type: str
    field: str  # the canonical field it belongs to (itself, or the field it is derived from)


@dataclass(frozen=True)
class GoldenField:
    name: str
    columns: tuple[GoldenColumn, ...]  # the field's own column first, then its companions
    raw_column: str | None  # staging keeps a value that failed validation here (value NULL)


@dataclass(frozen=True)
class GoldenGroup:
    """Attributes chosen together from one member record."""

    index: int
    fields: tuple[GoldenField, ...]
    rules: tuple[str, ...]

    @property
    def lead(self) -> GoldenField:
        return self.fields[0]

    @property
    def columns(self) -> list[GoldenColumn]:
        return [c for f in self.fields for c in f.columns]


@dataclass(frozen=True)
class GoldenLayout:
    domain: str
    groups: tuple[GoldenGroup, ...]

    @property
    def fields(self) -> list[GoldenField]:
        return [f for g in self.groups for f in g.fields]

    @property
    def columns(self) -> list[GoldenColumn]:
        return [c for g in self.groups for c in g.columns]


@cache
def golden_layout(domain: str) -> GoldenLayout:
    """Golden attribute columns of a domain, in schema order, grouped as they survive."""
    schema = load_domain(domain)
    survivorship = schema.survivorship
    extra: dict[str, str] = dict(domain_module(domain).EXTRA_COLUMNS)
    assigned = {c for cs in survivorship.companions.values() for c in cs}
    for name in assigned - extra.keys():
        raise ConfigError(f"{schema.path}: survivorship.companions: {name!r} is not a column the domain computes")
    for name in extra.keys() - assigned:
        raise ConfigError(f"{schema.path}: survivorship.companions: say which field {name!r} follows")

    def golden_field(name: str) -> GoldenField:
        spec = schema.fields[name]
        ftype = field_type(spec)
        columns = [GoldenColumn(name, ftype.sql_type, name)]
        columns += [GoldenColumn(f"{name}_{suffix}", sql_type, name)
                    for suffix, sql_type in ftype.derived.items() if suffix not in _NOT_GOLDEN_SUFFIXES]
        columns += [GoldenColumn(c, extra[c], name) for c in survivorship.companions.get(name, ())]
        raw = f"{name}_raw" if "raw" in ftype.derived else None
        return GoldenField(name, tuple(columns), raw)

    def golden_group(index: int, group: AttributeGroup) -> GoldenGroup:
        return GoldenGroup(index, tuple(golden_field(f) for f in group.fields), group.rules)

    return GoldenLayout(domain, tuple(golden_group(i, g) for i, g in enumerate(survivorship.groups, 1)))


def golden_columns(domain: str) -> dict[str, str]:
    """Golden attribute columns of a domain, name -> SQL type, in order."""
    return {c.name: c.sql_type for c in golden_layout(domain).columns}
