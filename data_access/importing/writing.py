"""From validated rows to table rows: references resolved, natural keys matched, one write.

``load_state`` reads what the rows refer to (sites, groups, staff, learners, enrolments, need
groups, and the existing rows of the kind's table in the file's date range). ``resolve``
turns the rows into a Plan: new rows with their ids (groups, sites, staff and, when allowed,
learners created when missing) and updates of the rows matched on their natural keys.
``apply_plan`` writes a Plan inside the caller's write transaction, in bulk. The same Plan
built against an empty state gives the in-memory frames of the quick analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl
from sqlalchemy import Connection, and_, bindparam, func, or_, select, update
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlmodel import SQLModel

from data_access import db
from data_access.constraints import CONSTRAINT_MESSAGES, CROSS_COLUMN_CHECKS
from data_access.frames import FRAME_TABLES, conform, connectorx_uri, in_force_on, read_table
from data_access.importing.keys import canonical_spellings, key_expr, key_text
from data_access.importing.validation import (
    EVENT_DATE,
    PROBLEM_SCHEMA,
    ParsedRows,
    counted_half_days,
)
from data_access.writes import SQLITE_BOUND_VALUES, bulk_insert, reset_sequences
from domain import school_year_name, school_year_name_expr, school_year_of, school_year_of_expr

DEFAULT_SITE = "Site non précisé"

TARGET_FRAME = {
    "copies": "copies",
    "tutoring": "tutoring_requests",
    "interviews": "interviews",
    "diagnostics": "diagnostics",
    "sessions": "support_sessions",
    "staff": "staff",
    "learners": "enrolments",
    "assignments": "assignments",
    "absences": "absences",
}
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "copies": ("learner_id", "discipline", "assignment", "submitted_on", "sequence"),
    "tutoring_requests": ("learner_id", "discipline", "received_at"),
    "interviews": ("learner_id", "held_on", "interview_type"),
    "diagnostics": ("learner_id", "need", "assessed_on"),
    "support_sessions": ("kind", "group_id", "need_group_id", "held_on"),
    "attendance": ("session_id", "learner_id"),
    "enrolments": ("learner_id", "group_id"),
    "staff": ("name",),
    "assignments": ("group_id", "discipline", "title"),
    "absences": ("learner_id", "absent_on", "half_day"),
}
# field of the file -> column of the table, where they differ
_COLUMN_OF = {
    "corrector": "corrector_id",
    "staff": "staff_id",
    "referent": "referent_id",
    "session_kind": "kind",
}
_REFERENCE_TABLES = ("sites", "staff", "groups", "learners", "enrolments", "need_groups")
_WITH_ASSIGNMENTS = ("copies", "assignments")
"""kinds whose rows create or match assignments (devoirs)"""


@dataclass
class State:
    """What the database holds that the rows can refer to or match (canonical frames)."""

    frames: dict[str, pl.DataFrame]
    next_ids: dict[str, int]

    def get(self, name: str) -> pl.DataFrame:
        return self.frames.get(name, conform(FRAME_TABLES[name], pl.DataFrame()))


def empty_state() -> State:
    return State({}, {name: 1 for name in FRAME_TABLES})


def _read(connection: Connection, name: str, where=None) -> pl.DataFrame:  # noqa: ANN001
    """The rows of a frame's table (those meeting ``where``), as its canonical frame; on a
    SQLite file, read beside the transaction by connectorx while it holds the write lock and
    has written nothing yet (``db.holds_write_lock_unwritten``): the same frame, typed in
    Rust rather than row by row in Python (issue 11: the 100 000 copies of a re-import,
    processor 0,83 s -> 0,29 s)."""
    table = FRAME_TABLES[name].__table__
    beside = connection.dialect.name == "sqlite" and connectorx_uri(connection.engine)
    if beside and db.holds_write_lock_unwritten(connection):
        condition = None
        if where is not None:
            literal = {"literal_binds": True}
            condition = str(where.compile(dialect=connection.dialect, compile_kwargs=literal))
        return read_table(connection.engine, FRAME_TABLES[name], condition)
    query = select(*table.columns)
    if where is not None:
        query = query.where(where)
    result = connection.execute(query)
    rows = result.all()
    columns = list(result.keys())
    frame = pl.DataFrame(
        {c: [r[i] for r in rows] for i, c in enumerate(columns)},
        schema_overrides={c: dtype for c, dtype in _schema(name).items()},
        strict=False,
    )
    return conform(FRAME_TABLES[name], frame)


def _schema(name: str) -> dict[str, pl.DataType]:
    from data_access.frames import schema_of

    return dict(schema_of(FRAME_TABLES[name]))


def load_state(connection: Connection, kind: str, rows: pl.DataFrame) -> State:
    """The reference tables, and the rows of the kind's table in the file's date range."""
    frames = {name: _read(connection, name) for name in _REFERENCE_TABLES}
    if kind in _WITH_ASSIGNMENTS:  # matched on their key whatever their due date: all of them
        frames["assignments"] = _read(connection, "assignments")
    target = TARGET_FRAME[kind]
    if target not in frames:
        frames[target] = _read_in_range(connection, kind, target, rows)
    if kind == "sessions":
        sessions = frames[target]
        ids = sessions.get_column("id").to_list()
        table = FRAME_TABLES["attendance"].__table__
        frames["attendance"] = (
            pl.concat(
                [
                    _read(connection, "attendance", table.c.session_id.in_(ids[i : i + 5000]))
                    for i in range(0, len(ids), 5000)
                ]
            )
            if ids
            else conform(FRAME_TABLES["attendance"], pl.DataFrame())
        )
    next_ids = {}
    for name, model in FRAME_TABLES.items():
        if "id" not in model.__table__.c:
            continue
        largest = connection.execute(select(func.max(model.__table__.c.id))).scalar()
        next_ids[name] = int(largest or 0) + 1
    return State(frames, next_ids)


def _read_in_range(
    connection: Connection, kind: str, target: str, rows: pl.DataFrame
) -> pl.DataFrame:
    column_name = {"support_sessions": "held_on"}.get(target, EVENT_DATE.get(kind))
    table = FRAME_TABLES[target].__table__
    event = EVENT_DATE.get(kind)
    if event is None or event not in rows.columns or rows.is_empty():
        return _read(connection, target)
    low, high = rows.get_column(event).min(), rows.get_column(event).max()
    if low is None:
        return conform(FRAME_TABLES[target], pl.DataFrame())
    column = table.c[column_name]
    frame = _read(connection, target, and_(column >= low, column <= high))
    if kind == "copies" and "copy_number" in rows.columns:  # the numbered copies of other days
        numbers = rows.get_column("copy_number").drop_nulls().unique()
        if not numbers.is_empty():
            frame = pl.concat([frame, _numbered_elsewhere(connection, numbers, low, high)])
    return frame


def _numbered_elsewhere(
    connection: Connection, numbers: pl.Series, low: object, high: object
) -> pl.DataFrame:
    """The copies whose number is among ``numbers`` and whose day is outside [low, high]: the
    numbers go into a temporary table joined on the unique index of copy numbers (a list of
    100 000 bound values would be compiled and scanned chunk by chunk). None when the database
    holds no numbered copy (the first import of numbered copies)."""
    copy = FRAME_TABLES["copies"].__table__
    numbered = select(copy.c.id).where(copy.c.copy_number.is_not(None)).limit(1)
    if connection.execute(numbered).first() is None:
        return conform(FRAME_TABLES["copies"], pl.DataFrame())
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS import_copy_numbers (copy_number VARCHAR PRIMARY KEY)"
    )
    connection.exec_driver_sql("DELETE FROM import_copy_numbers")
    marker = "%s" if connection.dialect.name == "postgresql" else "?"
    values = numbers.to_list()
    for at in range(0, len(values), SQLITE_BOUND_VALUES):  # many rows per INSERT (writes.py)
        chunk = values[at : at + SQLITE_BOUND_VALUES]
        connection.exec_driver_sql(
            "INSERT INTO import_copy_numbers (copy_number) VALUES "  # noqa: S608
            + ", ".join([f"({marker})"] * len(chunk)),
            tuple(chunk),
        )
    numbers_table = sa_table("import_copy_numbers", sa_column("copy_number"))
    query = (
        select(*copy.columns)
        .join(numbers_table, numbers_table.c.copy_number == copy.c.copy_number)
        .where(or_(copy.c.submitted_on < low, copy.c.submitted_on > high))
    )
    result = connection.execute(query)
    rows = result.all()
    frame = pl.DataFrame(
        {c: [r[i] for r in rows] for i, c in enumerate(result.keys())},
        schema_overrides=_schema("copies"),
        strict=False,
    )
    connection.exec_driver_sql("DELETE FROM import_copy_numbers")
    return conform(FRAME_TABLES["copies"], frame)


# --- the plan -------------------------------------------------------------------------------


@dataclass
class Plan:
    inserts: dict[str, pl.DataFrame] = field(default_factory=dict)
    updates: dict[str, pl.DataFrame] = field(default_factory=dict)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    renamed: int = 0
    """learners of the database whose names were replaced by the file's"""
    created: dict[str, int] = field(default_factory=dict)
    """entities created on the way: sites, groups, staff, learners"""
    update_rows: dict[str, pl.DataFrame] = field(default_factory=dict)
    """for each table updated: the id (or key) of each row updated and the file's _row"""


