"""Reading golden records: one record with lineage and members, its versions, search, releases
and changes. Used by the CLI; every table name comes from a known domain, every value is a bound
parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..domains import domain_names, load_domain
from ..errors import ConfigError, MdmError
from ..ingest.fieldtypes import field_type
from .columns import golden_columns

_GOLDEN_ID = re.compile(r"^([A-Z]{2,6})-(\d+)$")


class GoldenNotFound(MdmError):
    """A well-formed golden ID that no release of its domain ever published."""


def domain_of(golden_id: str) -> str:
    """The domain whose golden IDs carry this ID's prefix (PSN-… → population)."""
    match = _GOLDEN_ID.match(golden_id.strip().upper())
    if match:
        for domain in domain_names():
            if load_domain(domain).golden.id_prefix == match.group(1):
                return domain
    prefixes = ", ".join(f"{load_domain(d).golden.id_prefix}- ({d})" for d in domain_names()
                         if load_domain(d).golden.id_prefix)
    raise ConfigError(f"{golden_id!r} is not a golden ID; golden IDs start with {prefixes}")


@dataclass(frozen=True)
class GoldenRecord:
    domain: str
    golden_id: str
    valid_from_release: int
    valid_to_release: int | None  # None: the current version
    attributes: dict[str, Any]
    record_count: int
    lineage: dict[str, dict[str, str]]
    members: list[dict[str, Any]] = field(default_factory=list)


def get_golden(engine: sa.Engine, golden_id: str) -> GoldenRecord:
    """The current version of a golden record with its member source records; for a retired ID,
    its last version (``valid_to_release`` says when it ended)."""
    golden_id = golden_id.strip().upper()
    versions = golden_history(engine, golden_id)
    latest = versions[-1]
    as_of = latest.valid_to_release - 1 if latest.valid_to_release else None
    with engine.connect() as conn:
        members = conn.execute(sa.text(f"""
            SELECT x.source, x.source_record_id, x.match_probability, x.record_id, x.valid_from_release
            FROM golden.{latest.domain}_xref x
            WHERE x.golden_id = :g AND {'x.valid_to_release IS NULL' if as_of is None else
                                        'x.valid_from_release <= :n AND (x.valid_to_release IS NULL OR '
                                        'x.valid_to_release > :n)'}
            ORDER BY x.source, x.source_record_id"""), {"g": golden_id, "n": as_of}).mappings().all()
    return GoldenRecord(**{**latest.__dict__, "members": [dict(m) for m in members]})


def golden_history(engine: sa.Engine, golden_id: str) -> list[GoldenRecord]:
    """Every version of a golden record, oldest first."""
    golden_id = golden_id.strip().upper()
    domain = domain_of(golden_id)
    attributes = list(golden_columns(domain))
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"""
            SELECT golden_id, valid_from_release, valid_to_release, {', '.join(attributes)}, record_count, lineage
            FROM golden.{domain}_history WHERE golden_id = :g ORDER BY valid_from_release"""),
            {"g": golden_id}).mappings().all()
    if not rows:
        raise GoldenNotFound(f"no golden record {golden_id} in {domain} (see `chutian-mdm golden search`)")
    return [
        GoldenRecord(domain, r["golden_id"], r["valid_from_release"], r["valid_to_release"],
                     {a: r[a] for a in attributes}, r["record_count"], r["lineage"])
        for r in rows
    ]


def changes_of(engine: sa.Engine, golden_id: str) -> list[dict[str, Any]]:
    """What each release did to one golden ID (created, updated, merged, split, retired), and
    the golden IDs merged into it."""
    golden_id = golden_id.strip().upper()
    domain = domain_of(golden_id)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(f"""
            SELECT release, golden_id, change, merged_into, split_from FROM golden.{domain}_changes
            WHERE golden_id = :g OR merged_into = :g OR split_from = :g ORDER BY release, golden_id"""),
            {"g": golden_id}).mappings()]


