"""Interview pathway (parcours d'entretiens): which interview types each learner had and when;
first interviews missing a month after entry; ``suivi`` overdue after a ``contractualisation``;
interviews recorded without objectives.

The pathway is per enrolment (a learner reoriented into a new group starts a new pathway):
interviews are attributed to the enrolment in force on their date (indicators.dataset).
Filters: site, group, public and modality apply to the enrolment's group; the discipline
filter does not apply to interviews.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from domain import INTERVIEW_TYPES
from indicators.common import Scope, active_in
from indicators.dataset import Dataset

TYPE_COLUMNS = {t: t.replace("-", "_").replace("é", "e") for t in INTERVIEW_TYPES}
"""Column of each interview type in the pathway: initial, diagnostic, co_elaboration, ..."""

LEARNER_COLUMNS = ["learner_id", "external_id", "learner_name", "group", "site", "referent"]

COLUMN_LABELS = {
    "external_id": "Identifiant",
    "learner_name": "Apprenant",
    "group": "Groupe",
    "site": "Site",
    "referent": "Référent",
    "entry_date": "Entrée",
    **{column: f"{kind.capitalize()} (1er)" for kind, column in TYPE_COLUMNS.items()},
    "suivi_count": "Nombre de suivis",
    "interview_count": "Nombre d'entretiens",
    "last_interview": "Dernier entretien",
    "due_on": "Échéance",
    "missing": "Entretiens manquants",
    "days_since_entry": "Jours depuis l'entrée",
    "exit_date": "Sortie",
    "exit_reason": "Motif de sortie",
    "days_enrolled": "Jours d'inscription",
    "last_contractualisation": "Contractualisation du",
    "days_since_contractualisation": "Jours depuis la contractualisation",
    "held_on": "Date",
    "interview_type": "Type d'entretien",
    "staff": "Intervenant",
    "objectives_set": "Objectifs fixés",
}


def _enrolments(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    return scope.keep(dataset.enrolments, disciplines=False).filter(active_in(scope.period))


def _interviews_until(dataset: Dataset, day: date) -> pl.DataFrame:
    return dataset.interviews.filter(pl.col("held_on") <= day)


def pathway(dataset: Dataset, scope: Scope, as_of: date | None = None) -> pl.DataFrame:
    """One row per enrolment active in the period: the first date of each interview type.

    Columns: enrolment_id, learner_id, external_id, learner_name, group, site, referent,
    entry_date, exit_date, then one date column per type in phase order (initial, diagnostic,
    co_elaboration, contractualisation, suivi, bilan; null when not held), suivi_count,
    interview_count, last_interview. Interviews held up to ``as_of`` (default: period end),
    before the period included (the pathway is cumulative).
    """
    until = as_of or scope.period.end
    enrolments = _enrolments(dataset, scope)
    per_enrolment = (
        _interviews_until(dataset, until)
        .filter(pl.col("enrolment_id").is_in(enrolments.get_column("enrolment_id").implode()))
        .group_by("enrolment_id")
        .agg(
            *[
                pl.col("held_on").filter(pl.col("interview_type") == kind).min().alias(column)
                for kind, column in TYPE_COLUMNS.items()
            ],
            (pl.col("interview_type") == "suivi").sum().cast(pl.Int64).alias("suivi_count"),
            pl.len().cast(pl.Int64).alias("interview_count"),
            pl.col("held_on").max().alias("last_interview"),
        )
    )
    return (
        enrolments.select("enrolment_id", *LEARNER_COLUMNS, "entry_date", "exit_date")
        .join(per_enrolment, on="enrolment_id", how="left")
        .with_columns(pl.col("suivi_count", "interview_count").fill_null(0))
        .sort("site", "group", "learner_name", "external_id", nulls_last=True)
    )


def _first_interviews_gap(dataset: Dataset, scope: Scope, as_of: date) -> pl.DataFrame:
    """Enrolments whose ``initial`` or ``diagnostic`` interview is missing on ``as_of`` while
    their due date (entry + settings.pathway_first_interviews_due_days) has passed, before
    the exit for an enrolment that ended: the pathway's columns plus due_on, missing,
    missing_initial, missing_diagnostic."""
    due = scope.settings.pathway_first_interviews_due_days
    return (
        pathway(dataset, scope, as_of)
        .with_columns(
            pl.col("entry_date").dt.offset_by(f"{due}d").alias("due_on"),
            pl.col("initial").is_null().alias("missing_initial"),
            pl.col("diagnostic").is_null().alias("missing_diagnostic"),
        )
        .filter(
            (pl.col("due_on") < as_of)
            & (pl.col("exit_date").is_null() | (pl.col("due_on") < pl.col("exit_date")))
            & (pl.col("missing_initial") | pl.col("missing_diagnostic"))
        )
        .with_columns(
            pl.when(pl.col("missing_initial") & pl.col("missing_diagnostic"))
            .then(pl.lit("initial et diagnostic"))
            .when(pl.col("missing_initial"))
            .then(pl.lit("initial"))
            .otherwise(pl.lit("diagnostic"))
            .alias("missing")
        )
    )


def _left_by(as_of: date) -> pl.Expr:
    return pl.col("exit_date").is_not_null() & (pl.col("exit_date") <= as_of)


def missing_first_interviews(dataset: Dataset, scope: Scope, as_of: date) -> pl.DataFrame:
    """The to-do list: enrolments still in progress on ``as_of`` (no exit, or an exit after
    it) whose ``initial`` or ``diagnostic`` interview is still missing although entry +
    settings.pathway_first_interviews_due_days has passed. Those who have left are in
    left_without_first_interviews.

    Columns: the learner's columns, entry_date, due_on, days_since_entry (to ``as_of``),
    missing (French text: "initial", "diagnostic" or "initial et diagnostic"),
    missing_initial, missing_diagnostic.
    """
    return (
        _first_interviews_gap(dataset, scope, as_of)
        .filter(~_left_by(as_of))
        .with_columns(
            (pl.lit(as_of) - pl.col("entry_date")).dt.total_days().alias("days_since_entry")
        )
        .select(
            "enrolment_id",
            *LEARNER_COLUMNS,
            "entry_date",
            "due_on",
            "days_since_entry",
            "missing",
            "missing_initial",
            "missing_diagnostic",
        )
        .sort("days_since_entry", "external_id", descending=[True, False], nulls_last=True)
    )


def left_without_first_interviews(dataset: Dataset, scope: Scope, as_of: date) -> pl.DataFrame:
    """A documentation gap, not a to-do: enrolments that ended by ``as_of`` without their
    ``initial`` or ``diagnostic`` interview although it was due before the exit.

    Columns: the learner's columns, entry_date, exit_date, exit_reason, days_enrolled (entry
    to exit), missing, missing_initial, missing_diagnostic; the latest exits first.
    """
    reasons = dataset.enrolments.select("enrolment_id", "exit_reason")
    return (
        _first_interviews_gap(dataset, scope, as_of)
        .filter(_left_by(as_of))
        .join(reasons, on="enrolment_id", how="left")
        .with_columns(
            (pl.col("exit_date") - pl.col("entry_date")).dt.total_days().alias("days_enrolled")
        )
        .select(
            "enrolment_id",
            *LEARNER_COLUMNS,
            "entry_date",
            "exit_date",
            "exit_reason",
            "days_enrolled",
            "missing",
            "missing_initial",
            "missing_diagnostic",
        )
        .sort("exit_date", "external_id", descending=[True, False], nulls_last=True)
    )


def overdue_suivi_of(
    interviews: pl.DataFrame, key: str, as_of: date, due_days: int
) -> pl.DataFrame:
    """Per ``key`` (learner_id or enrolment_id): the last ``contractualisation`` held on or
    before ``as_of`` with no ``suivi`` after it, when more than ``due_days`` days have passed.

    Columns: key, last_contractualisation, days_since_contractualisation. A ``suivi`` held the
    same day as the contractualisation does not count as its follow-up.
    """
    return (
        interviews.filter(pl.col("held_on") <= as_of)
        .group_by(key)
        .agg(
            pl.col("held_on")
            .filter(pl.col("interview_type") == "contractualisation")
            .max()
            .alias("last_contractualisation"),
            pl.col("held_on").filter(pl.col("interview_type") == "suivi").max().alias("_suivi"),
        )
        .with_columns(
            (pl.lit(as_of) - pl.col("last_contractualisation"))
            .dt.total_days()
            .alias("days_since_contractualisation")
        )
        .filter(
            pl.col("last_contractualisation").is_not_null()
            & (pl.col("_suivi").is_null() | (pl.col("_suivi") <= pl.col("last_contractualisation")))
            & (pl.col("days_since_contractualisation") > due_days)
        )
        .select(key, "last_contractualisation", "days_since_contractualisation")
    )


def overdue_suivi(dataset: Dataset, scope: Scope, as_of: date) -> pl.DataFrame:
    """Enrolments active in the period and still in progress on ``as_of`` whose ``suivi`` is
    overdue (no suivi more than settings.risk_suivi_due_days days after the last
    contractualisation).

    Columns: the learner's columns, last_contractualisation, days_since_contractualisation.
    """
    enrolments = _enrolments(dataset, scope).filter(
        (pl.col("entry_date") <= as_of)
        & (pl.col("exit_date").is_null() | (pl.col("exit_date") > as_of))
    )
    overdue = overdue_suivi_of(
        dataset.interviews.filter(
            pl.col("enrolment_id").is_in(enrolments.get_column("enrolment_id").implode())
        ),
        "enrolment_id",
        as_of,
        scope.settings.risk_suivi_due_days,
    )
    return (
        enrolments.select("enrolment_id", *LEARNER_COLUMNS)
        .join(overdue, on="enrolment_id", how="inner")
        .sort("days_since_contractualisation", descending=True)
    )


def without_objectives(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """Interviews held in the period recorded without objectives (objectives_set null or 0).

    Columns: held_on, interview_type, external_id, learner_name, group, site, staff,
    objectives_set. The interview's notes are never included.
    """
    learners = dataset.enrolments.select("enrolment_id", "external_id", "learner_name")
    return (
        scope.keep(dataset.interviews, disciplines=False)
        .filter(scope.period.contains("held_on"))
        .filter(pl.col("objectives_set").fill_null(0) == 0)
        .join(learners, on="enrolment_id", how="left")
        .select(
            "held_on",
            "interview_type",
            "external_id",
            "learner_name",
            "group",
            "site",
            "staff",
            "objectives_set",
        )
        .sort("held_on", "external_id", descending=[True, False], nulls_last=True)
    )


def interviews_by_type(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """Interviews held in the period per type, in phase order (every type, 0 when none).

    Columns: interview_type, interviews, without_objectives.
    """
    held = (
        scope.keep(dataset.interviews, disciplines=False)
        .filter(scope.period.contains("held_on"))
        .group_by("interview_type")
        .agg(
            pl.len().cast(pl.Int64).alias("interviews"),
            (pl.col("objectives_set").fill_null(0) == 0)
            .sum()
            .cast(pl.Int64)
            .alias("without_objectives"),
        )
    )
    order = pl.DataFrame(
        {"interview_type": list(INTERVIEW_TYPES), "_order": list(range(len(INTERVIEW_TYPES)))}
    )
    return (
        order.join(held, on="interview_type", how="left")
        .with_columns(pl.col("interviews", "without_objectives").fill_null(0))
        .sort("_order")
        .drop("_order")
    )