class _Builder:
    def __init__(self, state: State) -> None:
        self.state = state
        self.plan = Plan()
        self.next_ids = dict(state.next_ids)
        sites = state.get("sites").select("id", key_expr(pl.col("name")).alias("key"))
        self.site_ids: dict[str, int] = {k: i for i, k in sites.iter_rows()}
        staff = state.get("staff").select("id", key_expr(pl.col("name")).alias("key"))
        self.staff_ids: dict[str, int] = {k: i for i, k in staff.iter_rows()}
        groups = state.get("groups").select(
            "id", "site_id", key_expr(pl.col("name")).alias("key"), "school_year"
        )
        self.group_ids: dict[tuple[int, str, str], int] = {}
        self.group_by_name: dict[tuple[str, str], int] = {}
        for gid, site_id, key, year in groups.sort("id").iter_rows():
            self.group_ids[(site_id, key, year)] = gid
            self.group_by_name.setdefault((key, year), gid)

    def ids(self, name: str, count: int) -> pl.Series:
        start = self.next_ids[name]
        self.next_ids[name] = start + count
        return pl.Series("id", range(start, start + count), dtype=pl.Int64)

    def add(self, name: str, frame: pl.DataFrame) -> None:
        if frame.is_empty():
            return
        frame = conform(FRAME_TABLES[name], frame)
        previous = self.plan.inserts.get(name)
        self.plan.inserts[name] = frame if previous is None else pl.concat([previous, frame])

    def created(self, what: str, count: int) -> None:
        if count:
            self.plan.created[what] = self.plan.created.get(what, 0) + count

    # sites, staff, groups: few distinct names, resolved in Python dictionaries

    def site(self, name: str | None) -> int:
        name = name if name else DEFAULT_SITE
        key = key_text(name)
        if key not in self.site_ids:
            new_id = self.ids("sites", 1).item()
            self.site_ids[key] = new_id
            self.add("sites", pl.DataFrame({"id": [new_id], "name": [name]}))
            self.created("sites", 1)
        return self.site_ids[key]

    def staff(self, name: str | None) -> int | None:
        if not name:
            return None
        key = key_text(name)
        if key not in self.staff_ids:
            new_id = self.ids("staff", 1).item()
            self.staff_ids[key] = new_id
            self.add("staff", pl.DataFrame({"id": [new_id], "name": [name]}))
            self.created("staff", 1)
        return self.staff_ids[key]

    def group(
        self, name: str, site: str | None, school_year: str, extra: dict | None = None
    ) -> int:
        key = key_text(name)
        if site is None and (key, school_year) in self.group_by_name:
            return self.group_by_name[(key, school_year)]
        site_id = self.site(site)
        full_key = (site_id, key, school_year)
        if full_key not in self.group_ids:
            new_id = self.ids("groups", 1).item()
            self.group_ids[full_key] = new_id
            self.group_by_name.setdefault((key, school_year), new_id)
            row = {"id": new_id, "site_id": site_id, "name": name, "school_year": school_year}
            row.update({k: v for k, v in (extra or {}).items() if v is not None})
            self.add("groups", pl.DataFrame([row]))
            self.created("groups", 1)
        return self.group_ids[full_key]

    def map_staff(self, frame: pl.DataFrame, field: str, column: str) -> pl.DataFrame:
        if field not in frame.columns:
            return frame
        names = frame.get_column(field).drop_nulls().unique(maintain_order=True).to_list()
        ids = {n: self.staff(n) for n in names}
        return frame.with_columns(
            pl.col(field).replace_strict(ids, default=None, return_dtype=pl.Int64).alias(column)
        )


