"""The headline figures of a period: every family's `headline`, side by side.

One row (by=None) or one row per value of `by`. Counts are 0 when there is nothing to count;
means, medians, percentiles, shares and rates are null when their denominator is empty.
"""

from __future__ import annotations

import polars as pl

from domain import BY_DIMENSIONS, DIMENSION_LABELS
from indicators import delays, dropout, flows, support_hours, tutoring
from indicators.common import Filters, Period, Scope, apply_filters
from indicators.dataset import Dataset

NO_FILTERS = Filters()

FAMILIES = (flows, delays, tutoring, dropout, support_hours)

COUNT_COLUMNS = (
    "copies_received",
    "copies_corrected",
    "tutoring_requests",
    "tutoring_answered",
    "interviews",
    "learners_enrolled",
    "dropouts",
)
HEADLINE_COLUMNS = (
    "copies_received",
    "copies_corrected",
    "correction_delay_days_mean",
    "correction_delay_days_median",
    "correction_delay_days_p90",
    "correction_within_target_share",
    "tutoring_requests",
    "tutoring_answered",
    "tutoring_answered_within_48h_share",
    "interviews",
    "learners_enrolled",
    "dropouts",
    "dropout_rate",
    "support_hours_delivered",
)
NOT_APPLICABLE_BY_DISCIPLINE = ("learners_enrolled", "dropouts")

LABELS = {
    **DIMENSION_LABELS,
    "copies_received": "Copies reçues",
    "copies_corrected": "Copies corrigées",
    "correction_delay_days_mean": "Délai moyen de correction (j)",
    "correction_delay_days_median": "Délai médian (j)",
    "correction_delay_days_p90": "Délai 90e centile (j)",
    "correction_within_target_share": "Part corrigée dans l'objectif",
    "tutoring_requests": "Sollicitations de tutorat",
    "tutoring_answered": "Sollicitations répondues",
    "tutoring_answered_within_48h_share": "Part répondue sous 48 h",
    "interviews": "Entretiens",
    "learners_enrolled": "Inscriptions actives",
    "dropouts": "Abandons",
    "dropout_rate": "Taux d'abandon",
    "support_hours_delivered": "Heures d'accompagnement assurées",
}


def headline(dataset: Dataset, scope: Scope, by: str | None = None) -> pl.DataFrame:
    """Every headline figure of the period, one row or one row per value of ``by``."""
    if by is not None and by not in BY_DIMENSIONS:
        raise ValueError(f"Regroupement inconnu : {by} (choix : {', '.join(BY_DIMENSIONS)}).")
    parts = [family.headline(dataset, scope, by=by) for family in FAMILIES]
    if by is None:
        combined = pl.concat(parts, how="horizontal")
    else:
        keys = pl.concat([part.select(by) for part in parts]).unique().drop_nulls()
        combined = keys
        for part in parts:
            combined = combined.join(part, on=by, how="left")
        combined = combined.sort(by)
    counts = [
        c for c in COUNT_COLUMNS if not (by == "discipline" and c in NOT_APPLICABLE_BY_DISCIPLINE)
    ]
    combined = combined.with_columns(
        pl.col(c).fill_null(0).cast(pl.Int64) for c in counts
    ).with_columns(pl.col("support_hours_delivered").fill_null(0.0))
    leading = [by] if by else []
    return combined.select(*leading, *HEADLINE_COLUMNS)


def _event_days(dataset: Dataset, filters: Filters) -> pl.Series:
    copies = apply_filters(dataset.copies, filters)
    requests = apply_filters(dataset.tutoring_requests, filters)
    enrolments = apply_filters(dataset.enrolments, filters)
    return pl.concat(
        [
            copies.get_column("submitted_on"),
            copies.get_column("corrected_on"),
            requests.get_column("received_at").cast(pl.Date),
            requests.get_column("answered_at").cast(pl.Date),
            apply_filters(dataset.interviews, filters).get_column("held_on"),
            apply_filters(dataset.support_sessions, filters).get_column("held_on"),
            enrolments.get_column("entry_date"),
            enrolments.get_column("exit_date"),
        ]
    ).drop_nulls()


def data_period(dataset: Dataset, filters: Filters = NO_FILTERS) -> Period | None:
    """From the first to the last day any record of the data (within the filters: of its site,
    group...) falls on (None when empty)."""
    days = _event_days(dataset, filters)
    return None if days.is_empty() else Period(days.min(), days.max())
