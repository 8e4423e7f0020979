"""What every indicator shares: the period, the filters, and the attribution of events
(copies, requests, interviews, sessions) to the enrolment in force on their date.

Attribution rule: an event of a learner belongs to the enrolment whose entry date is the
latest on or before the event date (the learner's group then); an event before any entry
belongs to the learner's first enrolment. So a learner enrolled in two groups over time has
each event counted once, in one group, and totals split by group add up to the whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import polars as pl

from data_access.frames import Frames, in_force_on
from domain import KIND_AIDE, KIND_AP, learner_name, school_year_dates, school_year_of


@dataclass(frozen=True)
class Period:
    """A closed interval of days [start, end]."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(
                f"Période invalide : la fin ({self.end:%d/%m/%Y}) précède le début "
                f"({self.start:%d/%m/%Y})."
            )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def contains(self, column: str | pl.Expr) -> pl.Expr:
        """An expression true when the date (or date-time) column falls in the period."""
        expr = pl.col(column) if isinstance(column, str) else column
        return expr.cast(pl.Date).is_between(self.start, self.end, closed="both")

    @classmethod
    def school_year(cls, first_year: int) -> Period:
        """The school year from 1 September of first_year to 31 August of the next."""
        return cls(*school_year_dates(first_year))

    @classmethod
    def school_year_of(cls, day: date) -> Period:
        return cls.school_year(school_year_of(day))


@dataclass(frozen=True)
class Filters:
    """Selections from the sidebar; an empty tuple means 'all'. Values are names/labels."""

    sites: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    disciplines: tuple[str, ...] = ()
    publics: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()

    def without_disciplines(self) -> Filters:
        return replace(self, disciplines=())

    @property
    def is_empty(self) -> bool:
        return not (
            self.sites or self.groups or self.disciplines or self.publics or self.modalities
        )