def known_learners(state: State) -> pl.DataFrame:
    return state.get("learners").select(pl.col("external_id"), pl.col("id").alias("learner_db_id"))


def check_references(
    parsed: ParsedRows, frame: pl.DataFrame, state: State, implied_group: str | None
) -> pl.DataFrame:
    """Rows whose learner is neither in the database nor described by the file."""
    if parsed.kind in ("learners", "staff") or "learner_id" not in frame.columns or implied_group:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    joined = frame.join(
        known_learners(state), left_on="learner_id", right_on="external_id", how="left"
    )
    unknown = pl.col("learner_db_id").is_null() & pl.col("learner_id").is_not_null()
    if implied_group is None:
        if parsed.kind == "sessions" or "group" not in frame.columns:
            described = pl.lit(False)
        else:  # the file gives the learner's group on some row: the learner is created
            described = pl.col("group").is_not_null().any().over("learner_id")
        unknown = unknown & ~described
    return joined.filter(unknown).select(
        pl.col("_row").alias("row"),
        pl.lit(parsed.headers["learner_id"]).alias("column"),
        pl.col("learner_id__raw").alias("value"),
        pl.lit(
            "apprenant inconnu : ni dans la base ni dans ce fichier "
            "(importez d'abord le fichier des apprenants, ou ajoutez une colonne Groupe)"
        ).alias("reason"),
    )


def resolve(
    parsed: ParsedRows,
    rows: pl.DataFrame,
    state: State,
    implied_group: str | None,
    update_names: bool = False,
) -> Plan:
    """The Plan for the valid rows: new rows with ids, updates of matched rows, counts.

    The names of learners already in the database are kept, unless ``update_names``.
    """
    builder = _Builder(state)
    kind = parsed.kind
    if kind == "staff":
        _resolve_staff(builder, parsed, rows)
        return builder.plan
    if kind == "learners":
        _resolve_learners(builder, parsed, rows, update_names)
        return builder.plan
    if kind == "assignments":
        _resolve_assignments(builder, parsed, rows)
        return builder.plan
    rows = _with_learner_ids(builder, parsed, rows, implied_group)
    if update_names:
        _rename_learners(builder, rows)
    if kind == "copies":
        _assignments_of_copies(builder, rows)
    if kind == "sessions":
        _resolve_sessions(builder, parsed, rows)
    else:
        _resolve_events(builder, parsed, rows)
    return builder.plan


def _with_learner_ids(
    builder: _Builder, parsed: ParsedRows, rows: pl.DataFrame, implied_group: str | None
) -> pl.DataFrame:
    rows = rows.rename({"learner_id": "external_id"}).join(
        known_learners(builder.state), on="external_id", how="left"
    )
    unknown = rows.filter(pl.col("learner_db_id").is_null())
    if not unknown.is_empty():
        event = EVENT_DATE[parsed.kind]
        group_column = "group" if "group" in unknown.columns and parsed.kind != "sessions" else None
        aggregations = [
            pl.col(event).min().cast(pl.Date).alias("entry_date"),
            *[
                pl.col(c).drop_nulls().first().alias(c)
                for c in ("last_name", "first_name", "site")
                if c in unknown.columns
            ],
        ]
        if group_column:
            aggregations.append(pl.col("group").drop_nulls().first().alias("group_name"))
        elif parsed.kind == "sessions":
            aggregations.append(pl.col("group").drop_nulls().first().alias("group_name"))
        new = unknown.group_by("external_id", maintain_order=True).agg(aggregations)
        if "group_name" not in new.columns:
            new = new.with_columns(pl.lit(None, pl.String).alias("group_name"))
        if implied_group is not None:
            new = new.with_columns(pl.col("group_name").fill_null(implied_group))
        new = new.filter(pl.col("group_name").is_not_null())
        new = new.with_columns(builder.ids("learners", new.height).alias("learner_db_id"))
        sites = new.get_column("site").to_list() if "site" in new.columns else [None] * new.height
        group_ids = [
            builder.group(name, site, school_year_name(school_year_of(day)))
            for name, site, day in zip(
                new.get_column("group_name").to_list(),
                sites,
                new.get_column("entry_date").to_list(),
                strict=True,
            )
        ]
        builder.add(
            "learners",
            new.select(
                pl.col("learner_db_id").alias("id"),
                "external_id",
                *[c for c in ("last_name", "first_name") if c in new.columns],
            ),
        )
        builder.add(
            "enrolments",
            new.select(
                builder.ids("enrolments", new.height),
                pl.col("learner_db_id").alias("learner_id"),
                pl.Series("group_id", group_ids, dtype=pl.Int64),
                "entry_date",
            ),
        )
        builder.created("learners", new.height)
        rows = rows.drop("learner_db_id").join(
            pl.concat([known_learners(builder.state), new.select("external_id", "learner_db_id")]),
            on="external_id",
            how="left",
        )
    return rows.with_columns(pl.col("learner_db_id").alias("learner_id"))


def _table_columns(name: str) -> list[str]:
    return list(FRAME_TABLES[name].__table__.columns.keys())


