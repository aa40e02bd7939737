"""Generated department files in memory, and writing them in each department's own format.

Writers are byte-for-byte deterministic: no "now" timestamps (the Excel writer's zip entries
and document properties are pinned to the reference date).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..domains.schema import load_source

REFERENCE_DATE = dt.date(2026, 11, 1)
_ZIP_TIME = (2026, 11, 1, 0, 0, 0)

EXTENSIONS = {"csv": "csv", "csv-bom": "csv", "csv-gb18030": "csv", "xlsx": "xlsx",
              "jsonl": "jsonl", "parquet": "parquet"}
_CSV_ENCODINGS = {"csv": "utf-8", "csv-bom": "utf-8-sig", "csv-gb18030": "gb18030"}

Record = dict[str, str | None]  # canonical field -> value as the department writes it


@dataclass(frozen=True)
class Bait:
    """A row that ingest must quarantine, and why."""

    index: int  # 0-based position among the file's data rows
    field: str
    rule: str  # the rule code of schemas/rules.yaml expected to fire
    reason: str


@dataclass
class Draft:
    """A record before it gets its place and ``source_record_id`` in the file."""

    record: Record
    entity_id: str
    bait: tuple[str, str, str] | None = None  # field, rule, reason: ingest must quarantine it
    split_field: str | None = None


@dataclass
class SourceFile:
    """One department's file for one domain, still in memory."""

    domain: str
    source: str
    fmt: str
    rows: list[Record] = field(default_factory=list)
    entity_ids: list[str] = field(default_factory=list)
    dirt: Counter[str] = field(default_factory=Counter)
    bait: list[Bait] = field(default_factory=list)
    # Rows written with one field split at its first comma into two cells, as an export that
    # forgot to quote would (CSV only): the row has one column too many.
    split_cells: dict[int, str] = field(default_factory=dict)

    @property
    def relative_path(self) -> str:
        return f"{self.domain}/{self.source}.{EXTENSIONS[self.fmt]}"

    def header_map(self) -> dict[str, str]:
        """Department header -> canonical field, in the profile's order."""
        return load_source(self.source).mapping_for(self.domain).columns

    def add(self, draft: Draft, record_id: str) -> None:
        """Append a draft under its final ``source_record_id``."""
        index = len(self.rows)
        self.rows.append({"source_record_id": record_id, **draft.record})
        self.entity_ids.append(draft.entity_id)
        if draft.bait:
            self.bait.append(Bait(index, *draft.bait))
        if draft.split_field:
            self.split_cells[index] = draft.split_field

    def row_number(self, index: int) -> int:
        """The row number a reader reports: the header is row 1 in CSV and Excel."""
        return index + (2 if self.fmt.startswith("csv") or self.fmt == "xlsx" else 1)

    def table(self) -> tuple[list[str], list[list[str | None]]]:
        mapping = self.header_map()
        headers = list(mapping)
        return headers, [[row.get(mapping[h]) for h in headers] for row in self.rows]


def write_source_file(file: SourceFile, root: Path) -> Path:
    path = root / file.relative_path
    path.parent.mkdir(parents=True, exist_ok=True)
    headers, rows = file.table()
    if file.fmt in _CSV_ENCODINGS:
        mapping = file.header_map()
        for index, name in file.split_cells.items():
            at = headers.index(next(h for h, f in mapping.items() if f == name))
            head, _, tail = (rows[index][at] or "").partition(",")
            rows[index] = [*rows[index][:at], head, tail, *rows[index][at + 1:]]
        path.write_bytes(csv_bytes(headers, rows, _CSV_ENCODINGS[file.fmt]))
    elif file.fmt == "jsonl":
        lines = (json.dumps(dict(zip(headers, row, strict=True)), ensure_ascii=False) for row in rows)
        path.write_bytes("".join(line + "\n" for line in lines).encode("utf-8"))
    elif file.fmt == "xlsx":
        path.write_bytes(xlsx_bytes(headers, rows, sheet_title=file.source))
    elif file.fmt == "parquet":
        write_parquet(path, headers, rows)
    else:
        raise ValueError(file.fmt)
    return path


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[str | None]], encoding: str,
              header: bool = True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(headers)
    writer.writerows([("" if v is None else v) for v in row] for row in rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[str | None]],
               sheet_title: str) -> bytes:
    """An .xlsx whose every cell is text (so IDs stay IDs), with pinned timestamps."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            cell.number_format = "@"
    pinned = dt.datetime(*_ZIP_TIME)
    workbook.properties.created = pinned
    workbook.properties.modified = pinned
    workbook.properties.creator = "chutian-mdm synth"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return _pin_zip(raw.getvalue())


def _pin_zip(data: bytes) -> bytes:
    """The same zip with every entry dated at the reference date."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-11-01T00:00:00Z",
                                 content)
            pinned = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            pinned.compress_type = zipfile.ZIP_DEFLATED
            pinned.external_attr = 0o600 << 16
            target.writestr(pinned, content)
    return out.getvalue()


def write_parquet(path: Path, headers: Sequence[str], rows: Sequence[Sequence[str | None]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = list(zip(*rows, strict=True)) if rows else [() for _ in headers]
    table = pa.table({h: pa.array(list(col), pa.string()) for h, col in zip(headers, columns,
                                                                              strict=True)})
    pq.write_table(table, path, compression="zstd")


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[str | None]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_bytes(headers, rows, "utf-8"))
