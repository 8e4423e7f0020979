"""Personalised-support hours (accompagnement personnalisé): delivered per group, site and kind;
received per learner; expected to date; learners with too few hours; groups over their cap.

- Hours delivered = the durations of the support sessions held in the period, each session
  once whatever its attendance.
- Hours received by a learner = the durations of the sessions they attended (present).
- Expected to date = the weekly reference of the kind (settings: AP 2.5 h, aide
  individualisée 1 h) x the school weeks elapsed from the later of the period start and
  1 September to the earlier of the period end and ``as_of``. A school week is a week (Monday
  to Sunday) in which at least one support session is held anywhere in the data: weeks with
  no session at all are taken as holidays. For a need group the weeks are also limited to its
  own period; for a learner, to the weeks from their entry. Tutorat and soutien have no
  reference (expected is null).

Filters: site, group, public and modality apply through the session's group (a need group
has a site but no public or modality, so a public or modality filter leaves it out); the
discipline filter keeps the sessions of those disciplines and those without a discipline.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from domain import BY_DIMENSIONS, KIND_AIDE, KIND_AP
from indicators.common import IndicatorSettings, Period, Scope, safe_ratio
from indicators.dataset import Dataset, school_days

COLUMN_LABELS = {
    "site": "Site",
    "group": "Groupe",
    "group_type": "Type de groupe",
    "kind": "Type de séance",
    "sessions": "Séances",
    "hours_delivered": "Heures assurées",
    "weeks": "Semaines de cours",
    "hours_expected": "Heures attendues à date",
    "delivered_share": "Part des heures attendues",
    "external_id": "Identifiant",
    "learner_name": "Apprenant",
    "referent": "Référent",
    "ap_hours": "Heures d'AP reçues",
    "aide_hours": "Heures d'aide individualisée reçues",
    "other_hours": "Autres heures reçues",
    "total_hours": "Total des heures reçues",
    "absences": "Absences",
    "ap_expected": "Heures d'AP attendues à date",
    "ap_share": "Part des heures d'AP reçues",
    "too_few": "Heures insuffisantes",
    "sessions_over_cap": "Séances au-delà du plafond",
    "max_listed": "Élèves inscrits au plus",
    "members": "Membres du groupe de besoins",
}


def weekly_reference(settings: IndicatorSettings) -> dict[str, float]:
    """Expected hours per school week for the kinds that have a reference: the yearly hours
    spread over the school weeks of a year, never more than the weekly average (AP: 70 h over
    36 weeks = 1.94 h, as 2.5 h a week on average leaves weeks without AP; so expected hours
    to date never exceed the yearly reference)."""
    weeks = settings.school_weeks_per_year
    return {
        KIND_AP: min(settings.ap_hours_per_week, settings.ap_hours_per_year / weeks),
        KIND_AIDE: min(settings.aide_hours_per_week, settings.aide_hours_per_year / weeks),
    }


def sessions_in(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """The support sessions held in the period, filtered (see the module docstring)."""
    sessions = scope.keep(dataset.support_sessions, disciplines=False).filter(
        scope.period.contains("held_on")
    )
    disciplines = scope.filters.disciplines
    if disciplines:
        sessions = sessions.filter(
            pl.col("discipline").is_null() | pl.col("discipline").is_in(list(disciplines))
        )
    return sessions


def headline(dataset: Dataset, scope: Scope, by: str | None = None) -> pl.DataFrame:
    """support_hours_delivered: sum of the durations of the sessions held in the period."""
    if by is not None and by not in BY_DIMENSIONS:
        raise ValueError(f"Regroupement inconnu : {by!r} (attendu : {', '.join(BY_DIMENSIONS)}).")
    sessions = sessions_in(dataset, scope)
    total = pl.col("duration_hours").sum().cast(pl.Float64).alias("support_hours_delivered")
    if by is None:
        return sessions.select(total)
    return sessions.group_by(by).agg(total).sort(by, nulls_last=True)


def expected_window(period: Period, as_of: date) -> Period | None:
    """From the later of the period start and 1 September to the earlier of the period end
    and ``as_of``; None when empty."""
    start = max(period.start, Period.school_year_of(period.start).start)
    end = min(period.end, as_of)
    return Period(start, end) if end >= start else None


def school_weeks(dataset: Dataset, window: Period | None) -> pl.Series:
    """Mondays of the weeks of the window in which a session is held anywhere in the data."""
    if window is None:
        return pl.Series("week", [], dtype=pl.Date)
    return (
        school_days(dataset)
        .to_frame("held_on")
        .filter(window.contains("held_on"))
        .select(pl.col("held_on").dt.truncate("1w").alias("week"))
        .unique()
        .sort("week")
        .get_column("week")
    )


def _weeks_from(weeks: pl.Series, start: pl.Series) -> pl.Series:
    """For each date of ``start``, the number of school weeks from its week on."""
    first_week = start.dt.truncate("1w")
    return (len(weeks) - weeks.search_sorted(first_week, side="left")).cast(pl.Int64)


def delivered_by_group(dataset: Dataset, scope: Scope, as_of: date) -> pl.DataFrame:
    """Per group (class or need group) and kind: sessions, hours delivered, school weeks,
    hours expected to date and the share delivered (null without a reference or weeks).

    Columns: site, group, group_type ("classe" or "groupe de besoins"), kind, sessions,
    hours_delivered, weeks, hours_expected, delivered_share, label ("group – kind (site)").
    """
    window = expected_window(scope.period, as_of)
    weeks = school_weeks(dataset, window)
    reference = weekly_reference(scope.settings)
    need_periods = dataset.frames.need_groups.select(
        pl.col("id").alias("need_group_id"), "period_start", "period_end"
    )
    per_group = (
        sessions_in(dataset, scope)
        .group_by("site", "group", "group_id", "need_group_id", "kind")
        .agg(
            pl.len().cast(pl.Int64).alias("sessions"),
            pl.col("duration_hours").sum().cast(pl.Float64).alias("hours_delivered"),
        )
        .join(need_periods, on="need_group_id", how="left")
    )
    window_weeks = pl.DataFrame({"week": weeks})
    need_weeks = (
        per_group.filter(pl.col("need_group_id").is_not_null())
        .select("need_group_id", "period_start", "period_end")
        .unique()
        .join(window_weeks, how="cross")
        .filter(
            (pl.col("week").dt.offset_by("6d") >= pl.col("period_start"))
            & (pl.col("week") <= pl.col("period_end"))
        )
        .group_by("need_group_id")
        .agg(pl.len().cast(pl.Int64).alias("_need_weeks"))
    )
    return (
        per_group.join(need_weeks, on="need_group_id", how="left")
        .with_columns(
            pl.when(pl.col("need_group_id").is_null())
            .then(pl.lit(len(weeks), dtype=pl.Int64))
            .otherwise(pl.col("_need_weeks").fill_null(0))
            .alias("weeks"),
            pl.when(pl.col("need_group_id").is_null())
            .then(pl.lit("classe"))
            .otherwise(pl.lit("groupe de besoins"))
            .alias("group_type"),
            pl.col("kind")
            .replace_strict(reference, default=None, return_dtype=pl.Float64)
            .alias("_weekly"),
        )
        .with_columns((pl.col("_weekly") * pl.col("weeks")).alias("hours_expected"))
        .with_columns(
            safe_ratio(pl.col("hours_delivered"), pl.col("hours_expected"))
            .cast(pl.Float64)
            .alias("delivered_share")
        )
        .with_columns(
            pl.format(
                "{} – {} ({})",
                pl.col("group").fill_null("?"),
                pl.col("kind"),
                pl.col("site").fill_null("?"),
            ).alias("label")
        )
        .select(
            "site",
            "group",
            "group_type",
            "kind",
            "sessions",
            "hours_delivered",
            "weeks",
            "hours_expected",
            "delivered_share",
            "label",
        )
        .sort("site", "group", "kind", nulls_last=True)
    )


def totals_by_kind(per_group: pl.DataFrame) -> pl.DataFrame:
    """Totals of delivered_by_group() per kind: kind, sessions, hours_delivered,
    hours_expected (null for a kind without reference), delivered_share."""
    return (
        per_group.group_by("kind")
        .agg(
            pl.col("sessions").sum().cast(pl.Int64),
            pl.col("hours_delivered").sum().cast(pl.Float64),
            pl.when(pl.col("hours_expected").is_not_null().any())
            .then(pl.col("hours_expected").sum())
            .otherwise(None)
            .cast(pl.Float64)
            .alias("hours_expected"),
        )
        .with_columns(
            safe_ratio(pl.col("hours_delivered"), pl.col("hours_expected"))
            .cast(pl.Float64)
            .alias("delivered_share")
        )
        .sort("kind")
    )


def delivered_by_site_kind(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """Hours delivered per site and kind: site, kind, sessions, hours_delivered."""
    return (
        sessions_in(dataset, scope)
        .group_by("site", "kind")
        .agg(
            pl.len().cast(pl.Int64).alias("sessions"),
            pl.col("duration_hours").sum().cast(pl.Float64).alias("hours_delivered"),
        )
        .sort("site", "kind", nulls_last=True)
    )


def received_by_learner(dataset: Dataset, scope: Scope, as_of: date) -> pl.DataFrame:
    """Hours received per learner listed in at least one session held in the period.

    Columns: learner_id, external_id, learner_name, group (class group of the latest
    enrolment in the window), site, referent, sessions (listed), absences, ap_hours,
    aide_hours, other_hours, total_hours, ap_expected (AP weekly reference x school weeks
    from the learner's first entry in the window; null when not listed in any AP session),
    ap_share, too_few
    (AP hours received < settings.support_min_share x ap_expected).
    """
    period, settings = scope.period, scope.settings
    window = expected_window(period, as_of)
    weeks = school_weeks(dataset, window)
    sessions = sessions_in(dataset, scope).select(
        pl.col("id").alias("session_id"), "kind", "duration_hours"
    )
    present = pl.col("present")
    per_learner = (
        dataset.frames.attendance.join(sessions, on="session_id", how="inner")
        .group_by("learner_id")
        .agg(
            pl.len().cast(pl.Int64).alias("sessions"),
            (~present).sum().cast(pl.Int64).alias("absences"),
            *[
                pl.col("duration_hours")
                .filter(present & condition)
                .sum()
                .cast(pl.Float64)
                .alias(name)
                for name, condition in (
                    ("ap_hours", pl.col("kind") == KIND_AP),
                    ("aide_hours", pl.col("kind") == KIND_AIDE),
                    ("other_hours", ~pl.col("kind").is_in([KIND_AP, KIND_AIDE])),
                    ("total_hours", pl.lit(True)),
                )
            ],
            (pl.col("kind") == KIND_AP).any().alias("_ap_listed"),
        )
    )
    end = window.end if window is not None else period.end
    window_start = window.start if window is not None else period.start
    enrolment = (
        dataset.enrolments.filter(
            (pl.col("entry_date") <= end)
            & (pl.col("exit_date").is_null() | (pl.col("exit_date") >= window_start))
        )
        .sort("learner_id", "entry_date", "enrolment_id")
        .group_by("learner_id", maintain_order=True)
        .agg(
            pl.col("external_id", "learner_name", "group", "site", "referent").last(),
            pl.col("entry_date").first(),
        )
    )
    learners = per_learner.join(enrolment, on="learner_id", how="left")
    since = learners.select(
        pl.max_horizontal(pl.col("entry_date").fill_null(window_start), pl.lit(window_start))
    ).to_series()
    return (
        learners.with_columns(
            _weeks_from(weeks, since).alias("_weeks")
            if len(weeks)
            else pl.lit(0, dtype=pl.Int64).alias("_weeks")
        )
        .with_columns(
            pl.when(pl.col("_ap_listed"))
            .then(pl.col("_weeks") * weekly_reference(settings)[KIND_AP])
            .otherwise(None)
            .cast(pl.Float64)
            .alias("ap_expected")
        )
        .with_columns(
            safe_ratio(pl.col("ap_hours"), pl.col("ap_expected"))
            .cast(pl.Float64)
            .alias("ap_share"),
            (
                (pl.col("ap_expected") > 0)
                & (pl.col("ap_hours") < settings.support_min_share * pl.col("ap_expected"))
            )
            .fill_null(False)
            .alias("too_few"),
        )
        .select(
            "learner_id",
            "external_id",
            "learner_name",
            "group",
            "site",
            "referent",
            "sessions",
            "absences",
            "ap_hours",
            "aide_hours",
            "other_hours",
            "total_hours",
            "ap_expected",
            "ap_share",
            "too_few",
        )
        .sort("site", "group", "learner_name", "external_id", nulls_last=True)
    )


def too_few_hours(received: pl.DataFrame) -> pl.DataFrame:
    """The learners of received_by_learner() with too few AP hours, lowest share first."""
    return received.filter(pl.col("too_few")).sort("ap_share", "external_id", nulls_last=True)


def over_cap(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """Groups with aide individualisée sessions listing more learners than the cap.

    Columns: site, group, sessions (aide individualisée sessions of the group in the period),
    sessions_over_cap, max_listed, members (need group members; null for a class group).
    """
    cap = scope.settings.aide_max_group_size
    sessions = sessions_in(dataset, scope).filter(pl.col("kind") == KIND_AIDE)
    listed = dataset.frames.attendance.group_by("session_id").agg(pl.len().alias("listed"))
    members = dataset.frames.need_group_members.group_by("need_group_id").agg(
        pl.len().cast(pl.Int64).alias("members")
    )
    return (
        sessions.join(listed, left_on="id", right_on="session_id", how="left")
        .with_columns(pl.col("listed").fill_null(0).cast(pl.Int64))
        .group_by("site", "group", "group_id", "need_group_id")
        .agg(
            pl.len().cast(pl.Int64).alias("sessions"),
            (pl.col("listed") > cap).sum().cast(pl.Int64).alias("sessions_over_cap"),
            pl.col("listed").max().alias("max_listed"),
        )
        .filter(pl.col("sessions_over_cap") > 0)
        .join(members, on="need_group_id", how="left")
        .select("site", "group", "sessions", "sessions_over_cap", "max_listed", "members")
        .sort("sessions_over_cap", "max_listed", descending=True)
    )
