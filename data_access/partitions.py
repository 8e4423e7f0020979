"""PostgreSQL: the event tables partitioned by school year (declarative partitioning).

Copies, interviews, tutoring requests, absences and diagnostics are partitioned by RANGE on
their date, one partition per school year (``copy_2024_2025``: 01/09/2024 included to
01/09/2025 excluded) and a DEFAULT partition (``copy_default``) for a row dated in a year
that has no partition yet (an import of a new year's copies lands there, then
``partition_by_school_year`` run again moves those rows into a partition of their year).
A load of some school years (``data_access.frames.year_filter``) reads only their partitions
when its condition is on the partition's date (PostgreSQL prunes the others).

What partitioning costs: PostgreSQL needs every primary key and unique key to hold the
partition's column, so the primary key becomes (id, date) (ids stay unique: one sequence)
and the copy number is unique per day of handing in rather than across the table (the
import already refuses a number the database holds for another learner). Support sessions
and their attendance stay whole tables: attendance refers to a session by its id alone.

A table is converted in one transaction with the rest (PostgreSQL's DDL is transactional):
a failure leaves every table as it was.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.schema import CreateIndex
from sqlmodel import SQLModel

from data_access import models
from domain import school_year_dates

PARTITIONED: dict[type[SQLModel], str] = {
    models.Copy: "submitted_on",
    models.Interview: "held_on",
    models.TutoringRequest: "received_at",
    models.Absence: "absent_on",
    models.Diagnostic: "assessed_on",
}
"""The event tables partitioned by school year, and the date that places a row."""


def partitioned_tables(connection: Connection) -> set[str]:
    """The names of the tables that are partitioned (PostgreSQL)."""
    rows = connection.execute(
        sa.text(
            "SELECT c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
        )
    )
    return {name for (name,) in rows}


def partition_name(table: str, year: int) -> str:
    return f"{table}_{year}_{year + 1}"


def _years_in(connection: Connection, table: str, column: str) -> set[int]:
    """School years (first years) of the table's rows: a date minus eight months falls in the
    first year of its school year (September 2024 and August 2025 both in 2024)."""
    query = (
        f"SELECT DISTINCT CAST(EXTRACT(YEAR FROM {column} - INTERVAL '8 months') AS INTEGER) "  # noqa: S608
        f'FROM "{table}" WHERE {column} IS NOT NULL'
    )
    return {int(year) for (year,) in connection.execute(sa.text(query))}


def _add_partition(connection: Connection, table: str, year: int, name: str | None = None) -> None:
    start, after = school_year_dates(year)[0], school_year_dates(year + 1)[0]
    connection.exec_driver_sql(
        f'CREATE TABLE "{name or partition_name(table, year)}" PARTITION OF "{table}" '
        f"FOR VALUES FROM ('{start}') TO ('{after}')"
    )


def _convert(connection: Connection, model: type[SQLModel], column: str, years: set[int]) -> None:
    """The table, rows and all, replaced by a partitioned one of the same columns, checks,
    defaults, keys (with the date added) and indexes."""
    table = model.__table__
    name = table.name
    new = f"{name}__partitioned"
    connection.exec_driver_sql(
        f'CREATE TABLE "{new}" (LIKE "{name}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) '
        f"PARTITION BY RANGE ({column})"
    )
    for year in sorted(years):
        _add_partition(connection, new, year, partition_name(name, year))
    connection.exec_driver_sql(f'CREATE TABLE "{name}_default" PARTITION OF "{new}" DEFAULT')
    connection.exec_driver_sql(f'INSERT INTO "{new}" SELECT * FROM "{name}"')  # noqa: S608
    sequence = connection.execute(
        sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": name}
    ).scalar_one_or_none()
    if sequence is not None:  # the ids go on from the same sequence
        connection.exec_driver_sql(f'ALTER SEQUENCE {sequence} OWNED BY "{new}".id')
    connection.exec_driver_sql(f'DROP TABLE "{name}"')
    connection.exec_driver_sql(f'ALTER TABLE "{new}" RENAME TO "{name}"')
    connection.exec_driver_sql(
        f'ALTER TABLE "{name}" ADD CONSTRAINT "{name}_pkey" PRIMARY KEY (id, {column})'
    )
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint):
            columns = [c.name for c in constraint.columns]
            columns += [] if column in columns else [column]
            connection.exec_driver_sql(
                f'ALTER TABLE "{name}" ADD CONSTRAINT "{constraint.name}" '
                f"UNIQUE ({', '.join(columns)})"
            )
        elif isinstance(constraint, sa.ForeignKeyConstraint):
            local = [c.name for c in constraint.columns]
            target = constraint.elements[0].column.table.name
            remote = [element.column.name for element in constraint.elements]
            connection.exec_driver_sql(
                f'ALTER TABLE "{name}" ADD CONSTRAINT "{name}_{"_".join(local)}_fkey" '
                f'FOREIGN KEY ({", ".join(local)}) REFERENCES "{target}" ({", ".join(remote)})'
            )
    for index in table.indexes:
        connection.execute(CreateIndex(index))


def _split_default(connection: Connection, name: str, column: str, year: int) -> None:
    """Move the rows of a school year from the DEFAULT partition into a partition of its own
    (PostgreSQL refuses to create a partition whose rows the DEFAULT one holds)."""
    start, after = school_year_dates(year)[0], school_year_dates(year + 1)[0]
    part = partition_name(name, year)
    connection.exec_driver_sql(
        f'CREATE TABLE "{part}" (LIKE "{name}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
    )
    connection.exec_driver_sql(
        f'WITH moved AS (DELETE FROM "{name}_default" '  # noqa: S608
        f"WHERE {column} >= '{start}' AND {column} < '{after}' RETURNING *) "
        f'INSERT INTO "{part}" SELECT * FROM moved'
    )
    connection.exec_driver_sql(
        f'ALTER TABLE "{name}" ATTACH PARTITION "{part}" '
        f"FOR VALUES FROM ('{start}') TO ('{after}')"
    )


def partition_by_school_year(connection: Connection, years: Iterable[int] = ()) -> list[str]:
    """Partition the event tables by school year (PostgreSQL; nothing on another database),
    inside the caller's transaction: a table not partitioned yet is converted with a partition
    for each school year of its rows and of ``years`` (and a DEFAULT one); a table already
    partitioned gets a partition for each of ``years`` that has none, and for each school year
    of the rows in its DEFAULT partition (moved there). The partitions created, by name."""
    if connection.dialect.name != "postgresql":
        return []
    wanted = set(years)
    done = partitioned_tables(connection)
    created: list[str] = []
    for model, column in PARTITIONED.items():
        name = model.__table__.name
        if name not in done:
            in_rows = _years_in(connection, name, column)
            _convert(connection, model, column, wanted | in_rows)
            created += [partition_name(name, y) for y in sorted(wanted | in_rows)]
            created.append(f"{name}_default")
            continue
        existing = set(
            connection.execute(
                sa.text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :name"
                ),
                {"name": name},
            ).scalars()
        )
        in_default = _years_in(connection, f"{name}_default", column)
        for year in sorted(wanted | in_default):
            if partition_name(name, year) in existing:
                continue
            if year in in_default:
                _split_default(connection, name, column, year)
            else:
                _add_partition(connection, name, year)
            created.append(partition_name(name, year))
    return created


def partition_database(engine: Engine, years: Iterable[int] = ()) -> list[str]:
    """``partition_by_school_year`` in a write transaction of its own (every table's version
    changes: its DDL may touch any table)."""
    from data_access.db import write_transaction

    with write_transaction(engine) as connection:
        return partition_by_school_year(connection, years)
