"""Deterministic, realistic demo data: `pilotage seed --scale demo|national [--seed N]`.

``generate(scale, seed)`` is pure: it returns one typed Polars frame per table (the keys and
columns of ``data_access.frames.Frames``), the same rows byte for byte for the same seed.
``seed_database(...)`` writes them in one all-or-nothing transaction.

Everything is drawn with one seeded numpy Generator and built column-wise (no Python loop
per row). The story the data tell, over two school years by zone calendars: 2024-2025,
complete, then 2025-2026 up to its extraction on 7 July 2026 (the current year, so its
enrolments are still open and its last corrections pending). The previous year has about
6 % fewer learners and 4 % less activity per learner (some 10 % fewer copies), the same
calendar week for week and the same surging disciplines, so that year-on-year comparisons
show a change and the current spring can be forecast from the last one.

- each year has its own groups (the same programmes); most learners still enrolled at the
  end of 2024-2025 go on to the next stage at the same site (2nde -> 1re -> Tle, CAP 1 ->
  CAP 2, BTS 1 -> BTS 2) with a new enrolment, the others leave: every enrolment of the
  past year ends by its last day of classes, ``fin de parcours`` for those still there;
- groups of a lycée professionnel / CFA (demo) or of eight distance-learning sites
  (national), by public (jeunes, alternants, salariés, demandeurs d'emploi) and modality;
- copies follow the school calendar (quiet holidays and weekends, slow September) and surge
  x5 to x8 in three general-education disciplines from mid-April to May; correction takes
  about three days with a long tail that worsens with the surge;
- about 81 % of tutoring requests are answered within 48 h; weekends and the surge delay
  answers; a few are never answered;
- dropouts (``abandon``) differ by public, modality and group; before leaving, a learner
  drifts: fewer copies, falling grades, missed interviews, absences. Some learners still
  enrolled drift at the end of the year (the at-risk list). Other exits: réorientation
  (often followed by a second enrolment), exclusion, autre, and ``fin de parcours`` for the
  short programmes with continuous entries;
- interviews follow the phases (initial, diagnostic, co-élaboration, contractualisation,
  suivi every few weeks, bilan); a few lack objectives, a few learners lack a diagnostic;
- support: AP 2.5 h a week per lycée class (none during the internships, PFMP), support
  sessions every other week in the CFA, virtual classes for hybrid groups, "soutien" need
  groups rebuilt each period from the diagnostics, and aide individualisée (1 h a week,
  at most 8 learners) for CAP 1; attendance for every session.

Modules: scales (how much), calendar (the two school years by zone), vocabulary
(names, programmes, disciplines, needs), population (groups, staff, learners, enrolments),
events (copies, tutoring requests, interviews, first diagnostics), support (need groups,
sessions, attendance, diagnostics after support), arrays (small helpers).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import polars as pl
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import SQLModel

from data_access import models
from data_access.db import bump_data_version, ensure_schema, get_engine, write_transaction
from data_access.errors import PilotageError
from data_access.frames import FRAME_TABLES, conform
from data_access.partitions import partition_by_school_year
from data_access.writes import bulk_insert, reset_sequences
from domain import EXIT_REASONS, school_year_name_expr, school_year_of_expr
from seed import absences, events, population, support
from seed import calendar as cal
from seed import vocabulary as voc
from seed.arrays import dates, labels
from seed.scales import SCALES, ScaleSpec, scale_spec

__all__ = ["SCALES", "ScaleSpec", "generate", "rows_per_year", "seed_database"]


# --- the whole data set ----------------------------------------------------------------------------

PREVIOUS_VOLUME = 0.94
"""Learners of the previous school year, against the current one's."""
PREVIOUS_ACTIVITY = 0.96
"""Copies and tutoring requests per learner in the previous school year, against the current."""