def _match(
    builder: _Builder,
    name: str,
    rows: pl.DataFrame,
    update_columns: list[str],
    count: bool = True,
) -> pl.DataFrame:
    """Split rows (table columns, no id) into inserts and updates on the table's natural key.

    Returns rows with their id (new or existing).
    """
    key = list(TABLE_KEYS[name])
    existing = builder.state.get(name)
    has_id = "id" in existing.columns
    existing_ids = existing.select(*key, *(["id"] if has_id else []), *update_columns).rename(
        {c: f"{c}__old" for c in update_columns}
    )
    if has_id:
        existing_ids = existing_ids.rename({"id": "_existing_id"})
    else:
        existing_ids = existing_ids.with_columns(pl.lit(True).alias("_existing_id"))
    joined = rows.join(existing_ids, on=key, how="left", nulls_equal=True)
    matched = pl.col("_existing_id").is_not_null()
    new = joined.filter(~matched)
    old = joined.filter(matched)
    if has_id:
        new = new.with_columns(builder.ids(name, new.height).alias("id"))
        old = old.with_columns(pl.col("_existing_id").alias("id"))
    builder.add(name, new.select([c for c in _table_columns(name) if c in new.columns]))
    changed = (
        pl.any_horizontal(
            pl.col(c).ne_missing(pl.col(f"{c}__old").cast(old.schema[c])) for c in update_columns
        )
        if update_columns
        else pl.lit(False)
    )
    old = old.with_columns(changed.alias("_changed"))
    new = new.with_columns(pl.lit(False).alias("_changed"))
    if update_columns and not old.is_empty():
        ids = ["id"] if has_id else key
        updated = old.filter(pl.col("_changed"))
        builder.plan.updates[name] = updated.select(*ids, *update_columns)
        if "_row" in updated.columns:
            builder.plan.update_rows[name] = updated.select(*ids, "_row")
    if count:
        changed_count = int(old.get_column("_changed").sum())
        builder.plan.added += new.height
        builder.plan.updated += changed_count
        builder.plan.unchanged += old.height - changed_count
    out = pl.concat([new, old], how="diagonal_relaxed")
    return out.drop([c for c in out.columns if c.endswith("__old") or c == "_existing_id"])


def _update_columns(parsed: ParsedRows, name: str) -> list[str]:
    key = set(TABLE_KEYS[name])
    columns = set(_table_columns(name))
    mapped = {_COLUMN_OF.get(f, f) for f in parsed.headers}
    if name == "absences":  # counted from the half-day, the half-days or the hours
        mapped.add("half_days")
    return [
        c
        for c in _table_columns(name)
        if c in mapped and c in columns and c not in key and c != "id"
    ]


def _resolve_events(builder: _Builder, parsed: ParsedRows, rows: pl.DataFrame) -> None:
    name = TARGET_FRAME[parsed.kind]
    rows = builder.map_staff(rows, "corrector", "corrector_id")
    rows = builder.map_staff(rows, "staff", "staff_id")
    if parsed.kind == "copies":
        rows = _copy_sequences(builder.state, rows)
    if parsed.kind == "absences":
        rows = rows.with_columns(counted_half_days(parsed))
    columns = [c for c in _table_columns(name) if c in rows.columns and c != "id"]
    _match(builder, name, rows.select(*columns, "_row"), _update_columns(parsed, name))


def _resolve_assignments(builder: _Builder, parsed: ParsedRows, rows: pl.DataFrame) -> None:
    """An assignments file: each row's group (created when missing, as for other kinds), then
    the assignments matched on (group, discipline, title); the file's due date is the one kept."""
    sites = (
        rows.get_column("site")
        if "site" in rows.columns
        else pl.Series("site", [None] * rows.height, dtype=pl.String)
    )
    years = rows.select(school_year_name_expr(school_year_of_expr(pl.col("due_on")))).to_series()
    combos = pl.DataFrame(
        {"group": rows.get_column("group"), "site": sites, "year": years}, strict=False
    ).unique(maintain_order=True)
    ids = {
        (name, site, year): builder.group(name, site, year)
        for name, site, year in combos.iter_rows()
    }
    group_ids = [
        ids[(name, site, year)]
        for name, site, year in zip(
            rows.get_column("group").to_list(), sites.to_list(), years.to_list(), strict=True
        )
    ]
    rows = rows.with_columns(pl.Series("group_id", group_ids, dtype=pl.Int64))
    _match(
        builder,
        "assignments",
        rows.select("group_id", "discipline", "title", "due_on", "_row"),
        ["due_on"],
    )


def copy_groups(state: State, plan: Plan, rows: pl.DataFrame) -> pl.DataFrame:
    """The rows (learner_id: database id, submitted_on) with ``group_id``: the group of the
    learner's enrolment in force on the day the copy was handed in, among the enrolments of
    the database and those the plan adds (``frames.in_force_on``, as the indicators do)."""
    enrolments = state.get("enrolments").select("learner_id", "group_id", "entry_date")
    added = plan.inserts.get("enrolments")
    if added is not None and not added.is_empty():
        enrolments = pl.concat([enrolments, added.select(enrolments.columns)])
    return in_force_on(rows, "submitted_on", enrolments, ["group_id"])


def _assignments_of_copies(builder: _Builder, rows: pl.DataFrame) -> None:
    """The assignments the copies name (a title) and the database does not hold for the
    group the copy belongs to are created, with the due date of the file's first row naming
    it (or none); an assignment without a due date gets the file's. A due date already known
    is kept: the assignments file is the one that sets them."""
    named = rows.filter(pl.col("assignment") != "")
    if named.is_empty():
        return
    due = "due_on" if "due_on" in named.columns else None
    named = copy_groups(
        builder.state,
        builder.plan,
        named.select(
            "learner_id", "submitted_on", "discipline", "assignment", *([due] if due else [])
        ),
    ).filter(pl.col("group_id").is_not_null())
    wanted = named.group_by("group_id", "discipline", "assignment", maintain_order=True).agg(
        (pl.col("due_on").drop_nulls().first() if due else pl.lit(None, pl.Date)).alias("due_on")
    )
    existing = builder.state.get("assignments").select(
        pl.col("id").alias("_existing_id"),
        "group_id",
        "discipline",
        pl.col("title").alias("assignment"),
        pl.col("due_on").alias("_due_before"),
    )
    joined = wanted.join(existing, on=["group_id", "discipline", "assignment"], how="left")
    new = joined.filter(pl.col("_existing_id").is_null())
    if not new.is_empty():
        builder.add(
            "assignments",
            new.select(
                builder.ids("assignments", new.height),
                "group_id",
                "discipline",
                pl.col("assignment").alias("title"),
                "due_on",
            ),
        )
        builder.created("assignments", new.height)
    filled = joined.filter(
        pl.col("_existing_id").is_not_null()
        & pl.col("_due_before").is_null()
        & pl.col("due_on").is_not_null()
    )
    if not filled.is_empty():
        builder.plan.updates["assignments"] = filled.select(
            pl.col("_existing_id").alias("id"), "due_on"
        )


