"""At-risk learners (apprenants à risque de décrochage), one row per active enrolment: the
signals it shows, each spelled out in French at one of two levels (*vigilance*, *alerte*), the
risk score of indicators/risk_model.py when the history allows one, and the referent to call.

An enrolment is active on ``as_of`` when entry <= as_of and (no exit or exit after as_of); a
learner in two groups at once is assessed in each (``by_learner`` folds them into one line).
Every signal reads the data up to ``as_of`` only, with group_by and joins (no loop):

- missed_assignments (when the enrolment's group has assignments with due dates): assignments
  of the group due in the last risk_missed_window_weeks weeks before ``as_of`` while the
  learner was enrolled, without a copy by then (a recent count: over a whole year, a few
  forgotten assignments would put most of a class on the list);
- late_copies (same condition): copies handed in after their assignment's due date;
- no_recent_copy (only for groups without due dates: the group-activity rule): no copy for
  risk_inactivity_weeks weeks (and enrolled that long) while at least half of the group's
  current learners handed one in during those weeks;
- no_recent_interview: no interview for risk_interview_gap_weeks weeks (only when the data
  hold interviews);
- suivi_overdue: the last ``contractualisation`` has had no ``suivi`` for more than
  risk_suivi_due_days days;
- unanswered_requests: tutoring requests older than tutoring_target_hours hours at the end of
  ``as_of`` and unanswered then;
- falling_grades: mean of the last 3 grades below the mean of the 3 before by
  risk_grade_drop points or more;
- below_group: mean grade since entry (3 grades at least) below that of the other learners of
  the group by risk_below_group_points or more;
- failure_rate: share of the grades since entry (3 at least) under 10/20;
- absences: absences from support sessions over the last 8 weeks;
- school_absences: absent half-days (vie scolaire) over the last 4 weeks, when the data hold
  absences (lateness, which they never hold, is named as not computable).

Each has a vigilance threshold and an alert one (IndicatorSettings). A signal the data cannot
support (no interviews, no due dates, no sessions, no grades...) is listed by ``unavailable``,
so that the page and the command line name it instead of leaving it silently absent.

Filters: site, group, public and modality apply to the enrolment's group; the discipline filter
does not apply (the risk concerns the learner as a whole).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import polars as pl

from indicators.common import IndicatorSettings, Scope
from indicators.dataset import Dataset
from indicators.deadlines import LATE, assignments_of, copies_of_assignments, expected
from indicators.interviews import overdue_suivi_of

if TYPE_CHECKING:
    from indicators.risk_model import RiskModel

ABSENCE_WINDOW_WEEKS = 8
GRADES_COMPARED = 3
MIN_GRADES = 3
"""Grades needed before a mean or a failure rate says something."""
PASS_GRADE = 10.0

VIGILANCE = "vigilance"
ALERT = "alerte"
NO_LEVEL = "aucun"
LEVELS = (NO_LEVEL, VIGILANCE, ALERT)
"""From lowest to highest."""

SIGNALS = {
    "missed_assignments": "Devoirs non rendus",
    "late_copies": "Copies en retard",
    "no_recent_copy": "Pas de copie récente",
    "no_recent_interview": "Pas d'entretien récent",
    "suivi_overdue": "Suivi en retard",
    "unanswered_requests": "Tutorat sans réponse",
    "falling_grades": "Notes en baisse",
    "below_group": "Notes sous la moyenne du groupe",
    "failure_rate": "Copies sous 10/20",
    "absences": "Absences aux séances",
    "school_absences": "Absences (vie scolaire)",
}
"""Column of each signal (its level, or null) and its short French label."""

SCHOOL_ABSENCE_WEEKS = 4
"""School absences are counted over the last 4 weeks (a month, as PRONOTE's detector does)."""
LATENESS = "Retards (vie scolaire)"
NO_LATENESS = "non calculable : pas de retards dans les données"

NO_REFERENT = "Sans référent"

COLUMN_LABELS = {
    "external_id": "Identifiant",
    "learner_name": "Apprenant",
    "group": "Groupe",
    "groups": "Groupes",
    "site": "Site",
    "public": "Public",
    "referent": "Référent",
    "entry_date": "Entrée",
    "level": "Niveau",
    "score": "Score de risque",
    "reasons": "Raisons principales",
    "signal_count": "Nombre de signaux",
    "signals": "Signaux",
    **SIGNALS,
}

ENROLMENT_COLUMNS = [
    "enrolment_id",
    "learner_id",
    "external_id",
    "learner_name",
    "group_id",
    "group",
    "site",
    "public",
    "referent",
    "entry_date",
]


def _date_text(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%d/%m/%Y")


def _decimal_text(expr: pl.Expr) -> pl.Expr:
    return expr.round(1).cast(pl.String).str.replace(".", ",", literal=True)


def _plural(count: pl.Expr, singular: str, plural: str) -> pl.Expr:
    return pl.when(count == 1).then(pl.lit(singular)).otherwise(pl.lit(plural))


def _level(value: pl.Expr, vigilance: float, alert: float) -> pl.Expr:
    """alerte at or above ``alert``, vigilance at or above ``vigilance``, else null."""
    return (
        pl.when(value >= alert - 1e-9)
        .then(pl.lit(ALERT))
        .when(value >= vigilance - 1e-9)
        .then(pl.lit(VIGILANCE))
        .otherwise(None)
    )


def _signal(name: str, level: pl.Expr, text: pl.Expr) -> list[pl.Expr]:
    return [level.alias(f"{name}_level"), text.alias(f"{name}_text")]


def _no_signal(name: str) -> pl.DataFrame:
    return pl.DataFrame(
        schema={"enrolment_id": pl.Int64, f"{name}_level": pl.String, f"{name}_text": pl.String}
    )


def active_enrolments(dataset: Dataset, scope: Scope, as_of: date) -> pl.DataFrame:
    """One row per enrolment active on ``as_of``, filters applied (ENROLMENT_COLUMNS)."""
    return (
        scope.keep(dataset.enrolments, disciplines=False)
        .filter(
            (pl.col("entry_date") <= as_of)
            & (pl.col("exit_date").is_null() | (pl.col("exit_date") > as_of))
        )
        .select(ENROLMENT_COLUMNS)
        .sort("enrolment_id")
    )


def current_learners(dataset: Dataset, scope: Scope, as_of: date) -> pl.DataFrame:
    """One row per learner still enrolled on ``as_of`` (their latest entry), filters applied."""
    return (
        active_enrolments(dataset, scope, as_of)
        .sort("learner_id", "entry_date", "enrolment_id")
        .group_by("learner_id", maintain_order=True)
        .last()
        .drop("enrolment_id", "group_id")
    )


def groups_with_due_dates(dataset: Dataset) -> pl.Series:
    return assignments_of(dataset).get_column("group_id").unique()


def _missed_assignments(
    dataset: Dataset, enrolments: pl.DataFrame, as_of: date, settings: IndicatorSettings
) -> pl.DataFrame:
    window_start = as_of - timedelta(weeks=settings.risk_missed_window_weeks)
    due = expected(
        dataset,
        enrolments.select("enrolment_id", "learner_id", "group_id", "entry_date").with_columns(
            exit_date=pl.lit(None, pl.Date)
        ),  # active on as_of: no exit before any due date that has passed
        as_of,
        since=window_start,
    ).filter(pl.col("missed") & (pl.col("due_on") >= window_start))
    count = pl.col("missed")
    return (
        due.sort("due_on")
        .group_by("enrolment_id")
        .agg(
            pl.len().alias("missed"),
            pl.col("title").last().alias("last_title"),
            pl.col("discipline").last().alias("last_discipline"),
            pl.col("due_on").last().alias("last_due"),
        )
        .select(
            "enrolment_id",
            *_signal(
                "missed_assignments",
                _level(
                    count,
                    settings.risk_missed_assignments,
                    settings.risk_missed_assignments_alert,
                ),
                pl.format(
                    "{} {} dont la date limite est passée dans les {} dernières semaines "
                    "(dernier : {} « {} », dû le {})",
                    count,
                    _plural(count, "devoir non rendu", "devoirs non rendus"),
                    pl.lit(settings.risk_missed_window_weeks),
                    pl.col("last_discipline"),
                    pl.col("last_title"),
                    _date_text("last_due"),
                ),
            ),
        )
        .filter(pl.col("missed_assignments_level").is_not_null())
    )


def _late_copies(
    dataset: Dataset, enrolments: pl.DataFrame, as_of: date, settings: IndicatorSettings
) -> pl.DataFrame:
    late = (
        copies_of_assignments(dataset)
        .filter((pl.col("submitted_on") <= as_of) & LATE)
        .join(
            enrolments.select("enrolment_id", "learner_id", "group_id", "entry_date"),
            on=["learner_id", "group_id"],
            how="inner",
        )
        .filter(pl.col("submitted_on") >= pl.col("entry_date"))
    )
    count = pl.col("late")
    return (
        late.group_by("enrolment_id")
        .agg(
            pl.len().alias("late"),
            (pl.col("submitted_on") - pl.col("due_on")).dt.total_days().max().alias("worst"),
        )
        .select(
            "enrolment_id",
            *_signal(
                "late_copies",
                _level(count, settings.risk_late_copies, settings.risk_late_copies_alert),
                pl.format(
                    "{} {} après la date limite (jusqu'à {} jours de retard)",
                    count,
                    _plural(count, "copie rendue", "copies rendues"),
                    pl.col("worst"),
                ),
            ),
        )
        .filter(pl.col("late_copies_level").is_not_null())
    )


def _no_recent_copy(
    dataset: Dataset, enrolments: pl.DataFrame, as_of: date, settings: IndicatorSettings
) -> pl.DataFrame:
    weeks = settings.risk_inactivity_weeks
    window_start = as_of - timedelta(weeks=weeks)  # the window is (window_start, as_of]
    without_due_dates = enrolments.filter(
        ~pl.col("group_id").is_in(groups_with_due_dates(dataset).implode())
    )
    copies = dataset.copies.filter(
        _of_learners(without_due_dates) & (pl.col("submitted_on") <= as_of)
    )  # only these learners' copies are read below (joined by learner)
    last_copy = copies.group_by("learner_id").agg(pl.col("submitted_on").max().alias("last_copy"))
    submitters = copies.filter(pl.col("submitted_on") > window_start).select(
        "learner_id", "submitted_on"
    )
    group_copies = (
        without_due_dates.select("learner_id", "group_id")
        .join(submitters, on="learner_id", how="left")
        .group_by("group_id")
        .agg(
            pl.col("submitted_on").count().alias("group_copies"),
            pl.col("learner_id")
            .filter(pl.col("submitted_on").is_not_null())
            .n_unique()
            .alias("group_submitters"),
            pl.col("learner_id").n_unique().alias("group_size"),
        )
    )
    since = pl.coalesce("last_copy", "entry_date")
    weeks_since = (pl.lit(as_of) - since).dt.total_days() // 7
    classmates = "alors que {} apprenants du groupe sur {} en ont rendu {} en {} semaines"
    return (
        without_due_dates.select("enrolment_id", "learner_id", "group_id", "entry_date")
        .join(last_copy, on="learner_id", how="left")
        .join(group_copies, on="group_id", how="left")
        .filter(
            (pl.col("entry_date") <= window_start)
            & (pl.col("last_copy").is_null() | (pl.col("last_copy") <= window_start))
            & (pl.col("group_submitters").fill_null(0) * 2 >= pl.col("group_size"))
            & (pl.col("group_submitters").fill_null(0) > 0)
        )
        .select(
            "enrolment_id",
            *_signal(
                "no_recent_copy",
                _level(weeks_since, weeks, settings.risk_inactivity_alert_weeks),
                pl.when(pl.col("last_copy").is_null())
                .then(
                    pl.format(
                        "Aucune copie depuis l'entrée le {} ({} semaines, " + classmates + ")",
                        _date_text("entry_date"),
                        weeks_since,
                        pl.col("group_submitters"),
                        pl.col("group_size"),
                        pl.col("group_copies"),
                        pl.lit(weeks),
                    )
                )
                .otherwise(
                    pl.format(
                        "Aucune copie depuis {} semaines (dernière le {}, " + classmates + ")",
                        weeks_since,
                        _date_text("last_copy"),
                        pl.col("group_submitters"),
                        pl.col("group_size"),
                        pl.col("group_copies"),
                        pl.lit(weeks),
                    )
                ),
            ),
        )
    )


def _no_recent_interview(
    dataset: Dataset, enrolments: pl.DataFrame, as_of: date, settings: IndicatorSettings
) -> pl.DataFrame:
    if dataset.interviews.is_empty():  # data without interviews (a copies export)
        return _no_signal("no_recent_interview")
    weeks = settings.risk_interview_gap_weeks
    limit = as_of - timedelta(weeks=weeks)
    last = (
        dataset.interviews.filter(_of_learners(enrolments) & (pl.col("held_on") <= as_of))
        .sort("held_on")
        .group_by("learner_id")
        .agg(
            pl.col("held_on").last().alias("last_interview"),
            pl.col("interview_type").last().alias("last_type"),
        )
    )
    since = pl.max_horizontal("last_interview", "entry_date")
    weeks_since = (pl.lit(as_of) - since).dt.total_days() // 7
    return (
        enrolments.select("enrolment_id", "learner_id", "entry_date")
        .join(last, on="learner_id", how="left")
        .filter(
            (pl.col("entry_date") <= limit)
            & (pl.col("last_interview").is_null() | (pl.col("last_interview") <= limit))
        )
        .select(
            "enrolment_id",
            *_signal(
                "no_recent_interview",
                _level(weeks_since, weeks, settings.risk_interview_gap_alert_weeks),
                pl.when(pl.col("last_interview").is_null())
                .then(
                    pl.format(
                        "Aucun entretien depuis l'entrée le {} ({} semaines)",
                        _date_text("entry_date"),
                        weeks_since,
                    )
                )
                .otherwise(
                    pl.format(
                        "Aucun entretien depuis {} semaines (dernier : {} du {})",
                        weeks_since,
                        pl.col("last_type"),
                        _date_text("last_interview"),
                    )
                ),
            ),
        )
    )


def _suivi_overdue(
    dataset: Dataset, enrolments: pl.DataFrame, as_of: date, settings: IndicatorSettings
) -> pl.DataFrame:
    due_days = settings.risk_suivi_due_days
    interviews = dataset.interviews.filter(_of_learners(enrolments))  # joined by learner below
    overdue = overdue_suivi_of(interviews, "learner_id", as_of, due_days)
    days = pl.col("days_since_contractualisation")
    return (
        enrolments.select("enrolment_id", "learner_id")
        .join(overdue, on="learner_id", how="inner")
        .select(
            "enrolment_id",
            *_signal(
                "suivi_overdue",
                pl.when(days > settings.risk_suivi_alert_days)
                .then(pl.lit(ALERT))
                .otherwise(pl.lit(VIGILANCE)),
                pl.format(
                    "Suivi en retard : contractualisation du {} sans suivi depuis {} jours "
                    "(attendu sous {} jours)",
                    _date_text("last_contractualisation"),
                    days,
                    pl.lit(due_days),
                ),
            ),
        )
    )


def _unanswered_requests(
    dataset: Dataset, enrolments: pl.DataFrame, as_of: date, settings: IndicatorSettings
) -> pl.DataFrame:
    hours = settings.tutoring_target_hours
    end_of_day = datetime.combine(as_of + timedelta(days=1), datetime.min.time())
    older_than = end_of_day - timedelta(hours=hours)
    count = pl.col("unanswered")
    waiting_days = (pl.lit(end_of_day) - pl.col("oldest_at")).dt.total_hours() / 24
    waiting = (
        dataset.tutoring_requests.filter(
            (pl.col("received_at") <= older_than)
            & (pl.col("answered_at").is_null() | (pl.col("answered_at") >= end_of_day))
        )
        .group_by("learner_id")
        .agg(pl.len().alias("unanswered"), pl.col("received_at").min().alias("oldest_at"))
    )
    return (
        enrolments.select("enrolment_id", "learner_id")
        .join(waiting, on="learner_id", how="inner")
        .select(
            "enrolment_id",
            *_signal(
                "unanswered_requests",
                pl.when(waiting_days >= settings.risk_unanswered_alert_days)
                .then(pl.lit(ALERT))
                .otherwise(pl.lit(VIGILANCE)),
                pl.format(
                    "{} {} de tutorat sans réponse depuis plus de {} h ({} {})",
                    count,
                    _plural(count, "demande", "demandes"),
                    pl.lit(hours),
                    _plural(count, "reçue le", "la plus ancienne du"),
                    pl.col("oldest_at").dt.strftime("%d/%m/%Y"),
                ),
            ),
        )
    )


def _of_learners(enrolments: pl.DataFrame) -> pl.Expr:
    """Rows of the enrolments' learners only (read before grouping by learner: the national
    list's learners are under half of the history's)."""
    return pl.col("learner_id").is_in(enrolments.get_column("learner_id").unique().implode())


def _graded(dataset: Dataset, as_of: date, enrolments: pl.DataFrame) -> pl.DataFrame:
    """The enrolments' learners' copies whose grade is known on ``as_of`` (handed in and
    corrected by then)."""
    return dataset.copies.filter(
        _of_learners(enrolments)
        & pl.col("grade").is_not_null()
        & (pl.col("submitted_on") <= as_of)
        & (pl.col("corrected_on").is_null() | (pl.col("corrected_on") <= as_of))
    )


def _falling_grades(
    graded: pl.DataFrame, enrolments: pl.DataFrame, settings: IndicatorSettings
) -> pl.DataFrame:
    compared = 2 * GRADES_COMPARED
    drop = pl.col("before") - pl.col("recent")
    learner = pl.col("learner_id")

    def among_last(count: int) -> pl.Expr:
        """The row is one of its learner's ``count`` last (the rows sorted by learner)."""
        return learner.shift(-count).ne_missing(learner)

    recent = among_last(GRADES_COMPARED)
    last_grades = (
        graded.select("learner_id", "submitted_on", "id", "grade")
        .sort("learner_id", "submitted_on", "id")  # in the order they were handed in
        .filter(among_last(compared))
        .with_columns(recent.alias("recent"))
        .group_by("learner_id")
        .agg(
            pl.len().alias("grades"),
            pl.col("grade").filter(pl.col("recent")).mean().alias("recent"),
            pl.col("grade").filter(~pl.col("recent")).mean().alias("before"),
        )
        .filter(pl.col("grades") == compared)
    )
    return (
        enrolments.select("enrolment_id", "learner_id")
        .join(last_grades, on="learner_id", how="inner")
        .select(
            "enrolment_id",
            *_signal(
                "falling_grades",
                _level(drop, settings.risk_grade_drop, settings.risk_grade_drop_alert),
                pl.format(
                    "Notes en baisse : moyenne des {} dernières {}/20 contre {}/20 pour les {} "
                    "précédentes",
                    pl.lit(GRADES_COMPARED),
                    _decimal_text(pl.col("recent")),
                    _decimal_text(pl.col("before")),
                    pl.lit(GRADES_COMPARED),
                ),
            ),
        )
        .filter(pl.col("falling_grades_level").is_not_null())
    )


def _grades_since_entry(graded: pl.DataFrame, enrolments: pl.DataFrame) -> pl.DataFrame:
    """Per enrolment: graded copies since entry (grades), their sum, those under 10/20
    (``graded``: _graded())."""
    return (
        enrolments.select("enrolment_id", "learner_id", "group_id", "entry_date")
        .join(graded.select("learner_id", "submitted_on", "grade"), on="learner_id")
        .filter(pl.col("submitted_on") >= pl.col("entry_date"))
        .group_by("enrolment_id", "group_id")
        .agg(
            pl.len().alias("grades"),
            pl.col("grade").sum().alias("grade_sum"),
            (pl.col("grade") < PASS_GRADE).sum().alias("failed"),
        )
    )


def _below_group(grades: pl.DataFrame, settings: IndicatorSettings) -> pl.DataFrame:
    groups = grades.group_by("group_id").agg(
        pl.col("grades").sum().alias("group_grades"),
        pl.col("grade_sum").sum().alias("group_sum"),
    )
    others = pl.col("group_grades") - pl.col("grades")
    others_mean = (pl.col("group_sum") - pl.col("grade_sum")) / others
    mean = pl.col("grade_sum") / pl.col("grades")
    gap = pl.col("others_mean") - pl.col("mean")
    return (
        grades.join(groups, on="group_id")
        .filter((pl.col("grades") >= MIN_GRADES) & (others >= MIN_GRADES))
        .with_columns(mean.alias("mean"), others_mean.alias("others_mean"))
        .select(
            "enrolment_id",
            *_signal(
                "below_group",
                _level(
                    gap, settings.risk_below_group_points, settings.risk_below_group_alert_points
                ),
                pl.format(
                    "Moyenne {}/20 sur {} notes, {} points sous celle des autres apprenants du "
                    "groupe ({}/20)",
                    _decimal_text(pl.col("mean")),
                    pl.col("grades"),
                    _decimal_text(gap),
                    _decimal_text(pl.col("others_mean")),
                ),
            ),
        )
        .filter(pl.col("below_group_level").is_not_null())
    )


def _failure_rate(grades: pl.DataFrame, settings: IndicatorSettings) -> pl.DataFrame:
    share = pl.col("failed") / pl.col("grades")
    return (
        grades.filter(pl.col("grades") >= MIN_GRADES)
        .select(
            "enrolment_id",
            *_signal(
                "failure_rate",
                _level(share, settings.risk_failure_share, settings.risk_failure_alert_share),
                pl.format(
                    "{} copies sur {} sous 10/20 depuis l'entrée ({} %)",
                    pl.col("failed"),
                    pl.col("grades"),
                    (share * 100).round(0).cast(pl.Int64),
                ),
            ),
        )
        .filter(pl.col("failure_rate_level").is_not_null())
    )


def _absences(
    dataset: Dataset, enrolments: pl.DataFrame, as_of: date, settings: IndicatorSettings
) -> pl.DataFrame:
    window_start = as_of - timedelta(weeks=ABSENCE_WINDOW_WEEKS)
    absent = (
        dataset.attendance.filter(
            ~pl.col("present") & (pl.col("held_on") > window_start) & (pl.col("held_on") <= as_of)
        )
        .group_by("learner_id")
        .agg(pl.len().alias("absent"))
    )
    return (
        enrolments.select("enrolment_id", "learner_id")
        .join(absent, on="learner_id", how="inner")
        .select(
            "enrolment_id",
            *_signal(
                "absences",
                _level(pl.col("absent"), settings.risk_absences, settings.risk_absences_alert),
                pl.format(
                    "{} absences aux séances d'accompagnement sur les {} dernières semaines",
                    pl.col("absent"),
                    pl.lit(ABSENCE_WINDOW_WEEKS),
                ),
            ),
        )
        .filter(pl.col("absences_level").is_not_null())
    )


def _school_absences(
    dataset: Dataset, enrolments: pl.DataFrame, as_of: date, settings: IndicatorSettings
) -> pl.DataFrame:
    if dataset.absences.is_empty():
        return _no_signal("school_absences")
    window_start = as_of - timedelta(weeks=SCHOOL_ABSENCE_WEEKS)
    absent = (
        dataset.absences.filter(
            (pl.col("absent_on") > window_start) & (pl.col("absent_on") <= as_of)
        )
        .group_by("learner_id")
        .agg(
            pl.col("half_days").sum().alias("half_days"),
            pl.col("half_days")
            .filter(pl.col("justified").fill_null(False).not_())
            .sum()
            .alias("unjustified"),
        )
    )
    count = pl.col("half_days")
    return (
        enrolments.select("enrolment_id", "learner_id")
        .join(absent, on="learner_id", how="inner")
        .select(
            "enrolment_id",
            *_signal(
                "school_absences",
                _level(count, settings.risk_school_absences, settings.risk_school_absences_alert),
                pl.format(
                    "{} demi-journées d'absence sur les {} dernières semaines (dont {} non "
                    "justifiées)",
                    _decimal_text(count).str.replace(",0", "", literal=True),
                    pl.lit(SCHOOL_ABSENCE_WEEKS),
                    _decimal_text(pl.col("unjustified")).str.replace(",0", "", literal=True),
                ),
            ),
        )
        .filter(pl.col("school_absences_level").is_not_null())
    )


def _highest(levels: list[pl.Expr]) -> pl.Expr:
    """The highest of the levels (null ones ignored), NO_LEVEL when all are null."""
    rank = pl.max_horizontal(
        [
            pl.when(level == ALERT).then(2).when(level == VIGILANCE).then(1).otherwise(0)
            for level in levels
        ]
    )
    return (
        pl.when(rank == 2)
        .then(pl.lit(ALERT))
        .when(rank == 1)
        .then(pl.lit(VIGILANCE))
        .otherwise(pl.lit(NO_LEVEL))
    )


def level_rank(column: str = "level") -> pl.Expr:
    return pl.col(column).replace_strict({NO_LEVEL: 0, VIGILANCE: 1, ALERT: 2}, default=0)


def signals(
    dataset: Dataset, enrolments: pl.DataFrame, as_of: date, settings: IndicatorSettings
) -> pl.DataFrame:
    """The enrolments with, per signal, its level (column named as the signal; null when not
    shown), plus signal_count, signal_level (the highest) and signals (texts, " ; ")."""

    def graded_signals() -> list[pl.DataFrame]:
        graded = _graded(dataset, as_of, enrolments)
        grades = _grades_since_entry(graded, enrolments)
        return [
            _falling_grades(graded, enrolments, settings),
            _below_group(grades, settings),
            _failure_rate(grades, settings),
        ]

    def other_signals() -> list[pl.DataFrame]:
        return [
            _no_recent_copy(dataset, enrolments, as_of, settings),
            _no_recent_interview(dataset, enrolments, as_of, settings),
            _suivi_overdue(dataset, enrolments, as_of, settings),
            _unanswered_requests(dataset, enrolments, as_of, settings),
            _absences(dataset, enrolments, as_of, settings),
            _school_absences(dataset, enrolments, as_of, settings),
        ]

    def deadline_signals() -> list[pl.DataFrame]:
        return [
            _missed_assignments(dataset, enrolments, as_of, settings),
            _late_copies(dataset, enrolments, as_of, settings),
        ]

    # three independent parts at once: Polars works outside Python's lock, so the two cores
    # share them (each signal reads only its own frames)
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = [pool.submit(part) for part in (deadline_signals, graded_signals, other_signals)]
        frames = [frame for part in parts for frame in part.result()]
    combined = enrolments.lazy()
    for frame in frames:
        combined = combined.join(frame.lazy(), on="enrolment_id", how="left")
    texts = [pl.col(f"{name}_text") for name in SIGNALS]
    return (
        combined.with_columns([pl.col(f"{name}_level").alias(name) for name in SIGNALS])
        .with_columns(
            pl.sum_horizontal([pl.col(name).is_not_null().cast(pl.Int64) for name in SIGNALS])
            .cast(pl.Int64)
            .alias("signal_count"),
            _highest([pl.col(name) for name in SIGNALS]).alias("signal_level"),
            pl.concat_str(texts, separator=" ; ", ignore_nulls=True).alias("signals"),
        )
        .drop([f"{name}_level" for name in SIGNALS] + [f"{name}_text" for name in SIGNALS])
        .collect()
    )


def unavailable(dataset: Dataset) -> pl.DataFrame:
    """The signals the data cannot support, and why (French): signal (key or ""), label,
    reason. A signal listed here is never shown; the page and the command line name it."""
    rows: list[tuple[str, str, str]] = []
    has_due_dates = not assignments_of(dataset).is_empty()
    if not has_due_dates:
        reason = "non calculable : pas de dates limites dans les données"
        rows.append(("missed_assignments", SIGNALS["missed_assignments"], reason))
        rows.append(("late_copies", SIGNALS["late_copies"], reason))
    if dataset.copies.is_empty():
        rows.append(
            (
                "no_recent_copy",
                SIGNALS["no_recent_copy"],
                "non calculable : aucune copie dans les données",
            )
        )
    if dataset.interviews.is_empty():
        reason = "non calculable : aucun entretien dans les données"
        rows.append(("no_recent_interview", SIGNALS["no_recent_interview"], reason))
        rows.append(("suivi_overdue", SIGNALS["suivi_overdue"], reason))
    if dataset.tutoring_requests.is_empty():
        rows.append(
            (
                "unanswered_requests",
                SIGNALS["unanswered_requests"],
                "non calculable : aucune sollicitation de tutorat dans les données",
            )
        )
    if dataset.copies.filter(pl.col("grade").is_not_null()).is_empty():
        reason = "non calculable : aucune note dans les données"
        for name in ("falling_grades", "below_group", "failure_rate"):
            rows.append((name, SIGNALS[name], reason))
    if dataset.attendance.is_empty():
        rows.append(
            (
                "absences",
                SIGNALS["absences"],
                "non calculable : aucune séance d'accompagnement dans les données",
            )
        )
    if dataset.absences.is_empty():
        rows.append(
            (
                "school_absences",
                SIGNALS["school_absences"],
                "non calculable : pas d'absences de vie scolaire dans les données",
            )
        )
    rows.append(("", LATENESS, NO_LATENESS))
    return pl.DataFrame(
        rows, schema={"signal": pl.String, "label": pl.String, "reason": pl.String}, orient="row"
    )


def rule_notes(dataset: Dataset, enrolments: pl.DataFrame) -> list[str]:
    """What the page says about which rule judged the copies: due dates or group activity."""
    with_dates = groups_with_due_dates(dataset)
    groups = enrolments.get_column("group_id").unique()
    dated = groups.is_in(with_dates.implode()).sum()
    notes = []
    if dated:
        notes.append(
            f"{dated} groupe(s) ont des devoirs avec date limite : devoirs non rendus et copies "
            "en retard y sont calculés."
        )
    if dated < groups.len():
        notes.append(
            f"{groups.len() - dated} groupe(s) sans dates limites : la règle « pas de copie "
            "récente alors que le groupe en rend » s'y applique."
        )
    return notes


LIST_COLUMNS = [
    "enrolment_id",
    "learner_id",
    "external_id",
    "learner_name",
    "group",
    "site",
    "public",
    "referent",
    "entry_date",
    "score",
    "level",
    "reasons",
    "signal_count",
    "signals",
    *SIGNALS,
]


def at_risk(
    dataset: Dataset,
    scope: Scope,
    as_of: date,
    model: RiskModel | None = None,
    *,
    everyone: bool = False,
) -> pl.DataFrame:
    """One row per enrolment active on ``as_of`` at *vigilance* or *alerte* (every active
    enrolment with ``everyone``), highest score first (then level, number of signals).

    ``model``: a trained ``risk_model.RiskModel`` (None: no score, signals alone). The level
    is the highest of the signals' levels and the score's (risk_score_vigilance,
    risk_score_alert); the reasons are the model's main reasons for this enrolment, or the
    labels of its signals without a model. Columns: LIST_COLUMNS (score null without model).
    """
    settings = scope.settings
    enrolments = active_enrolments(dataset, scope, as_of)
    scored = pl.DataFrame(
        schema={"enrolment_id": pl.Int64, "score": pl.Float64, "reasons": pl.String}
    )
    if model is not None and not enrolments.is_empty():
        copies_of_assignments(dataset)  # matched once, before the score and signals read it
        with ThreadPoolExecutor(max_workers=1) as pool:  # the score while the signals run
            scoring = pool.submit(model.score, dataset, enrolments, as_of)
            flagged = signals(dataset, enrolments, as_of, settings)
            scored = scoring.result()
    else:
        flagged = signals(dataset, enrolments, as_of, settings)
    score_level = _level(pl.col("score"), settings.risk_score_vigilance, settings.risk_score_alert)
    signal_labels = pl.concat_str(
        [
            pl.when(pl.col(name).is_not_null()).then(pl.lit(label))
            for name, label in SIGNALS.items()
        ],
        separator=", ",
        ignore_nulls=True,
    )
    listed = (
        flagged.join(scored, on="enrolment_id", how="left")
        .with_columns(
            _highest([pl.col("signal_level"), score_level]).alias("level"),
            pl.coalesce(pl.col("reasons"), pl.when(pl.col("signal_count") > 0).then(signal_labels))
            .fill_null("")
            .alias("reasons"),
        )
        .with_columns(level_rank().alias("_rank"))
    )
    if not everyone:
        listed = listed.filter(pl.col("level") != NO_LEVEL)
    return listed.sort(
        ["score", "_rank", "signal_count", "site", "group", "learner_name", "external_id"],
        descending=[True, True, True, False, False, False, False],
        nulls_last=True,
    ).select(LIST_COLUMNS)


def _highest_of_learner() -> pl.Expr:
    """A learner's level in an at_risk() frame grouped by learner: the highest of their rows
    (the frame holding _rank, level_rank())."""
    return pl.col("level").sort_by("_rank").last()


def levels_by_learner(frame: pl.DataFrame) -> pl.DataFrame:
    """learner_id, level: each learner of an at_risk() frame once, at their highest level (the
    level of ``by_learner``, without the texts: the monthly report counts learners by level)."""
    return (
        frame.select("learner_id", "level")
        .with_columns(level_rank().alias("_rank"))
        .group_by("learner_id")
        .agg(_highest_of_learner())
    )


def learners_count(frame: pl.DataFrame) -> int:
    """The number of learners of an at_risk() frame: the lines of ``by_learner``, counted
    without folding their groups and reasons into text (a page's figure, at every rerun)."""
    return frame.get_column("learner_id").n_unique()


def by_learner(frame: pl.DataFrame) -> pl.DataFrame:
    """One line per learner of an at_risk() frame: their groups (", "), the highest score and
    level, their signals and reasons (of each group, " ; "), in the order of the list."""
    return (
        frame.with_columns(level_rank().alias("_rank"))
        .group_by("learner_id", maintain_order=True)
        .agg(
            pl.col("external_id").first(),
            pl.col("learner_name").first(),
            pl.col("group").unique(maintain_order=True).str.join(", ").alias("groups"),
            pl.col("site").unique(maintain_order=True).str.join(", "),
            pl.col("referent").first(),
            pl.col("score").max(),
            _highest_of_learner(),
            pl.col("reasons")
            .filter(pl.col("reasons") != "")
            .unique(maintain_order=True)
            .str.join(" ; "),
            pl.col("signal_count").max(),
            pl.col("signals")
            .filter(pl.col("signals") != "")
            .unique(maintain_order=True)
            .str.join(" ; "),
        )
    )


def referents(frame: pl.DataFrame) -> list[str]:
    """The referents of an at_risk() frame, NO_REFERENT for learners without one."""
    names = frame.get_column("referent").fill_null(NO_REFERENT).unique().sort()
    return names.to_list()


def filter_at_risk(
    frame: pl.DataFrame,
    signals: list[str] | tuple[str, ...],
    chosen_referents: list[str],
    levels: list[str] | tuple[str, ...] = (),
) -> pl.DataFrame:
    """Rows of an at_risk() frame showing any of ``signals`` (all rows when empty), whose
    referent is among ``chosen_referents`` (all when empty; NO_REFERENT for none) and whose
    level is among ``levels`` (all when empty)."""
    conditions = []
    if signals:
        conditions.append(pl.any_horizontal([pl.col(name).is_not_null() for name in signals]))
    if chosen_referents:
        conditions.append(pl.col("referent").fill_null(NO_REFERENT).is_in(chosen_referents))
    if levels:
        conditions.append(pl.col("level").is_in(list(levels)))
    return frame.filter(*conditions) if conditions else frame


def signal_counts(frame: pl.DataFrame) -> pl.DataFrame:
    """Enrolments per signal in an at_risk() frame: signal (French label), learners (count),
    alerts (of them at alerte)."""
    return pl.DataFrame(
        {
            "signal": list(SIGNALS.values()),
            "learners": [int(frame.get_column(name).is_not_null().sum()) for name in SIGNALS],
            "alerts": [int((frame.get_column(name) == ALERT).sum()) for name in SIGNALS],
        },
        schema={"signal": pl.String, "learners": pl.Int64, "alerts": pl.Int64},
    )


CONTACT_LABELS = {
    "contacted_on": "Date du contact",
    "staff": "Qui",
    "channel": "Canal",
    "outcome": "Issue",
    "next_step": "Suite à donner",
    "last_contact": "Dernier contact",
    "contacted_recently": "Contacté récemment",
    "contacts": "Contacts",
}


def contact_learners(dataset: Dataset) -> pl.DataFrame:
    """The learners of the dataset, once each (learner_id, external_id, learner_name): whom
    ``contacts_in`` keeps contacts of (a unique over every enrolment: worth keeping)."""
    return dataset.enrolments.select("learner_id", "external_id", "learner_name").unique(
        "learner_id"
    )


def contacts_in(
    contacts: pl.DataFrame, dataset: Dataset, *, learners: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The follow-up contacts (table follow_up_contact) of the learners of the dataset (a
    user's part: no one else's), newest first, with who the learner is and who made the
    contact: contact_id, learner_id, external_id, learner_name, contacted_on, staff, channel,
    outcome, next_step. ``learners``: ``contact_learners(dataset)`` when the caller keeps it."""
    learners = contact_learners(dataset) if learners is None else learners
    staff = dataset.frames.staff.select(
        pl.col("id").alias("staff_id"), pl.col("name").alias("staff")
    )
    return (
        contacts.rename({"id": "contact_id"})
        .join(learners, on="learner_id", how="inner")
        .join(staff, on="staff_id", how="left")
        .sort(["contacted_on", "contact_id"], descending=True)
        .select(
            "contact_id",
            "learner_id",
            "external_id",
            "learner_name",
            "contacted_on",
            "staff",
            "channel",
            "outcome",
            "next_step",
        )
    )


def with_contacts(
    listed: pl.DataFrame, contacts: pl.DataFrame, today: date, recent_days: int
) -> pl.DataFrame:
    """The at_risk() rows with the learner's follow-up: contacts (count), last_contact
    ("dd/mm/yyyy, issue, canal, suite : ..."), contacted_recently (a contact in the last
    ``recent_days`` days up to ``today``). ``contacts``: contacts_in()."""
    last = (
        contacts.sort("contacted_on", "contact_id")
        .group_by("learner_id")
        .agg(
            pl.len().cast(pl.Int64).alias("contacts"),
            pl.col("contacted_on").last().alias("_last_on"),
            pl.format(
                "{}, {}, {}{}",
                pl.col("contacted_on").dt.strftime("%d/%m/%Y"),
                pl.col("outcome"),
                pl.col("channel"),
                pl.when(pl.col("next_step").is_not_null())
                .then(pl.format(" ; suite : {}", pl.col("next_step")))
                .otherwise(pl.lit("")),
            )
            .last()
            .alias("last_contact"),
        )
    )
    since = today - timedelta(days=recent_days)
    return (
        listed.join(last, on="learner_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("contacts").fill_null(0),
            (pl.col("_last_on").is_not_null() & (pl.col("_last_on") > since)).alias(
                "contacted_recently"
            ),
        )
        .drop("_last_on")
    )


def contacts_of_list(contacts: pl.DataFrame, listed: pl.DataFrame) -> pl.DataFrame:
    """The contacts (contacts_in()) of the learners of an at_risk() frame."""
    return contacts.filter(pl.col("learner_id").is_in(listed.get_column("learner_id").implode()))


def not_contacted(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows of with_contacts() whose learner has no follow-up contact yet."""
    return frame.filter(pl.col("contacts") == 0)
