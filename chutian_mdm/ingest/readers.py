"""Readers: a department's file in, a header and rows of text out.

Formats are chosen by file extension: ``.csv``/``.txt`` (UTF-8, UTF-8 with BOM or GB18030,
detected), ``.jsonl``/``.ndjson``, ``.parquet``, ``.xlsx``. A reader never drops a row: a row it
cannot decode or parse comes out with a ``problem`` so that it is quarantined with the reason.

Row numbers are what a person sees when opening the file: for CSV and Excel the header is row 1
and the first data row is row 2; for JSON Lines the line number; for Parquet the 1-based record
number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import InputFileError

FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
}

csv.field_size_limit(sys.maxsize)  # enormous fields are judged by validation, not by the parser


@dataclass(frozen=True, slots=True)
class RowProblem:
    code: str  # a rule code from schemas/rules.yaml
    message: str


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    values: list[str | None]  # aligned with SourceTable.headers
    problem: RowProblem | None = None
    raw_text: str | None = None  # the undecodable or unparseable original, for quarantine


@dataclass
class SourceTable:
    path: Path
    file_format: str
    encoding: str | None
    headers: list[str]
    rows: Iterator[Row]
    expected_rows: int | None = None  # for progress display only
    may_hold_nul: bool = True  # False when the reader knows no value holds a NUL character


def open_table(path: Path) -> SourceTable:
    """Open a department's file; raise :class:`InputFileError` if it cannot be read at all."""
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        known = ", ".join(sorted(FORMATS))
        raise InputFileError(path, f"unsupported file type {path.suffix!r} (supported: {known})")
    if not path.is_file():
        raise InputFileError(path, "no such file")
    if file_format == "csv":
        table = _read_csv(path)
    elif file_format == "jsonl":
        table = _read_jsonl(path)
    elif file_format == "parquet":
        table = _read_parquet(path)
    else:
        table = _read_xlsx(path)
    if any("\x00" in header for header in table.headers):
        raise InputFileError(path, "the header row holds NUL characters")
    table.headers = _unique(table.headers)
    if table.may_hold_nul:
        table.rows = _without_nul(table.rows)
    return table


def _unique(headers: list[str]) -> list[str]:
    """Header names made unique (备注, 备注#2) so that no value is lost from a record's raw JSON."""
    seen: dict[str, int] = {}
    out = []
    for header in headers:
        count = seen.get(header, 0) + 1
        seen[header] = count
        out.append(header if count == 1 else f"{header}#{count}")
    return out


def _without_nul(rows: Iterator[Row]) -> Iterator[Row]:
    """PostgreSQL text cannot hold NUL characters: a row with one is quarantined, shown escaped."""
    for row in rows:
        if row.problem is None and any(v is not None and "\x00" in v for v in row.values):
            shown = "\t".join((v or "").replace("\x00", "\\x00") for v in row.values)
            yield Row(row.number, [None] * len(row.values),
                      RowProblem("encoding_invalid", "the row holds NUL characters (\\x00)"), raw_text=shown)
        elif row.raw_text is not None and "\x00" in row.raw_text:
            yield Row(row.number, row.values, row.problem, row.raw_text.replace("\x00", "\\x00"))
        else:
            yield row


# -- CSV ---------------------------------------------------------------------------------------