def generate(
    scale: str | ScaleSpec = "demo", seed: int = 42, years: int = 2
) -> dict[str, pl.DataFrame]:
    """Every table's rows for the scale and seed, keyed by the Frames field names.

    Pure and deterministic: the same (scale, seed, years) gives the same frames, byte for byte.
    Ids are explicit (1..n per table) and every row satisfies the models' checks. ``years``
    school years (2 by default), the past ones complete and the current one up to its
    extraction day; the past years are alike (the previous year's volume and activity, the
    same surging disciplines), each learner going on from one year to the next.
    """
    if years < 1:
        raise PilotageError("Le nombre d'années scolaires doit être au moins 1.")
    spec = scale_spec(scale)
    rng = np.random.default_rng(seed)
    calendars = cal.school_years(years)
    groups = [
        population.build_groups(spec, year, rng)
        if year.current
        else population.build_groups(spec, year, rng, volume=PREVIOUS_VOLUME)
        for year in calendars
    ]
    current = groups[-1]
    staff = population.build_staff(spec, current, rng)
    for year_groups in groups:
        population.assign_tutors(staff, year_groups, rng)
    learners = None
    enrolments = []
    for index, year_groups in enumerate(groups):
        past = population.PastYear(groups[index - 1], enrolments[-1]) if index else None
        learners, year_enrolments = population.build_learners_and_enrolments(
            spec, year_groups, rng, learners, past
        )
        enrolments.append(year_enrolments)
    previous_surge, current_surge = events.surge_factors(spec, rng)
    years_frames = [
        _one_year(
            spec, year_groups, staff, learners, year_enrolments,
            current_surge if year_groups.year.current else previous_surge,
            1.0 if year_groups.year.current else PREVIOUS_ACTIVITY, rng,
        )
        for year_groups, year_enrolments in zip(groups, enrolments, strict=True)
    ]  # fmt: skip
    n_staff = len(staff.name)
    frames = {
        "sites": pl.DataFrame(
            {"id": np.arange(1, len(spec.sites) + 1), "name": [s.name for s in spec.sites]}
        ),
        "staff": pl.DataFrame(
            {
                "id": np.arange(1, n_staff + 1),
                "name": staff.name,
                "role": staff.role,
                "site_id": staff.site + 1,
                "weekly_hours_available": staff.hours,
            }
        ),
        "learners": pl.DataFrame(
            {
                "id": np.arange(1, learners.count + 1),
                "external_id": learners.external_id,
                "last_name": learners.last_name,
                "first_name": learners.first_name,
                "referent_id": learners.referent + 1,
            }
        ),
        **_one_after_the_other(years_frames),
    }
    frames["assignments"] = events.assignments(frames["copies"], frames["enrolments"])
    frames["absences"] = absences.absences(
        frames["enrolments"], frames["copies"], np.random.default_rng([seed, 11])
    )
    return {
        name: conform(FRAME_TABLES[name], frames.get(name, pl.DataFrame())) for name in FRAME_TABLES
    }


def _one_year(
    spec: ScaleSpec,
    groups: population.Groups,
    staff: population.Staff,
    learners: population.Learners,
    enrolments: population.Enrolments,
    surge: np.ndarray,
    rate: float,
    rng: np.random.Generator,
) -> dict[str, pl.DataFrame]:
    """The frames of one school year: its groups, enrolments and everything that happened.

    Learner and staff ids are final; the ids of this year's groups, need groups and sessions
    count from 1 (``_one_after_the_other`` shifts them)."""
    year = groups.year
    activity = events.build_activity(groups, enrolments, surge)
    copies = events.copies(spec, groups, staff, learners, enrolments, activity, rng, rate)
    requests = events.tutoring_requests(
        spec, groups, staff, learners, enrolments, activity, rng, rate
    )
    del activity
    interviews, diagnostic_day = events.interviews(spec, groups, staff, learners, enrolments, rng)
    diagnosed = events.first_diagnostics(spec, learners, enrolments, diagnostic_day, rng)
    need_groups = support.need_groups(spec, groups, staff, learners, enrolments, diagnosed, rng)
    sessions = support.sessions(spec, groups, staff, need_groups, rng)
    attendance = support.attendance(sessions, need_groups, learners, enrolments, rng)
    diagnostics = support.diagnostics(diagnosed, need_groups, enrolments, rng)
    n_groups = groups.size.size
    has_exit = enrolments.reason >= 0
    return {
        "groups": pl.DataFrame(
            {
                "id": np.arange(1, n_groups + 1),
                "site_id": groups.site + 1,
                "name": groups.name,
                "level": [p.level for p in groups.programme],
                "public": [p.public for p in groups.programme],
                "modality": [p.modality for p in groups.programme],
                "school_year": [year.label] * n_groups,
            }
        ),
        "enrolments": pl.DataFrame(
            {
                "learner_id": enrolments.learner + 1,
                "group_id": enrolments.group + 1,
                "entry_date": dates(year, enrolments.entry),
                "exit_date": dates(year, enrolments.exit, ~has_exit),
                "exit_reason": labels(EXIT_REASONS, np.maximum(enrolments.reason, 0), ~has_exit),
            }
        ),
        "interviews": interviews,
        "tutoring_requests": requests,
        "copies": copies,
        "need_groups": pl.DataFrame(
            {
                "id": np.arange(1, len(need_groups.name) + 1),
                "name": need_groups.name,
                "need": labels(voc.NEEDS, need_groups.need),
                "kind": need_groups.kind,
                "site_id": need_groups.site + 1,
                "period_start": dates(year, need_groups.start),
                "period_end": dates(year, need_groups.end),
                "staff_id": need_groups.staff + 1,
                "planned_hours_per_week": need_groups.hours,
                "slot": [
                    f"{cal.WEEKDAYS_FR[d]} {h:02d}:00"
                    for d, h in zip(
                        need_groups.weekday.tolist(), need_groups.hour.tolist(), strict=True
                    )
                ],  # fmt: skip
            }
        ),
        "need_group_members": pl.DataFrame(
            {
                "need_group_id": need_groups.member_group + 1,
                "learner_id": enrolments.learner[need_groups.member_enrolment] + 1,
            }
        )
        .unique(maintain_order=True)
        .sort("need_group_id", "learner_id"),
        "support_sessions": sessions,
        "attendance": attendance,
        "diagnostics": diagnostics,
    }


