"""Deterministic, realistic demo data: `pilotage seed --scale demo|national [--seed N]`.

``generate(scale, seed)`` is pure: it returns one typed Polars frame per table (the keys and
columns of ``data_access.frames.Frames``), the same rows byte for byte for the same seed.
``seed_database(...)`` writes them in one all-or-nothing transaction.

Everything is drawn with one seeded numpy Generator and built column-wise (no Python loop
per row). The story the data tell, one school year (2025-2026, zone calendars):

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

Modules: scales (how much), calendar (the 2025-2026 school calendar by zone), vocabulary
(names, programmes, disciplines, needs), population (groups, staff, learners, enrolments),
events (copies, tutoring requests, interviews, first diagnostics), support (need groups,
sessions, attendance, diagnostics after support), arrays (small helpers).
"""

from __future__ import annotations

import time

import numpy as np
import polars as pl
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import SQLModel

from data_access import models
from data_access.db import ensure_schema, get_engine, write_transaction
from data_access.errors import PilotageError
from data_access.frames import FRAME_TABLES, conform
from data_access.writes import bulk_insert, reset_sequences
from domain import EXIT_REASONS
from seed import calendar as cal
from seed import events, population, support
from seed import vocabulary as voc
from seed.arrays import dates, labels
from seed.scales import SCALES, ScaleSpec, scale_spec

__all__ = ["SCALES", "ScaleSpec", "generate", "seed_database"]


# --- the whole data set ----------------------------------------------------------------------------


def generate(scale: str | ScaleSpec = "demo", seed: int = 42) -> dict[str, pl.DataFrame]:
    """Every table's rows for the scale and seed, keyed by the Frames field names.

    Pure and deterministic: the same (scale, seed) gives the same frames, byte for byte.
    Ids are explicit (1..n per table) and every row satisfies the models' checks.
    """
    spec = scale_spec(scale)
    rng = np.random.default_rng(seed)
    groups = population.build_groups(spec, rng)
    staff = population.build_staff(spec, groups, rng)
    learners, enrolments = population.build_learners_and_enrolments(spec, groups, rng)
    activity = events.build_activity(spec, groups, enrolments, rng)
    copies = events.copies(spec, groups, staff, learners, enrolments, activity, rng)
    requests = events.tutoring_requests(spec, groups, staff, learners, enrolments, activity, rng)
    interviews, diagnostic_day = events.interviews(spec, groups, staff, learners, enrolments, rng)
    diagnosed = events.first_diagnostics(spec, learners, enrolments, diagnostic_day, rng)
    need_groups = support.need_groups(spec, groups, staff, learners, enrolments, diagnosed, rng)
    sessions = support.sessions(spec, groups, staff, need_groups, rng)
    attendance = support.attendance(sessions, need_groups, learners, enrolments, rng)
    diagnostics = support.diagnostics(diagnosed, need_groups, enrolments, rng)

    n_groups, n_staff, n_learners = groups.size.size, len(staff.name), learners.ability.size
    has_exit = enrolments.reason >= 0
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
        "groups": pl.DataFrame(
            {
                "id": np.arange(1, n_groups + 1),
                "site_id": groups.site + 1,
                "name": groups.name,
                "level": [p.level for p in groups.programme],
                "public": [p.public for p in groups.programme],
                "modality": [p.modality for p in groups.programme],
                "school_year": [cal.SCHOOL_YEAR] * n_groups,
            }
        ),
        "learners": pl.DataFrame(
            {
                "id": np.arange(1, n_learners + 1),
                "external_id": learners.external_id,
                "last_name": learners.last_name,
                "first_name": learners.first_name,
                "referent_id": learners.referent + 1,
            }
        ),
        "enrolments": pl.DataFrame(
            {
                "id": np.arange(1, enrolments.learner.size + 1),
                "learner_id": enrolments.learner + 1,
                "group_id": enrolments.group + 1,
                "entry_date": dates(enrolments.entry),
                "exit_date": dates(enrolments.exit, ~has_exit),
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
                "period_start": dates(need_groups.start),
                "period_end": dates(need_groups.end),
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
    return {name: conform(FRAME_TABLES[name], frames[name]) for name in FRAME_TABLES}


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


def seed_database(
    *,
    scale: str = "demo",
    seed: int = 42,
    reset: bool = False,
    if_empty: bool = False,
    engine: Engine | None = None,
) -> str:
    """Fill the database with ``generate(scale, seed)`` in one transaction; a French report.

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
    frames = generate(spec, seed)
    generated = time.perf_counter()
    sqlite = engine.dialect.name == "sqlite"
    with write_transaction(engine) as connection:
        if reset:
            _recreate_schema(connection)
        if sqlite:  # indexes of millions of rows: keep their pages in memory while writing
            connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
        try:
            for name, table in FRAME_TABLES.items():
                bulk_insert(connection, table, frames[name])
            reset_sequences(connection, list(FRAME_TABLES.values()))
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA cache_size=-2000")  # SQLite's default
    written = time.perf_counter()
    width = max(len(label) for label in TABLE_LABELS.values())
    lines = [
        f"Données de démonstration « {spec.name} » (graine {seed}) enregistrées"
        f"{' après remise à zéro de la base' if reset else ''} :",
        *(
            f"  {TABLE_LABELS[name]:<{width}}  {_count(frame.height):>10}"
            for name, frame in frames.items()
        ),
        f"  {'total':<{width}}  {_count(sum(f.height for f in frames.values())):>10}",
        f"Durée : {_seconds(written - started)} (génération {_seconds(generated - started)}, "
        f"écriture {_seconds(written - generated)}).",
    ]
    return "\n".join(lines)
