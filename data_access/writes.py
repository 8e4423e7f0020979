"""Bulk writes, never row by row: COPY on PostgreSQL, the driver's executemany on SQLite."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, text
from sqlmodel import SQLModel

from data_access import db
from data_access.db import touched
from data_access.frames import conform

BATCH_ROWS = 50_000

SQLITE_BOUND_VALUES = 999
"""Values bound to one INSERT on SQLite (its oldest limit): as many rows in one statement,
``VALUES (...), (...)``, so that the driver's cost per statement is paid once per 99 copies
rather than once per copy (issue 11: 100 000 copies bound this way, processor 1,50 s -> 1,30 s
for the whole insert, load 5,6). The rows and the errors are the same: the statement fails
whole, in a transaction that fails whole."""

SQLITE_STAGED_ROWS = 10_000
"""From this many rows, an insert on SQLite goes through a scratch database written by the
ADBC driver from the frame's Arrow columns (``_staged``) rather than through Python values
bound one by one (issue 11: the insert of 100 000 copies, index rebuilt included,
processor 1,30 s -> 0,75 s, load 5 to 6)."""
_MOST_ATTACHED = 8
"""Databases a SQLite connection may hold (main, temp and the staged ones; SQLite's own
limit is 10): beyond, the rows are bound."""

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
        _insert_into_sqlite(connection, sql_table.name, frame)
    else:
        statement = sql_table.insert()
        for batch in frame.iter_slices(BATCH_ROWS):
            connection.execute(statement, batch.to_dicts())
    return frame.height


def _insert_into_sqlite(connection: Connection, table_name: str, frame: pl.DataFrame) -> None:
    """The rows staged (``_staged``) or bound (``_bound``) into the table, dates and times in
    SQLAlchemy's own SQLite text formats so both read them back alike, with a large page
    cache and the plain indexes built after the rows when that is quicker."""
    frame = frame.with_columns(
        [pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date]
        + [
            pl.col(c).dt.strftime("%Y-%m-%d %H:%M:%S.%6f")
            for c, t in frame.schema.items()
            if isinstance(t, pl.Datetime)
        ]
        + [pl.col(c).cast(pl.Int64) for c, t in frame.schema.items() if t == pl.Boolean]
    )
    cache = int(connection.exec_driver_sql("PRAGMA cache_size").scalar())
    page_kib = int(connection.exec_driver_sql("PRAGMA page_size").scalar()) // 1024
    cache_kib = -cache if cache < 0 else cache * page_kib
    # raise the cache for the write, never lower it (the seed already asks for more)
    bulk_cache = -max(cache_kib, SQLITE_BULK_CACHE_KIB)
    connection.exec_driver_sql(f"PRAGMA cache_size = {bulk_cache}")
    try:
        with _indexes_built_after(connection, table_name, frame.height):
            if not _staged(connection, table_name, frame):
                _bound(connection, table_name, frame)
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {cache}")


def _bound(connection: Connection, table_name: str, frame: pl.DataFrame) -> None:
    """The values bound to INSERT statements of many rows each (SQLITE_BOUND_VALUES)."""
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    row_marks = f"({', '.join('?' for _ in frame.columns)})"
    per_statement = max(1, SQLITE_BOUND_VALUES // frame.width)

    def statement(rows: int) -> str:
        marks = ", ".join([row_marks] * rows)
        return f'INSERT INTO "{table_name}" ({columns}) VALUES {marks}'  # noqa: S608

    for batch in frame.iter_slices(BATCH_ROWS):
        values = [column.to_list() for column in batch.iter_columns()]
        whole = batch.height - batch.height % per_statement
        if whole:
            connection.exec_driver_sql(
                statement(per_statement),
                [
                    _row_after_row(values, at, at + per_statement)
                    for at in range(0, whole, per_statement)
                ],
            )
        if whole < batch.height:
            connection.exec_driver_sql(
                statement(batch.height - whole), _row_after_row(values, whole, batch.height)
            )


def _staged(connection: Connection, table_name: str, frame: pl.DataFrame) -> bool:
    """Many rows inside ``db.write_transaction``: written first, by the ADBC SQLite driver
    straight from the frame's Arrow columns (no Python value per cell), into a scratch
    database of their own; attached to the transaction's connection and copied into the
    table by one INSERT ... SELECT (the same values, types and refusals as bound ones); the
    scratch database detached and deleted once the transaction is over (SQLite keeps it
    attached until then). False, and nothing done, for fewer than SQLITE_STAGED_ROWS rows,
    outside a write transaction, or when the connection has no room for another attached
    database: the values are then bound."""
    driver = connection.connection.driver_connection
    if frame.height < SQLITE_STAGED_ROWS or not db.in_write_transaction(connection):
        return False
    attached = driver.execute("PRAGMA database_list").fetchall()
    if len(attached) >= _MOST_ATTACHED:
        return False
    directory = Path(tempfile.mkdtemp(prefix="pilotage-staged-"))
    path = directory / "rows.db"
    schema = f"staged_{len(attached)}_{secrets.token_hex(4)}"

    def forget(connection: Connection) -> None:
        """Detach (through the driver: no table of the data is touched) and delete; never
        raises, so that it never hides the error that ended the transaction (a connection
        that cannot detach any more keeps it, under another name than the next ones)."""
        try:
            connection.connection.driver_connection.execute(f'DETACH DATABASE "{schema}"')
        except Exception:  # noqa: BLE001, S110
            pass
        shutil.rmtree(directory, ignore_errors=True)

    try:
        _write_scratch(path, frame)
        driver.execute("ATTACH DATABASE ? AS " + f'"{schema}"', (str(path),))
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    db.after_transaction(connection, forget)
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    connection.exec_driver_sql(
        f'INSERT INTO "{table_name}" ({columns}) SELECT {columns} FROM "{schema}".rows'  # noqa: S608
    )
    return True


def _write_scratch(path: Path, frame: pl.DataFrame) -> None:
    """The frame as the table ``rows`` of a new SQLite database, written by the ADBC driver
    from its Arrow columns, without journal nor flush to the disk (scratch rows). The driver's
    low-level API: its DB-API module would import pyarrow and pandas (half a second)."""
    import adbc_driver_manager as adbc
    import adbc_driver_sqlite

    with (
        adbc_driver_sqlite.connect(str(path)) as database,
        adbc.AdbcConnection(database) as scratch,
        adbc.AdbcStatement(scratch) as statement,
    ):
        for pragma in ("journal_mode = OFF", "synchronous = OFF"):
            statement.set_sql_query(f"PRAGMA {pragma}")
            statement.execute_update()
        statement.set_options(
            **{
                adbc.INGEST_OPTION_TARGET_TABLE: "rows",
                adbc.INGEST_OPTION_MODE: adbc.INGEST_OPTION_MODE_CREATE,
            }
        )
        statement.bind_stream(frame)
        statement.execute_update()


def _row_after_row(columns: list[list], start: int, end: int) -> tuple:
    """The values of rows start..end-1 of the columns, row after row (lists of Python values
    made column by column cost half as much as polars' row tuples)."""
    return tuple(chain.from_iterable(zip(*[c[start:end] for c in columns], strict=True)))


@contextmanager
def _indexes_built_after(connection: Connection, table_name: str, rows: int) -> Iterator[None]:
    """When the table holds fewer rows than the insert adds (a first import), its plain
    (non-unique) indexes are dropped before the insert and built again after it, from the
    same SQL: one sort instead of a random insertion per row (issue 11: processor about
    0,4 s less for 100 000 copies). Inside the insert's transaction (SQLite's DDL is
    transactional), so a failed import leaves them as they were; unique indexes are kept,
    so a duplicate is refused by the same constraint, with the same message. Done through
    the driver, as the inserts, so the data versions move for this table only."""
    driver = connection.connection.driver_connection
    held = driver.execute(
        f'SELECT count(*) FROM (SELECT 1 FROM "{table_name}" LIMIT ?)',  # noqa: S608
        (rows,),
    ).fetchone()[0]
    indexes = driver.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL AND upper(sql) NOT LIKE 'CREATE UNIQUE%'",
        (table_name,),
    ).fetchall()
    if held >= rows or not indexes or not driver.in_transaction:
        yield
        return
    for name, _sql in indexes:
        driver.execute(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        driver.execute(sql)


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
