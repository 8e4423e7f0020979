"""Random small worlds (from a seed) for the property tests: learners moving between groups
and sites, learners without enrolment, copies and requests waiting or not."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from world import World

from indicators.common import Period
from indicators.dataset import Dataset

START = date(2025, 9, 1)
PERIOD = Period(date(2025, 10, 1), date(2025, 12, 31))
DISCIPLINES = ("Maths", "Français", "Anglais")
SITES = ("Lyon", "Rennes", "Lille")
PUBLICS = ("jeunes", "alternants", "jeunes", "salariés", "jeunes")
CORRECTORS = ("S1", "S2", None)
TUTORS = ("T1", "T2", None)


def _day(rng: random.Random, span: int = 150) -> date:
    return START + timedelta(days=rng.randrange(span))


def world(seed: int) -> Dataset:
    rng = random.Random(seed)
    w = World()
    for name in ("S1", "S2", "T1", "T2"):
        w.staff(name)
    groups = [f"G{i}" for i in range(1, 6)]
    for name, public in zip(groups, PUBLICS, strict=True):
        w.group(name, site=rng.choice(SITES), public=public)
    learners = [f"L{i:03d}" for i in range(1, 21)]
    for learner in learners:
        w.learner(learner, referent=rng.choice(TUTORS))
        if rng.random() < 0.1:
            continue  # no enrolment: events with a null site
        entry = _day(rng, 60)
        for index, group in enumerate(rng.sample(groups, rng.choice([1, 1, 2]))):
            exit_day = entry + timedelta(days=rng.randrange(10, 90)) if rng.random() < 0.3 else None
            w.enrol(
                learner,
                group,
                entry + timedelta(days=40 * index),
                left=exit_day + timedelta(days=40 * index) if exit_day else None,
                reason="abandon" if exit_day else None,
            )
    for index in range(60):
        submitted = _day(rng)
        corrected = submitted + timedelta(days=rng.randrange(0, 12)) if rng.random() < 0.8 else None
        w.copy(
            rng.choice(learners),
            rng.choice(DISCIPLINES),
            assignment=f"Devoir {index}",
            submitted=submitted,
            corrected=corrected,
            corrector=rng.choice(CORRECTORS),
        )
    for _ in range(40):
        received = datetime.combine(_day(rng), datetime.min.time()) + timedelta(
            hours=rng.randrange(24)
        )
        answered = received + timedelta(hours=rng.randrange(0, 120)) if rng.random() < 0.8 else None
        w.request(
            rng.choice(learners),
            rng.choice(DISCIPLINES),
            received=received,
            answered=answered,
            tutor=rng.choice(TUTORS),
        )
    for _ in range(20):
        w.interview(rng.choice(learners), _day(rng), "suivi")
    return w.dataset()
