"""Plans of personalised support in the database (need groups + members): saving and loading.

A plan is identified by its kind (AP, aide individualisée), its period (start, end) and its
site (or none). Saving a plan replaces the previous plan of the same kind, period and site in
one transaction: groups kept under the same name keep their id (so support sessions already
recorded for them stay attached), groups no longer in the plan are deleted (refused if
sessions were recorded for them), and the members are replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

import polars as pl
from sqlalchemy import Engine, and_, delete, select, update

from data_access import models
from data_access.db import write_transaction
from data_access.errors import PilotageError
from data_access.writes import bulk_insert
from domain import SUPPORT_KINDS, learner_name


class PlanRejected(PilotageError):
    """The plan cannot be saved (the French message says why and where)."""


@dataclass(frozen=True)
class SavedPlan:
    groups: int
    members: int
    groups_replaced: int

    def __str__(self) -> str:
        text = f"Plan enregistré : {self.groups} groupe(s), {self.members} placement(s)"
        if self.groups_replaced:
            text += f" ; {self.groups_replaced} groupe(s) du plan précédent remplacé(s)"
        return text + "."


def _names_to_ids(engine: Engine, table: type, column: str, names: list[str]) -> dict[str, int]:
    sql = table.__table__
    found: dict[str, int] = {}
    wanted = sorted(set(names))
    with engine.connect() as connection:
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            rows = connection.execute(
                select(sql.c[column], sql.c.id).where(sql.c[column].in_(chunk))
            ).all()
            found.update({name: int(identifier) for name, identifier in rows})
    return found


def _listing(items: list[str], limit: int = 10) -> str:
    text = ", ".join(f"« {x} »" for x in items[:limit])
    return text + (f" et {len(items) - limit} autre(s)" if len(items) > limit else "")


class _Period(Protocol):
    start: date
    end: date


class PlanToSave(Protocol):
    """What a plan must tell to be saved (planning.plan.Plan does)."""

    kind: str
    period: _Period
    site: str | None
    groups: pl.DataFrame
    """group_id (the plan's own number), name, need, staff (name or null), hours_per_week, slot"""
    members: pl.DataFrame
    """learner (external identifier), group_id (other columns are not read)"""


def save_plan(engine: Engine, plan: PlanToSave) -> SavedPlan:
    """Save the plan of its period, kind and site, replacing the previous one (see the module
    docstring). Raises PlanRejected (French) when a name, teacher, learner or site is unknown or
    invalid."""
    kind, site, groups = plan.kind, plan.site, plan.groups
    period_start, period_end = plan.period.start, plan.period.end
    members = plan.members.select("learner", "group_id")
    if kind not in SUPPORT_KINDS:
        raise PlanRejected(f"Type d'accompagnement inconnu : « {kind} ».")
    if period_end < period_start:
        raise PlanRejected("La fin de la période précède son début.")
    names = [str(n).strip() if n is not None else "" for n in groups.get_column("name").to_list()]
    if any(not n for n in names):
        raise PlanRejected("Un groupe n'a pas de nom : nommez chaque groupe avant d'enregistrer.")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise PlanRejected(f"Plusieurs groupes portent le même nom : {_listing(repeated)}.")
    hours = groups.get_column("hours_per_week")
    if hours.is_null().any() or (hours < 0).any():
        raise PlanRejected("Chaque groupe doit avoir un nombre d'heures par semaine positif.")

    site_id = None
    if site is not None:
        site_ids = _names_to_ids(engine, models.Site, "name", [site])
        if site not in site_ids:
            raise PlanRejected(f"Site inconnu : « {site} ».")
        site_id = site_ids[site]
    staff_names = [s for s in groups.get_column("staff").drop_nulls().to_list()]
    staff_ids = _names_to_ids(engine, models.Staff, "name", staff_names)
    unknown_staff = sorted(set(staff_names) - set(staff_ids))
    if unknown_staff:
        raise PlanRejected(f"Intervenant(s) inconnu(s) de la base : {_listing(unknown_staff)}.")
    learners = members.get_column("learner").to_list()
    learner_ids = _names_to_ids(engine, models.Learner, "external_id", learners)
    unknown_learners = sorted(set(learners) - set(learner_ids))
    if unknown_learners:
        raise PlanRejected(
            f"{len(unknown_learners)} élève(s) du plan sont inconnus de la base "
            f"({_listing(unknown_learners)}) : importez-les avant d'enregistrer le plan."
        )
    known_groups = set(groups.get_column("group_id").to_list())
    if not set(members.get_column("group_id").to_list()) <= known_groups:
        raise PlanRejected("Un placement renvoie à un groupe absent du plan.")

    table = models.NeedGroup.__table__
    members_table = models.NeedGroupMember.__table__
    sessions_table = models.SupportSession.__table__
    same_plan = and_(
        table.c.kind == kind,
        table.c.period_start == period_start,
        table.c.period_end == period_end,
        table.c.site_id.is_(None) if site_id is None else table.c.site_id == site_id,
    )
    with write_transaction(engine) as connection:
        previous = dict(connection.execute(select(table.c.name, table.c.id).where(same_plan)).all())
        clashes = (
            connection.execute(
                select(table.c.name).where(
                    table.c.period_start == period_start,
                    table.c.name.in_(names),
                    ~table.c.id.in_(list(previous.values()) or [-1]),
                )
            )
            .scalars()
            .all()
        )
        if clashes:
            raise PlanRejected(
                f"Un autre plan commençant le {period_start:%d/%m/%Y} (autre site ou autre type) "
                f"a déjà des groupes nommés {_listing(sorted(clashes))} : renommez ces groupes."
            )
        leaving = {name: gid for name, gid in previous.items() if name not in names}
        if leaving:
            held = (
                connection.execute(
                    select(table.c.name)
                    .join(sessions_table, sessions_table.c.need_group_id == table.c.id)
                    .where(table.c.id.in_(list(leaving.values())))
                    .distinct()
                )
                .scalars()
                .all()
            )
            if held:
                raise PlanRejected(
                    f"Des séances sont déjà enregistrées pour {_listing(sorted(held))} : ces "
                    "groupes ne peuvent pas disparaître du plan (gardez leur nom)."
                )
        if previous:
            connection.execute(
                delete(members_table).where(
                    members_table.c.need_group_id.in_(list(previous.values()))
                )
            )
        if leaving:
            connection.execute(delete(table).where(table.c.id.in_(list(leaving.values()))))
        ids: dict[int, int] = {}
        new_rows = []
        for row in groups.iter_rows(named=True):
            name = row["name"].strip()
            values = {
                "name": name,
                "need": row["need"],
                "kind": kind,
                "site_id": site_id,
                "period_start": period_start,
                "period_end": period_end,
                "staff_id": staff_ids.get(row["staff"]) if row["staff"] else None,
                "planned_hours_per_week": float(row["hours_per_week"]),
                "slot": row["slot"] or None,
            }
            if name in previous:
                connection.execute(
                    update(table).where(table.c.id == previous[name]).values(**values)
                )
                ids[row["group_id"]] = previous[name]
            else:
                new_rows.append((row["group_id"], values))
        if new_rows:
            connection.execute(table.insert(), [values for _, values in new_rows])
            created = dict(
                connection.execute(
                    select(table.c.name, table.c.id).where(
                        table.c.period_start == period_start,
                        table.c.name.in_([v["name"] for _, v in new_rows]),
                    )
                ).all()
            )
            ids.update({group_id: created[values["name"]] for group_id, values in new_rows})
        placed = members.select(
            pl.col("group_id").replace_strict(ids, return_dtype=pl.Int64).alias("need_group_id"),
            pl.col("learner")
            .replace_strict(learner_ids, return_dtype=pl.Int64)
            .alias("learner_id"),
        ).unique()
        bulk_insert(connection, models.NeedGroupMember, placed)
    return SavedPlan(groups=groups.height, members=placed.height, groups_replaced=len(previous))


def load_plan(
    engine: Engine, *, kind: str, period_start: date, period_end: date, site: str | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A saved plan as (groups, members) frames, read in two queries.

    groups: group_id (database id), name, need, staff, hours_per_week, slot, by name.
    members: learner (external identifier), name, group_id. Both empty when no such plan.
    """
    table = models.NeedGroup.__table__
    sites, staff = models.Site.__table__, models.Staff.__table__
    members_table, learners = models.NeedGroupMember.__table__, models.Learner.__table__
    groups_query = (
        select(
            table.c.id, table.c.name, table.c.need, staff.c.name, table.c.planned_hours_per_week,
            table.c.slot,
        )
        .select_from(
            table.outerjoin(sites, sites.c.id == table.c.site_id).outerjoin(
                staff, staff.c.id == table.c.staff_id
            )
        )
        .where(
            table.c.kind == kind,
            table.c.period_start == period_start,
            table.c.period_end == period_end,
            table.c.site_id.is_(None) if site is None else sites.c.name == site,
        )
    )  # fmt: skip
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(groups_query)]
        ids = [row[0] for row in found]
        members_query = (
            select(
                members_table.c.need_group_id,
                learners.c.external_id,
                learners.c.last_name,
                learners.c.first_name,
            )
            .join(learners, learners.c.id == members_table.c.learner_id)
            .where(members_table.c.need_group_id.in_(ids or [-1]))
        )
        placed = [tuple(row) for row in connection.execute(members_query)]
    groups = pl.DataFrame(found, schema=SAVED_GROUP_SCHEMA, orient="row").sort("name")
    members = (
        pl.DataFrame(placed, schema=_MEMBER_ROWS, orient="row")
        .select("learner", learner_name(pl.col("last_name"), pl.col("first_name")), "group_id")
        .sort("group_id", "learner")
    )
    return groups, members


SAVED_GROUP_SCHEMA = {
    "group_id": pl.Int64,
    "name": pl.String,
    "need": pl.String,
    "staff": pl.String,
    "hours_per_week": pl.Float64,
    "slot": pl.String,
}
_MEMBER_ROWS = {
    "group_id": pl.Int64,
    "learner": pl.String,
    "last_name": pl.String,
    "first_name": pl.String,
}
