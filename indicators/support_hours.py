"""Personalised-support hours (accompagnement personnalisé): delivered per group, site and kind;
received per learner; expected to date; learners with too few hours; groups over their cap.

- Hours delivered = the durations of the support sessions held in the period, each session
  once whatever its attendance.
- Hours received by a learner = the durations of the sessions they attended (present).
- Expected to date = the weekly reference of the kind (IndicatorSettings.weekly_hours: the
  yearly hours, AP 70 h and aide individualisée 30 h, spread over the school weeks of a year)
  x the school weeks elapsed from the later of the period start and 1 September to the
  earlier of the period end and ``as_of``. A school week is a week (Monday to Sunday) in
  which at least one support session is held anywhere in the data: weeks with no session at
  all are taken as holidays. For a need group the weeks are also limited to its own period;
  for a learner, to the weeks of their enrolments (from entry to exit). Tutorat and soutien
  have no reference (expected is null).

Filters: for the hours of a group or a site, site, group, public and modality apply through
the session's group (a need group has a site but no public or modality, so a public or
modality filter leaves it out); for a learner's hours, through the enrolment in force on the
session's date (received_by_learner). The discipline filter keeps the sessions of those
disciplines and those without a discipline.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from domain import BY_DIMENSIONS, KIND_AIDE, KIND_AP
from indicators.common import (
    IndicatorSettings,
    Period,
    Scope,
    active_in,
    attribute_to_enrolment,
    matching,
    safe_ratio,
)
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
    """Expected hours per school week of the kinds that have a reference (the one rule,
    IndicatorSettings.weekly_hours: AP 70 h / 36 weeks = 1,94 h)."""
    return {kind: settings.weekly_hours(kind) for kind in (KIND_AP, KIND_AIDE)}


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


def delivered_by_group(dataset: Dataset, scope: Scope, as_of: date) -> pl.DataFrame:
    """Per group (class or need group) and kind: sessions, hours delivered, school weeks,
    hours expected to date and the share delivered (null without a reference or weeks).

    Columns: site, group, group_type ("classe" or "groupe de besoins"), kind, sessions,
    hours_delivered, weeks, hours_expected, delivered_share, label ("group – kind (site)", or
    "group (site)" when the group's name says its kind), group_id and need_group_id (one of
    them null: the group's identity, names repeat).
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
            # a need group's name often says its kind already ("Maths – aide individualisée 1")
            pl.when(
                pl.col("group").str.contains(
                    pl.concat_str(pl.lit(r"(?i)(^|\W)"), pl.col("kind"), pl.lit(r"(\W|$)"))
                )
            )
            .then(pl.format("{} ({})", pl.col("group"), pl.col("site").fill_null("?")))
            .otherwise(
                pl.format(
                    "{} – {} ({})",
                    pl.col("group").fill_null("?"),
                    pl.col("kind"),
                    pl.col("site").fill_null("?"),
                )
            )
            .alias("label")
        )
        .with_columns(
            # need groups of one name follow one another: their start tells them apart
            pl.when(pl.col("label").is_duplicated() & pl.col("period_start").is_not_null())
            .then(
                pl.format("{}, dès le {}", "label", pl.col("period_start").dt.strftime("%d/%m/%Y"))
            )
            .otherwise(pl.col("label"))
            .alias("label")
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
            "group_id",
            "need_group_id",
        )
        .sort("site", "group", "kind", nulls_last=True)
    )


BEHIND_COLUMNS = ("held_on", "kind", "group", "site", "discipline", "staff", "duration_hours")


