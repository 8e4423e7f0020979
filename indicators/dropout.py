"""Dropout (décrochage): dropout rate, exits per month by reason, retention by weeks since entry
(Kaplan-Meier).

Dropout rate (DOMAIN.md): among enrolments active at some time in the period (entry <= end
and (no exit or exit >= start)), the share whose exit reason is ``abandon`` with an exit date
in the period. Enrolments, not learners, are counted: a learner reoriented from one group to
another during the period holds two enrolments, each counted once in its own group.

Filters: site, group, public and modality apply to the enrolment's group; the discipline
filter does not apply to enrolments.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from domain import BY_DIMENSIONS, DROPOUT_REASON
from indicators.common import Period, Scope, active_in, matching, safe_ratio
from indicators.dataset import Dataset

ENROLMENT_BY = ("site", "group", "public")

COLUMN_LABELS = {
    "site": "Site",
    "group": "Groupe",
    "public": "Public",
    "learners_enrolled": "Inscriptions actives",
    "dropouts": "Abandons",
    "dropout_rate": "Taux d'abandon",
    "month": "Début du mois",
    "month_label": "Mois",
    "exit_reason": "Motif de sortie",
    "exits": "Sorties",
    "weeks": "Semaines depuis l'entrée",
    "followed": "Inscriptions encore suivies",
    "retention": "Taux de maintien",
    "external_id": "Identifiant",
    "learner_name": "Apprenant",
    "referent": "Référent",
    "entry_date": "Entrée",
    "exit_date": "Sortie",
    "dropout": "Abandon dans la période",
}


def check_by(by: str | None) -> None:
    if by is not None and by not in BY_DIMENSIONS:
        raise ValueError(f"Regroupement inconnu : {by!r} (attendu : {', '.join(BY_DIMENSIONS)}).")


def active_enrolments(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """The filtered enrolments active in the period, with a boolean ``dropout`` column."""
    return (
        scope.keep(dataset.enrolments, disciplines=False)
        .filter(active_in(scope.period))
        .with_columns(
            ((pl.col("exit_reason") == DROPOUT_REASON) & scope.period.contains("exit_date"))
            .fill_null(False)
            .alias("dropout")
        )
    )


def _rate_columns() -> list[pl.Expr]:
    return [
        pl.len().cast(pl.Int64).alias("learners_enrolled"),
        pl.col("dropout").sum().cast(pl.Int64).alias("dropouts"),
    ]


def headline(dataset: Dataset, scope: Scope, by: str | None = None) -> pl.DataFrame:
    """learners_enrolled, dropouts, dropout_rate (see the module docstring).

    By "discipline" is not applicable to enrolments: a frame with the ``discipline`` column and
    no rows.
    """
    check_by(by)
    enrolments = active_enrolments(dataset, scope)
    schema = {"learners_enrolled": pl.Int64, "dropouts": pl.Int64, "dropout_rate": pl.Float64}
    if by == "discipline":
        return pl.DataFrame(schema={"discipline": pl.String, **schema})
    if by is None:
        counts = enrolments.select(_rate_columns())
    else:
        counts = enrolments.group_by(by).agg(_rate_columns()).sort(by, nulls_last=True)
    return counts.with_columns(
        safe_ratio(pl.col("dropouts"), pl.col("learners_enrolled"))
        .cast(pl.Float64)
        .alias("dropout_rate")
    )


def dropout_by(dataset: Dataset, scope: Scope, by: str) -> pl.DataFrame:
    """The dropout rate per value of ``by`` (site, group or public), highest rate first.

    Per group, the group's site and public are added (a group name may exist on two sites).
    ``label`` names the row for a chart: "group (site)" per group, else the value.
    """
    if by not in ENROLMENT_BY:
        raise ValueError(f"Regroupement inconnu : {by!r} (attendu : {', '.join(ENROLMENT_BY)}).")
    keys = ["site", "group", "public"] if by == "group" else [by]
    return (
        active_enrolments(dataset, scope)
        .group_by(keys)
        .agg(_rate_columns())
        .with_columns(
            safe_ratio(pl.col("dropouts"), pl.col("learners_enrolled"))
            .cast(pl.Float64)
            .alias("dropout_rate"),
            (
                pl.format("{} ({})", pl.col("group").fill_null("?"), pl.col("site").fill_null("?"))
                if by == "group"
                else pl.col(by).fill_null("non renseigné")
            ).alias("label"),
        )
        .sort(
            ["dropout_rate", "learners_enrolled", *keys],
            descending=[True, True] + [False] * len(keys),
            nulls_last=True,
        )
    )


BEHIND_COLUMNS = (
    "external_id",
    "learner_name",
    "group",
    "site",
    "public",
    "referent",
    "entry_date",
    "exit_date",
    "exit_reason",
    "dropout",
)


def enrolments_behind(
    dataset: Dataset, scope: Scope, row: tuple[tuple[str, str | None], ...]
) -> pl.DataFrame:
    """The active enrolments behind one row of dropout_by (``row``: its (column, value) pairs,
    such as (("site", "Lyon"),)): as many rows as its learners_enrolled, ``dropout`` true on
    as many as its dropouts. Columns: BEHIND_COLUMNS; dropouts first."""
    return (
        active_enrolments(dataset, scope)
        .filter(matching(dict(row)))
        .select(BEHIND_COLUMNS)
        .sort(
            ["dropout", "site", "group", "learner_name", "external_id"],
            descending=[True, False, False, False, False],
            nulls_last=True,
        )
    )


MONTH_NAMES = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def month_label(month: pl.Expr) -> pl.Expr:
    """A date as its French month and year: 2025-09-01 -> "septembre 2025"."""
    return pl.format(
        "{} {}",
        month.dt.month().replace_strict(
            list(range(1, 13)), list(MONTH_NAMES), return_dtype=pl.String
        ),
        month.dt.year(),
    )


def months_of(period: Period) -> list[str]:
    """Every month the period touches, in order, as French labels ("septembre 2025", ...)."""
    months = pl.date_range(
        period.start.replace(day=1), period.end.replace(day=1), "1mo", eager=True
    )
    return pl.select(month_label(pl.lit(months))).to_series().to_list()


def exits_by_month(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """Exits with their date in the period, per month and reason.

    Columns: month (first day of the month), month_label ("septembre 2025"), exit_reason,
    exits; in month order.
    """
    return (
        scope.keep(dataset.enrolments, disciplines=False)
        .filter(scope.period.contains("exit_date"))
        .group_by(pl.col("exit_date").dt.truncate("1mo").alias("month"), "exit_reason")
        .agg(pl.len().cast(pl.Int64).alias("exits"))
        .sort("month", "exit_reason")
        .select("month", month_label(pl.col("month")).alias("month_label"), "exit_reason", "exits")
    )


def retention(
    dataset: Dataset,
    scope: Scope,
    as_of: date,
    by: str = "public",
    max_weeks: int = 52,
) -> pl.DataFrame:
    """Retention by weeks since entry: the Kaplan-Meier estimate of the share of enrolments not
    ended by ``abandon`` k weeks (7k days) after their entry, for k = 0..max_weeks.

    Among the enrolments active in the period and entered by ``as_of``, each is followed from
    its entry to its exit, or to ``as_of`` when it has not ended by then. An exit for
    ``abandon`` is the event; any other exit (fin de parcours, réorientation: the learner's
    new enrolment starts its own follow-up at week 0; exclusion, autre) and the end of the
    data censor the enrolment: it leaves the count without being a dropout. On each day t on
    which some enrolments drop out, the share still there is multiplied by 1 - d/n (d the
    dropouts that day, n the enrolments followed at least t days). So the curve never rises
    and completions do not pull it down.

    Columns: ``by`` (site or public), weeks, followed (enrolments followed at least 7k days),
    dropouts (abandons within 7k days), retention. A week where no enrolment is still
    followed is left out.
    """
    if by not in ("site", "public"):
        raise ValueError(f"Regroupement inconnu : {by!r} (attendu : site, public).")
    schema = {
        by: pl.String,
        "weeks": pl.Int64,
        "followed": pl.Int64,
        "dropouts": pl.Int64,
        "retention": pl.Float64,
    }
    ended = pl.col("exit_date").is_not_null() & (pl.col("exit_date") <= as_of)
    per_day = (
        active_enrolments(dataset, scope)
        .filter(pl.col("entry_date") <= as_of)
        .select(
            by,
            (
                pl.when(ended).then(pl.col("exit_date")).otherwise(pl.lit(as_of))
                - pl.col("entry_date")
            )
            .dt.total_days()
            .alias("day"),
            (ended & (pl.col("exit_reason") == DROPOUT_REASON)).alias("event"),
        )
        .group_by(by, "day")
        .agg(pl.len().alias("ending"), pl.col("event").sum().alias("events"))
        .sort(by, "day", nulls_last=True)
        .with_columns(
            # followed at least `day` days: those ending that day or later
            pl.col("ending").reverse().cum_sum().reverse().over(by).alias("at_risk"),
            pl.col("events").cum_sum().over(by).alias("events_so_far"),
        )
        .with_columns(
            (1.0 - pl.col("events") / pl.col("at_risk")).cum_prod().over(by).alias("survival")
        )
    )
    if per_day.is_empty():
        return pl.DataFrame(schema=schema)
    grid = (
        per_day.select(by)
        .unique()
        .join(
            pl.DataFrame({"weeks": pl.int_range(0, max_weeks + 1, eager=True).cast(pl.Int64)}),
            how="cross",
        )
        .with_columns((pl.col("weeks") * 7).alias("day"))
        .sort("day")
    )
    days = per_day.select(by, "day", "at_risk", "events_so_far", "survival").sort("day")
    before = grid.join_asof(
        days.drop("at_risk"), on="day", by=by, strategy="backward", check_sortedness=False
    )
    after = grid.join_asof(
        days.select(by, "day", "at_risk"),
        on="day",
        by=by,
        strategy="forward",
        check_sortedness=False,
    )
    return (
        before.join(after.select(by, "weeks", "at_risk"), on=[by, "weeks"], nulls_equal=True)
        .filter(pl.col("at_risk").is_not_null())
        .select(
            by,
            "weeks",
            pl.col("at_risk").cast(pl.Int64).alias("followed"),
            pl.col("events_so_far").fill_null(0).cast(pl.Int64).alias("dropouts"),
            pl.col("survival").fill_null(1.0).cast(pl.Float64).alias("retention"),
        )
        .sort(by, "weeks", nulls_last=True)
    )