def _one_after_the_other(years: list[dict[str, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    """The school years' frames as one set of tables: each year's group, need-group and
    session ids shifted past the previous years' ones; events numbered in date order."""
    shifted: list[dict[str, pl.DataFrame]] = []
    offsets = {"groups": 0, "need_groups": 0, "support_sessions": 0}
    for frames in years:
        group, need_group, session = (pl.col(c) + offsets[t] for c, t in (
            ("group_id", "groups"), ("need_group_id", "need_groups"),
            ("session_id", "support_sessions")))  # fmt: skip
        shifted.append(
            {
                **frames,
                "groups": frames["groups"].with_columns(pl.col("id") + offsets["groups"]),
                "enrolments": frames["enrolments"].with_columns(group),
                "need_groups": frames["need_groups"].with_columns(
                    pl.col("id") + offsets["need_groups"]
                ),
                "need_group_members": frames["need_group_members"].with_columns(need_group),
                "support_sessions": frames["support_sessions"].with_columns(
                    pl.col("id") + offsets["support_sessions"], group, need_group
                ),
                "attendance": frames["attendance"].with_columns(session),
            }
        )
        for table in offsets:
            offsets[table] += frames[table].height
    merged = {name: pl.concat([year[name] for year in shifted]) for name in shifted[0]}
    # one enrolment per row, by learner then entry; events numbered in date order (each
    # year's are sorted by date and the years follow each other): the order the app's joins
    # read fastest
    merged["enrolments"] = (
        merged["enrolments"].sort("learner_id", "entry_date").with_row_index("id", offset=1)
    )
    for name in ("interviews", "tutoring_requests", "copies", "diagnostics"):
        merged[name] = merged[name].drop("id").with_row_index("id", offset=1)
    return merged


# --- writing ----------------------------------------------------------------------------------------

TABLE_LABELS = {
    "sites": "sites",
    "staff": "intervenants",
    "groups": "groupes",
    "learners": "apprenants",
    "enrolments": "inscriptions",
    "interviews": "entretiens",
    "tutoring_requests": "sollicitations de tutorat",
    "copies": "copies",
    "need_groups": "groupes de besoins",
    "need_group_members": "membres des groupes de besoins",
    "support_sessions": "séances d'accompagnement",
    "attendance": "présences",
    "diagnostics": "diagnostics",
    "assignments": "devoirs",
    "absences": "absences",
}


def _count(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def _seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " s"


SQLITE_CACHE_KB = 256 * 1024


def _filled_tables(engine: Engine) -> list[str]:
    """The entity tables that hold at least one row."""
    filled = []
    with engine.connect() as connection:
        for name, table in FRAME_TABLES.items():
            sql_table = table.__table__
            if connection.execute(sa.select(sa.literal(1)).select_from(sql_table).limit(1)).first():
                filled.append(name)
    return filled


def _recreate_schema(connection: sa.Connection) -> None:
    """Drop and recreate every table inside the caller's transaction (so a failed seed leaves
    the database as it was), keeping the data version moving forward so that no cache
    outlives the reset."""
    version = models.DataVersion.__table__
    previous = connection.execute(sa.select(version.c.version)).scalar_one_or_none() or 0
    # pysqlite opens its transaction at the first write: make it one, so the DDL is inside
    connection.execute(sa.update(version).values(version=version.c.version))
    SQLModel.metadata.drop_all(connection)
    SQLModel.metadata.create_all(connection)
    connection.execute(sa.insert(version).values(id=1, version=previous))


@contextmanager
def _load_transaction(engine: Engine) -> Iterator[sa.Connection]:
    """The seed's write transaction: ``db.write_transaction`` (the data version moves on at
    commit), with, on SQLite, a connection tuned for a bulk load.

    SQLite would check every inserted row's references and CHECK constraints one by one
    (a CHECK with ``IN (...)`` even rebuilds its list for each row): a third or more of the
    national load. ``_load`` verifies them all once the rows are in instead, one pass per table, and
    any broken row aborts the transaction. References can only be switched off outside a
    transaction, hence this connection of its own, discarded afterwards so that the pool
    hands out fresh ones with every check on.
    """
    if engine.dialect.name != "sqlite":
        with write_transaction(engine) as connection:
            yield connection
        return
    with engine.connect() as connection:
        try:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
            with connection.begin():
                # pysqlite opens its transaction at the first write: make it the version
                # bump, so that the DDL that follows (indexes, reset) is inside it
                bump_data_version(connection)
                connection.exec_driver_sql("PRAGMA ignore_check_constraints=ON")
                # indexes of millions of rows: keep their pages in memory while writing
                connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
                yield connection
        finally:
            connection.invalidate()


def _load(connection: sa.Connection, frames: dict[str, pl.DataFrame]) -> None:
    """Write every table inside the caller's transaction (``_load_transaction``).

    The plain (non-unique) indexes are built once the rows are in: one sort each instead of
    millions of scattered updates. On SQLite, every reference and CHECK constraint is then
    verified, one pass per table.
    """
    tables = list(FRAME_TABLES.values())
    unchecked = _verify_references_in_frames(frames)
    indexes = [index for table in tables for index in table.__table__.indexes]
    for index in indexes:
        index.drop(connection)
    for name, table in FRAME_TABLES.items():
        bulk_insert(connection, table, frames[name])
    for index in indexes:
        index.create(connection)
    if connection.dialect.name == "sqlite":
        _verify_references(connection, unchecked)
        _verify_checks(connection, tables)
    reset_sequences(connection, tables)


def _verify_references_in_frames(frames: dict[str, pl.DataFrame]) -> list[str]:
    """Every foreign key of every generated row points at a generated row, checked on the
    frames before anything is written (a few anti-joins: SQLite's own check of 10 million
    rows took 13 s of processor time). Returns the tables whose references could not be
    checked here (a referenced table without its ids in the frames), left to
    ``_verify_references``."""
    by_table = {table.__tablename__: name for name, table in FRAME_TABLES.items()}
    unchecked: list[str] = []
    for name, table in FRAME_TABLES.items():
        frame = frames[name]
        for column in table.__table__.columns:
            for key in column.foreign_keys:
                target = frames.get(by_table.get(key.column.table.name, ""))
                if column.name not in frame.columns:
                    continue
                if target is None or key.column.name not in target.columns:
                    unchecked.append(table.__tablename__)
                    continue
                known = target.select(pl.col(key.column.name).alias(column.name)).unique()
                broken = (
                    frame.select(column.name)
                    .drop_nulls()
                    .join(known, on=column.name, how="anti")
                    .height
                )
                if broken:
                    _refuse_dangling(broken, table.__tablename__)
    return sorted(set(unchecked))


def _verify_references(connection: sa.Connection, tables: list[str]) -> None:
    """Every foreign key of every row of these tables points at an existing row (SQLite's
    own check)."""
    for table in tables:
        broken = connection.exec_driver_sql(f'PRAGMA foreign_key_check("{table}")').fetchall()
        if broken:
            _refuse_dangling(len(broken), table)


def _refuse_dangling(count: int, table: str) -> None:
    raise PilotageError(
        f"Données de démonstration invalides : {_count(count)} ligne(s) de la table "
        f"« {table} » désignent une ligne qui n'existe pas. Rien n'a été écrit."
    )


def _verify_checks(connection: sa.Connection, tables: list[type[SQLModel]]) -> None:
    """Every row of each table against its CHECK constraints, with their own SQL text; as in
    a CHECK, a condition that is unknown (NULL) passes."""
    for table in tables:
        sql_table = table.__table__
        checks = [
            f"({constraint.sqltext})"
            for constraint in sql_table.constraints
            if isinstance(constraint, sa.CheckConstraint)
        ]
        if not checks:
            continue
        broken = connection.execute(
            sa.select(sa.func.count())
            .select_from(sql_table)
            .where(sa.text(f"NOT ({' AND '.join(checks)})"))
        ).scalar_one()
        if broken:
            raise PilotageError(
                f"Données de démonstration invalides : {_count(broken)} ligne(s) de la table "
                f"« {sql_table.name} » enfreignent ses contraintes. Rien n'a été écrit."
            )


def seed_database(
    *,
    scale: str = "demo",
    seed: int = 42,
    reset: bool = False,
    if_empty: bool = False,
    engine: Engine | None = None,
    years: int = 2,
) -> str:
    """Fill the database with ``generate(scale, seed, years)`` in one transaction; a French
    report.

    ``if_empty``: do nothing when the database already has learners (checked first, so it
    never destroys anything). ``reset``: drop and recreate the schema first, in the same
    transaction as the writes. Otherwise a database that already holds data is refused
    with a PilotageError.
    """
    spec = scale_spec(scale)
    engine = engine or get_engine()
    ensure_schema(engine)
    started = time.perf_counter()
    filled = _filled_tables(engine)
    if if_empty and "learners" in filled:
        return "La base contient déjà des apprenants : aucune donnée de démonstration ajoutée."
    if filled and not reset:
        names = ", ".join(TABLE_LABELS[name] for name in filled[:3])
        names += ", …" if len(filled) > 3 else ""
        raise PilotageError(
            f"La base contient déjà des données ({names}) : rien n'a été écrit. "
            "Relancez avec --reset pour la vider et la remplir à nouveau "
            "(toutes les données actuelles seront perdues)."
        )
    frames = generate(spec, seed, years)
    generated = time.perf_counter()
    with _load_transaction(engine) as connection:
        if reset:
            _recreate_schema(connection)
        # PostgreSQL: event tables partitioned by school year before the rows go in
        partition_by_school_year(connection, [year.first_year for year in cal.school_years(years)])
        _load(connection, frames)
    written = time.perf_counter()
    labels = [year.label for year in cal.school_years(years)]
    per_year = rows_per_year(frames)
    width = max(len(label) for label in TABLE_LABELS.values())

    def row(label: str, counts: dict[str, int], total: int) -> str:
        cells = "".join(f"  {_count(counts[y]) if y in counts else '':>10}" for y in labels)
        return f"  {label:<{width}}{cells}  {_count(total):>10}"

    lines = [
        f"Données de démonstration « {spec.name} » (graine {seed}) enregistrées"
        f"{' après remise à zéro de la base' if reset else ''}, "
        f"{len(labels)} années scolaires (la dernière jusqu'au {cal.AS_OF:%d/%m/%Y}) :",
        f"  {'':<{width}}" + "".join(f"  {y:>10}" for y in labels) + f"  {'total':>10}",
        *(row(TABLE_LABELS[name], per_year[name], frame.height) for name, frame in frames.items()),
        row("total", {}, sum(f.height for f in frames.values())),
        f"Durée : {_seconds(written - started)} (génération {_seconds(generated - started)}, "
        f"écriture {_seconds(written - generated)}).",
    ]
    return "\n".join(lines)


def rows_per_year(frames: dict[str, pl.DataFrame]) -> dict[str, dict[str, int]]:
    """The rows of each table by school year (``2024-2025``: count). Learners count in every
    year they are enrolled in; sites and staff belong to no year (empty)."""
    group_year = frames["groups"].select(pl.col("id").alias("group_id"), "school_year")
    dated = {
        "interviews": "held_on",
        "tutoring_requests": "received_at",
        "copies": "submitted_on",
        "need_groups": "period_start",
        "support_sessions": "held_on",
        "diagnostics": "assessed_on",
        "absences": "absent_on",
    }
    years = {
        name: frames[name].select(
            school_year_name_expr(school_year_of_expr(pl.col(column).cast(pl.Date))).alias("year")
        )
        for name, column in dated.items()
    }
    years["groups"] = frames["groups"].select(pl.col("school_year").alias("year"))
    enrolments = frames["enrolments"].join(group_year, on="group_id", how="left")
    years["enrolments"] = enrolments.select(pl.col("school_year").alias("year"))
    years["assignments"] = (
        frames["assignments"]
        .join(group_year, on="group_id", how="left")
        .select(pl.col("school_year").alias("year"))
    )
    years["learners"] = enrolments.select(
        "learner_id", pl.col("school_year").alias("year")
    ).unique()
    need_group_year = frames["need_groups"].select(
        pl.col("id").alias("need_group_id"), years["need_groups"]["year"]
    )
    years["need_group_members"] = (
        frames["need_group_members"]
        .join(need_group_year, on="need_group_id", how="left")
        .select("year")
    )
    session_year = frames["support_sessions"].select(
        pl.col("id").alias("session_id"), years["support_sessions"]["year"]
    )
    years["attendance"] = (
        frames["attendance"].join(session_year, on="session_id", how="left").select("year")
    )
    return {
        name: dict(years[name].group_by("year").len().iter_rows()) if name in years else {}
        for name in frames
    }
