"""Validation and standardisation of a chunk of rows, column by column.

Each canonical column is standardised over its distinct values (one call per distinct value,
except for near-unique types such as citizen IDs), then the domain's cross-field checks run over
whole columns. Every finding is an issue with a rule code whose severity comes from the schema:
rows with an error go to quarantine with all their issues, the others are staged with theirs.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..domains import domain_module
from ..domains.schema import DomainSchema, SourceMapping
from ..errors import InputFileError
from ..standardize import Standardized
from .fieldtypes import field_type
from .readers import Row

MAX_VALUE_LENGTH = 2000


def _header_key(header: str) -> str:
    return unicodedata.normalize("NFKC", header).replace("\ufeff", "").strip().lower()


@dataclass(frozen=True)
class ColumnMap:
    """Which column of the file holds which canonical field."""

    field_index: dict[str, int]
    ignored: list[str]


def map_columns(
    path: Path, headers: Sequence[str], schema: DomainSchema, mapping: SourceMapping | None
) -> ColumnMap:
    """Map the file's headers to canonical fields via the source profile (canonical names are
    always accepted). A missing required column fails the whole file."""
    lookup: dict[str, tuple[str, ...]] = {_header_key(name): (name,) for name in schema.fields}
    if mapping is not None:
        lookup.update({_header_key(header): (target, *mapping.also.get(header, ()))
                       for header, target in mapping.columns.items()})
    field_index: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        targets = lookup.get(_header_key(header))
        if targets is None:
            ignored.append(header)
            continue
        for target in targets:
            if target in field_index:
                other = headers[field_index[target]]
                raise InputFileError(path, f"columns {other!r} and {header!r} both map to field {target}")
            field_index[target] = index

    def expected(field_name: str) -> str:
        names = [h for h, t in (mapping.columns.items() if mapping else []) if t == field_name]
        label = schema.fields[field_name].label
        return f"{' or '.join(repr(n) for n in names) or repr(field_name)} ({field_name}, {label})"

    missing = [name for name in schema.required_fields if name not in field_index]
    if missing:
        raise InputFileError(
            path,
            "missing required column " + ", ".join(expected(m) for m in missing)
            + f"; the file's columns are: {', '.join(headers)}",
        )
    for group in schema.required_one_of:
        if not any(name in field_index for name in group):
            raise InputFileError(
                path, "needs at least one of the columns " + ", ".join(expected(n) for n in group)
            )
    return ColumnMap(field_index, ignored)


@dataclass
class CheckedChunk:
    """A chunk after validation: record columns for every row, and the issues of each row."""

    rows: list[Row]
    columns: dict[str, list[Any]]
    issues: dict[int, list[dict[str, str]]] = field(default_factory=dict)
    quarantined: set[int] = field(default_factory=set)

    def report(self, index: int, field_name: str, code: str, message: str, severity: str) -> None:
        self.issues.setdefault(index, []).append(
            {"field": field_name, "code": code, "severity": severity, "message": message}
        )
        if severity == "error":
            self.quarantined.add(index)


class ChunkValidator:
    """Validates the rows of one file chunk by chunk. Stateless, so chunks can be checked in
    worker processes; duplicates across chunks are found by the loader."""

    def __init__(self, schema: DomainSchema, columns: ColumnMap) -> None:
        self.schema = schema
        self.columns = columns
        self.module = domain_module(schema.name)

    def check(self, rows: list[Row]) -> CheckedChunk:
        schema = self.schema
        chunk = CheckedChunk(rows, {})

        def report(index: int, field_name: str, code: str, message: str) -> None:
            spec = schema.fields.get(field_name)
            severity = spec.severity_of(code) if spec else _default_severity(code)
            chunk.report(index, field_name, code, message, severity)

        for index, row in enumerate(rows):
            if row.problem is not None:
                report(index, "", row.problem.code, row.problem.message)

        for spec in schema.fields.values():
            ftype = field_type(spec)
            position = self.columns.field_index.get(spec.name)
            raw: list[str | None] = (
                [None] * len(rows) if position is None
                else [None if v is None else (v.strip() or None) for v in (row.values[position] for row in rows)]
            )
            if max(map(len, filter(None, raw)), default=0) > MAX_VALUE_LENGTH:
                for index, value in enumerate(raw):
                    if value is not None and len(value) > MAX_VALUE_LENGTH:
                        report(index, spec.name, "value_too_long",
                               f"{len(value)} characters, at most {MAX_VALUE_LENGTH} allowed")
                        raw[index] = None
            results = _standardize_column(
                raw, ftype.standardizer(spec, schema), ftype.per_row
            )
            chunk.columns[spec.name] = [r.value if r else None for r in results]
            for suffix in ftype.derived:
                chunk.columns[f"{spec.name}_{suffix}"] = [
                    r.derived.get(suffix) if r else None for r in results
                ]
            for index, result in enumerate(results):
                if result is None:
                    if spec.required and rows[index].problem is None and position is not None:
                        report(index, spec.name, "required_missing", f"{spec.label} is empty")
                    continue
                for issue in result.issues:
                    report(index, spec.name, issue.code, issue.message)
                if spec.required and result.value is None:
                    report(index, spec.name, "required_missing", f"{spec.label} has no usable value")

        for group in schema.required_one_of:
            for index in range(len(rows)):
                if all(chunk.columns[name][index] is None for name in group):
                    labels = " or ".join(schema.fields[n].label for n in group)
                    report(index, group[0], "required_missing", f"{labels} must be given")

        self.module.cross_checks(chunk.columns, report)
        return chunk


def _standardize_column(
    raw: list[str | None], standardize: Any, per_row: bool
) -> list[Standardized | None]:
    if per_row:
        return [standardize(v) if v is not None else None for v in raw]
    cache: dict[str, Standardized] = {}
    out: list[Standardized | None] = []
    for value in raw:
        if value is None:
            out.append(None)
            continue
        result = cache.get(value)
        if result is None:
            result = cache[value] = standardize(value)
        out.append(result)
    return out


def _default_severity(code: str) -> str:
    from ..domains.schema import rules

    return rules()[code].severity


def raw_json(headers: Sequence[str], row: Row) -> str:
    """The row as the department sent it, for lineage and for sending back to be fixed."""
    record: dict[str, Any] = dict(zip(headers, row.values, strict=False))
    if row.raw_text is not None:
        record["_raw_text"] = row.raw_text
    return json.dumps(record, ensure_ascii=False)
