"""Time the proposal of need groups for a whole lycée: 2 000 learners, 10 needs, 40 teachers.

Run: .venv/bin/python bench/bench_planning.py   (target: under 2 s per proposal)
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain import KIND_AIDE, KIND_AP  # noqa: E402
from indicators.common import Period  # noqa: E402
from planning.proposal import propose_plan  # noqa: E402
from planning.rules import check_plan  # noqa: E402

NEEDS = [
    "Français écrit",
    "Français oral",
    "Mathématiques calcul",
    "Mathématiques géométrie",
    "Anglais",
    "Méthodologie",
    "Projet professionnel",
    "Histoire-géographie",
    "Sciences physiques",
    "Autonomie numérique",
]


def synthetic_lycee(seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = random.Random(seed)
    learners = pl.DataFrame(
        {
            "learner": [f"E{i:05d}" for i in range(2000)],
            "name": [f"Élève {i}" for i in range(2000)],
            "class_group": [f"Classe {i % 64:02d}" for i in range(2000)],
        }
    )
    rows = []
    for i in range(2000):
        for need in NEEDS:
            for _ in range(rng.choice((1, 1, 2))):  # sometimes assessed twice
                rows.append(
                    {
                        "learner": f"E{i:05d}",
                        "need": need,
                        "level": rng.choice(("non acquis", "en cours", "acquis", "acquis")),
                        "assessed_on": date(2025, 9, 8) + timedelta(days=rng.randrange(40)),
                    }
                )
    diagnostics = pl.DataFrame(rows)
    staff = pl.DataFrame(
        {
            "staff": [f"Enseignant {i:02d}" for i in range(40)],
            "weekly_hours_available": [float(rng.choice((5, 7.5, 10, 12.5))) for _ in range(40)],
        }
    )
    return diagnostics, learners, staff


def main() -> None:
    diagnostics, learners, staff = synthetic_lycee()
    period = Period(date(2025, 11, 3), date(2025, 12, 19))
    print(
        f"{learners.height} élèves, {diagnostics.height} diagnostics, "
        f"{diagnostics['need'].n_unique()} besoins, {staff.height} intervenants"
    )
    for kind, max_size, hours in (
        (KIND_AP, None, None),
        (KIND_AIDE, None, None),
        (KIND_AP, 12, 1.25),
    ):
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            plan = propose_plan(
                diagnostics,
                learners,
                staff,
                period,
                kind=kind,
                max_size=max_size,
                hours_per_group=hours,
            )
            timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        check_plan(plan)
        check = time.perf_counter() - started
        placed = plan.members.get_column("learner").n_unique()
        print(
            f"{kind:<20} cap {plan.max_size:>2}, {hours or plan.learner_budget} h/groupe : "
            f"best {min(timings):.3f} s, worst {max(timings):.3f} s (check_plan {check:.3f} s) ; "
            f"{plan.groups.height} groupes, {placed} élèves placés, "
            f"{plan.unplaced.height} besoins non placés, {len(plan.problems)} problèmes"
        )


if __name__ == "__main__":
    main()
