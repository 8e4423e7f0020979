"""Speed of the learner indicators (dropout, risk, support hours, interviews) at national
scale, on synthetic frames built in memory: 200 000 learners, 1.4 M copies, 121 000 tutoring
requests, 600 000 interviews, AP sessions with attendance. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_learners.py
"""

from __future__ import annotations

import time
from datetime import date, datetime

import numpy as np
import polars as pl

from data_access.frames import Frames
from data_access.models import INTERVIEW_TYPES
from indicators import dropout, interviews, risk, support_hours
from indicators.common import Filters, Period, Scope
from indicators.dataset import prepare

LEARNERS = 200_000
GROUPS = 8_000
COPIES = 1_400_000
REQUESTS = 121_000
INTERVIEWS = 600_000
START = date(2025, 9, 1)


def _dates(rng: np.random.Generator, n: int, span: int) -> pl.Series:
    offsets = rng.integers(0, span, n)
    return pl.Series("d", np.datetime64(START) + offsets.astype("timedelta64[D]"))


def synthetic() -> Frames:
    rng = np.random.default_rng(7)
    group_site = rng.integers(1, 9, GROUPS)
    learner_group = rng.integers(1, GROUPS + 1, LEARNERS)
    exits = rng.random(LEARNERS) < 0.15
    exit_offsets = rng.integers(30, 280, LEARNERS)
    exit_dates = pl.Series(np.datetime64(START) + exit_offsets.astype("timedelta64[D]"))
    reasons = rng.choice(["abandon", "réorientation", "fin de parcours"], LEARNERS)
    enrolments = pl.DataFrame(
        {
            "id": np.arange(1, LEARNERS + 1),
            "learner_id": np.arange(1, LEARNERS + 1),
            "group_id": learner_group,
            "entry_date": _dates(rng, LEARNERS, 20),
            "exit_date": exit_dates,
            "exit_reason": reasons,
            "_exit": exits,
        }
    ).with_columns(
        pl.when(pl.col("_exit")).then(pl.col("exit_date")).otherwise(None).alias("exit_date"),
        pl.when(pl.col("_exit")).then(pl.col("exit_reason")).otherwise(None).alias("exit_reason"),
    )
    copies = pl.DataFrame(
        {
            "id": np.arange(1, COPIES + 1),
            "learner_id": rng.integers(1, LEARNERS + 1, COPIES),
            "discipline": rng.choice(["Maths", "Français", "Anglais", "Histoire"], COPIES),
            "submitted_on": _dates(rng, COPIES, 270),
            "grade": rng.uniform(0, 20, COPIES).round(1),
        }
    ).with_columns(pl.col("submitted_on").dt.offset_by("4d").alias("corrected_on"))
    received = pl.Series(
        np.datetime64(datetime.combine(START, datetime.min.time()))
        + rng.integers(0, 270 * 24, REQUESTS).astype("timedelta64[h]")
    )
    requests = pl.DataFrame(
        {
            "id": np.arange(1, REQUESTS + 1),
            "learner_id": rng.integers(1, LEARNERS + 1, REQUESTS),
            "discipline": rng.choice(["Maths", "Français"], REQUESTS),
            "channel": "forum",
            "received_at": received,
            "_delay": rng.integers(1, 120, REQUESTS),
            "_answered": rng.random(REQUESTS) < 0.95,
        }
    ).with_columns(
        pl.when(pl.col("_answered"))
        .then(pl.col("received_at") + pl.duration(hours=pl.col("_delay")))
        .otherwise(None)
        .alias("answered_at")
    )
    interview_rows = pl.DataFrame(
        {
            "id": np.arange(1, INTERVIEWS + 1),
            "learner_id": rng.integers(1, LEARNERS + 1, INTERVIEWS),
            "held_on": _dates(rng, INTERVIEWS, 270),
            "interview_type": rng.choice(list(INTERVIEW_TYPES), INTERVIEWS),
            "objectives_set": rng.integers(0, 4, INTERVIEWS),
        }
    )
    weeks = 34
    sessions = pl.DataFrame(
        {
            "id": np.arange(1, GROUPS * weeks + 1),
            "kind": "AP",
            "group_id": np.repeat(np.arange(1, GROUPS + 1), weeks),
            "held_on": pl.Series(
                np.datetime64(START)
                + (np.tile(np.arange(weeks), GROUPS) * 7 + 1).astype("timedelta64[D]")
            ),
            "duration_hours": 2.5,
        }
    )
    members = enrolments.select("learner_id", "group_id")
    attendance = (
        sessions.filter(pl.col("id") % 4 == 0)  # a quarter of the sessions have attendance
        .select(pl.col("id").alias("session_id"), "group_id")
        .join(members, on="group_id")
        .select("session_id", "learner_id")
        .with_columns((pl.int_range(pl.len()) % 7 != 0).alias("present"))  # 1 in 7 absent
    )
    return Frames.empty(
        sites=pl.DataFrame({"id": range(1, 9), "name": [f"Site {i}" for i in range(1, 9)]}),
        staff=pl.DataFrame({"id": range(1, 501), "name": [f"Tuteur {i}" for i in range(1, 501)]}),
        groups=pl.DataFrame(
            {
                "id": np.arange(1, GROUPS + 1),
                "site_id": group_site,
                "name": [f"Groupe {i}" for i in range(1, GROUPS + 1)],
                "public": rng.choice(["jeunes", "alternants", "salariés"], GROUPS),
                "school_year": "2025-2026",
            }
        ),
        learners=pl.DataFrame(
            {
                "id": np.arange(1, LEARNERS + 1),
                "external_id": [f"N{i:06d}" for i in range(1, LEARNERS + 1)],
                "referent_id": rng.integers(1, 501, LEARNERS),
            }
        ),
        enrolments=enrolments.drop("_exit"),
        copies=copies,
        tutoring_requests=requests.drop("_delay", "_answered"),
        interviews=interview_rows,
        support_sessions=sessions,
        attendance=attendance,
    )