@dataclass(frozen=True)
class IndicatorSettings:
    """Every target and threshold, in one place; pages show the ones they use."""

    correction_target_days: int = 3
    tutoring_target_hours: int = 48
    correction_goal_share: float = 0.8
    tutoring_goal_share: float = 0.8
    surge_ratio: float = 2.0
    surge_min_volume: int = 30
    surge_baseline_weeks: int = 8
    risk_inactivity_weeks: int = 6
    risk_interview_gap_weeks: int = 8
    risk_suivi_due_days: int = 30
    risk_absences: int = 3
    risk_grade_drop: float = 3.0
    risk_inactivity_alert_weeks: int = 10
    risk_interview_gap_alert_weeks: int = 12
    risk_suivi_alert_days: int = 60
    risk_unanswered_alert_days: int = 7
    risk_grade_drop_alert: float = 5.0
    risk_absences_alert: int = 6
    risk_school_absences: float = 4.0
    risk_school_absences_alert: float = 8.0
    risk_missed_assignments: int = 1
    risk_missed_assignments_alert: int = 2
    risk_missed_window_weeks: int = 8
    risk_late_copies: int = 2
    risk_late_copies_alert: int = 4
    risk_below_group_points: float = 3.0
    risk_below_group_alert_points: float = 5.0
    risk_failure_share: float = 0.5
    risk_failure_alert_share: float = 0.75
    risk_score_vigilance: float = 0.3
    risk_score_alert: float = 0.5
    risk_min_ended_enrolments: int = 200
    risk_min_dropouts: int = 20
    risk_contact_recent_days: int = 14
    pathway_first_interviews_due_days: int = 30
    ap_hours_per_year: float = 70.0
    aide_hours_per_year: float = 30.0
    aide_max_group_size: int = 8
    school_weeks_per_year: int = 36
    support_min_share: float = 0.8
    alert_tutoring_min_share: float = 0.81
    alert_backlog_copies: int = 500
    alert_backlog_age_days: int = 21
    alert_min_volume: int = 10
    labels: dict[str, str] = field(
        default_factory=lambda: {
            "correction_target_days": "Objectif de délai de correction (jours)",
            "tutoring_target_hours": "Délai de réponse cible du tutorat (heures)",
            "correction_goal_share": "Part visée des copies corrigées dans l'objectif de délai",
            "tutoring_goal_share": "Part visée des sollicitations répondues dans le délai cible",
            "surge_ratio": "Seuil d'un pic (volume / médiane des 8 semaines d'activité précédentes)",
            "surge_min_volume": "Volume minimal d'une semaine pour parler de pic",
            "surge_baseline_weeks": "Semaines de référence d'un pic",
            "risk_inactivity_weeks": "Semaines sans copie : vigilance",
            "risk_interview_gap_weeks": "Semaines sans entretien : vigilance",
            "risk_suivi_due_days": "Jours maximum entre contractualisation et suivi",
            "risk_absences": "Absences aux séances : vigilance",
            "risk_grade_drop": "Baisse de moyenne (points sur 20) : vigilance",
            "risk_inactivity_alert_weeks": "Semaines sans copie : alerte",
            "risk_interview_gap_alert_weeks": "Semaines sans entretien : alerte",
            "risk_suivi_alert_days": "Jours sans suivi après contractualisation : alerte",
            "risk_unanswered_alert_days": "Jours d'attente d'une sollicitation : alerte",
            "risk_grade_drop_alert": "Baisse de moyenne (points sur 20) : alerte",
            "risk_absences_alert": "Absences aux séances : alerte",
            "risk_school_absences": "Demi-journées d'absence sur 4 semaines : vigilance",
            "risk_school_absences_alert": "Demi-journées d'absence sur 4 semaines : alerte",
            "risk_missed_assignments": "Devoirs non rendus après la date limite : vigilance",
            "risk_missed_assignments_alert": "Devoirs non rendus après la date limite : alerte",
            "risk_missed_window_weeks": "Semaines pendant lesquelles un devoir non rendu compte",
            "risk_late_copies": "Copies rendues en retard : vigilance",
            "risk_late_copies_alert": "Copies rendues en retard : alerte",
            "risk_below_group_points": "Points sous la moyenne du groupe : vigilance",
            "risk_below_group_alert_points": "Points sous la moyenne du groupe : alerte",
            "risk_failure_share": "Part des copies sous 10/20 : vigilance",
            "risk_failure_alert_share": "Part des copies sous 10/20 : alerte",
            "risk_score_vigilance": "Score de risque : vigilance à partir de",
            "risk_score_alert": "Score de risque : alerte à partir de",
            "risk_min_ended_enrolments": "Inscriptions terminées nécessaires au score",
            "risk_min_dropouts": "Abandons nécessaires au score",
            "risk_contact_recent_days": "Jours pendant lesquels un contact est récent",
            "pathway_first_interviews_due_days": "Jours après l'entrée pour l'entretien initial et le diagnostic",
            "ap_hours_per_year": "AP : heures par an",
            "aide_hours_per_year": "Aide individualisée : heures par an",
            "aide_max_group_size": "Aide individualisée : élèves au plus par groupe",
            "school_weeks_per_year": "Semaines de cours par an",
            "support_min_share": "Part minimale des heures attendues reçues par un apprenant",
            "alert_tutoring_min_share": "Alerte : part minimale de sollicitations répondues sous 48 h",
            "alert_backlog_copies": "Alerte : copies en attente au plus par site",
            "alert_backlog_age_days": "Alerte : âge maximal d'une copie en attente (jours)",
            "alert_min_volume": "Alerte : volume minimal d'une semaine pour juger un délai ou une part",
        },
        compare=False,
        hash=False,
        repr=False,
    )

    def yearly_hours(self, kind: str) -> float | None:
        """The yearly reference of a kind of support (AP 70 h, aide individualisée 30 h);
        None for a kind without one (tutorat, soutien)."""
        return {KIND_AP: self.ap_hours_per_year, KIND_AIDE: self.aide_hours_per_year}.get(kind)

    def weekly_hours(self, kind: str) -> float | None:
        """The one rule of expected support hours: the yearly reference spread evenly over the
        school weeks of the year (AP: 70 h / 36 weeks = 1,94 h a school week), so the hours
        expected by the end of the year are the yearly reference; None without a reference."""
        yearly = self.yearly_hours(kind)
        return None if yearly is None else yearly / self.school_weeks_per_year


DEFAULT_SETTINGS = IndicatorSettings()


