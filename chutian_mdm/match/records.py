"""Moving records between PostgreSQL and the matcher's DuckDB, in bulk (COPY, Arrow).

The matcher works on an in-process DuckDB database: the current records of a domain are read
with one ``COPY (SELECT …) TO STDOUT`` into Arrow and then into DuckDB, where the domain's
derived match columns are computed over the whole table at once.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

from ..db import tables
from .spec import Matching

_ARROW_TYPES: dict[str, pa.DataType] = {
    "TEXT": pa.string(),
    "DATE": pa.date32(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE PRECISION": pa.float64(),
    "FLOAT": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP WITH TIME ZONE": pa.timestamp("us", tz="UTC"),
}

# Columns every record carries in the matcher, besides those the domain reads.
KEY_COLUMNS = ("record_id", "source", "source_record_id")


def copy_out(conn: sa.Connection, select_sql: str, types: dict[str, pa.DataType],
             params: Sequence[Any] = ()) -> pa.Table:
    """The result of ``select_sql`` as an Arrow table, through ``COPY … TO STDOUT`` (CSV)."""
    driver = conn.connection.driver_connection
    assert driver is not None
    buffer = io.BytesIO()
    with driver.cursor() as cursor, cursor.copy(
        f"COPY ({select_sql}) TO STDOUT (FORMAT csv, HEADER true)", params or None
    ) as copy:
        for block in copy:
            buffer.write(block)
    if buffer.tell() == 0:
        return pa.table({name: pa.array([], type_) for name, type_ in types.items()})
    buffer.seek(0)
    return pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(block_size=16 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False,
            include_columns=list(types), true_values=["t"], false_values=["f"],  # PostgreSQL's booleans
        ),
    )


def copy_in(conn: sa.Connection, table: str, columns: Sequence[str], data: pa.Table) -> None:
    """Append an Arrow table to a PostgreSQL table with ``COPY … FROM STDIN`` (CSV)."""
    if data.num_rows == 0:
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    buffer = io.BytesIO()
    pacsv.write_csv(data.select(list(columns)), buffer,
                    pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    with driver.cursor() as cursor, cursor.copy(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
    ) as copy:
        copy.write(buffer.getbuffer())


def record_types(conn: sa.Connection, domain: str, names: Sequence[str]) -> dict[str, pa.DataType]:
    """Arrow types of staging columns (a KeyError is a wrong declaration: fail loudly)."""
    staging = tables.staging_table(domain)
    return {name: _ARROW_TYPES[str(staging.c[name].type.compile(dialect=conn.dialect)).upper()]
            for name in names}


# Above this many staging rows, current records are read in parts by parallel connections.
PARALLEL_READ_ROWS = 200_000
READ_PARTS = 2


def current_records(conn: sa.Connection, domain: str, spec: Matching, parts: int | None = None) -> pa.Table:
    """Every current record of ``domain`` (``superseded_by_batch_id IS NULL``) with the key
    columns and the columns the domain's matching reads.

    A large domain is read in ``parts`` ranges of record_id (default: :data:`READ_PARTS` above
    :data:`PARALLEL_READ_ROWS` rows) by as many connections at once, all reading the same
    snapshot: PostgreSQL formats COPY output on one core per connection, and that is most of
    the time it takes to read a million records."""
    staging = tables.staging_table(domain)
    names = [*KEY_COLUMNS, *spec.reads]
    types = record_types(conn, domain, names)
    select = (
        f"SELECT {', '.join(names)} FROM staging.{staging.name} "
        "WHERE superseded_by_batch_id IS NULL"  # no ORDER BY: DuckDB numbers the nodes
    )
    low, high = conn.exec_driver_sql(f"SELECT min(record_id), max(record_id) FROM staging.{staging.name}").one()
    if parts is None:
        parts = READ_PARTS if low is not None and high - low >= PARALLEL_READ_ROWS else 1
    if parts <= 1 or low is None:
        return copy_out(conn, select, types)
    step = (high - low) // parts + 1
    ranges = [f"{select} AND record_id >= {low + i * step} AND record_id < {low + (i + 1) * step}"
              for i in range(parts)]
    return pa.concat_tables(copy_out_snapshot(conn, ranges, types))


def copy_out_snapshot(conn: sa.Connection, selects: list[str], types: dict[str, pa.DataType]) -> list[pa.Table]:
    """:func:`copy_out` of each of ``selects`` at once, each by a connection of its own, all in
    the snapshot of ``conn``'s transaction (exported to them): together they see what one
    statement would."""
    snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()

    def read(select: str) -> pa.Table:
        with conn.engine.connect().execution_options(isolation_level="REPEATABLE READ") as part:
            part.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            return copy_out(part, select, types)

    with ThreadPoolExecutor(len(selects)) as pool:
        return list(pool.map(read, selects))


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for one piece of work (no progress bars: the CLI shows its own)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false").complete()
    return con


def run_sql(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Execute a statement to its end (DuckDB 2 keeps an ``execute()`` result pending otherwise,
    which blocks the next query on the connection)."""
    con.execute(sql).complete()


def fetch_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def load_into_duckdb(con: duckdb.DuckDBPyConnection, name: str, records: pa.Table,
                     spec: Matching) -> None:
    """Create DuckDB table ``name`` from the records, adding the domain's derived columns."""
    derived = "".join(f", {expression} AS {column}" for column, expression in spec.derived.items())
    con.register("__incoming_records", records)
    try:
        run_sql(con, f"CREATE OR REPLACE TABLE {name} AS SELECT *{derived} FROM __incoming_records")
    finally:
        con.unregister("__incoming_records")