def check_assignment_dates(parsed: ParsedRows, frame: pl.DataFrame, state: State) -> pl.DataFrame:
    """Assignments due before their group's first day (the earliest entry of its learners in
    the database): a date typed wrong, or the group of another school year."""
    if parsed.kind != "assignments" or not {"group", "due_on"} <= set(frame.columns):
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    sites = state.get("sites").select(pl.col("id").alias("site_id"), pl.col("name").alias("_site"))
    first_days = (
        state.get("enrolments")
        .group_by("group_id")
        .agg(pl.col("entry_date").min().alias("_first_day"))
    )
    groups = (
        state.get("groups")
        .sort("id")
        .join(sites, on="site_id", how="left", maintain_order="left")
        .join(first_days, left_on="id", right_on="group_id", how="inner")
        .select(
            key_expr(pl.col("name")).alias("_group_key"),
            key_expr(pl.col("_site")).alias("_site_key"),
            pl.col("school_year").alias("_year"),
            "_first_day",
        )
    )
    if groups.is_empty():
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    site = key_expr(pl.col("site")) if "site" in frame.columns else pl.lit(None, pl.String)
    rows = frame.filter(pl.col("due_on").is_not_null() & pl.col("group").is_not_null()).select(
        "_row",
        "due_on",
        "due_on__raw",
        key_expr(pl.col("group")).alias("_group_key"),
        site.alias("_row_site"),
        school_year_name_expr(school_year_of_expr(pl.col("due_on"))).alias("_year"),
    )
    joined = rows.join(
        groups, on=["_group_key", "_year"], how="inner", maintain_order="left_right"
    ).filter(pl.col("_row_site").is_null() | (pl.col("_row_site") == pl.col("_site_key")))
    # a group name on two sites with no site given: the group created first, as the import does
    first = joined.group_by("_row", maintain_order=True).agg(pl.col("_first_day").first())
    late = rows.join(first, on="_row").filter(pl.col("due_on") < pl.col("_first_day"))
    return late.select(
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit(parsed.headers["due_on"]).alias("column"),
        pl.col("due_on__raw").alias("value"),
        pl.format(
            "date limite antérieure au premier jour du groupe ({})",
            pl.col("_first_day").dt.strftime("%d/%m/%Y"),
        ).alias("reason"),
    )


_COPY_KEY = ["learner_id", "discipline", "assignment", "submitted_on"]


def _with_rank(frame: pl.DataFrame, keys: list[str], name: str) -> pl.DataFrame:
    """The frame with ``name``: each row's rank (1, 2, ...) among the rows of its key, in the
    frame's order (null keys alike). Ranked over the rows whose key repeats only, the others
    being 1: a window over 100 000 keys nearly all distinct costs six times more (issue 11)."""
    indexed = frame.with_row_index("_rank_row")
    repeated = indexed.filter(pl.struct(keys).is_duplicated()).select(
        "_rank_row", pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over(keys).alias(name)
    )
    return (
        indexed.join(repeated, on="_rank_row", how="left", maintain_order="left")
        .with_columns(pl.col(name).fill_null(1))
        .drop("_rank_row")
    )


def _copy_sequences(state: State, rows: pl.DataFrame) -> pl.DataFrame:
    """Each copy of the file with its ``sequence``, so that matching on the table's key finds
    the copy the database already holds:

    - a copy whose number (``copy_number``) the database knows is that copy (its learner,
      discipline, assignment, day and rank are the stored ones);
    - the others are matched, within their learner, discipline, assignment and day, by their
      order in the file against the database's copies of that key that have no number, in
      the order of their rank: a later export of the same copies adds nothing;
    - what remains is new, ranked after the copies the key already holds.
    """
    existing = state.get("copies").select("id", *_COPY_KEY, "sequence", "copy_number")
    if existing.is_empty():  # a first import: each copy ranked among its key's in the file
        return _with_rank(rows, _COPY_KEY, "sequence")
    rows = rows.with_row_index("_order")
    if "copy_number" in rows.columns:
        numbered = existing.filter(pl.col("copy_number").is_not_null()).select(
            "copy_number", *[pl.col(k).alias(f"_db_{k}") for k in (*_COPY_KEY, "sequence")]
        )
        rows = rows.join(numbered, on="copy_number", how="left")
        known = pl.col("_db_sequence").is_not_null()
        rows = rows.with_columns(
            *[
                pl.when(known).then(pl.col(f"_db_{k}")).otherwise(pl.col(k)).alias(k)
                for k in _COPY_KEY
            ],
            pl.col("_db_sequence").alias("sequence"),
        ).drop([f"_db_{k}" for k in (*_COPY_KEY, "sequence")])
        unnumbered = existing.filter(pl.col("copy_number").is_null())
    else:
        rows = rows.with_columns(pl.lit(None, pl.Int64).alias("sequence"))
        unnumbered = existing
    by_number = rows.filter(pl.col("sequence").is_not_null())
    rest = _with_rank(rows.filter(pl.col("sequence").is_null()).sort("_order"), _COPY_KEY, "_rank")
    free = _with_rank(
        unnumbered.select(*_COPY_KEY, pl.col("sequence").alias("_free_sequence")).sort(
            "_free_sequence", maintain_order=True
        ),
        _COPY_KEY,
        "_rank",
    )
    rest = rest.join(free, on=[*_COPY_KEY, "_rank"], how="left", nulls_equal=True)
    largest = existing.group_by(_COPY_KEY).agg(pl.col("sequence").max().alias("_largest"))
    matched = rest.filter(pl.col("_free_sequence").is_not_null())
    new = (
        _with_rank(
            rest.filter(pl.col("_free_sequence").is_null())
            .join(largest, on=_COPY_KEY, how="left", nulls_equal=True)
            .sort("_order"),
            _COPY_KEY,
            "_new_rank",
        )
        .with_columns(
            (pl.col("_largest").fill_null(0) + pl.col("_new_rank"))
            .cast(pl.Int64)
            .alias("_free_sequence")
        )
        .drop("_largest", "_new_rank")
    )
    rest = pl.concat([matched, new]).with_columns(pl.col("_free_sequence").alias("sequence"))
    return (
        pl.concat([by_number, rest.drop("_rank", "_free_sequence")], how="diagonal_relaxed")
        .sort("_order")
        .drop("_order")
    )


