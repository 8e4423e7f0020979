"""Canonical Polars frames: one typed frame per entity, read in one fast query each.

The schema of each frame is derived from the SQLModel table, so the database, the loaders
and the file import (which builds the same frames from an uploaded spreadsheet) agree.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import AutoString, SQLModel

from data_access import db, models, snapshots
from domain import school_year_dates, school_year_name

_POLARS_TYPES: list[tuple[type, pl.DataType]] = [
    (sa.Boolean, pl.Boolean()),
    (sa.Integer, pl.Int64()),
    (sa.Float, pl.Float64()),
    (sa.Numeric, pl.Float64()),
    (sa.DateTime, pl.Datetime("us")),
    (sa.Date, pl.Date()),
    (sa.String, pl.String()),
    (AutoString, pl.String()),
]


def _polars_type(column: sa.Column) -> pl.DataType:
    for sql_type, polars_type in _POLARS_TYPES:
        if isinstance(column.type, sql_type):
            return polars_type
    raise TypeError(f"type SQL non pris en charge : {column.type!r} ({column.name})")


def schema_of(table: type[SQLModel]) -> pl.Schema:
    """The canonical Polars schema of a table: its columns, in order, with their types."""
    return pl.Schema({c.name: _polars_type(c) for c in table.__table__.columns})


@dataclass(frozen=True)
class Frames:
    """Every entity as a typed frame. Ids are the database ids (or synthetic ids for a file)."""

    sites: pl.DataFrame
    staff: pl.DataFrame
    groups: pl.DataFrame
    learners: pl.DataFrame
    enrolments: pl.DataFrame
    interviews: pl.DataFrame
    tutoring_requests: pl.DataFrame
    copies: pl.DataFrame
    need_groups: pl.DataFrame
    need_group_members: pl.DataFrame
    support_sessions: pl.DataFrame
    attendance: pl.DataFrame
    diagnostics: pl.DataFrame
    assignments: pl.DataFrame
    """devoirs: id, group_id, discipline, title, due_on (null when no export gave it)"""
    absences: pl.DataFrame
    """absences: id, learner_id, absent_on, half_day, half_days, hours, justified, reason"""

    @classmethod
    def empty(cls, **given: pl.DataFrame) -> Frames:
        """Empty frames of the canonical schemas, with the given ones conformed and put in."""
        return cls(
            **{
                name: conform(table, given.get(name, pl.DataFrame()))
                for name, table in FRAME_TABLES.items()
            }
        )

    def total_rows(self) -> int:
        return sum(getattr(self, f.name).height for f in fields(self))


FRAME_TABLES: dict[str, type[SQLModel]] = {
    "sites": models.Site,
    "staff": models.Staff,
    "groups": models.StudyGroup,
    "learners": models.Learner,
    "enrolments": models.Enrolment,
    "interviews": models.Interview,
    "tutoring_requests": models.TutoringRequest,
    "assignments": models.Assignment,
    "copies": models.Copy,
    "need_groups": models.NeedGroup,
    "need_group_members": models.NeedGroupMember,
    "support_sessions": models.SupportSession,
    "attendance": models.Attendance,
    "diagnostics": models.Diagnostic,
    "absences": models.Absence,
}


def _default(column: sa.Column) -> object:
    default = column.default
    return default.arg if default is not None and default.is_scalar else None


def conform(table: type[SQLModel], frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with exactly the table's columns, in order and typed (missing ones take the
    model's default, else null)."""
    schema = schema_of(table)
    if frame.width == 0:  # selecting literals from no column would make one row
        return pl.DataFrame(schema=schema)
    columns = table.__table__.columns
    return frame.select(
        [
            pl.col(name).cast(dtype)
            if name in frame.columns
            else pl.lit(_default(columns[name]), dtype).alias(name)
            for name, dtype in schema.items()
        ]
    )


def in_force_on(
    events: pl.DataFrame, date_column: str, enrolments: pl.DataFrame, columns: Sequence[str]
) -> pl.DataFrame:
    """The events with ``columns`` of the learner's enrolment in force on their date: the
    latest entered on or before that date, else (an event before any entry) the learner's
    first enrolment. The one rule that ties an event to a group: the indicators
    (``attribute_to_enrolment``) and the import (a copy's assignment) both use it.

    ``events`` must have ``learner_id`` and ``date_column`` (a date or date-time);
    ``enrolments``: ``learner_id``, ``entry_date`` and ``columns``. Events of learners with
    no enrolment keep null columns; the events keep their order.
    """
    columns = list(columns)
    keys = enrolments.select(["learner_id", "entry_date", *columns]).sort("entry_date")
    first = keys.group_by("learner_id").first().drop("entry_date")
    tagged = (
        events.with_columns(pl.col(date_column).cast(pl.Date).alias("_event_day"))
        .with_row_index("_event_order")
        .sort("_event_day")
    )
    backward = tagged.join_asof(
        keys,
        left_on="_event_day",
        right_on="entry_date",
        by="learner_id",
        strategy="backward",
        check_sortedness=False,
    ).drop("entry_date")
    fallback = first.rename({c: f"_first_{c}" for c in columns})
    return (
        backward.join(fallback, on="learner_id", how="left")
        .with_columns([pl.coalesce(pl.col(c), pl.col(f"_first_{c}")).alias(c) for c in columns])
        .sort("_event_order")
        .drop(["_event_order", "_event_day", *[f"_first_{c}" for c in columns]])
    )


