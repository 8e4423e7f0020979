"""The plan's data: a Plan (need groups, their members, the needs left without a group, the
staff available), the weekly grid of slots, and the views the page and the outputs read."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from domain import KIND_AIDE, KIND_AP
from indicators.common import DEFAULT_SETTINGS, IndicatorSettings, Period

AP_DEFAULT_MAX_SIZE = 15
"""AP has no size quota (seed 003); groups are split above this default, which users change."""
DEFAULT_MIN_SIZE = 3
MIXED_LEVEL = "mixte"
"""The level of a group gathering learners of both open levels of a need."""
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi")
DEFAULT_SLOTS: tuple[str, ...] = tuple(
    f"{day} {time}"
    for day in DAYS[:5]
    for time in (("08:00", "10:30") if day == "mercredi" else ("08:00", "10:30", "13:30", "16:00"))
)
"""The weekly grid: mornings every day, afternoons except Wednesday."""
NO_GROUP = "(aucun)"
WEEKLY_HOURS = {KIND_AP: 2.5, KIND_AIDE: 1.0}
"""A learner's weekly time of each kind in the timetable, in a week at school (seed 003: AP
"en moyenne 2,5 h hebdomadaires", the 70 h of a year being spent in the weeks at the lycée;
aide individualisée 1 h). A plan shares it out across the learner's needs (group_hours)."""
SLOT_MINUTES = 5
"""Group durations are whole multiples of 5 minutes."""

# The reasons a need is left without a group (UNPLACED "reason" starts with one of them).
REASON_NO_TIME = "budget hebdomadaire de l'élève"
REASON_TOO_FEW = "besoin partagé par trop peu d'élèves"
REASON_REMOVED = "retiré des groupes par l'équipe"
REASON_GROUP_REMOVED = "groupe supprimé par l'équipe"

GROUP_COLUMNS = {
    "group_id": pl.Int64,
    "name": pl.String,
    "need": pl.String,
    "level": pl.String,
    "staff": pl.String,
    "hours_per_week": pl.Float64,
    "slot": pl.String,
}
MEMBER_COLUMNS = {
    "learner": pl.String,
    "name": pl.String,
    "class_group": pl.String,
    "need": pl.String,
    "level": pl.String,
    "group_id": pl.Int64,
}
UNPLACED_COLUMNS = {
    "learner": pl.String,
    "name": pl.String,
    "class_group": pl.String,
    "need": pl.String,
    "level": pl.String,
    "reason": pl.String,
}
STAFF_COLUMNS = {"staff": pl.String, "weekly_hours_available": pl.Float64}
LEARNER_COLUMNS = {"learner": pl.String, "name": pl.String, "class_group": pl.String}

UNPLACED_LABELS = {
    "learner": "Identifiant",
    "name": "Nom",
    "class_group": "Classe",
    "need": "Besoin",
    "level": "Niveau",
    "reason": "Raison",
}


@dataclass(frozen=True)
class Plan:
    """A proposal of need groups for a period (or a plan edited by the team).

    groups: GROUP_COLUMNS, one row per need group (group_id is a stable number in the plan).
    members: MEMBER_COLUMNS, one row per (learner, need) placed in a group.
    unplaced: UNPLACED_COLUMNS, one row per (learner, need) not placed, or per learner with
    no need (need null), with a French reason.
    staff: STAFF_COLUMNS, the staff available and their weekly hours.
    site: the site the plan is saved for (None: no site).
    problems: the French problems of rules.check_plan (empty when every constraint holds).
    """

    kind: str
    period: Period
    max_size: int
    min_size: int
    learner_budget: float
    groups: pl.DataFrame
    members: pl.DataFrame
    unplaced: pl.DataFrame
    staff: pl.DataFrame
    site: str | None = None
    problems: tuple[str, ...] = ()


def typed(rows: list[dict] | pl.DataFrame, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """The rows as a frame of exactly these columns and types (missing ones null)."""
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows, schema=columns)
    if not frame.columns:
        return pl.DataFrame(schema=columns)
    return frame.select(
        [
            pl.col(c).cast(t).alias(c) if c in frame.columns else pl.lit(None, t).alias(c)
            for c, t in columns.items()
        ]
    )


def staff_table(staff: pl.DataFrame) -> pl.DataFrame:
    """The staff available (STAFF_COLUMNS), one row per name."""
    return (
        typed(staff, STAFF_COLUMNS)
        .filter(pl.col("staff").is_not_null())
        .unique("staff", keep="first", maintain_order=True)
    )


def kind_settings(kind: str, settings: IndicatorSettings = DEFAULT_SETTINGS) -> tuple[float, int]:
    """(weekly hours of a learner, default group cap) of a kind of support."""
    if kind == KIND_AP:
        return WEEKLY_HOURS[KIND_AP], AP_DEFAULT_MAX_SIZE
    if kind == KIND_AIDE:
        return WEEKLY_HOURS[KIND_AIDE], settings.aide_max_group_size
    raise ValueError(
        f"Type d'accompagnement inconnu : « {kind} » (attendu : AP ou aide individualisée)."
    )