def sessions_behind(
    dataset: Dataset, scope: Scope, group_id: int | None, need_group_id: int | None, kind: str
) -> pl.DataFrame:
    """The sessions behind one row of delivered_by_group (its group_id, need_group_id, kind):
    as many rows as its ``sessions``, their durations adding up to its ``hours_delivered``.
    Columns: BEHIND_COLUMNS; in date order."""
    return (
        sessions_in(dataset, scope)
        .filter(matching({"group_id": group_id, "need_group_id": need_group_id, "kind": kind}))
        .select(BEHIND_COLUMNS)
        .sort("held_on")
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


def _learner_spans(dataset: Dataset, scope: Scope, window: Period) -> pl.DataFrame:
    """The enrolments within the filters that are active in the window, each with its span in
    the window: enrolment_id, learner_id, group, site, referent, external_id, learner_name,
    entry_date, exit_date, span_start, span_end."""
    return (
        scope.keep(dataset.enrolments, disciplines=False)
        .filter(active_in(window))
        .with_columns(
            pl.max_horizontal("entry_date", pl.lit(window.start)).alias("span_start"),
            pl.min_horizontal(pl.col("exit_date").fill_null(window.end), pl.lit(window.end)).alias(
                "span_end"
            ),
        )
    )


def _weeks_in_spans(spans: pl.DataFrame, weeks: pl.Series) -> pl.DataFrame:
    """Per learner, the school weeks (Monday to Sunday) that meet one of their spans, each week
    once (a learner in two groups at once, or leaving one on Tuesday and joining another on
    Thursday, is expected the weekly hours once): learner_id, weeks.

    Each span becomes the run of school weeks [first, last) it meets (their positions in the
    sorted ``weeks``); the runs of a learner are merged as intervals are (sorted by start, each
    adds what it reaches beyond the furthest end so far), without a row per week."""
    mondays = weeks.sort()
    first = spans.get_column("span_start").dt.truncate("1w")
    runs = spans.select("learner_id").with_columns(
        mondays.search_sorted(first, side="left").alias("_first"),
        mondays.search_sorted(spans.get_column("span_end"), side="right").alias("_last"),
    )
    reached = pl.col("_last").cum_max().shift(1).over("learner_id", order_by="_first")
    return (
        runs.sort("learner_id", "_first")
        .with_columns(
            (pl.col("_last") - pl.max_horizontal("_first", reached.fill_null(pl.col("_first"))))
            .clip(lower_bound=0)
            .alias("_new")
        )
        .group_by("learner_id")
        .agg(pl.col("_new").sum().cast(pl.Int64).alias("weeks"))
    )


def received_by_learner(dataset: Dataset, scope: Scope, as_of: date) -> pl.DataFrame:
    """Hours received and expected per learner, over the same enrolments and the same days.

    The learners are those with an enrolment within the filters (site, group, public,
    modality of the enrolment's group) active in the window (expected_window) and listed in
    at least one session held then. A session counts for the enrolment in force on its date
    (the attribution rule of indicators.common), whatever group holds it (the class or a need
    group): with a class filter, a learner who moved into the class has the hours received
    since they joined it, against the hours expected since then. Expected AP hours =
    the weekly reference x the school weeks from the entry to the exit (or the window's end)
    of those enrolments; null when the learner is in no AP session. The discipline filter
    keeps the sessions of those disciplines and those without one.

    Columns: learner_id, external_id, learner_name, group, site, referent (of the latest of
    those enrolments), exit_date (when the learner has left by ``as_of``: their last exit;
    else null), sessions (listed), absences, ap_hours, aide_hours, other_hours, total_hours,
    ap_expected, ap_share, too_few (AP hours received < settings.support_min_share x
    ap_expected, for a learner still enrolled on ``as_of``: those who left are in no to-do
    list).
    """
    period, settings = scope.period, scope.settings
    schema = {
        "learner_id": pl.Int64,
        "external_id": pl.String,
        "learner_name": pl.String,
        "group": pl.String,
        "site": pl.String,
        "referent": pl.String,
        "exit_date": pl.Date,
        "sessions": pl.Int64,
        "absences": pl.Int64,
        "ap_hours": pl.Float64,
        "aide_hours": pl.Float64,
        "other_hours": pl.Float64,
        "total_hours": pl.Float64,
        "ap_expected": pl.Float64,
        "ap_share": pl.Float64,
        "too_few": pl.Boolean,
    }
    window = expected_window(period, as_of)
    if window is None:
        return pl.DataFrame(schema=schema)
    spans = _learner_spans(dataset, scope, window)
    sessions = dataset.support_sessions.filter(window.contains("held_on"))
    if scope.filters.disciplines:
        sessions = sessions.filter(
            pl.col("discipline").is_null()
            | pl.col("discipline").is_in(list(scope.filters.disciplines))
        )
    attended = attribute_to_enrolment(
        dataset.frames.attendance.join(
            sessions.select(pl.col("id").alias("session_id"), "kind", "held_on", "duration_hours"),
            on="session_id",
            how="inner",
        ),
        "held_on",
        dataset.enrolments,
    ).filter(pl.col("enrolment_id").is_in(spans.get_column("enrolment_id").implode()))
    present = pl.col("present")
    per_learner = attended.group_by("learner_id").agg(
        pl.len().cast(pl.Int64).alias("sessions"),
        (~present).sum().cast(pl.Int64).alias("absences"),
        *[
            pl.col("duration_hours").filter(present & condition).sum().cast(pl.Float64).alias(name)
            for name, condition in (
                ("ap_hours", pl.col("kind") == KIND_AP),
                ("aide_hours", pl.col("kind") == KIND_AIDE),
                ("other_hours", ~pl.col("kind").is_in([KIND_AP, KIND_AIDE])),
                ("total_hours", pl.lit(True)),
            )
        ],
        (pl.col("kind") == KIND_AP).any().alias("_ap_listed"),
    )
    spans = spans.filter(pl.col("learner_id").is_in(per_learner.get_column("learner_id").implode()))
    latest = (
        spans.sort("learner_id", "entry_date", "enrolment_id")
        .group_by("learner_id", maintain_order=True)
        .agg(
            pl.col("external_id", "learner_name", "group", "site", "referent").last(),
            # left by as_of: no enrolment still running then
            pl.when((pl.col("exit_date").is_not_null() & (pl.col("exit_date") <= as_of)).all())
            .then(pl.col("exit_date").max())
            .alias("exit_date"),
        )
    )
    weekly = settings.weekly_hours(KIND_AP)
    return (
        per_learner.join(latest, on="learner_id", how="left")
        .join(_weeks_in_spans(spans, school_weeks(dataset, window)), on="learner_id", how="left")
        .with_columns(
            pl.when(pl.col("_ap_listed"))
            .then(pl.col("weeks").fill_null(0) * weekly)
            .otherwise(None)
            .cast(pl.Float64)
            .alias("ap_expected")
        )
        .with_columns(
            safe_ratio(pl.col("ap_hours"), pl.col("ap_expected"))
            .cast(pl.Float64)
            .alias("ap_share"),
            (
                pl.col("exit_date").is_null()
                & (pl.col("ap_expected") > 0)
                & (pl.col("ap_hours") < settings.support_min_share * pl.col("ap_expected"))
            )
            .fill_null(False)
            .alias("too_few"),
        )
        .select(schema.keys())
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