def check_absence_days(parsed: ParsedRows, frame: pl.DataFrame, state: State) -> pl.DataFrame:
    """Absences of a learner of the database on a day none of their enrolments covers (a
    learner the file creates is enrolled from their first absence)."""
    if parsed.kind != "absences" or "learner_id" not in frame.columns:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    spans = (
        state.get("enrolments")
        .join(
            state.get("learners").select(pl.col("id").alias("learner_id"), "external_id"),
            on="learner_id",
        )
        .select(pl.col("external_id").alias("learner_id"), "entry_date", "exit_date")
    )
    rows = frame.filter(pl.col("absent_on").is_not_null()).join(
        known_learners(state), left_on="learner_id", right_on="external_id", how="inner"
    )
    if rows.is_empty():
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    covered = (
        rows.select("_row", "learner_id", "absent_on")
        .join(spans, on="learner_id", how="inner")
        .filter(
            (pl.col("entry_date") <= pl.col("absent_on"))
            & (pl.col("exit_date").is_null() | (pl.col("exit_date") >= pl.col("absent_on")))
        )
        .get_column("_row")
        .unique()
    )
    written = (
        spans.sort("entry_date")
        .group_by("learner_id")
        .agg(
            pl.concat_str(
                pl.lit("du "),
                pl.col("entry_date").dt.strftime("%d/%m/%Y"),
                pl.when(pl.col("exit_date").is_null())
                .then(pl.lit(""))
                .otherwise(pl.lit(" au ") + pl.col("exit_date").dt.strftime("%d/%m/%Y")),
            )
            .str.join(", ")
            .alias("_spans")
        )
    )
    return (
        rows.filter(~pl.col("_row").is_in(covered.implode()))
        .join(written, on="learner_id", how="left")
        .select(
            pl.col("_row").cast(pl.Int64).alias("row"),
            pl.lit(parsed.headers["absent_on"]).alias("column"),
            pl.col("absent_on__raw").alias("value"),
            pl.when(pl.col("_spans").is_null())
            .then(pl.lit("absence d'un apprenant inscrit dans aucun groupe"))
            .otherwise(
                pl.format("absence un jour où l'apprenant n'est pas inscrit (inscrit {})", "_spans")
            )
            .alias("reason"),
        )
    )


def check_copy_numbers(parsed: ParsedRows, frame: pl.DataFrame, state: State) -> pl.DataFrame:
    """Copies whose number the database holds for another learner."""
    if parsed.kind != "copies" or "copy_number" not in frame.columns:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    stored = (
        state.get("copies")
        .filter(pl.col("copy_number").is_not_null())
        .select("copy_number", "learner_id")
        .join(
            state.get("learners").select(
                pl.col("id").alias("learner_id"), pl.col("external_id").alias("_stored_learner")
            ),
            on="learner_id",
            how="left",
        )
        .select("copy_number", "_stored_learner")
    )
    return (
        frame.filter(pl.col("copy_number").is_not_null())
        .join(stored, on="copy_number", how="inner")
        .filter(pl.col("_stored_learner") != pl.col("learner_id"))
        .select(
            pl.col("_row").cast(pl.Int64).alias("row"),
            pl.lit(parsed.headers["copy_number"]).alias("column"),
            pl.col("copy_number__raw").alias("value"),
            pl.lit(
                "ce n° de copie est déjà enregistré pour un autre apprenant : deux copies ne "
                "peuvent pas avoir le même numéro"
            ).alias("reason"),
        )
    )


def _resolve_sessions(builder: _Builder, parsed: ParsedRows, rows: pl.DataFrame) -> None:
    rows = builder.map_staff(rows, "staff", "staff_id").rename({"session_kind": "kind"})
    need_groups = builder.state.get("need_groups").with_columns(
        key_expr(pl.col("name")).alias("_key")
    )
    combos = rows.select("group", "held_on", *(["site"] if "site" in rows.columns else [])).unique()
    group_ids, need_ids = [], []
    for row in combos.iter_rows(named=True):
        name, day = row["group"], row["held_on"]
        need = (
            need_groups.filter(
                (pl.col("_key") == key_text(name))
                & (pl.col("period_start") <= day)
                & (pl.col("period_end") >= day)
            )
            if not need_groups.is_empty()
            else need_groups
        )
        if not need.is_empty():
            group_ids.append(None)
            need_ids.append(need.item(0, "id"))
        else:
            group_ids.append(
                builder.group(name, row.get("site"), school_year_name(school_year_of(day)))
            )
            need_ids.append(None)
    combos = combos.with_columns(
        pl.Series("group_id", group_ids, dtype=pl.Int64),
        pl.Series("need_group_id", need_ids, dtype=pl.Int64),
    )
    rows = rows.join(combos, on=combos.columns[:-2], how="left", nulls_equal=True)
    session_columns = [
        c for c in _table_columns("support_sessions") if c in rows.columns and c != "id"
    ]
    key = list(TABLE_KEYS["support_sessions"])
    sessions = rows.select(session_columns).unique(subset=key, keep="first", maintain_order=True)
    sessions = _match(
        builder,
        "support_sessions",
        sessions,
        _update_columns(parsed, "support_sessions"),
        count=False,
    )
    rows = rows.join(sessions.select("id", *key), on=key, how="left", nulls_equal=True)
    attendance = rows.select(pl.col("id").alias("session_id"), "learner_id", "present")
    _match(builder, "attendance", attendance, ["present"])