def connectorx_uri(engine: Engine) -> str | None:
    """The address connectorx reads the database at (None: an in-memory SQLite, which only
    its own connection sees)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return f"sqlite://{url.database}" if url.database not in (None, "", ":memory:") else None
    if url.get_backend_name() == "postgresql":
        return url.set(drivername="postgresql").render_as_string(hide_password=False)
    return None


Years = tuple[int, ...]
"""First years of school years (2025 for 2025-2026), ascending: the window a load is limited
to (``load_frames(..., years=...)``); None: every year."""


def window(year: int) -> Years:
    """The school years loaded to show ``year``: it and the one before (for comparisons)."""
    return (year - 1, year)


def _dates_in(column: str, years: Years) -> str:
    """SQL: ``column`` (a date or date-time) falls in one of the school years. Literal dates in
    ISO form compare right on SQLite (text) and PostgreSQL (typed, and partitions are pruned)."""
    runs: list[list[int]] = []
    for year in sorted({int(year) for year in years}):
        if runs and runs[-1][1] == year - 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    ranges = [
        f"({column} >= '{school_year_dates(first)[0]}' AND {column} < "
        f"'{school_year_dates(last + 1)[0]}')"
        for first, last in runs
    ]
    return "(" + " OR ".join(ranges) + ")"


def year_filter(name: str, years: Years) -> str | None:
    """The SQL condition that keeps a frame's rows of the school years (None: the frame is
    read whole: sites, staff): what the whole data would give for any period in those years.

    Events by their date (a session's attendance by the session's); a copy or a request also
    when it was corrected or answered in those years, or is still waiting (the backlog of
    earlier years); enrolments of the years' groups, and those still running in them (an
    enrolment of an earlier year never closed); groups, learners and assignments of those
    enrolments; need groups by the day their period starts."""
    years = tuple(sorted({int(year) for year in years}))
    labels = ", ".join(f"'{school_year_name(year)}'" for year in years)
    first_day = school_year_dates(years[0])[0]
    # S608: the SQL is made of integers (the years, cast above) and the model's names
    after = school_year_dates(years[-1] + 1)[0]
    running = f"entry_date < '{after}' AND (exit_date IS NULL OR exit_date >= '{first_day}')"
    year_groups = f"SELECT id FROM study_group WHERE school_year IN ({labels})"  # noqa: S608
    enrolments = f"group_id IN ({year_groups}) OR ({running})"
    still_running = f"SELECT group_id FROM enrolment WHERE {running}"  # noqa: S608
    groups = f"school_year IN ({labels}) OR id IN ({still_running})"
    sessions = f"SELECT id FROM support_session WHERE {_dates_in('held_on', years)}"  # noqa: S608
    need_groups = f"SELECT id FROM need_group WHERE {_dates_in('period_start', years)}"  # noqa: S608

    def done_or_waiting(day: str, done: str) -> str:
        return f"{_dates_in(day, years)} OR {_dates_in(done, years)} OR {done} IS NULL"

    conditions = {
        "groups": groups,
        "enrolments": enrolments,
        "learners": f"id IN (SELECT learner_id FROM enrolment WHERE {enrolments})",  # noqa: S608
        "assignments": f"group_id IN (SELECT id FROM study_group WHERE {groups})",  # noqa: S608
        "interviews": _dates_in("held_on", years),
        "tutoring_requests": done_or_waiting("received_at", "answered_at"),
        "copies": done_or_waiting("submitted_on", "corrected_on"),
        "need_groups": _dates_in("period_start", years),
        "need_group_members": f"need_group_id IN ({need_groups})",
        "support_sessions": _dates_in("held_on", years),
        "attendance": f"session_id IN ({sessions})",
        "diagnostics": _dates_in("assessed_on", years),
        "absences": _dates_in("absent_on", years),
    }
    return conditions.get(name)


def read_table(engine: Engine, table: type[SQLModel], where: str | None = None) -> pl.DataFrame:
    """One table as its canonical frame, through connectorx (typed, fast); only the rows that
    meet ``where`` (SQL, see ``year_filter``) when given."""
    columns = ", ".join(f'"{c.name}"' for c in table.__table__.columns)
    query = f'SELECT {columns} FROM "{table.__tablename__}"'  # noqa: S608 (names from the model)
    if where is not None:
        query += f" WHERE {where}"
    uri = connectorx_uri(engine)
    if uri is None:  # in-memory SQLite: connectorx cannot see it
        with engine.connect() as connection:
            frame = pl.read_database(query, connection, infer_schema_length=None)
    else:
        frame = pl.read_database_uri(query, uri, engine="connectorx")
    return conform(table, frame)


def load_frames(
    engine: Engine, names: Sequence[str] | None = None, *, years: Years | None = None
) -> Frames:
    """Every entity table (or only those named, the others empty) as a typed frame, read on as
    many threads as there are cores (connectorx works outside the GIL: 2.5 s -> 1.3 s for
    3.9 M rows on 2 cores); with ``years``, only the rows of those school years
    (``year_filter``): memory follows the years shown, not the history."""
    wanted = list(FRAME_TABLES if names is None else names)
    read = _read_tables(engine, wanted, years)
    return Frames(
        **{
            name: read[name] if name in read else conform(table, pl.DataFrame())
            for name, table in FRAME_TABLES.items()
        }
    )


def table_name(frame_name: str) -> str:
    """The database table behind a frame ("copies" -> "copy")."""
    return FRAME_TABLES[frame_name].__tablename__


def snapshot_name(frame_name: str, years: Years | None = None) -> str:
    """The name of a frame's snapshots: its table and a digest of its columns and their types,
    so that a snapshot written before the table's schema changed (an upgrade) is never read;
    for a load limited to school years, those years (``2024-2025``: one file per window)."""
    schema = list(schema_of(FRAME_TABLES[frame_name]).items())
    name = f"{table_name(frame_name)}.{hashlib.sha256(repr(schema).encode()).hexdigest()[:8]}"
    if years is None or year_filter(frame_name, years) is None:
        return name
    return f"{name}.{window_tag(years)}"


def window_tag(years: Years | None) -> str:
    """The school years of a load in a file or cache name ("2024_2025"; "all": every year)."""
    return "all" if years is None else "_".join(str(year) for year in sorted(set(years)))


def frame_versions(engine: Engine) -> dict[str, int]:
    """The version of each frame's table (``db.table_versions``), by frame name: one query."""
    versions = db.table_versions(engine)
    return {name: versions[table_name(name)] for name in FRAME_TABLES}


