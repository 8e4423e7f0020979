"""The rules of a plan, checked on the proposal and again after every edit: names, sizes, hours
and staff of each group, the learners' weekly budget, the staff's hours, nobody expected at the
same time in two places, every learner with a need in some group and every need in a group.
Each broken rule is one French problem naming the group, the person (by name) and the
figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import polars as pl

from planning.plan import (
    REASON_GROUP_REMOVED,
    REASON_NO_TIME,
    REASON_REMOVED,
    REASON_TOO_FEW,
    Plan,
    interval,
    overlap,
    parse_slot,
    who,
)
from ui import format as fmt

MAX_LISTED = 12


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" et {len(items) - MAX_LISTED} autre(s)" if len(items) > MAX_LISTED else "")


def check_plan(plan: Plan) -> list[str]:
    """Every constraint re-checked on the (edited) plan, as French problems (empty: all good)."""
    problems: list[str] = []
    groups = plan.groups
    members = plan.members
    names = {row["group_id"]: row["name"] for row in groups.iter_rows(named=True)}

    duplicated = (
        groups.group_by("name").len().filter(pl.col("len") > 1).get_column("name").sort().to_list()
    )
    for name in duplicated:
        problems.append(
            f"Plusieurs groupes s'appellent « {name} » : donnez-leur des noms distincts."
        )
    for row in groups.filter(
        pl.col("name").is_null() | (pl.col("name").str.strip_chars() == "")
    ).iter_rows(named=True):
        problems.append(f"Le groupe n° {row['group_id']} n'a pas de nom.")

    sizes = dict(members.group_by("group_id").len().iter_rows())
    staff_hours = {
        row["staff"]: row["weekly_hours_available"] for row in plan.staff.iter_rows(named=True)
    }
    for row in groups.iter_rows(named=True):
        name, size = row["name"], sizes.get(row["group_id"], 0)
        if size > plan.max_size:
            problems.append(
                f"Le groupe « {name} » compte {size} élèves, plus que le maximum de {plan.max_size}."
            )
        elif size == 0:
            problems.append(f"Le groupe « {name} » n'a aucun élève.")
        elif size < plan.min_size:
            problems.append(
                f"Le groupe « {name} » ne compte que {size} élève(s) (minimum souhaité : {plan.min_size})."
            )
        if row["hours_per_week"] is None or row["hours_per_week"] <= 0:
            problems.append(f"Le groupe « {name} » n'a pas d'heures par semaine.")
        if not row["staff"]:
            problems.append(f"Le groupe « {name} » n'a pas d'intervenant.")
        elif row["staff"] not in staff_hours:
            problems.append(
                f"L'intervenant « {row['staff']} » du groupe « {name} » n'est pas dans la liste "
                "des intervenants disponibles."
            )
        if not row["slot"]:
            problems.append(f"Le groupe « {name} » n'a pas de créneau.")
        elif parse_slot(row["slot"]) is None:
            problems.append(
                f"Le créneau « {row['slot']} » du groupe « {name} » est illisible "
                "(exemple attendu : lundi 14:00)."
            )

    unknown = members.filter(~pl.col("group_id").is_in(list(names))).height
    if unknown:
        problems.append(
            f"{fmt.number(unknown)} placement(s) renvoient à un groupe qui n'existe plus."
        )

    joined = members.join(
        groups.select(
            "group_id",
            pl.col("name").alias("group"),
            pl.col("need").alias("group_need"),
            "hours_per_week",
            "slot",
            "staff",
        ),
        on="group_id",
        how="inner",
    )
    for row in joined.filter(pl.col("need") != pl.col("group_need")).iter_rows(named=True):
        problems.append(
            f"{who(row['learner'], row['name'])} est placé pour le besoin « {row['need']} » dans "
            f"le groupe « {row['group']} », qui traite « {row['group_need']} »."
        )
    twice = (
        joined.group_by("learner", "need")
        .agg(pl.col("name").first(), pl.len())
        .filter(pl.col("len") > 1)
        .sort("learner", "need")
    )
    for learner, need, name, count in twice.iter_rows():
        problems.append(
            f"{who(learner, name)} est dans {count} groupes pour le même besoin « {need} »."
        )

    load = (
        joined.group_by("learner")
        .agg(pl.col("name").first(), pl.col("hours_per_week").fill_null(0).sum().alias("hours"))
        .filter(pl.col("hours") > plan.learner_budget + 1e-9)
        .sort("learner")
    )
    if load.height:
        listed = [f"{who(x, name)} ({fmt.hours(h, None)})" for x, name, h in load.iter_rows()]
        problems.append(
            f"{fmt.number(load.height)} élève(s) dépassent leur budget hebdomadaire de "
            f"{fmt.duration(plan.learner_budget)} : {_listing(listed)}."
        )

    teacher_load = (
        groups.filter(pl.col("staff").is_not_null())
        .group_by("staff")
        .agg(pl.col("hours_per_week").fill_null(0).sum().alias("hours"))
        .sort("staff")
    )
    for teacher, hours in teacher_load.iter_rows():
        available = staff_hours.get(teacher)
        if teacher in staff_hours and hours > (available or 0) + 1e-9:
            problems.append(
                f"{teacher} a {fmt.hours(hours, None)} de groupes par semaine pour "
                f"{fmt.hours(available or 0, None)} disponibles."
            )
    needed = float(groups.get_column("hours_per_week").fill_null(0).sum())
    offered = float(plan.staff.get_column("weekly_hours_available").fill_null(0).sum())
    if needed > offered + 1e-9:
        problems.append(
            f"Heures d'intervenants insuffisantes : {fmt.hours(needed, None)} de groupes par semaine "
            f"pour {fmt.hours(offered, None)} disponibles."
        )

    problems.extend(_double_bookings(groups, joined))

    problems.extend(_needs_without_group(plan))
    return problems


def _needs_without_group(plan: Plan) -> list[str]:
    """A need diagnosed and left without a group is an unmet constraint: the learners with a
    need and no group at all, by name; then the other needs waiting, by cause."""
    waiting = plan.unplaced.filter(pl.col("need").is_not_null())
    if waiting.is_empty():
        return []
    placed = plan.members.select("learner").unique()
    uncovered = (
        waiting.join(placed, on="learner", how="anti")
        .group_by("learner")
        .agg(pl.col("name").first())
        .sort("learner")
    )
    problems = []
    if uncovered.height:
        names = [who(learner, name) for learner, name in uncovered.iter_rows()]
        problems.append(
            f"{fmt.number(uncovered.height)} élève(s) ayant un besoin ne sont dans aucun groupe : "
            f"{_listing(names)}."
        )
    others = waiting.join(placed, on="learner", how="semi")
    if others.height:
        causes = [
            (
                REASON_NO_TIME,
                f"faute de temps (le temps hebdomadaire de l'élève, "
                f"{fmt.duration(plan.learner_budget)}, est pris par ses groupes : "
                "partagez-le entre plusieurs besoins pour en prendre plus)",
            ),
            (REASON_TOO_FEW, "partagés par trop peu d'élèves pour faire un groupe"),
            (REASON_REMOVED, "retirés des groupes par l'équipe"),
            (REASON_GROUP_REMOVED, "dont le groupe a été supprimé"),
        ]
        parts = []
        counted = 0
        for start, words in causes:
            count = others.filter(pl.col("reason").str.starts_with(start)).height
            if count:
                parts.append(f"{fmt.number(count)} {words}")
                counted += count
        if others.height > counted:
            parts.append(f"{fmt.number(others.height - counted)} pour une autre raison")
        problems.append(
            f"{fmt.number(others.height)} besoin(s) d'élèves déjà dans un groupe restent sans groupe : "
            + " ; ".join(parts)
            + " (voir « Non placés et raisons »)."
        )
    return problems


def _double_bookings(groups: pl.DataFrame, joined: pl.DataFrame) -> list[str]:
    intervals = {
        row["group_id"]: interval(row["slot"], row["hours_per_week"])
        for row in groups.iter_rows(named=True)
    }
    names = dict(groups.select("group_id", "name").iter_rows())
    problems: list[str] = []
    seen: set[tuple[str, int, int]] = set()

    def clash(who: str, group_ids: list[int]) -> None:
        timed = [(g, intervals[g]) for g in sorted(set(group_ids)) if intervals.get(g)]
        for i, (a, ia) in enumerate(timed):
            for b, ib in timed[i + 1 :]:
                if overlap(ia, ib) and (who, a, b) not in seen:
                    seen.add((who, a, b))
                    problems.append(
                        f"{who} est attendu à la même heure dans « {names[a]} » et « {names[b]} »."
                    )

    by_teacher = groups.filter(pl.col("staff").is_not_null()).group_by("staff").agg("group_id")
    for teacher, ids in by_teacher.sort("staff").iter_rows():
        if len(ids) > 1:
            clash(teacher, ids)
    by_learner = (
        joined.group_by("learner")
        .agg(pl.col("name").first(), "group_id")
        .filter(pl.col("group_id").list.len() > 1)
    )
    for learner, name, ids in by_learner.sort("learner").iter_rows():
        clash(f"L'élève {who(learner, name)}", ids)
    return problems


def with_checks(plan: Plan) -> Plan:
    return replace(plan, problems=tuple(check_plan(plan)))
