"""Random small worlds (from a seed) for the property tests: learners moving between groups
and sites, learners without enrolment, copies and requests waiting or not."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import polars as pl

from data_access.frames import Frames
from indicators.common import Period
from indicators.dataset import Dataset, prepare

START = date(2025, 9, 1)
PERIOD = Period(date(2025, 10, 1), date(2025, 12, 31))
DISCIPLINES = ("Maths", "Français", "Anglais")


def _day(rng: random.Random, span: int = 150) -> date:
    return START + timedelta(days=rng.randrange(span))


def world(seed: int) -> Dataset:
    rng = random.Random(seed)
    sites = ["Lyon", "Rennes", "Lille"]
    n_groups, n_learners, n_staff = 5, 20, 4
    enrolments: list[dict] = []
    for learner in range(1, n_learners + 1):
        if rng.random() < 0.1:
            continue  # no enrolment: events with a null site
        entry = _day(rng, 60)
        groups = rng.sample(range(1, n_groups + 1), rng.choice([1, 1, 2]))
        for index, group in enumerate(groups):
            exit_day = entry + timedelta(days=rng.randrange(10, 90)) if rng.random() < 0.3 else None
            enrolments.append(
                {
                    "id": len(enrolments) + 1,
                    "learner_id": learner,
                    "group_id": group,
                    "entry_date": entry + timedelta(days=40 * index),
                    "exit_date": exit_day + timedelta(days=40 * index) if exit_day else None,
                    "exit_reason": "abandon" if exit_day else None,
                }
            )
    copies, requests, interviews = [], [], []
    for index in range(60):
        submitted = _day(rng)
        corrected = submitted + timedelta(days=rng.randrange(0, 12)) if rng.random() < 0.8 else None
        copies.append(
            {
                "id": index + 1,
                "learner_id": rng.randrange(1, n_learners + 1),
                "discipline": rng.choice(DISCIPLINES),
                "assignment": f"Devoir {index}",
                "submitted_on": submitted,
                "corrected_on": corrected,
                "corrector_id": rng.choice([1, 2, None]),
            }
        )
    for index in range(40):
        received = datetime.combine(_day(rng), datetime.min.time()) + timedelta(
            hours=rng.randrange(24)
        )
        answered = received + timedelta(hours=rng.randrange(0, 120)) if rng.random() < 0.8 else None
        requests.append(
            {
                "id": index + 1,
                "learner_id": rng.randrange(1, n_learners + 1),
                "discipline": rng.choice(DISCIPLINES),
                "channel": "forum",
                "received_at": received,
                "answered_at": answered,
                "staff_id": rng.choice([3, 4, None]),
            }
        )
    for index in range(20):
        interviews.append(
            {
                "id": index + 1,
                "learner_id": rng.randrange(1, n_learners + 1),
                "held_on": _day(rng),
                "interview_type": "suivi",
            }
        )
    frames = Frames.empty(
        sites=pl.DataFrame({"id": [1, 2, 3], "name": sites}),
        staff=pl.DataFrame({"id": list(range(1, n_staff + 1)), "name": ["S1", "S2", "T1", "T2"]}),
        groups=pl.DataFrame(
            {
                "id": list(range(1, n_groups + 1)),
                "site_id": [rng.randrange(1, 4) for _ in range(n_groups)],
                "name": [f"G{i}" for i in range(1, n_groups + 1)],
                "public": ["jeunes", "alternants", "jeunes", "salariés", "jeunes"],
                "school_year": ["2025-2026"] * n_groups,
            }
        ),
        learners=pl.DataFrame(
            {
                "id": list(range(1, n_learners + 1)),
                "external_id": [f"L{i:03d}" for i in range(1, n_learners + 1)],
                "referent_id": [rng.choice([3, 4, None]) for _ in range(n_learners)],
            }
        ),
        enrolments=pl.DataFrame(
            enrolments,
            schema={
                "id": pl.Int64,
                "learner_id": pl.Int64,
                "group_id": pl.Int64,
                "entry_date": pl.Date,
                "exit_date": pl.Date,
                "exit_reason": pl.String,
            },
        ),
        copies=pl.DataFrame(copies),
        tutoring_requests=pl.DataFrame(requests),
        interviews=pl.DataFrame(interviews),
    )
    return prepare(frames)
