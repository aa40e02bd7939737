"""The ``golden:`` and ``survivorship:`` sections of ``schemas/<domain>.yaml``.

``golden`` names what golden records of the domain look like to users (the golden-ID prefix and
what ``golden search`` looks in); ``survivorship`` says, per attribute, which member record of a
cluster gives the golden record its value. Parsed here, used by :mod:`chutian_mdm.golden`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError

# The rules a survivorship chain is made of, in the words a steward reads in the lineage.
RULES = {
    "valid": "values flagged at ingest (a warning on the field; an invalid ID kept only in _raw) never survive",
    "trust": "the source's trust rank for the field (schemas/sources/*.yaml, 1 = most trusted)",
    "recent": "the most recent update (the record's recency field, e.g. updated_at)",
    "frequent": "the value most member records agree on",
    "complete": "the most complete value: most filled-in fields of its group, then the longest",
}
# What lineage says when no rule had to decide.
ONLY_VALUE = "only_value"  # one member record had a value
AGREED = "agreed"  # several member records, all with the same value
TIEBREAK = "tiebreak"  # equal under every rule: the earliest-ingested record (lowest record_id)

SEARCH_KINDS = ("name", "id", "phone")
_PREFIX = re.compile(r"^[A-Z]{2,6}$")


@dataclass(frozen=True)
class AttributeGroup:
    """Fields that survive together from one member record, chosen by ``rules`` on ``lead``."""

    fields: tuple[str, ...]
    rules: tuple[str, ...]

    @property
    def lead(self) -> str:
        return self.fields[0]


@dataclass(frozen=True)
class Survivorship:
    recency: str | None  # the field that says how recent a record is (rule `recent`)
    groups: tuple[AttributeGroup, ...]
    companions: dict[str, tuple[str, ...]]  # field -> domain-computed columns that follow it

    @property
    def attributes(self) -> list[str]:
        return [f for group in self.groups for f in group.fields]

    def group_of(self, field_name: str) -> AttributeGroup:
        for group in self.groups:
            if field_name in group.fields:
                return group
        raise KeyError(field_name)


@dataclass(frozen=True)
class GoldenSettings:
    id_prefix: str | None  # golden IDs look like PSN-0000000042
    id_digits: int
    search: dict[str, tuple[str, ...]]  # name / id / phone -> fields

    def format_id(self, number: int) -> str:
        return f"{self.id_prefix}-{number:0{self.id_digits}d}"


def parse_golden(data: dict[str, Any], fields: list[str], path: Path) -> GoldenSettings:
    spec = data.get("golden") or {}
    prefix = spec.get("id_prefix")
    if prefix is not None and not _PREFIX.match(str(prefix)):
        raise ConfigError(f"{path}: golden.id_prefix {prefix!r} must be 2–6 capital letters")
    search: dict[str, tuple[str, ...]] = {}
    for kind, names in (spec.get("search") or {}).items():
        if kind not in SEARCH_KINDS:
            raise ConfigError(f"{path}: golden.search.{kind}: unknown kind (known: {', '.join(SEARCH_KINDS)})")
        search[kind] = tuple(_known(path, f"golden.search.{kind}", names, fields))
    return GoldenSettings(
        id_prefix=str(prefix) if prefix is not None else None,
        id_digits=int(spec.get("id_digits", 10)),
        search=search,
    )


def parse_survivorship(data: dict[str, Any], fields: list[str], path: Path) -> Survivorship:
    """Survivorship rules; every canonical field except ``source_record_id``, the recency field
    and the ``exclude`` list is a golden attribute, with the ``default`` chain unless it has its
    own. Fields of a ``together`` group share one member record, chosen by the first field's chain."""
    spec = data.get("survivorship") or {}
    recency = spec.get("recency", "updated_at" if "updated_at" in fields else None)
    if recency is not None:
        _known(path, "survivorship.recency", [recency], fields)
    excluded = {"source_record_id", recency, *_known(path, "survivorship.exclude", spec.get("exclude") or [], fields)}
    attributes = [f for f in fields if f not in excluded]

    default = _chain(path, "default", spec.get("default") or ["valid", "trust", "recent"], recency)
    per_field = spec.get("fields") or {}
    for name in per_field:
        if name not in attributes:
            raise ConfigError(f"{path}: survivorship.fields.{name}: not a golden attribute of this domain")

    together: list[list[str]] = [list(_known(path, "survivorship.together", g, attributes))
                                 for g in spec.get("together") or []]
    grouped = [f for g in together for f in g]
    if len(grouped) != len(set(grouped)):
        raise ConfigError(f"{path}: survivorship.together: a field is in more than one group")
    for group in together:
        for follower in group[1:]:
            if follower in per_field:
                raise ConfigError(f"{path}: survivorship.fields.{follower}: it survives together with "
                                  f"{group[0]} and takes {group[0]}'s rules")
    groups: list[AttributeGroup] = []
    for name in attributes:
        if name in grouped and not any(g[0] == name for g in together):
            continue  # a follower: listed with its group's lead
        members = next((tuple(g) for g in together if g[0] == name), (name,))
        rules = _chain(path, f"fields.{name}", per_field[name], recency) if name in per_field else default
        groups.append(AttributeGroup(members, rules))

    companions = {
        str(k): tuple(str(c) for c in (v if isinstance(v, list) else [v]))
        for k, v in (spec.get("companions") or {}).items()
    }
    for name in companions:
        if name not in attributes:
            raise ConfigError(f"{path}: survivorship.companions.{name}: not a golden attribute")
    return Survivorship(recency=recency, groups=tuple(groups), companions=companions)


def _known(path: Path, where: str, names: Any, fields: list[str]) -> list[str]:
    if isinstance(names, str):
        names = [names]
    out = []
    for name in names:
        if name not in fields:
            raise ConfigError(f"{path}: {where}: unknown field {name!r}")
        out.append(str(name))
    return out


def _chain(path: Path, where: str, rules: Any, recency: str | None) -> tuple[str, ...]:
    if isinstance(rules, str):
        rules = [rules]
    chain = tuple(str(r) for r in rules)
    for rule in chain:
        if rule not in RULES:
            raise ConfigError(f"{path}: survivorship.{where}: unknown rule {rule!r} (known: {', '.join(RULES)})")
    if len(set(chain)) != len(chain):
        raise ConfigError(f"{path}: survivorship.{where}: a rule is listed twice")
    if "valid" in chain and chain[0] != "valid":
        raise ConfigError(f"{path}: survivorship.{where}: `valid` is a filter and must come first")
    if "recent" in chain and recency is None:
        raise ConfigError(f"{path}: survivorship.{where}: rule `recent` needs survivorship.recency")
    return chain
