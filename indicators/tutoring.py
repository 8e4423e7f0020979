"""Tutoring (DOMAIN.md, "Tutoring response time" and "Tutor load").

Response time = answered_at - received_at in hours (Dataset.tutoring_requests carries it
as ``response_hours``, null while unanswered). The headline share is the requests answered
within ``settings.tutoring_target_hours`` hours (<=) over EVERY request received in the
period, answered or not, whenever the answer came.

"Unanswered" is judged at the end of the day ``flows.as_of`` (midnight after it): a request
received by then and not answered by then, whose age at that instant exceeds the target.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import polars as pl

from domain import DIMENSION_LABELS
from indicators.common import IndicatorSettings, Scope, active_in, matching, safe_ratio
from indicators.dataset import Dataset, with_learners
from indicators.flows import as_of, check_by

BREAKDOWNS = ("site", "group", "discipline", "public", "tutor", "channel")
HOURS = pl.col("response_hours")
DISTRIBUTION_BREAKS = (4, 8, 12, 24, 36, 48, 72, 96, 120, 168)
COLUMN_LABELS = {
    **DIMENSION_LABELS,
    "tutor": "Tuteur",
    "channel": "Canal",
    "requests_received": "Sollicitations reçues",
    "requests_answered": "Répondues",
    "answered_within_target": "Répondues dans le délai cible",
    "answered_within_target_share": "Part répondue dans le délai cible",
    "response_hours_median": "Délai médian de réponse (heures)",
    "response_hours_mean": "Délai moyen de réponse (heures)",
    "response_hours_p90": "90e centile du délai (heures)",
    "external_id": "Identifiant apprenant",
    "received_at": "Reçue le",
    "age_hours": "Sans réponse depuis (heures)",
    "learners": "Apprenants suivis",
    "requests": "Sollicitations reçues",
    "lower_hours": "Délai de plus de (heures)",
    "upper_hours": "Délai jusqu'à (heures)",
    "within_target": "Dans le délai cible",
    "label": "Délai de réponse",
}


def received_in(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """The requests received in the period (filters applied)."""
    return scope.keep(dataset.tutoring_requests).filter(scope.period.contains("received_at"))


def _within(settings: IndicatorSettings) -> pl.Expr:
    return (HOURS <= settings.tutoring_target_hours).fill_null(False)


def headline(dataset: Dataset, scope: Scope, by: str | None = None) -> pl.DataFrame:
    """tutoring_answered_within_48h_share: answered within the target over every request
    received in the period (null when none was received)."""
    keys = check_by(by)
    share = safe_ratio(_within(scope.settings).sum(), pl.len()).alias(
        "tutoring_answered_within_48h_share"
    )
    received = received_in(dataset, scope)
    if not keys:
        return received.select(share)
    return received.group_by(keys).agg(share).sort(keys, nulls_last=True)


def response_summary(dataset: Dataset, scope: Scope, by: str | None = None) -> pl.DataFrame:
    """Over the requests received in the period, per ``by`` (site, group, discipline,
    public, tutor, channel) or in all: requests_received, requests_answered,
    answered_within_target, answered_within_target_share, response_hours_median,
    response_hours_mean, response_hours_p90 (over the answered ones)."""
    keys = check_by(by, BREAKDOWNS)
    aggregates = [
        pl.len().cast(pl.Int64).alias("requests_received"),
        HOURS.is_not_null().sum().cast(pl.Int64).alias("requests_answered"),
        _within(scope.settings).sum().cast(pl.Int64).alias("answered_within_target"),
        safe_ratio(_within(scope.settings).sum(), pl.len()).alias("answered_within_target_share"),
        HOURS.median().alias("response_hours_median"),
        HOURS.mean().alias("response_hours_mean"),
        HOURS.quantile(0.9, interpolation="linear").alias("response_hours_p90"),
    ]
    received = received_in(dataset, scope)
    if not keys:
        return received.select(aggregates)
    return (
        received.group_by(keys)
        .agg(aggregates)
        .sort(["requests_received", by], descending=[True, False], nulls_last=True)
    )


def distribution(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """Response times of the requests received in the period and answered, in bins:
    bin (0, 1, ...), lower_hours (exclusive, null for the first), upper_hours (inclusive,
    null for the last), requests, within_target (the whole bin is <= the target).
    The breaks include the target, so no bin straddles it. Every bin is present."""
    settings = scope.settings
    breaks = sorted({*DISTRIBUTION_BREAKS, settings.tutoring_target_hours})
    answered = received_in(dataset, scope).filter(HOURS.is_not_null())
    index = pl.sum_horizontal([(HOURS > b).cast(pl.Int64) for b in breaks]).alias("bin")
    counts = answered.group_by(index).agg(pl.len().cast(pl.Int64).alias("requests"))
    bins = pl.DataFrame(
        {
            "bin": list(range(len(breaks) + 1)),
            "lower_hours": [None, *breaks],
            "upper_hours": [*breaks, None],
        },
        schema={"bin": pl.Int64, "lower_hours": pl.Float64, "upper_hours": pl.Float64},
    )
    return (
        bins.join(counts, on="bin", how="left")
        .with_columns(
            pl.col("requests").fill_null(0),
            (pl.col("upper_hours") <= settings.tutoring_target_hours)
            .fill_null(False)
            .alias("within_target"),
        )
        .sort("bin")
    )


def _end_of(dataset: Dataset, scope: Scope) -> datetime:
    """Midnight after the day as_of: the instant 'unanswered' is judged at."""
    return datetime.combine(as_of(dataset, scope.period) + timedelta(days=1), time())


def _unanswered(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    instant = _end_of(dataset, scope)
    age = (pl.lit(instant) - pl.col("received_at")).dt.total_seconds() / 3600.0
    return (
        scope.keep(dataset.tutoring_requests)
        .filter(
            (pl.col("received_at") < instant)
            & (pl.col("answered_at").is_null() | (pl.col("answered_at") >= instant))
        )
        .with_columns(age.alias("age_hours"))
        .filter(pl.col("age_hours") > scope.settings.tutoring_target_hours)
    )


def unanswered_summary(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """One row: as_of, requests_unanswered_over_target, oldest_age_hours."""
    overdue = _unanswered(dataset, scope)
    return overdue.select(
        pl.lit(as_of(dataset, scope.period)).alias("as_of"),
        pl.len().cast(pl.Int64).alias("requests_unanswered_over_target"),
        pl.col("age_hours").max().alias("oldest_age_hours"),
    )


def unanswered_overdue(dataset: Dataset, scope: Scope, limit: int | None = 200) -> pl.DataFrame:
    """Requests without an answer at the end of ``as_of`` and older than the target,
    oldest first: external_id, group, site, discipline, channel, tutor, received_at,
    age_hours. Requests received before the period are included (they still wait)."""
    overdue = _unanswered(dataset, scope).sort(
        ["age_hours", "discipline"], descending=[True, False]
    )
    if limit is not None:
        overdue = overdue.head(limit)
    learners = dataset.frames.learners.select(pl.col("id").alias("learner_id"), "external_id")
    return overdue.join(learners, on="learner_id", how="left", maintain_order="left").select(
        "external_id",
        "group",
        "site",
        "discipline",
        "channel",
        "tutor",
        "received_at",
        "age_hours",
    )


def tutor_load(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """Per tutor: tutor, learners (distinct learners whose referent the tutor is, with an
    enrolment active in the period and matching the filters), requests (received in the
    period and handled by the tutor), requests_answered, answered_within_target_share,
    response_hours_median. A null tutor gathers learners without referent and requests
    without tutor. Most learners first."""
    enrolments = scope.keep(dataset.enrolments, disciplines=False).filter(active_in(scope.period))
    learners = enrolments.group_by(pl.col("referent").alias("tutor")).agg(
        pl.col("learner_id").n_unique().cast(pl.Int64).alias("learners")
    )
    requests = (
        received_in(dataset, scope)
        .group_by("tutor")
        .agg(
            pl.len().cast(pl.Int64).alias("requests"),
            HOURS.is_not_null().sum().cast(pl.Int64).alias("requests_answered"),
            safe_ratio(_within(scope.settings).sum(), pl.len()).alias(
                "answered_within_target_share"
            ),
            HOURS.median().alias("response_hours_median"),
        )
    )
    return (
        learners.join(requests, on="tutor", how="full", coalesce=True, nulls_equal=True)
        .with_columns(
            pl.col("learners").fill_null(0),
            pl.col("requests").fill_null(0),
            pl.col("requests_answered").fill_null(0),
        )
        .select(
            "tutor",
            "learners",
            "requests",
            "requests_answered",
            "answered_within_target_share",
            "response_hours_median",
        )
        .sort(["learners", "requests", "tutor"], descending=[True, True, False], nulls_last=True)
    )


BEHIND_COLUMNS = (
    "received_at",
    "discipline",
    "channel",
    "external_id",
    "learner_name",
    "group",
    "site",
    "tutor",
    "answered_at",
    "response_hours",
)


def requests_behind(dataset: Dataset, scope: Scope, tutor: str | None) -> pl.DataFrame:
    """The requests received in the period and handled by ``tutor`` (None: without tutor):
    as many rows as the tutor's ``requests`` in tutor_load. Columns: BEHIND_COLUMNS; most
    recent first."""
    return (
        with_learners(dataset, received_in(dataset, scope).filter(matching({"tutor": tutor})))
        .select(BEHIND_COLUMNS)
        .sort("received_at", descending=True)
    )


def with_bin_labels(spread: pl.DataFrame) -> pl.DataFrame:
    """A distribution frame with a French ``label`` per bin: "≤ 4 h", "4 à 8 h", "> 168 h"."""
    lower = pl.col("lower_hours").cast(pl.Int64).cast(pl.String)
    upper = pl.col("upper_hours").cast(pl.Int64).cast(pl.String)
    label = (
        pl.when(pl.col("lower_hours").is_null())
        .then(pl.lit("≤ ") + upper + pl.lit(" h"))
        .when(pl.col("upper_hours").is_null())
        .then(pl.lit("> ") + lower + pl.lit(" h"))
        .otherwise(lower + pl.lit(" à ") + upper + pl.lit(" h"))
    )
    return spread.with_columns(label.alias("label"))


NO_TUTOR = "(sans tuteur)"


def no_tutor_label() -> pl.Expr:
    """The tutor column with NO_TUTOR where no tutor is recorded (for tables and charts)."""
    return pl.col("tutor").fill_null(NO_TUTOR).alias("tutor")
