"""Loading the contracts in ``schemas/``: domain schemas, rule severities and source profiles.

These files are the one place where fields, code lists, severities, masking and trust ranks are
written down; everything else reads them through this module.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from ..resources import schemas_dir
from .survivorship import GoldenSettings, Survivorship, parse_golden, parse_survivorship

SEVERITIES = ("error", "warning", "note")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot be read as YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def check_identifier(kind: str, name: str) -> str:
    """Names used in table and column names must be plain lower-case identifiers."""
    if not _NAME.match(name):
        raise ConfigError(f"{kind} {name!r} is not a valid name (lower-case letters, digits, _)")
    return name


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    description: str


@cache
def rules() -> dict[str, Rule]:
    """All data-quality rules with their default severities (``schemas/rules.yaml``)."""
    path = schemas_dir() / "rules.yaml"
    out: dict[str, Rule] = {}
    for code, spec in _load_yaml(path)["rules"].items():
        severity = spec["severity"]
        if severity not in SEVERITIES:
            raise ConfigError(f"{path}: rule {code}: unknown severity {severity!r}")
        out[code] = Rule(code, severity, spec.get("description", ""))
    return out


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    label: str
    required: bool = False
    mask: str | None = None
    codes: str | None = None
    not_before: dt.date | None = None
    severity: dict[str, str] = field(default_factory=dict)

    def severity_of(self, code: str) -> str:
        if code in self.severity:
            return self.severity[code]
        try:
            return rules()[code].severity
        except KeyError:
            raise ConfigError(f"rule code {code!r} is not declared in schemas/rules.yaml") from None


@dataclass(frozen=True)
class DomainSchema:
    name: str
    label: str
    entity: str
    strong_identifier: str | None
    fields: dict[str, FieldSpec]
    code_lists: dict[str, list[dict[str, Any]]]
    required_one_of: list[list[str]]
    path: Path
    golden: GoldenSettings  # golden-ID prefix, search fields (see survivorship.py)
    survivorship: Survivorship
    matching: dict[str, Any] = field(default_factory=dict)  # thresholds (chutian_mdm/match/spec.py)

    @property
    def required_fields(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.required]


def domain_names() -> list[str]:
    """The domains that have a schema file, in a stable order."""
    names = sorted(
        p.stem for p in schemas_dir().glob("*.yaml") if p.stem not in ("rules", "indicators", "links")
    )
    order = ["population", "legal_entity", "geospatial", "macroeconomic"]
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


@cache
def load_domain(name: str) -> DomainSchema:
    """The schema of one domain; a clear error names the known domains if it does not exist."""
    known = domain_names()
    if name not in known:
        raise ConfigError(f"unknown domain {name!r}; known domains: {', '.join(known)}")
    path = schemas_dir() / f"{name}.yaml"
    data = _load_yaml(path)
    fields: dict[str, FieldSpec] = {}
    for field_name, spec in data["fields"].items():
        check_identifier("field", field_name)
        for code, level in (spec.get("severity") or {}).items():
            if level not in SEVERITIES or code not in rules():
                raise ConfigError(f"{path}: field {field_name}: bad severity override {code}: {level}")
        fields[field_name] = FieldSpec(
            name=field_name,
            type=spec["type"],
            label=spec.get("label", field_name),
            required=bool(spec.get("required", False)),
            mask=spec.get("mask"),
            codes=spec.get("codes"),
            not_before=spec.get("not_before"),
            severity=dict(spec.get("severity") or {}),
        )
    if "source_record_id" not in fields or not fields["source_record_id"].required:
        raise ConfigError(f"{path}: every domain needs a required source_record_id field")
    code_lists = dict(data.get("code_lists") or {})
    for spec in fields.values():
        if spec.codes and spec.codes not in code_lists:
            shared = schemas_dir() / "codes" / f"{spec.codes}.yaml"
            if not shared.exists():
                raise ConfigError(f"{path}: field {spec.name}: code list {spec.codes!r} not found")
            code_lists[spec.codes] = _load_yaml(shared)["codes"]
    return DomainSchema(
        name=check_identifier("domain", data.get("domain", name)),
        label=data.get("label", name),
        entity=data.get("entity", ""),
        strong_identifier=data.get("strong_identifier"),
        fields=fields,
        code_lists=code_lists,
        required_one_of=[list(group) for group in data.get("required_one_of") or []],
        path=path,
        golden=parse_golden(data, list(fields), path),
        survivorship=parse_survivorship(data, list(fields), path),
        matching=dict(data.get("matching") or {}),
    )


@dataclass(frozen=True)
class SourceMapping:
    """How one department's file for one domain maps onto the canonical fields."""

    columns: dict[str, str]  # department header -> canonical field
    trust: dict[str, int]
    default_trust: int
    # department header -> further canonical fields fed by the same column (a profile may map a
    # header to a list: 纳税人识别号: [source_record_id, taxpayer_id])
    also: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def trust_of(self, field_name: str) -> int:
        return self.trust.get(field_name, self.default_trust)


@dataclass(frozen=True)
class SourceProfile:
    source: str
    department: str
    label: str
    domains: dict[str, SourceMapping]
    path: Path

    def mapping_for(self, domain: str) -> SourceMapping:
        try:
            return self.domains[domain]
        except KeyError:
            delivers = ", ".join(self.domains) or "nothing"
            raise ConfigError(
                f"source {self.source!r} ({self.department}) has no profile for domain "
                f"{domain!r}; it delivers: {delivers} (see {self.path})"
            ) from None


def source_names() -> list[str]:
    return sorted(p.stem for p in (schemas_dir() / "sources").glob("*.yaml"))


@cache
def load_source(name: str) -> SourceProfile:
    """A department's source profile; unknown names get a clear error listing the known ones."""
    known = source_names()
    if name not in known:
        raise ConfigError(
            f"unknown source {name!r}; known sources: {', '.join(known)} "
            "(add a profile under schemas/sources/)"
        )
    path = schemas_dir() / "sources" / f"{name}.yaml"
    data = _load_yaml(path)
    domains: dict[str, SourceMapping] = {}
    for domain, spec in (data.get("domains") or {}).items():
        schema = load_domain(domain)
        columns: dict[str, str] = {}
        also: dict[str, tuple[str, ...]] = {}
        for header, targets in (spec.get("columns") or {}).items():
            names = [str(t) for t in targets] if isinstance(targets, list) else [str(targets)]
            for target in names:
                if target not in schema.fields:
                    raise ConfigError(f"{path}: {domain}: column {header!r} maps to unknown field {target!r}")
            if not names:
                raise ConfigError(f"{path}: {domain}: column {header!r} maps to no field")
            columns[str(header)] = names[0]
            if len(names) > 1:
                also[str(header)] = tuple(names[1:])
        trust = {str(k): int(v) for k, v in (spec.get("trust") or {}).items()}
        for target in trust:
            if target not in schema.fields:
                raise ConfigError(f"{path}: {domain}: trust given for unknown field {target!r}")
        domains[domain] = SourceMapping(columns, trust, int(spec.get("default_trust", 5)), also)
    return SourceProfile(
        source=check_identifier("source", data.get("source", name)),
        department=data.get("department", name),
        label=data.get("label", name),
        domains=domains,
        path=path,
    )
