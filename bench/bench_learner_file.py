"""Opening a learner's file at national scale (the two-year national seed, built in memory):
the search index (once per data version in the app), a search, then the file and its risk
signals for learners drawn at random; then the drill-downs (the rows behind a site's dropout
rate, a surge week, a group's hours, a tutor's load). Prints figures; asserts nothing.

    .venv/bin/python bench/bench_learner_file.py
"""

from __future__ import annotations

import random
import statistics
import time

from data_access.frames import Frames
from indicators import dropout, learner_file, support_hours, surges, tutoring
from indicators.common import DEFAULT_SETTINGS, Period, Scope
from indicators.dataset import as_of, prepare
from seed.generate import generate

DRAWS = 20


def timed(label: str, run):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    result = run()
    print(f"{label:<52} {time.perf_counter() - start:6.2f} s")
    return result


def main() -> None:
    tables = timed("generate the national seed (in memory)", lambda: generate("national", 42))
    dataset = timed("prepare", lambda: prepare(Frames.empty(**tables)))
    index = timed(
        "search index (once per data version)", lambda: learner_file.search_index(dataset)
    )
    found = timed("search « martin »", lambda: learner_file.find_learners(index, "martin"))
    print(f"  {found.height} learners listed")
    identifiers = random.Random(1).sample(index.get_column("external_id").to_list(), DRAWS)
    opened = []
    for external_id in identifiers:
        start = time.perf_counter()
        learner_file.learner_file(dataset, DEFAULT_SETTINGS, external_id)
        learner_file.risk_signals(dataset, DEFAULT_SETTINGS, external_id)
        opened.append(time.perf_counter() - start)
    print(
        f"{'open a file + its risk signals, ' + str(DRAWS) + ' learners':<52} "
        f"median {statistics.median(opened):.2f} s, max {max(opened):.2f} s"
    )
    year = Scope(Period.school_year(2025))
    site = dropout.dropout_by(dataset, year, "site").row(0, named=True)
    timed(
        f"drill: a site's enrolments ({site['learners_enrolled']})",
        lambda: dropout.enrolments_behind(dataset, year, (("site", site["site"]),)),
    )
    week = surges.surges(dataset, year).row(0, named=True)
    timed(
        f"drill: a surge week's copies ({week['volume']})",
        lambda: surges.events_behind(
            dataset,
            year,
            week["week_start"],
            (("site", week["site"]), ("discipline", week["discipline"])),
        ),
    )
    group = support_hours.delivered_by_group(dataset, year, as_of(dataset, year.period)).row(
        0, named=True
    )
    timed(
        f"drill: a group's sessions ({group['sessions']})",
        lambda: support_hours.sessions_behind(
            dataset, year, group["group_id"], group["need_group_id"], group["kind"]
        ),
    )
    tutor = tutoring.tutor_load(dataset, year).row(0, named=True)
    timed(
        f"drill: a tutor's requests ({tutor['requests']})",
        lambda: tutoring.requests_behind(dataset, year, tutor["tutor"]),
    )


if __name__ == "__main__":
    main()
