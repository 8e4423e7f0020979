"""Bulk writes, never row by row: COPY on PostgreSQL, the driver's executemany on SQLite."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, text
from sqlmodel import SQLModel

from data_access.db import touched
from data_access.frames import conform

BATCH_ROWS = 50_000

SQLITE_BULK_CACHE_KIB = 65_536
"""Page cache (KiB) of the connection during a bulk insert on SQLite. The default 2 MiB
spills the pages of the table's four indexes to the file mid-transaction: with 64 MiB a
100 000-row copies import writes them once, at the commit (issue 11, the insert alone on
the shared machine: processor 1,9-2,0 s -> 1,7 s; wall up to 4,7 s -> 1,8 s when the disk
was busy). Restored afterwards so idle connections stay small."""


def bulk_insert(connection: Connection, table: type[SQLModel], frame: pl.DataFrame) -> int:
    """Insert every row of the frame (columns named as the table's) and return the count.

    Columns absent from the frame take the model's default, or are left to the database
    (ids). Run it inside
    ``db.write_transaction`` so that the data version is bumped with the write.
    """
    if frame.is_empty():
        return 0
    sql_table = table.__table__
    defaults = {
        column.name: column.default.arg
        for column in sql_table.columns
        if column.name not in frame.columns
        and column.default is not None
        and column.default.is_scalar
    }
    frame = frame.with_columns(pl.lit(value).alias(name) for name, value in defaults.items())
    columns = [c for c in conform(table, frame).columns if c in frame.columns]
    frame = conform(table, frame).select(columns)
    if connection.dialect.name == "postgresql":
        _copy_into_postgres(connection, sql_table.name, frame)
    elif connection.dialect.name == "sqlite":
        _executemany_into_sqlite(connection, sql_table.name, frame)
    else:
        statement = sql_table.insert()
        for batch in frame.iter_slices(BATCH_ROWS):
            connection.execute(statement, batch.to_dicts())
    return frame.height


def _executemany_into_sqlite(connection: Connection, table_name: str, frame: pl.DataFrame) -> None:
    """Plain tuples to the driver (about twice as fast as SQLAlchemy's per-row processing),
    dates and times in SQLAlchemy's own SQLite text formats so both read them back alike."""
    frame = frame.with_columns(
        [pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date]
        + [
            pl.col(c).dt.strftime("%Y-%m-%d %H:%M:%S.%6f")
            for c, t in frame.schema.items()
            if isinstance(t, pl.Datetime)
        ]
        + [pl.col(c).cast(pl.Int64) for c, t in frame.schema.items() if t == pl.Boolean]
    )
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    statement = f'INSERT INTO "{table_name}" ({columns}) VALUES ({marks})'  # noqa: S608
    cache = int(connection.exec_driver_sql("PRAGMA cache_size").scalar())
    page_kib = int(connection.exec_driver_sql("PRAGMA page_size").scalar()) // 1024
    cache_kib = -cache if cache < 0 else cache * page_kib
    # raise the cache for the write, never lower it (the seed already asks for more)
    bulk_cache = -max(cache_kib, SQLITE_BULK_CACHE_KIB)
    connection.exec_driver_sql(f"PRAGMA cache_size = {bulk_cache}")
    try:
        for batch in frame.iter_slices(BATCH_ROWS):
            connection.exec_driver_sql(statement, batch.rows())
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {cache}")


def _copy_into_postgres(connection: Connection, table_name: str, frame: pl.DataFrame) -> None:
    column_list = ", ".join(f'"{c}"' for c in frame.columns)
    touched(connection, table_name)  # the COPY goes past SQLAlchemy: note it for the versions
    raw = connection.connection.driver_connection  # psycopg connection of this transaction
    with raw.cursor() as cursor:
        with cursor.copy(f'COPY "{table_name}" ({column_list}) FROM STDIN') as copy:
            for row in frame.iter_rows():
                copy.write_row(row)


def reset_sequences(connection: Connection, tables: list[type[SQLModel]]) -> None:
    """After inserting explicit ids on PostgreSQL, move each id sequence past the largest id."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        sql_table = table.__table__
        if "id" not in sql_table.c or not sql_table.c.id.autoincrement:
            continue
        name = sql_table.name
        sequence = f"pg_get_serial_sequence('\"{name}\"', 'id')"
        largest = f'COALESCE((SELECT MAX(id) FROM "{name}"), 0) + 1'  # noqa: S608
        connection.execute(text(f"SELECT setval({sequence}, {largest}, false)"))