def _resolve_learners(
    builder: _Builder, parsed: ParsedRows, rows: pl.DataFrame, update_names: bool
) -> None:
    rows = rows.rename({"learner_id": "external_id"})
    if "school_year" not in rows.columns:
        rows = rows.with_columns(pl.lit(None, pl.String).alias("school_year"))
    rows = rows.with_columns(
        pl.col("school_year").fill_null(
            school_year_name_expr(school_year_of_expr(pl.col("entry_date")))
        )
    )
    rows = builder.map_staff(rows, "referent", "referent_id")
    group_fields = [c for c in ("site", "public", "modality", "level") if c in rows.columns]
    combos = rows.group_by(
        "group", *(["site"] if "site" in rows.columns else []), "school_year", maintain_order=True
    ).agg(*[pl.col(c).drop_nulls().first() for c in group_fields if c != "site"])
    ids = []
    for row in combos.iter_rows(named=True):
        extra = {c: row.get(c) for c in ("public", "modality", "level")}
        ids.append(builder.group(row["group"], row.get("site"), row["school_year"], extra))
    combos = combos.with_columns(pl.Series("group_id", ids, dtype=pl.Int64))
    _update_groups(builder, combos)
    rows = rows.join(
        combos.select(
            "group", *(["site"] if "site" in rows.columns else []), "school_year", "group_id"
        ),
        on=["group", *(["site"] if "site" in rows.columns else []), "school_year"],
        how="left",
        nulls_equal=True,
    )
    # learners: one per identifier, attributes from their first row
    learner_columns = [c for c in ("last_name", "first_name", "referent_id") if c in rows.columns]
    learners = rows.group_by("external_id", maintain_order=True).agg(
        pl.col(c).drop_nulls().first() for c in learner_columns
    )
    learners = learners.join(known_learners(builder.state), on="external_id", how="left")
    new = learners.filter(pl.col("learner_db_id").is_null())
    new = new.with_columns(builder.ids("learners", new.height).alias("learner_db_id"))
    builder.add(
        "learners", new.select(pl.col("learner_db_id").alias("id"), "external_id", *learner_columns)
    )
    builder.created("learners", new.height)
    old = learners.filter(pl.col("learner_db_id").is_not_null())
    updatable = [c for c in learner_columns if c == "referent_id" or update_names]
    if updatable and not old.is_empty():
        current = builder.state.get("learners").select(
            "id", *[pl.col(c).alias(f"{c}__old") for c in updatable]
        )
        merged = old.join(current, left_on="learner_db_id", right_on="id", how="left")
        merged = merged.with_columns(pl.col(c).fill_null(pl.col(f"{c}__old")) for c in updatable)
        changed = pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}__old")) for c in updatable)
        builder.plan.updates["learners"] = merged.filter(changed).select(
            pl.col("learner_db_id").alias("id"), *updatable
        )
        names = [c for c in updatable if c != "referent_id"]
        if names:
            builder.plan.renamed += merged.filter(
                pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}__old")) for c in names)
            ).height
    ids_of = pl.concat(
        [old.select("external_id", "learner_db_id"), new.select("external_id", "learner_db_id")]
    )
    rows = rows.join(ids_of, on="external_id", how="left").with_columns(
        pl.col("learner_db_id").alias("learner_id")
    )
    enrolments = rows.select(
        "learner_id",
        "group_id",
        "entry_date",
        *[c for c in ("exit_date", "exit_reason") if c in rows.columns],
        "_row",
    ).unique(subset=["learner_id", "group_id"], keep="first", maintain_order=True)
    _match(builder, "enrolments", enrolments, _update_columns(parsed, "enrolments"))


def _update_groups(builder: _Builder, combos: pl.DataFrame) -> None:
    fields = [c for c in ("public", "modality", "level") if c in combos.columns]
    if not fields:
        return
    current = builder.state.get("groups").select(
        "id", *[pl.col(c).alias(f"{c}__old") for c in fields]
    )
    old = combos.join(current, left_on="group_id", right_on="id", how="inner")
    if old.is_empty():
        return
    old = old.with_columns(pl.col(c).fill_null(pl.col(f"{c}__old")) for c in fields)
    changed = pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}__old")) for c in fields)
    updates = old.filter(changed).select(pl.col("group_id").alias("id"), *fields).unique("id")
    if not updates.is_empty():
        builder.plan.updates["groups"] = updates


def _resolve_staff(builder: _Builder, parsed: ParsedRows, rows: pl.DataFrame) -> None:
    if "site" in rows.columns:
        names = rows.get_column("site").drop_nulls().unique(maintain_order=True).to_list()
        site_ids = {n: builder.site(n) for n in names}
        rows = rows.with_columns(
            pl.col("site")
            .replace_strict(site_ids, default=None, return_dtype=pl.Int64)
            .alias("site_id")
        )
    rows = rows.with_columns(key_expr(pl.col("name")).alias("_key"))
    existing = builder.state.get("staff").with_columns(key_expr(pl.col("name")).alias("_key"))
    # match on the normalised name, keep the name as stored
    rows = rows.join(
        existing.select("_key", pl.col("name").alias("_stored")), on="_key", how="left"
    ).with_columns(pl.coalesce("_stored", "name").alias("name"))
    columns = [c for c in _table_columns("staff") if c in rows.columns and c != "id"]
    update_columns = [c for c in columns if c != "name"]
    _match(
        builder,
        "staff",
        rows.select(columns).unique("name", keep="first", maintain_order=True),
        update_columns,
    )


def _rename_learners(builder: _Builder, rows: pl.DataFrame) -> None:
    """The file's names for the learners already in the database (the user chose to update
    them); an empty name in the file keeps the stored one."""
    names = [c for c in ("last_name", "first_name") if c in rows.columns]
    known = set(known_learners(builder.state).get_column("learner_db_id").to_list())
    if not names or not known:
        return
    given = (
        rows.filter(pl.col("learner_db_id").is_in(list(known)))
        .group_by("learner_db_id", maintain_order=True)
        .agg(pl.col(c).drop_nulls().first() for c in names)
    )
    current = builder.state.get("learners").select(
        pl.col("id").alias("learner_db_id"), *[pl.col(c).alias(f"{c}__old") for c in names]
    )
    merged = given.join(current, on="learner_db_id", how="left").with_columns(
        pl.col(c).fill_null(pl.col(f"{c}__old")) for c in names
    )
    changed = merged.filter(
        pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}__old")) for c in names)
    )
    if not changed.is_empty():
        builder.plan.updates["learners"] = changed.select(
            pl.col("learner_db_id").alias("id"), *names
        )
        builder.plan.renamed += changed.height


# --- the same values, the same spelling ------------------------------------------------------