MAX_ATTEMPTS = 4
"""Reads of a table that a write keeps changing while it is read, before taking the last."""


def load_versioned(
    engine: Engine,
    names: Sequence[str],
    *,
    folder: Path | None = None,
    to_write: list[tuple[str, int, pl.DataFrame]] | None = None,
    years: Years | None = None,
) -> tuple[dict[str, pl.DataFrame], dict[str, int]]:
    """The named frames and the version each one is (``frame_versions``): from its snapshot on
    disk when there is one for its current version (``folder``, see data_access.snapshots),
    otherwise from the database, then written as a snapshot.

    A table whose version changed while it was read (a write committed meanwhile) is read
    again, so that every frame is the table at the version it is labelled with; only frames
    so checked are written to disk. With ``to_write``, they are not written but put in that
    list as (table, version, frame), for the caller to write once it has served them.
    ``years``: only the rows of those school years (``load_frames``), in snapshots of their own.
    """
    versions = frame_versions(engine)
    wanted = list(names)
    frames: dict[str, pl.DataFrame] = {}
    for attempt in range(MAX_ATTEMPTS):
        from_disk = {}
        if folder is not None:
            for name in wanted:
                frame = snapshots.read(folder, snapshot_name(name, years), versions[name])
                if frame is not None:
                    from_disk[name] = frame
        frames.update(from_disk)
        to_read = [name for name in wanted if name not in from_disk]
        if not to_read:
            break
        frames.update(_read_tables(engine, to_read, years))
        after = frame_versions(engine)
        changed = [name for name in to_read if after[name] != versions[name]]
        checked = [
            (snapshot_name(n, years), versions[n], frames[n]) for n in to_read if n not in changed
        ]
        if to_write is not None:
            to_write += checked
        elif folder is not None:
            for table, version, frame in checked:
                snapshots.write(folder, table, version, frame)
        for name in changed:
            versions[name] = after[name]
        if not changed or attempt == MAX_ATTEMPTS - 1:
            break
        wanted = changed
    return frames, {name: versions[name] for name in names}


def _read_tables(
    engine: Engine, names: Sequence[str], years: Years | None = None
) -> dict[str, pl.DataFrame]:
    workers = max(1, min(len(names), os.cpu_count() or 1))

    def read(name: str) -> pl.DataFrame:
        where = None if years is None else year_filter(name, years)
        if where is None:
            return read_table(engine, FRAME_TABLES[name])
        return read_table(engine, FRAME_TABLES[name], where)

    with ThreadPoolExecutor(workers) as pool:
        tables = pool.map(read, names)
        return dict(zip(names, tables, strict=True))


def frames_of(tables: Mapping[str, pl.DataFrame]) -> Frames:
    """Frames from a frame per name (every name of FRAME_TABLES)."""
    return Frames(**{name: tables[name] for name in FRAME_TABLES})


def school_years_of(engine: Engine) -> list[int]:
    """First years of the school years the database has groups in, most recent first: what
    the sidebar offers without loading any year's rows (one query on the small group table)."""
    with engine.connect() as connection:
        labels = connection.execute(
            sa.text("SELECT DISTINCT school_year FROM study_group")
        ).scalars()
        years = {int(label[:4]) for label in labels if label and label[:4].isdigit()}
    return sorted(years, reverse=True)
