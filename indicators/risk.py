"""At-risk learners (apprenants à risque de décrochage): learners still enrolled on a day who
show signals, each spelled out in French, with their referent so that someone can call.

A learner is "still enrolled" on ``as_of`` when one of their enrolments has entry <= as_of and
no exit or an exit after as_of; with several such enrolments, the latest entry gives the group.
The signals, all computed from the data up to ``as_of`` with group_by and joins (no loop):

- no_recent_copy: no copy submitted for settings.risk_inactivity_weeks weeks (and enrolled
  for that long) while the group keeps submitting: at least half of the group's current
  learners handed in a copy in those weeks (one copy from one classmate is not enough);
- no_recent_interview: no interview for settings.risk_interview_gap_weeks weeks (and
  enrolled for that long); only when the data hold interviews at all (a file of copies
  alone says nothing about interviews);
- suivi_overdue: the last ``contractualisation`` has had no ``suivi`` after it for more than
  settings.risk_suivi_due_days days;
- unanswered_requests: tutoring requests received more than settings.tutoring_target_hours
  hours before the end of ``as_of`` and still unanswered then;
- falling_grades: mean of the last 3 grades lower than the mean of the 3 before by at least
  settings.risk_grade_drop points;
- absences: at least settings.risk_absences absences from support sessions in the last 8 weeks.

Filters: site, group, public and modality apply to the learner's current group; the
discipline filter does not apply (the risk concerns the learner as a whole).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from indicators.common import Scope
from indicators.dataset import Dataset
from indicators.interviews import overdue_suivi_of

ABSENCE_WINDOW_WEEKS = 8
GRADES_COMPARED = 3

SIGNALS = {
    "no_recent_copy": "Pas de copie récente",
    "no_recent_interview": "Pas d'entretien récent",
    "suivi_overdue": "Suivi en retard",
    "unanswered_requests": "Tutorat sans réponse",
    "falling_grades": "Notes en baisse",
    "absences": "Absences aux séances",
}
"""Boolean column of each signal and its short French label (page filter, chart)."""

NO_REFERENT = "Sans référent"

COLUMN_LABELS = {
    "external_id": "Identifiant",
    "learner_name": "Apprenant",
    "group": "Groupe",
    "site": "Site",
    "public": "Public",
    "referent": "Référent",
    "entry_date": "Entrée",
    "signal_count": "Nombre de signaux",
    "signals": "Signaux",
    **SIGNALS,
}


def _date_text(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%d/%m/%Y")


def _decimal_text(expr: pl.Expr) -> pl.Expr:
    return expr.round(1).cast(pl.String).str.replace(".", ",", literal=True)


def _plural(count: pl.Expr, singular: str, plural: str) -> pl.Expr:
    return pl.when(count == 1).then(pl.lit(singular)).otherwise(pl.lit(plural))


def current_learners(dataset: Dataset, scope: Scope, as_of: date) -> pl.DataFrame:
    """One row per learner still enrolled on ``as_of`` (latest entry), filters applied."""
    return (
        scope.keep(dataset.enrolments, disciplines=False)
        .filter(
            (pl.col("entry_date") <= as_of)
            & (pl.col("exit_date").is_null() | (pl.col("exit_date") > as_of))
        )
        .sort("learner_id", "entry_date", "enrolment_id")
        .group_by("learner_id", maintain_order=True)
        .last()
        .select(
            "learner_id",
            "external_id",
            "learner_name",
            "group_id",
            "group",
            "site",
            "public",
            "referent",
            "entry_date",
        )
    )


def _no_recent_copy(
    dataset: Dataset, learners: pl.DataFrame, as_of: date, weeks: int
) -> pl.DataFrame:
    window_start = as_of - timedelta(weeks=weeks)  # the window is (window_start, as_of]
    copies = dataset.copies.filter(pl.col("submitted_on") <= as_of)
    last_copy = copies.group_by("learner_id").agg(pl.col("submitted_on").max().alias("last_copy"))
    submitters = copies.filter(pl.col("submitted_on") > window_start).select(
        "learner_id", "submitted_on"
    )
    group_copies = (
        learners.select("learner_id", "group_id")
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
    return (
        learners.select("learner_id", "group_id", "entry_date")
        .join(last_copy, on="learner_id", how="left")
        .join(group_copies, on="group_id", how="left")
        .filter(
            (pl.col("entry_date") <= window_start)
            & (pl.col("last_copy").is_null() | (pl.col("last_copy") <= window_start))
            & (pl.col("group_submitters").fill_null(0) * 2 >= pl.col("group_size"))
            & (pl.col("group_submitters").fill_null(0) > 0)
        )
        .select(
            "learner_id",
            pl.when(pl.col("last_copy").is_null())
            .then(
                pl.format(
                    "Aucune copie depuis l'entrée le {} ({} semaines, alors que {} apprenants du groupe sur {} en ont rendu {} en {} semaines)",
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
                    "Aucune copie depuis {} semaines (dernière le {}, alors que {} apprenants du groupe sur {} en ont rendu {} en {} semaines)",
                    weeks_since,
                    _date_text("last_copy"),
                    pl.col("group_submitters"),
                    pl.col("group_size"),
                    pl.col("group_copies"),
                    pl.lit(weeks),
                )
            )
            .alias("no_recent_copy_text"),
        )
    )


def _no_recent_interview(
    dataset: Dataset, learners: pl.DataFrame, as_of: date, weeks: int
) -> pl.DataFrame:
    limit = as_of - timedelta(weeks=weeks)
    last = (
        dataset.interviews.filter(pl.col("held_on") <= as_of)
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
        learners.select("learner_id", "entry_date")
        .join(last, on="learner_id", how="left")
        .filter(
            (pl.col("entry_date") <= limit)
            & (pl.col("last_interview").is_null() | (pl.col("last_interview") <= limit))
        )
        .select(
            "learner_id",
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
                    (pl.lit(as_of) - pl.col("last_interview")).dt.total_days() // 7,
                    pl.col("last_type"),
                    _date_text("last_interview"),
                )
            )
            .alias("no_recent_interview_text"),
        )
    )


def _suivi_overdue(dataset: Dataset, as_of: date, due_days: int) -> pl.DataFrame:
    return overdue_suivi_of(dataset.interviews, "learner_id", as_of, due_days).select(
        "learner_id",
        pl.format(
            "Suivi en retard : contractualisation du {} sans suivi depuis {} jours (attendu sous {} jours)",
            _date_text("last_contractualisation"),
            pl.col("days_since_contractualisation"),
            pl.lit(due_days),
        ).alias("suivi_overdue_text"),
    )


def _unanswered_requests(dataset: Dataset, as_of: date, hours: int) -> pl.DataFrame:
    end_of_day = datetime.combine(as_of + timedelta(days=1), datetime.min.time())
    older_than = end_of_day - timedelta(hours=hours)
    count = pl.col("unanswered")
    return (
        dataset.tutoring_requests.filter(
            (pl.col("received_at") <= older_than)
            & (pl.col("answered_at").is_null() | (pl.col("answered_at") >= end_of_day))
        )
        .group_by("learner_id")
        .agg(
            pl.len().alias("unanswered"),
            pl.col("received_at").min().dt.date().alias("oldest"),
        )
        .select(
            "learner_id",
            pl.format(
                "{} {} de tutorat sans réponse depuis plus de {} h ({} {})",
                count,
                _plural(count, "demande", "demandes"),
                pl.lit(hours),
                _plural(count, "reçue le", "la plus ancienne du"),
                _date_text("oldest"),
            ).alias("unanswered_requests_text"),
        )
    )


def _falling_grades(dataset: Dataset, as_of: date, drop: float) -> pl.DataFrame:
    compared = 2 * GRADES_COMPARED
    last_grades = (
        dataset.copies.filter(
            pl.col("grade").is_not_null()
            & (pl.col("submitted_on") <= as_of)
            & (pl.col("corrected_on").is_null() | (pl.col("corrected_on") <= as_of))
        )
        .group_by("learner_id")
        .agg(pl.col("grade").sort_by("submitted_on", "id").tail(compared).alias("last"))
    )
    return (
        last_grades.select(
            "learner_id",
            pl.col("last").list.len().alias("grades"),
            pl.col("last").list.tail(GRADES_COMPARED).list.mean().alias("recent"),
            pl.col("last").list.head(GRADES_COMPARED).list.mean().alias("before"),
        )
        .filter(
            (pl.col("grades") == compared) & (pl.col("before") - pl.col("recent") >= drop - 1e-9)
        )
        .select(
            "learner_id",
            pl.format(
                "Notes en baisse : moyenne des {} dernières {}/20 contre {}/20 pour les {} précédentes",
                pl.lit(GRADES_COMPARED),
                _decimal_text(pl.col("recent")),
                _decimal_text(pl.col("before")),
                pl.lit(GRADES_COMPARED),
            ).alias("falling_grades_text"),
        )
    )


def _absences(dataset: Dataset, as_of: date, minimum: int) -> pl.DataFrame:
    window_start = as_of - timedelta(weeks=ABSENCE_WINDOW_WEEKS)
    return (
        dataset.attendance.filter(
            ~pl.col("present") & (pl.col("held_on") > window_start) & (pl.col("held_on") <= as_of)
        )
        .group_by("learner_id")
        .agg(pl.len().alias("absent"))
        .filter(pl.col("absent") >= minimum)
        .select(
            "learner_id",
            pl.format(
                "{} absences aux séances d'accompagnement sur les {} dernières semaines",
                pl.col("absent"),
                pl.lit(ABSENCE_WINDOW_WEEKS),
            ).alias("absences_text"),
        )
    )


def at_risk(dataset: Dataset, scope: Scope, as_of: date) -> pl.DataFrame:
    """One row per learner still enrolled on ``as_of`` showing at least one signal.

    Columns: learner_id, external_id, learner_name, group, site, public, referent,
    entry_date, signal_count, signals (each signal spelled out in French, separated by
    " ; "), then one boolean column per signal (keys of SIGNALS). Most signals first.
    """
    settings = scope.settings
    learners = current_learners(dataset, scope, as_of)
    signal_frames = [
        _no_recent_copy(dataset, learners, as_of, settings.risk_inactivity_weeks),
        _no_recent_interview(dataset, learners, as_of, settings.risk_interview_gap_weeks)
        if not dataset.interviews.is_empty()  # data without interviews (a copies export)
        else pl.DataFrame(schema={"learner_id": pl.Int64, "no_recent_interview_text": pl.String}),
        _suivi_overdue(dataset, as_of, settings.risk_suivi_due_days),
        _unanswered_requests(dataset, as_of, settings.tutoring_target_hours),
        _falling_grades(dataset, as_of, settings.risk_grade_drop),
        _absences(dataset, as_of, settings.risk_absences),
    ]
    combined = learners
    for frame in signal_frames:
        combined = combined.join(frame, on="learner_id", how="left")
    texts = [f"{name}_text" for name in SIGNALS]
    flags = [pl.col(f"{name}_text").is_not_null().alias(name) for name in SIGNALS]
    return (
        combined.with_columns(flags)
        .with_columns(
            pl.sum_horizontal([pl.col(name).cast(pl.Int64) for name in SIGNALS])
            .cast(pl.Int64)
            .alias("signal_count"),
            pl.concat_list(texts).list.drop_nulls().list.join(" ; ").alias("signals"),
        )
        .filter(pl.col("signal_count") > 0)
        .select(
            "learner_id",
            "external_id",
            "learner_name",
            "group",
            "site",
            "public",
            "referent",
            "entry_date",
            "signal_count",
            "signals",
            *SIGNALS,
        )
        .sort(
            ["signal_count", "site", "group", "learner_name", "external_id"],
            descending=[True, False, False, False, False],
            nulls_last=True,
        )
    )


def referents(frame: pl.DataFrame) -> list[str]:
    """The referents of an at_risk() frame, NO_REFERENT for learners without one."""
    names = frame.get_column("referent").fill_null(NO_REFERENT).unique().sort()
    return names.to_list()


def filter_at_risk(
    frame: pl.DataFrame, signals: list[str] | tuple[str, ...], chosen_referents: list[str]
) -> pl.DataFrame:
    """Rows of an at_risk() frame showing any of ``signals`` (all rows when empty) and whose
    referent is among ``chosen_referents`` (all when empty; NO_REFERENT for none)."""
    conditions = []
    if signals:
        conditions.append(pl.any_horizontal([pl.col(name) for name in signals]))
    if chosen_referents:
        conditions.append(pl.col("referent").fill_null(NO_REFERENT).is_in(chosen_referents))
    return frame.filter(*conditions) if conditions else frame


def signal_counts(frame: pl.DataFrame) -> pl.DataFrame:
    """Learners per signal in an at_risk() frame: signal (French label), learners."""
    return pl.DataFrame(
        {
            "signal": list(SIGNALS.values()),
            "learners": [int(frame.get_column(name).sum()) for name in SIGNALS],
        },
        schema={"signal": pl.String, "learners": pl.Int64},
    )
