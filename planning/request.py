"""What a plan is for, and the one call that proposes it: ``propose(frames, request)``, used by
the page "Planifier l'AP" and by ``pilotage plan-groups`` alike.

A request names the period, the kind of support, the group size, and the learners in scope: those
enrolled in the period in the given sites and class groups. Their diagnostics come from the
database, or from a diagnostics file read by the importer (data_access.importing.read_checked),
whose learners are then kept in the same class groups. ``reopen`` brings a saved plan back
for editing, with the same learners in scope.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from data_access.frames import Frames
from domain import KIND_AP, learner_name
from indicators.common import DEFAULT_SETTINGS, IndicatorSettings, Period, active_in
from planning.plan import (
    DEFAULT_MIN_SIZE,
    GROUP_COLUMNS,
    LEARNER_COLUMNS,
    MEMBER_COLUMNS,
    MIXED_LEVEL,
    UNPLACED_COLUMNS,
    Plan,
    group_hours,
    kind_settings,
    staff_table,
    typed,
)
from planning.proposal import (
    latest_needs,
    learners_without_need,
    open_needs_of,
    propose_plan,
    unplaced_row,
)
from planning.rules import with_checks

INPUT_TABLES = ("sites", "staff", "groups", "learners", "enrolments", "diagnostics")
"""The tables a plan is proposed from (the others are not needed)."""
NOT_IN_SAVED_PLAN = "dans aucun groupe du plan enregistré"
FILE_COLUMNS = {
    "learner_id": pl.String,
    "need": pl.String,
    "level": pl.String,
    "assessed_on": pl.Date,
    "last_name": pl.String,
    "first_name": pl.String,
    "group": pl.String,
}
"""The fields of a diagnostics file (importing kind "diagnostics") a plan uses."""


class NoDiagnostics(Exception):
    """No diagnostic for the learners in scope: nothing to plan (each front door says what to
    do in its own words)."""


@dataclass(frozen=True)
class PlanRequest:
    """A plan to propose: its period and kind, the largest group (None: the kind's default),
    the learners in scope (sites and class groups; empty: all), and across how many needs each
    learner's weekly time is shared (1: one group taking the whole weekly time)."""

    period: Period
    kind: str = KIND_AP
    max_size: int | None = None
    sites: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    needs_per_learner: int = 1

    @property
    def site(self) -> str | None:
        """The site the plan is saved for: the one site asked for, else none."""
        return self.sites[0] if len(self.sites) == 1 else None


def available_staff(frames: Frames, sites: tuple[str, ...] = ()) -> pl.DataFrame:
    """The staff of the given sites or of no site (all when empty): staff, weekly_hours_available."""
    staff = frames.staff.join(_site_names(frames), on="site_id", how="left")
    if sites:
        staff = staff.filter(pl.col("site").is_null() | pl.col("site").is_in(list(sites)))
    return staff.select(pl.col("name").alias("staff"), "weekly_hours_available").sort("staff")


def planning_inputs(
    frames: Frames, period: Period, *, sites: tuple[str, ...] = (), groups: tuple[str, ...] = ()
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(diagnostics, learners, staff) of the database frames for propose_plan.

    Learners in scope: those with an enrolment active in the period, in the given sites and
    class groups (all when empty); their class group is the latest such enrolment's. Staff:
    those of the given sites or of no site, with their weekly hours available.
    """
    enrolments = (
        frames.enrolments.filter(active_in(period))
        .join(
            frames.groups.select(
                pl.col("id").alias("group_id"), pl.col("name").alias("class_group"), "site_id"
            ),
            on="group_id",
            how="left",
        )
        .join(_site_names(frames), on="site_id", how="left")
    )
    if sites:
        enrolments = enrolments.filter(pl.col("site").is_in(list(sites)))
    if groups:
        enrolments = enrolments.filter(pl.col("class_group").is_in(list(groups)))
    learners = (
        enrolments.sort("entry_date")
        .group_by("learner_id", maintain_order=True)
        .last()
        .join(
            frames.learners.select(
                pl.col("id").alias("learner_id"), "external_id", "last_name", "first_name"
            ),
            on="learner_id",
            how="inner",
        )
        .select(
            pl.col("external_id").alias("learner"),
            learner_name(pl.col("last_name"), pl.col("first_name")),
            "class_group",
        )
        .sort("learner")
    )
    diagnostics = (
        frames.diagnostics.join(
            frames.learners.select(pl.col("id").alias("learner_id"), "external_id"),
            on="learner_id",
            how="inner",
        )
        .filter(pl.col("external_id").is_in(learners.get_column("learner").implode()))
        .select(pl.col("external_id").alias("learner"), "need", "level", "assessed_on")
    )
    return diagnostics, learners, available_staff(frames, sites)


def from_file(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows of a diagnostics file as the importer reads them (learner_id, need, level,
    assessed_on, and last_name, first_name, group when the file has them) in planning's
    columns: learner, need, level, assessed_on, name, class_group."""
    name = learner_name(pl.col("last_name"), pl.col("first_name"))
    return typed(rows, FILE_COLUMNS).select(
        pl.col("learner_id").alias("learner"),
        "need",
        "level",
        "assessed_on",
        pl.when(name != "").then(name).alias("name"),
        pl.col("group").alias("class_group"),
    )


def file_learners(diagnostics: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    """The learners of a diagnostics file (learner, name, class_group), their name and class
    taken from the file, else from the known learners (planning_inputs) when they are there."""
    listed = (
        typed(diagnostics, LEARNER_COLUMNS)
        .group_by("learner", maintain_order=True)
        .agg(pl.col("name").drop_nulls().first(), pl.col("class_group").drop_nulls().first())
    )
    return (
        listed.join(typed(known, LEARNER_COLUMNS), on="learner", how="left", suffix="_known")
        .select(
            "learner",
            pl.coalesce("name", "name_known").alias("name"),
            pl.coalesce("class_group", "class_group_known").alias("class_group"),
        )
        .sort("learner")
    )


def _inputs(
    frames: Frames, request: PlanRequest, diagnostics: pl.DataFrame | None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(diagnostics, learners, staff) of the request, from the database or from a file."""
    stored, learners, staff = planning_inputs(
        frames, request.period, sites=request.sites, groups=request.groups
    )
    if diagnostics is None:
        return stored, learners, staff
    from_the_file = from_file(diagnostics)
    learners = file_learners(from_the_file, learners)
    if request.groups:
        learners = learners.filter(pl.col("class_group").is_in(list(request.groups)))
    kept = from_the_file.filter(pl.col("learner").is_in(learners.get_column("learner").implode()))
    return kept, learners, staff


def propose(
    frames: Frames,
    request: PlanRequest,
    *,
    diagnostics: pl.DataFrame | None = None,
    settings: IndicatorSettings = DEFAULT_SETTINGS,
) -> Plan:
    """The proposal for the request: need groups for the learners in scope, from their
    diagnostics in the database, or in ``diagnostics`` (the rows of a diagnostics file read by
    the importer, kept to the request's class groups).

    Raises NoDiagnostics when the learners in scope have no diagnostic, ValueError (French) on
    impossible sizes.
    """
    needs, learners, staff = _inputs(frames, request, diagnostics)
    if needs.is_empty():
        raise NoDiagnostics
    weekly, _ = kind_settings(request.kind, settings)
    return propose_plan(
        needs,
        learners,
        staff,
        request.period,
        kind=request.kind,
        max_size=request.max_size,
        hours_per_group=group_hours(weekly, request.needs_per_learner),
        settings=settings,
        site=request.site,
    )


def reopen(
    frames: Frames,
    request: PlanRequest,
    groups: pl.DataFrame,
    members: pl.DataFrame,
    settings: IndicatorSettings = DEFAULT_SETTINGS,
) -> Plan:
    """A saved plan back in the editor, its rules checked again.

    groups: group_id, name, need, staff, hours_per_week, slot; members: learner, name,
    group_id (as data_access.plans.load_plan gives them); the groups are numbered 1, 2... in
    the order they were saved. The members' class and level are today's (latest diagnostic up
    to the period's end); a group's level is its members' one
    level (MIXED_LEVEL for both). The needs of the learners in scope that no group of the plan
    takes are listed as unplaced, so that the team can place them.
    """
    diagnostics, learners, staff = planning_inputs(
        frames, request.period, sites=request.sites, groups=request.groups
    )
    needs = latest_needs(diagnostics, request.period)
    # the groups numbered 1, 2... in the order they were saved (database ids grow)
    numbers = {saved: n for n, saved in enumerate(sorted(groups.get_column("group_id")), 1)}
    groups = groups.with_columns(pl.col("group_id").replace_strict(numbers, return_dtype=pl.Int64))
    members = members.with_columns(
        pl.col("group_id").replace_strict(numbers, return_dtype=pl.Int64)
    )
    placed = (
        typed(members, MEMBER_COLUMNS)
        .drop("need", "level", "class_group")
        .join(groups.select("group_id", "need"), on="group_id", how="left")
        .join(learners.select("learner", "class_group"), on="learner", how="left")
        .join(needs.select("learner", "need", "level"), on=["learner", "need"], how="left")
        .select(*MEMBER_COLUMNS)
        .sort("group_id", "learner")
    )
    levels = placed.group_by("group_id").agg(pl.col("level").drop_nulls().unique().alias("_l"))
    saved_groups = (
        typed(groups, GROUP_COLUMNS)
        .drop("level")
        .join(levels, on="group_id", how="left")
        .with_columns(
            pl.when(pl.col("_l").list.len() == 1)
            .then(pl.col("_l").list.first())
            .when(pl.col("_l").list.len() > 1)
            .then(pl.lit(MIXED_LEVEL))
            .alias("level")
        )
        .select(*GROUP_COLUMNS)
    )
    people = typed(learners, LEARNER_COLUMNS)
    info = {row["learner"]: row for row in people.iter_rows(named=True)}
    waiting = (
        open_needs_of(needs)
        .join(placed.select("learner", "need"), on=["learner", "need"], how="anti")
        .sort("learner", "need")
    )
    unplaced = learners_without_need(people, needs) + [
        unplaced_row(info[learner], need, level, NOT_IN_SAVED_PLAN)
        for learner, need, level in waiting.select("learner", "need", "level").iter_rows()
    ]
    budget, default_cap = kind_settings(request.kind, settings)
    return with_checks(
        Plan(
            kind=request.kind,
            period=request.period,
            max_size=request.max_size or default_cap,
            min_size=DEFAULT_MIN_SIZE,
            learner_budget=budget,
            groups=saved_groups,
            members=placed,
            unplaced=typed(unplaced, UNPLACED_COLUMNS),
            staff=staff_table(staff),
            site=request.site,
        )
    )


def _site_names(frames: Frames) -> pl.DataFrame:
    return frames.sites.select(pl.col("id").alias("site_id"), pl.col("name").alias("site"))
