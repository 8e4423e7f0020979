"""Absences (vie scolaire) of the seeded learners: a few a month for most, more for some, and
more again in the weeks before a dropout (absenteeism is the first signal schools watch)."""

from __future__ import annotations

import numpy as np
import polars as pl

from domain import HALF_DAY_AFTERNOON, HALF_DAY_MORNING, HALF_DAY_WHOLE

ABSENT_DAYS_PER_WEEK = 0.22
"""Mean days with an absence per school week of a learner (about 4 % of the half-days)."""
BEFORE_DROPOUT_WEEKS = 8
BEFORE_DROPOUT_FACTOR = 4.0
"""In the weeks before an enrolment ends in "abandon", absences come this much more often."""
JUSTIFIED_SHARE = 0.6
REASONS = ("maladie", "rendez-vous médical", "raison familiale", "transport")


def absences(
    enrolments: pl.DataFrame, copies: pl.DataFrame, rng: np.random.Generator
) -> pl.DataFrame:
    """One row per absence: learner_id, absent_on, half_day, half_days, justified, reason.

    Absences fall on weekdays of the enrolment (up to the last day of the data) in weeks when
    copies are handed in somewhere (not in the holidays), one per learner and day at most."""
    last_day = copies.get_column("submitted_on").max()
    open_weeks = copies.select(pl.col("submitted_on").dt.truncate("1w").unique()).to_series()
    spans = enrolments.select(
        "learner_id",
        "entry_date",
        pl.min_horizontal(pl.col("exit_date").fill_null(last_day), pl.lit(last_day)).alias("end"),
        (pl.col("exit_reason") == "abandon").fill_null(False).alias("dropout"),
    ).filter(pl.col("end") >= pl.col("entry_date"))
    days = (spans["end"] - spans["entry_date"]).dt.total_days().to_numpy() + 1
    frailty = rng.gamma(1.5, 1 / 1.5, spans.height)  # some learners miss far more than others
    usual = rng.poisson(ABSENT_DAYS_PER_WEEK * frailty * days / 7)
    before = np.minimum(days, BEFORE_DROPOUT_WEEKS * 7)
    extra = (
        rng.poisson(ABSENT_DAYS_PER_WEEK * (BEFORE_DROPOUT_FACTOR - 1) * frailty * before / 7)
        * spans["dropout"].to_numpy()
    )
    index = np.repeat(np.arange(spans.height), usual + extra)
    counts = usual + extra
    rank = np.arange(index.size) - np.repeat(np.cumsum(counts) - counts, counts)
    late = rank >= usual[index]  # the extra absences come in the weeks before the dropout
    width = np.where(late, before[index], days[index])
    offset = np.floor(rng.random(index.size) * width).astype(np.int64)
    from_end = np.where(late, days[index] - 1 - offset, offset)
    n = index.size
    kind = rng.choice(3, n, p=[0.4, 0.3, 0.3])
    justified = rng.random(n) < JUSTIFIED_SHARE
    reason = rng.integers(0, len(REASONS), n)
    frame = pl.DataFrame(
        {
            "learner_id": spans["learner_id"].to_numpy()[index],
            "absent_on": spans["entry_date"].to_numpy()[index] + from_end.astype("timedelta64[D]"),
            "kind": kind,
            "justified": justified,
            "reason": np.array(REASONS)[reason],
        }
    ).with_columns(pl.col("absent_on").cast(pl.Date))
    weekday = pl.col("absent_on").dt.weekday()  # Monday 1
    half_day = (
        pl.when(pl.col("kind") == 0)
        .then(pl.lit(HALF_DAY_MORNING))
        .when((pl.col("kind") == 1) & (weekday != 3))  # no lessons on Wednesday afternoon
        .then(pl.lit(HALF_DAY_AFTERNOON))
        .when(pl.col("kind") == 1)
        .then(pl.lit(HALF_DAY_MORNING))
        .otherwise(pl.lit(HALF_DAY_WHOLE))
    )
    return (
        frame.filter(
            (weekday <= 5) & pl.col("absent_on").dt.truncate("1w").is_in(open_weeks.implode())
        )
        .unique(["learner_id", "absent_on"], keep="first", maintain_order=True)
        .with_columns(half_day.alias("half_day"))
        .with_columns(
            pl.when(pl.col("half_day") == HALF_DAY_WHOLE)
            .then(2.0)
            .otherwise(1.0)
            .alias("half_days"),
            pl.when(pl.col("justified")).then(pl.col("reason")).alias("reason"),
        )
        .sort("absent_on", "learner_id")
        .select("learner_id", "absent_on", "half_day", "half_days", "justified", "reason")
        .with_row_index("id", offset=1)
        .with_columns(pl.col("id").cast(pl.Int64))
    )