def search_golden(engine: sa.Engine, *, name: str | None = None, id_number: str | None = None,
                  phone: str | None = None, domain: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Current golden records by name (contained in), ID (citizen ID, USCC …) or phone (exact),
    standardised as at ingest; over every domain that has such fields, or ``domain`` only."""
    given = {"name": name, "id": id_number, "phone": phone}
    wanted = {kind: value for kind, value in given.items() if value and value.strip()}
    if not wanted:
        raise ConfigError("search for something: --name, --id or --phone")
    domains = [domain] if domain else domain_names()
    found: list[dict[str, Any]] = []
    rejected: list[ConfigError] = []  # a citizen ID is no USCC: other domains may still match
    searched = 0
    with engine.connect() as conn:
        for d in domains:
            schema = load_domain(d)
            if not all(kind in schema.golden.search for kind in wanted):
                if domain:
                    missing = ", ".join(k for k in wanted if k not in schema.golden.search)
                    raise ConfigError(f"{d} golden records cannot be searched by {missing}")
                continue
            conditions, params = [], {}
            try:
                for kind, raw in wanted.items():
                    either = []
                    for n, field_name in enumerate(schema.golden.search[kind]):
                        key = f"{kind}{n}"
                        params[key] = _standardised(d, field_name, raw, strict=kind != "name")
                        either.append(f"position(:{key} in {field_name}) > 0" if kind == "name"
                                      else f"{field_name} = :{key}")
                    conditions.append("(" + " OR ".join(either) + ")")
            except ConfigError as exc:
                rejected.append(exc)
                continue
            searched += 1
            shown = list(dict.fromkeys(f for fields in schema.golden.search.values() for f in fields))
            rows = conn.execute(sa.text(f"""
                SELECT golden_id, {', '.join(shown)}, record_count, valid_from_release FROM golden.{d}
                WHERE {' AND '.join(conditions)} ORDER BY golden_id LIMIT :limit"""),
                {**params, "limit": limit}).mappings()
            found += [{"domain": d, **dict(r)} for r in rows]
    if not searched and rejected:
        raise rejected[0]
    return found[:limit]


def _standardised(domain: str, field_name: str, raw: str, strict: bool) -> str:
    schema = load_domain(domain)
    spec = schema.fields[field_name]
    result = field_type(spec).standardizer(spec, schema)(raw.strip())
    if result.value is None:  # (notes such as a newer region code do not matter here)
        if strict:
            reasons = "; ".join(issue.message for issue in result.issues) or "not usable"
            raise ConfigError(f"cannot search {domain}.{field_name} for {raw!r}: {reasons}")
        return raw.strip()
    return str(result.value)


def list_releases(engine: sa.Engine, domain: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Published releases, newest first."""
    if domain:
        load_domain(domain)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text("""
            SELECT domain, release, run_id, published_at, published_by, golden_records, source_records, created,
                   updated, merged, split, retired, xref_changes
            FROM golden.releases WHERE CAST(:d AS text) IS NULL OR domain = :d
            ORDER BY published_at DESC, domain, release DESC LIMIT :limit"""),
            {"d": domain, "limit": limit}).mappings()]


def list_changes(engine: sa.Engine, domain: str, since: int, limit: int | None = None) -> list[dict[str, Any]]:
    """Changes of the releases after ``since`` (``since`` = 0: all), oldest first."""
    load_domain(domain)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(f"""
            SELECT release, golden_id, change, merged_into, split_from FROM golden.{domain}_changes
            WHERE release > :since ORDER BY release, golden_id LIMIT :limit"""),
            {"since": since, "limit": limit}).mappings()]


def latest_run(engine: sa.Engine, domain: str) -> int:
    """The domain's most recent matching run."""
    load_domain(domain)
    with engine.connect() as conn:
        run_id = conn.execute(sa.text("SELECT max(run_id) FROM mdm.runs WHERE domain = :d"), {"d": domain}).scalar()
    if run_id is None:
        raise ConfigError(f"no matching run of {domain} yet; run `chutian-mdm run {domain}` first")
    return int(run_id)