@dataclass(frozen=True)
class Perimeter:
    """The part of the data a user may see: some sites and/or some groups (empty: all).

    A row is inside when its site is one of the sites (if any are given) and its group one of
    the groups (if any are given). The app and ``--user`` build the user's dataset with
    ``dataset.within(dataset, perimeter)``; the Scope carries it too, so that every indicator's
    ``scope.keep`` applies it again.
    """

    sites: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    @property
    def is_everything(self) -> bool:
        return not (self.sites or self.groups)

    def keep(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The rows of the frame inside the perimeter (on the site and group columns it has)."""
        return apply_filters(frame, Filters(sites=self.sites, groups=self.groups))

    def outside(self, filters: Filters) -> tuple[str, ...]:
        """The sites and groups the filters name that are outside the perimeter."""
        sites = [s for s in filters.sites if self.sites and s not in self.sites]
        groups = [g for g in filters.groups if self.groups and g not in self.groups]
        return (*sites, *groups)


EVERYTHING = Perimeter()


@dataclass(frozen=True)
class Scope:
    """What a figure is computed over: the period, the sidebar's filters, the settings and the
    user's perimeter.

    Every indicator takes one Scope and selects its rows with ``keep``, so the perimeter reaches
    every figure at once. Hashable: it is part of the key of the app's memoised results.
    """

    period: Period
    filters: Filters = field(default_factory=Filters)
    settings: IndicatorSettings = DEFAULT_SETTINGS
    perimeter: Perimeter = EVERYTHING

    def keep(self, frame: pl.DataFrame, *, disciplines: bool = True) -> pl.DataFrame:
        """The rows of the frame within the perimeter and the filters (each filter on the
        columns the frame has; ``disciplines=False`` for rows about a learner as a whole:
        enrolments, interviews)."""
        filters = self.filters if disciplines else self.filters.without_disciplines()
        return apply_filters(self.perimeter.keep(frame), filters)

    @property
    def sites(self) -> tuple[str, ...]:
        """The sites chosen, or else those of the perimeter (empty: every site)."""
        return self.filters.sites or self.perimeter.sites

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups chosen, or else those of the perimeter (empty: every group)."""
        return self.filters.groups or self.perimeter.groups

    def with_period(self, period: Period) -> Scope:
        return replace(self, period=period)

    def previous(self) -> Scope:
        """The same scope over the period of the same length just before."""
        return self.with_period(self.period.previous())


def enrolment_context(frames: Frames) -> pl.DataFrame:
    """Each enrolment with its group, site, public, modality and the learner's referent.

    Columns: enrolment_id, learner_id, group_id, group, level, public, modality, school_year,
    site_id, site, entry_date, exit_date, exit_reason, external_id, learner_name, referent.
    """
    groups = frames.groups.join(
        frames.sites.select(pl.col("id").alias("site_id"), pl.col("name").alias("site")),
        on="site_id",
        how="left",
    ).select(
        pl.col("id").alias("group_id"),
        pl.col("name").alias("group"),
        "level",
        "public",
        "modality",
        "school_year",
        "site_id",
        "site",
    )
    learners = frames.learners.join(
        frames.staff.select(pl.col("id").alias("referent_id"), pl.col("name").alias("referent")),
        on="referent_id",
        how="left",
    ).select(
        pl.col("id").alias("learner_id"),
        "external_id",
        learner_name(pl.col("last_name"), pl.col("first_name")).alias("learner_name"),
        "referent",
    )
    return (
        frames.enrolments.rename({"id": "enrolment_id"})
        .join(groups, on="group_id", how="left")
        .join(learners, on="learner_id", how="left")
        .select(
            "enrolment_id",
            "learner_id",
            "group_id",
            "group",
            "level",
            "public",
            "modality",
            "school_year",
            "site_id",
            "site",
            "entry_date",
            "exit_date",
            "exit_reason",
            "external_id",
            "learner_name",
            "referent",
        )
    )


CONTEXT_COLUMNS = ["enrolment_id", "group_id", "group", "site", "public", "modality"]


def attribute_to_enrolment(
    events: pl.DataFrame, date_column: str, context: pl.DataFrame
) -> pl.DataFrame:
    """The events with the columns of CONTEXT_COLUMNS from the enrolment in force on their date
    (``frames.in_force_on``: the latest entered on or before it, else the first).

    ``events`` must have ``learner_id`` and ``date_column`` (a date or date-time).
    Events of learners with no enrolment keep null context columns.
    """
    return in_force_on(events, date_column, context, CONTEXT_COLUMNS)


def apply_filters(frame: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    """Keep the rows matching the filters, for each filter column the frame has."""
    conditions = []
    for column, values in (
        ("site", filters.sites),
        ("group", filters.groups),
        ("discipline", filters.disciplines),
        ("public", filters.publics),
        ("modality", filters.modalities),
    ):
        if values and column in frame.columns:
            conditions.append(pl.col(column).is_in(list(values)))
    return frame.filter(*conditions) if conditions else frame


def active_in(period: Period) -> pl.Expr:
    """Enrolments active at some time in the period: entry <= end and (no exit or exit >= start)."""
    return (pl.col("entry_date") <= period.end) & (
        pl.col("exit_date").is_null() | (pl.col("exit_date") >= period.start)
    )


def safe_ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator, null (never NaN or 0) when the denominator is 0."""
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


def matching(values: dict[str, object]) -> pl.Expr:
    """Rows whose columns hold these values, an empty value matching an empty cell: the rows
    behind one row of a table grouped by those columns (a drill-down)."""
    conditions = [pl.col(column).eq_missing(pl.lit(value)) for column, value in values.items()]
    return pl.all_horizontal(conditions) if conditions else pl.lit(True)