_KNOWN_SPELLINGS: dict[str, tuple[tuple[str, str], ...]] = {
    "learner_id": (("learners", "external_id"),),
    "group": (("groups", "name"), ("need_groups", "name")),
    "site": (("sites", "name"),),
    "discipline": (
        ("copies", "discipline"),
        ("tutoring_requests", "discipline"),
        ("support_sessions", "discipline"),
        ("assignments", "discipline"),
    ),
    "assignment": (("assignments", "title"), ("copies", "assignment")),
    "title": (("assignments", "title"), ("copies", "assignment")),
    "need": (("diagnostics", "need"), ("need_groups", "need")),
    "name": (("staff", "name"),),
    "corrector": (("staff", "name"),),
    "staff": (("staff", "name"),),
    "referent": (("staff", "name"),),
}
"""field of a file -> (frame, column) where the database spells its values"""


def canonical_keys(parsed: ParsedRows, state: State) -> ParsedRows:
    """The rows with each natural-key text spelled one way (keys.py): as in the database
    when it holds the value, else as on its first row in the file."""
    frame = parsed.frame
    columns = []
    for name, sources in _KNOWN_SPELLINGS.items():
        if name not in frame.columns or frame.schema[name] != pl.String:
            continue
        known = [v for table, column in sources for v in state.get(table).get_column(column)]
        columns.append(canonical_spellings(frame.get_column(name), known).alias(name))
    return replace(parsed, frame=frame.with_columns(columns)) if columns else parsed


# --- what the database holds, compared -------------------------------------------------------


def name_warnings(parsed: ParsedRows, frame: pl.DataFrame, state: State) -> pl.DataFrame:
    """One warning per learner of the database whom the file names otherwise (case, accents
    and spaces aside): the database keeps its name unless the user chooses to update it."""
    names = [f for f in ("last_name", "first_name") if f in frame.columns]
    if not names or "learner_id" not in frame.columns:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    stored = state.get("learners").select(
        pl.col("external_id").alias("learner_id"), *[pl.col(c).alias(f"{c}__db") for c in names]
    )
    rows = frame.join(stored, on="learner_id", how="inner")
    differs = pl.any_horizontal(
        pl.col(c).is_not_null()
        & pl.col(f"{c}__db").is_not_null()
        & (key_expr(pl.col(c)) != key_expr(pl.col(f"{c}__db")))
        for c in names
    )
    return (
        rows.filter(differs)
        .unique("learner_id", keep="first", maintain_order=True)
        .select(
            pl.col("_row").cast(pl.Int64).alias("row"),
            pl.lit(parsed.headers[names[0]]).alias("column"),
            pl.concat_str([pl.col(f"{c}__raw").fill_null("") for c in names], separator=" ")
            .str.strip_chars()
            .alias("value"),
            pl.format(
                "nom différent de celui de la base ({}) pour l'identifiant {} : la base garde "
                "le sien, sauf si vous choisissez de mettre à jour les noms",
                pl.concat_str(
                    [pl.col(f"{c}__db").fill_null("") for c in names], separator=" "
                ).str.strip_chars(),
                pl.col("learner_id"),
            ).alias("reason"),
        )
    )


def check_plan(parsed: ParsedRows, plan: Plan, state: State) -> pl.DataFrame:
    """Rows whose update, completed by what the database already holds for the columns the
    file does not give, would break a rule of the database (an entry date after the exit
    date recorded, more objectives met than the objectives set recorded...)."""
    found = []
    for name, checks in CROSS_COLUMN_CHECKS.items():
        updates, sources = plan.updates.get(name), plan.update_rows.get(name)
        if updates is None or sources is None or updates.is_empty() or "id" not in updates.columns:
            continue
        given = [c for c in updates.columns if c != "id"]
        merged = (
            state.get(name)
            .join(updates, on="id", how="inner", suffix="__new")
            .with_columns(pl.col(f"{c}__new").alias(c) for c in given)
            .join(sources, on="id", how="inner")
        )
        for constraint, (allowed, fields) in checks.items():
            bad = merged.filter(~allowed.fill_null(True))
            if bad.is_empty():
                continue
            blamed = next((f for f in fields if parsed.has(f)), None)
            if blamed is None:
                continue
            found.append(
                bad.select("_row")
                .join(parsed.frame.select("_row", f"{blamed}__raw"), on="_row", how="left")
                .select(
                    pl.col("_row").cast(pl.Int64).alias("row"),
                    pl.lit(parsed.headers[blamed]).alias("column"),
                    pl.col(f"{blamed}__raw").alias("value"),
                    pl.lit(
                        f"{CONSTRAINT_MESSAGES[constraint]}, compte tenu de ce que la base "
                        "contient déjà pour cette ligne"
                    ).alias("reason"),
                )
            )
    if not found:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    return pl.concat([f.cast(PROBLEM_SCHEMA) for f in found])


# --- writing --------------------------------------------------------------------------------

_WRITE_ORDER = list(FRAME_TABLES)


def apply_plan(connection: Connection, plan: Plan) -> None:
    """Write the plan: bulk inserts (parents first), then batched updates."""
    written: list[type[SQLModel]] = []
    for name in _WRITE_ORDER:
        frame = plan.inserts.get(name)
        if frame is not None and not frame.is_empty():
            bulk_insert(connection, FRAME_TABLES[name], frame)
            written.append(FRAME_TABLES[name])
    for name in _WRITE_ORDER:
        frame = plan.updates.get(name)
        if frame is not None and not frame.is_empty():
            _update_rows(connection, FRAME_TABLES[name], frame)
    reset_sequences(connection, written)


def _update_rows(connection: Connection, model: type[SQLModel], frame: pl.DataFrame) -> None:
    table = model.__table__
    keys = ["id"] if "id" in frame.columns else [c for c in ("session_id", "learner_id")]
    values = [c for c in frame.columns if c not in keys]
    condition = and_(*[table.c[k] == bindparam(f"_k_{k}") for k in keys])
    statement = update(table).where(condition).values({c: bindparam(f"_v_{c}") for c in values})
    renamed = (
        conform(model, frame)
        .select(*keys, *values)
        .rename({**{k: f"_k_{k}" for k in keys}, **{c: f"_v_{c}" for c in values}})
    )
    for batch in renamed.iter_slices(20_000):
        connection.execute(statement, batch.to_dicts())