def group_hours(weekly_hours: float, needs_per_learner: int) -> float:
    """The length of a group when a learner's weekly time is shared across that many needs,
    down to a whole multiple of 5 minutes: 2,5 h for 1 need, 1,25 h for 2, 50 min for 3."""
    if needs_per_learner < 1:
        raise ValueError("Il faut au moins un besoin par élève.")
    minutes = int(weekly_hours * 60 / needs_per_learner + 1e-9) // SLOT_MINUTES * SLOT_MINUTES
    if minutes < SLOT_MINUTES:
        raise ValueError(
            f"{needs_per_learner} besoins par élève ne tiennent pas dans "
            f"{weekly_hours * 60:.0f} minutes par semaine."
        )
    return minutes / 60


def who(learner: str, name: str | None) -> str:
    """A learner as messages name them: "Dupont Léa (A001)", or the identifier alone."""
    return f"{name} ({learner})" if name else learner


# --- the weekly slots ---------------------------------------------------------------------


def parse_slot(slot: str | None) -> tuple[int, int] | None:
    """'lundi 14:00' (or 'Lundi 14h', 'lun 14h30') -> (day index, minutes); None if unreadable."""
    if not slot:
        return None
    match = re.fullmatch(
        r"\s*([a-zA-Zéû]+)\.?\s+(\d{1,2})\s*(?:[:h]\s*(\d{2})?)?\s*", slot.strip().lower()
    )
    if not match:
        return None
    word, hour, minute = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    days = [i for i, day in enumerate(DAYS) if day.startswith(word) and len(word) >= 3]
    if len(days) != 1 or hour > 23 or minute > 59:
        return None
    return days[0], hour * 60 + minute


def interval(slot: str | None, hours: float | None) -> tuple[int, int, int] | None:
    """(day, first minute, last minute) of a group held at the slot for the hours."""
    parsed = parse_slot(slot)
    if parsed is None or hours is None or hours <= 0:
        return None
    day, start = parsed
    return day, start, start + round(hours * 60)


def overlap(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


# --- views --------------------------------------------------------------------------------


def plan_title(plan: Plan) -> str:
    return f"Plan {plan.kind} du {plan.period.start:%d/%m/%Y} au {plan.period.end:%d/%m/%Y}"


def group_summary(plan: Plan) -> pl.DataFrame:
    """One row per group: name, need, level, staff, hours_per_week, slot, size."""
    sizes = plan.members.group_by("group_id").agg(pl.len().cast(pl.Int64).alias("size"))
    return (
        plan.groups.join(sizes, on="group_id", how="left")
        .with_columns(pl.col("size").fill_null(0).alias("size"))
        .select("group_id", "name", "need", "level", "staff", "hours_per_week", "slot", "size")
        .sort("group_id")
    )


def member_view(plan: Plan) -> pl.DataFrame:
    """Every (learner, need) of the plan, placed or not, with its group name (NO_GROUP if none)."""
    names = plan.groups.select("group_id", pl.col("name").alias("group"))
    placed = plan.members.join(names, on="group_id", how="left").select(
        "learner", "name", "class_group", "need", "level", pl.col("group").fill_null(NO_GROUP)
    )
    waiting = plan.unplaced.filter(pl.col("need").is_not_null()).select(
        "learner", "name", "class_group", "need", "level", pl.lit(NO_GROUP).alias("group")
    )
    return pl.concat([placed, waiting]).sort("learner", "need")


def unplaced_view(plan: Plan) -> pl.DataFrame:
    """The needs without a group and the learners without a need, with their reason."""
    return plan.unplaced.sort("learner", "need", nulls_last=True)


def staff_load(plan: Plan) -> pl.DataFrame:
    """Staff with their weekly hours available and planned."""
    planned = (
        plan.groups.filter(pl.col("staff").is_not_null())
        .group_by("staff")
        .agg(pl.col("hours_per_week").sum().alias("hours_planned"))
    )
    return (
        plan.staff.join(planned, on="staff", how="full", coalesce=True)
        .select(
            "staff",
            pl.col("weekly_hours_available").fill_null(0.0).alias("weekly_hours_available"),
            pl.col("hours_planned").fill_null(0.0).alias("hours_planned"),
        )
        .sort("staff")
    )


def plan_figures(plan: Plan) -> dict[str, int]:
    """groups, placed (learners in a group), waiting (needs without a group), problems."""
    return {
        "groups": plan.groups.height,
        "placed": plan.members.get_column("learner").n_unique(),
        "waiting": plan.unplaced.filter(pl.col("need").is_not_null()).height,
        "problems": len(plan.problems),
    }


def plan_needs(plan: Plan) -> list[str]:
    """The needs of the plan's learners (placed or not), sorted."""
    return sorted(set(member_view(plan).get_column("need").to_list()))


def group_ids_by_name(plan: Plan) -> dict[str, int]:
    return dict(plan.groups.select("name", "group_id").iter_rows())
