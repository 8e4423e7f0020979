"""The team's edits of a plan: move a learner's need to another group (or out of every group),
change a group's name, teacher, hours or slot, add or remove a group. Each edit returns a new
Plan with its rules checked again (rules.with_checks)."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from planning.plan import (
    GROUP_COLUMNS,
    MEMBER_COLUMNS,
    NO_GROUP,
    REASON_GROUP_REMOVED,
    REASON_REMOVED,
    UNPLACED_COLUMNS,
    Plan,
    group_summary,
    member_view,
    typed,
)
from planning.rules import with_checks

EDITABLE = ("name", "staff", "hours_per_week", "slot")
"""The columns of a group the team edits."""


def move_member(plan: Plan, learner: str, need: str, group_name: str | None) -> Plan:
    """Move the (learner, need) to the group named (None or NO_GROUP: out of every group).

    An unplaced (learner, need) can be placed this way too. Problems are re-checked.
    """
    target = None
    if group_name and group_name != NO_GROUP:
        found = plan.groups.filter(pl.col("name") == group_name).get_column("group_id")
        if found.is_empty():
            raise ValueError(f"Aucun groupe ne s'appelle « {group_name} ».")
        target = int(found[0])
    key = (pl.col("learner") == learner) & (pl.col("need") == need)
    current = plan.members.filter(key)
    waiting = plan.unplaced.filter(key)
    source = current if current.height else waiting
    if source.is_empty():
        raise ValueError(f"{learner} n'a pas de besoin « {need} » dans ce plan.")
    row = source.row(0, named=True)
    members = plan.members.filter(~key)
    unplaced = plan.unplaced.filter(~key)
    if target is None:
        unplaced = pl.concat(
            [
                unplaced,
                typed([{**row, "reason": REASON_REMOVED}], UNPLACED_COLUMNS),
            ]
        )
    else:
        members = pl.concat([members, typed([{**row, "group_id": target}], MEMBER_COLUMNS)])
    return with_checks(
        replace(plan, members=members.sort("group_id", "learner"), unplaced=unplaced)
    )


def edit_group(plan: Plan, group_id: int, **changes: object) -> Plan:
    """The plan with the group's name, staff, hours_per_week or slot changed; re-checked."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Colonnes non modifiables : {', '.join(sorted(unknown))}.")
    if group_id not in plan.groups.get_column("group_id").to_list():
        raise ValueError(f"Aucun groupe n° {group_id}.")
    values = dict(changes)
    for column in ("name", "staff", "slot"):
        if column in values and isinstance(values[column], str):
            values[column] = values[column].strip() or None
    groups = plan.groups.with_columns(
        [
            pl.when(pl.col("group_id") == group_id)
            .then(pl.lit(value, dtype=GROUP_COLUMNS[column]))
            .otherwise(pl.col(column))
            .alias(column)
            for column, value in values.items()
        ]
    )
    return with_checks(replace(plan, groups=groups))


def add_group(
    plan: Plan, name: str, need: str, staff: str | None = None, slot: str | None = None
) -> Plan:
    """A new empty group (the team then moves learners into it); re-checked."""
    next_id = int(plan.groups.get_column("group_id").max() or 0) + 1
    hours = (
        plan.learner_budget
        if plan.groups.is_empty()
        else plan.groups.get_column("hours_per_week").median()
    )
    row = {
        "group_id": next_id,
        "name": name.strip(),
        "need": need,
        "level": None,
        "staff": staff,
        "hours_per_week": hours,
        "slot": slot,
    }
    return with_checks(replace(plan, groups=pl.concat([plan.groups, typed([row], GROUP_COLUMNS)])))


def remove_group(plan: Plan, group_id: int) -> Plan:
    """The plan without the group; its members become unplaced ("groupe supprimé")."""
    leaving = plan.members.filter(pl.col("group_id") == group_id)
    unplaced = pl.concat(
        [
            plan.unplaced,
            typed(
                leaving.with_columns(pl.lit(REASON_GROUP_REMOVED).alias("reason")),
                UNPLACED_COLUMNS,
            ),
        ]
    )
    return with_checks(
        replace(
            plan,
            groups=plan.groups.filter(pl.col("group_id") != group_id),
            members=plan.members.filter(pl.col("group_id") != group_id),
            unplaced=unplaced,
        )
    )


def apply_group_edits(plan: Plan, edited_rows: dict) -> tuple[Plan, str | None]:
    """The plan with the cell edits of the groups table (group_summary's rows, as a table
    editor reports them: row -> {column: value}), and the French message of an edit that could
    not apply (None when all did)."""
    view = group_summary(plan)
    try:
        for row, changes in edited_rows.items():
            editable = {k: v for k, v in changes.items() if k in EDITABLE}
            plan = edit_group(plan, view.item(int(row), "group_id"), **editable)
    except ValueError as error:
        return plan, str(error)
    return plan, None


def apply_member_edits(plan: Plan, edited_rows: dict) -> tuple[Plan, str | None]:
    """The plan with the group changes of the members table (member_view's rows), and the
    message of an edit that could not apply (None when all did)."""
    view = member_view(plan)
    try:
        for row, changes in edited_rows.items():
            if "group" in changes:
                learner, need = view.item(int(row), "learner"), view.item(int(row), "need")
                plan = move_member(plan, learner, need, changes["group"])
    except ValueError as error:
        return plan, str(error)
    return plan, None