def detect_encoding(data: bytes) -> str:
    """``utf-8-sig``, ``utf-8`` or ``gb18030``: the one under which fewer lines fail to decode.

    A UTF-8 file with one broken line stays UTF-8 (that line is quarantined); GB18030 text
    almost never decodes as UTF-8, so GB18030 files are recognised by their failures.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    utf8_failures = gb_failures = 0
    for line in data.split(b"\n"):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            utf8_failures += 1
        try:
            line.decode("gb18030")
        except UnicodeDecodeError:
            gb_failures += 1
    non_ascii = sum(1 for line in data.split(b"\n") if not line.isascii())
    # Prefer UTF-8 unless most non-ASCII lines fail as UTF-8 and GB18030 does better.
    if utf8_failures * 2 > non_ascii and gb_failures < utf8_failures:
        return "gb18030"
    return "utf-8"


_SURROGATE_ESCAPE = re.compile("[\udc80-\udcff]")


def _undecodable(text: str) -> bool:
    """Whether decoding with ``surrogateescape`` left bytes it could not decode."""
    return _SURROGATE_ESCAPE.search(text) is not None


def _shown(text: str, encoding: str) -> str:
    """Text with undecodable bytes shown as \\xNN escapes."""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    return text.encode(codec, "surrogateescape").decode(codec, "backslashreplace")


def _read_csv(path: Path) -> SourceTable:
    data = path.read_bytes()
    if not data.strip():
        raise InputFileError(path, "the file is empty")
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00") > len(head) // 10:
        raise InputFileError(
            path, "this is not a text file in UTF-8 or GB18030 (it is full of NUL bytes: binary, or "
            "UTF-16 — save it as UTF-8 or GB18030 CSV)")
    encoding = detect_encoding(data)
    text = data.decode(encoding, "surrogateescape")
    # Only the delimiter is taken from the header line; quoting follows RFC 4180 (doubled quotes),
    # which a header without quotes cannot reveal.
    try:
        delimiter = csv.Sniffer().sniff(text[:8192].split("\n", 1)[0], delimiters=",\t;|").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(_physical_lines(text), csv.excel, delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise InputFileError(path, f"the header row cannot be read: {exc}") from exc
    if _undecodable("".join(header)):
        raise InputFileError(
            path, f"the header row is not valid {encoding}: {_shown(','.join(header), encoding)}"
        )
    headers = [h.strip() for h in header]
    # Whole-file checks first (one C scan each): most files hold neither undecodable bytes nor
    # NUL characters, and then no row needs looking at for them.
    rows = _csv_rows(reader, len(headers), encoding, check_bytes=_undecodable(text))
    expected = max(data.count(b"\n") + (0 if data.endswith(b"\n") else 1) - 1, 0)
    return SourceTable(path, "csv", encoding, headers, rows, expected, may_hold_nul=b"\x00" in data)


def _physical_lines(text: str) -> Iterator[str]:
    """Lines ending at ``\n`` (``\r\n`` included). A bare ``\r`` is not a line break — it may sit
    inside a quoted cell — unless the file has no ``\n`` at all (classic Mac line ends)."""
    if "\n" not in text and "\r" in text:
        yield from io.StringIO(text, newline="")
        return
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _csv_rows(reader: Any, width: int, encoding: str, check_bytes: bool = True) -> Iterator[Row]:
    number = 1
    while True:
        number = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Row(number, [None] * width, RowProblem("row_malformed", f"CSV error: {exc}"))
            continue
        if not values:
            continue  # a blank line is not a row
        if check_bytes and _undecodable(joined := ",".join(values)):
            shown = _shown(joined, encoding)
            yield Row(
                number,
                [None] * width,
                RowProblem("encoding_invalid", f"bytes that are not valid {encoding}: {shown[:200]}"),
                raw_text=shown,
            )
            continue
        if len(values) != width:
            problem = RowProblem(
                "row_malformed", f"{len(values)} columns where the header has {width}"
            )
            yield Row(number, _fit(values, width), problem, raw_text=",".join(values))
            continue
        yield Row(number, [v if v != "" else None for v in values])


def _fit(values: list[str], width: int) -> list[str | None]:
    fitted: list[str | None] = [v if v != "" else None for v in values[:width]]
    return fitted + [None] * (width - len(fitted))


# -- JSON Lines --------------------------------------------------------------------------------


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, default=str)


def _read_jsonl(path: Path) -> SourceTable:
    data = path.read_bytes()
    encoding = detect_encoding(data)
    lines = data.decode(encoding, "surrogateescape").splitlines()
    parsed: list[tuple[int, dict[str, Any] | None, RowProblem | None, str]] = []
    headers: dict[str, None] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if _undecodable(line):
            shown = _shown(line, encoding)
            problem = RowProblem("encoding_invalid", f"bytes that are not valid {encoding}: {shown[:200]}")
            parsed.append((number, None, problem, shown))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            parsed.append((number, None, RowProblem("row_malformed", f"not valid JSON: {exc.msg}"), line))
            continue
        if not isinstance(obj, dict):
            problem = RowProblem("row_malformed", f"a JSON {type(obj).__name__}, expected an object")
            parsed.append((number, None, problem, line))
            continue
        for key in obj:
            headers.setdefault(str(key).strip(), None)
        parsed.append((number, {str(k).strip(): v for k, v in obj.items()}, None, line))
    if not parsed:
        raise InputFileError(path, "the file holds no JSON records")
    names = list(headers)

    def rows() -> Iterator[Row]:
        for number, obj, problem, raw in parsed:
            if obj is None:
                yield Row(number, [None] * len(names), problem, raw_text=raw)
            else:
                yield Row(number, [_cell(obj.get(name)) for name in names])

    return SourceTable(path, "jsonl", encoding, names, rows(), len(parsed))


# -- Parquet -----------------------------------------------------------------------------------


def _read_parquet(path: Path) -> SourceTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputFileError(path, f"not a readable Parquet file: {exc}") from exc
    headers = [name.strip() for name in parquet.schema_arrow.names]

    def rows() -> Iterator[Row]:
        number = 0
        for batch in parquet.iter_batches(batch_size=65536):
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for values in zip(*columns, strict=True):
                number += 1
                yield Row(number, [_cell(v) for v in values])

    return SourceTable(path, "parquet", None, headers, rows(), parquet.metadata.num_rows)


# -- Excel -------------------------------------------------------------------------------------


def _read_xlsx(path: Path) -> SourceTable:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputFileError(path, f"not a readable Excel .xlsx file: {exc}") from exc
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        header = next(iterator)
    except StopIteration:
        raise InputFileError(path, "the first sheet is empty") from None
    headers = [str(h).strip() if h is not None else "" for h in header]
    width = len(headers)

    def rows() -> Iterator[Row]:
        for number, values in enumerate(iterator, start=2):
            cells = [_cell(v) for v in values]
            if all(c is None for c in cells):
                continue  # Excel reports formatted but empty rows; they are not data
            if any(c is not None for c in cells[width:]):
                problem = RowProblem("row_malformed", "values beyond the last header column")
                yield Row(number, _fit([c or "" for c in cells], width), problem, "\t".join(
                    c or "" for c in cells))
                continue
            yield Row(number, _fit([c or "" for c in cells], width))
        workbook.close()

    expected = (sheet.max_row - 1) if sheet.max_row else None
    return SourceTable(path, "xlsx", None, headers, rows(), expected)
