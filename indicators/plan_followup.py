"""The follow-up of saved plans (need groups saved by "Planifier l'AP" or pilotage
plan-groups --save): the plans saved, the hours planned against the hours delivered to each group
and received by each learner, and the learners whose group changed from one plan to the next.
Pure Polars over the canonical frames."""

from __future__ import annotations

from datetime import date

import polars as pl

from data_access.frames import Frames
from domain import learner_name
from indicators.common import Period, safe_ratio


def saved_plans(frames: Frames) -> pl.DataFrame:
    """The saved plans: kind, site, period_start, period_end, groups, learners (one row each)."""
    sites = frames.sites.select(pl.col("id").alias("site_id"), pl.col("name").alias("site"))
    return (
        frames.need_groups.join(sites, on="site_id", how="left")
        .join(frames.need_group_members, left_on="id", right_on="need_group_id", how="left")
        .group_by("kind", "site", "period_start", "period_end")
        .agg(
            pl.col("id").n_unique().cast(pl.Int64).alias("groups"),
            pl.col("learner_id").drop_nulls().n_unique().cast(pl.Int64).alias("learners"),
        )
        .sort("period_start", "kind", "site", descending=[True, False, False], nulls_last=True)
    )


def _plan_groups(
    frames: Frames, kind: str, site: str | None, start: date, end: date
) -> pl.DataFrame:
    sites = frames.sites.select(pl.col("id").alias("site_id"), pl.col("name").alias("site"))
    condition = (
        (pl.col("kind") == kind) & (pl.col("period_start") == start) & (pl.col("period_end") == end)
    )
    condition &= pl.col("site").is_null() if site is None else pl.col("site") == site
    return frames.need_groups.join(sites, on="site_id", how="left").filter(condition)


def _plan_members(frames: Frames, groups: pl.DataFrame) -> pl.DataFrame:
    return frames.need_group_members.join(
        groups.select(
            pl.col("id").alias("need_group_id"),
            pl.col("name").alias("group"),
            "need",
            "planned_hours_per_week",
        ),
        on="need_group_id",
        how="inner",
    ).join(
        frames.learners.select(
            pl.col("id").alias("learner_id"),
            pl.col("external_id").alias("learner"),
            learner_name(pl.col("last_name"), pl.col("first_name")),
        ),
        on="learner_id",
        how="left",
    )


def _weeks(period: Period, as_of: date | None) -> float:
    last = period.end if as_of is None else min(period.end, as_of)
    if last < period.start:
        return 0.0
    return ((last - period.start).days + 1) / 7.0


def hours_followup(
    frames: Frames,
    *,
    kind: str,
    site: str | None,
    start: date,
    end: date,
    as_of: date | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(per group, per learner) hours planned against delivered for a saved plan.

    Planned to date = planned hours per week x weeks elapsed from the period's start to
    min(end, as_of) (calendar weeks, days / 7). Delivered per group = durations of the support
    sessions of the need group held in the period (each once, whatever the attendance);
    received per learner = durations of those sessions the learner attended (present).

    Groups: group, need, staff, planned_hours_per_week, planned, delivered, sessions, rate.
    Learners: learner, name, groups, planned, received, absent_hours, rate.
    """
    period = Period(start, end)
    weeks = _weeks(period, as_of)
    groups = _plan_groups(frames, kind, site, start, end).join(
        frames.staff.select(pl.col("id").alias("staff_id"), pl.col("name").alias("staff")),
        on="staff_id",
        how="left",
    )
    last = end if as_of is None else min(end, as_of)
    sessions = frames.support_sessions.filter(
        pl.col("need_group_id").is_in(groups.get_column("id").implode())
        & pl.col("held_on").is_between(start, last, closed="both")
    )
    delivered = sessions.group_by("need_group_id").agg(
        pl.col("duration_hours").sum().alias("delivered"),
        pl.len().cast(pl.Int64).alias("sessions"),
    )
    per_group = (
        groups.join(delivered, left_on="id", right_on="need_group_id", how="left")
        .select(
            pl.col("name").alias("group"),
            "need",
            "staff",
            "planned_hours_per_week",
            (pl.col("planned_hours_per_week") * weeks).alias("planned"),
            pl.col("delivered").fill_null(0.0).alias("delivered"),
            pl.col("sessions").fill_null(0).alias("sessions"),
        )
        .with_columns(safe_ratio(pl.col("delivered"), pl.col("planned")).alias("rate"))
        .sort("group")
    )
    members = _plan_members(frames, groups)
    attended = (
        frames.attendance.join(
            sessions.select(pl.col("id").alias("session_id"), "need_group_id", "duration_hours"),
            on="session_id",
            how="inner",
        )
        .join(
            members.select("need_group_id", "learner_id"),
            on=["need_group_id", "learner_id"],
            how="inner",
        )
        .group_by("learner_id")
        .agg(
            pl.col("duration_hours").filter(pl.col("present")).sum().alias("received"),
            pl.col("duration_hours").filter(~pl.col("present")).sum().alias("absent_hours"),
        )
    )
    per_learner = (
        members.group_by("learner_id", "learner", "name")
        .agg(
            (pl.col("planned_hours_per_week").sum() * weeks).alias("planned"),
            pl.col("group").sort().str.join(", ").alias("groups"),
        )
        .join(attended, on="learner_id", how="left")
        .select(
            "learner",
            "name",
            "groups",
            "planned",
            pl.col("received").fill_null(0.0).alias("received"),
            pl.col("absent_hours").fill_null(0.0).alias("absent_hours"),
        )
        .with_columns(safe_ratio(pl.col("received"), pl.col("planned")).alias("rate"))
        .sort("learner")
    )
    return per_group, per_learner


def group_changes(
    frames: Frames,
    *,
    kind: str,
    site: str | None,
    before: tuple[date, date],
    after: tuple[date, date],
) -> pl.DataFrame:
    """Learners whose group changed between two saved plans, need by need.

    Columns: learner, name, need, group_before, group_after, change ("changement de groupe",
    "entrée", "sortie"). Learners in the same group (same name) in both are left out.
    """
    sides = []
    for suffix, (start, end) in (("before", before), ("after", after)):
        groups = _plan_groups(frames, kind, site, start, end)
        sides.append(
            _plan_members(frames, groups).select(
                "learner", "name", "need", pl.col("group").alias(f"group_{suffix}")
            )
        )
    return (
        sides[0]
        .join(sides[1], on=["learner", "name", "need"], how="full", coalesce=True, nulls_equal=True)
        .filter(
            pl.col("group_before").is_null()
            | pl.col("group_after").is_null()
            | (pl.col("group_before") != pl.col("group_after"))
        )
        .with_columns(
            pl.when(pl.col("group_before").is_null())
            .then(pl.lit("entrée"))
            .when(pl.col("group_after").is_null())
            .then(pl.lit("sortie"))
            .otherwise(pl.lit("changement de groupe"))
            .alias("change")
        )
        .select("learner", "name", "need", "group_before", "group_after", "change")
        .sort("learner", "need")
    )