def timed(label: str, function, *args, **kwargs) -> pl.DataFrame:
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        result = function(*args, **kwargs)
        best = min(best, time.perf_counter() - began)
    rows = result.height if isinstance(result, pl.DataFrame) else len(result)
    print(f"{label:<45} {best * 1000:8.0f} ms  ({rows} lignes)")
    return result


def main() -> None:
    began = time.perf_counter()
    frames = synthetic()
    print(
        f"données synthétiques : {frames.total_rows():,} lignes en {time.perf_counter() - began:.1f} s"
    )
    began = time.perf_counter()
    dataset = prepare(frames)
    print(f"prepare : {time.perf_counter() - began:.1f} s")
    period = Period(date(2025, 9, 1), date(2026, 8, 31))
    as_of = date(2026, 5, 29)
    everything, one_site = Scope(period), Scope(period, Filters(sites=("Site 3",)))
    timed("dropout.headline", dropout.headline, dataset, everything)
    timed("dropout.headline by site", dropout.headline, dataset, everything, by="site")
    timed("dropout.dropout_by group", dropout.dropout_by, dataset, everything, "group")
    timed("dropout.exits_by_month", dropout.exits_by_month, dataset, everything)
    timed("dropout.retention", dropout.retention, dataset, everything, as_of)
    listed = timed("risk.at_risk", risk.at_risk, dataset, everything, as_of)
    timed("risk.at_risk (un site)", risk.at_risk, dataset, one_site, as_of)
    timed("risk.filter_at_risk", risk.filter_at_risk, listed, ["absences"], [])
    timed("support_hours.headline", support_hours.headline, dataset, everything)
    timed(
        "support_hours.delivered_by_group",
        support_hours.delivered_by_group,
        dataset,
        everything,
        as_of,
    )
    timed(
        "support_hours.received_by_learner",
        support_hours.received_by_learner,
        dataset,
        everything,
        as_of,
    )
    timed("support_hours.over_cap", support_hours.over_cap, dataset, everything)
    timed("interviews.pathway", interviews.pathway, dataset, everything, as_of)
    timed(
        "interviews.missing_first_interviews",
        interviews.missing_first_interviews,
        dataset,
        everything,
        as_of,
    )
    timed("interviews.overdue_suivi", interviews.overdue_suivi, dataset, everything, as_of)
    timed("interviews.without_objectives", interviews.without_objectives, dataset, everything)


if __name__ == "__main__":
    main()
