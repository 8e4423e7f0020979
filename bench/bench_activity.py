"""Speed of the activity indicators and pages (Activité et pics, Délais de correction,
Tutorat) on a national-scale database.

Usage: python bench/bench_activity.py DATABASE_URL
(build one with: PILOTAGE_DATABASE_URL=... pilotage seed --scale national --reset)
Prints each indicator call on the latest school year (no filter, then one site), then each
page run through AppTest with the data cached: first visit, rerun, after a site filter.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

PAGES = ["pages/activity.py", "pages/delays.py", "pages/tutoring.py"]
HARNESS = """
import runpy
from ui import sidebar

sidebar.render()
runpy.run_path({page!r}, run_name="__main__")
"""


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bench_indicators(url: str) -> None:
    from data_access.db import get_engine
    from data_access.frames import load_frames
    from data_access.settings import Settings
    from indicators import delays, flows, surges, tutoring
    from indicators.common import Filters, Period, Scope
    from indicators.dataset import prepare

    frames = load_frames(get_engine(Settings(database_url=url)))
    dataset = prepare(frames)
    print(f"{frames.copies.height:,} copies, {frames.tutoring_requests.height:,} sollicitations")
    period = Period.school_year_of(flows.data_end(dataset))
    site = dataset.enrolments.get_column("site").drop_nulls().sort()[0]
    calls = {
        "flows.headline": lambda f: flows.headline(dataset, Scope(period, f)),
        "flows.headline by site": lambda f: flows.headline(dataset, Scope(period, f), by="site"),
        "flows.throughput week": lambda f: flows.throughput(
            dataset, Scope(period, f), grain="week"
        ),
        "flows.throughput day by site": lambda f: flows.throughput(
            dataset, Scope(period, f), grain="day", by="site"
        ),
        "flows.backlog copies": lambda f: flows.backlog(dataset, Scope(period, f)),
        "surges.weekly_series": lambda f: surges.weekly_series(dataset, Scope(period, f)),
        "surges.surges tutoring": lambda f: surges.surges(
            dataset, Scope(period, f), source="tutoring"
        ),
        "delays.headline": lambda f: delays.headline(dataset, Scope(period, f)),
        "delays.breakdown corrector": lambda f: delays.breakdown(
            dataset, Scope(period, f), by="corrector"
        ),
        "delays.weekly_trend": lambda f: delays.weekly_trend(dataset, Scope(period, f)),
        "delays.oldest_waiting (all)": lambda f: delays.oldest_waiting(
            dataset, Scope(period, f), limit=None
        ),
        "tutoring.response_summary": lambda f: tutoring.response_summary(dataset, Scope(period, f)),
        "tutoring.unanswered_overdue": lambda f: tutoring.unanswered_overdue(
            dataset, Scope(period, f)
        ),
        "tutoring.tutor_load": lambda f: tutoring.tutor_load(dataset, Scope(period, f)),
    }
    print(f"Indicateur | toutes données | site « {site} »")
    for name, call in calls.items():
        whole = timed(lambda c=call: c(Filters()))
        one = timed(lambda c=call: c(Filters(sites=(site,))))
        print(f"{name} | {whole * 1000:.0f} ms | {one * 1000:.0f} ms")


def bench_pages() -> None:
    from streamlit.testing.v1 import AppTest

    print("Page | 1re visite (données en cache) | réaffichage | après changement de site")
    for page in PAGES:
        app = AppTest.from_string(HARNESS.format(page=str(PROJECT / page)), default_timeout=600)
        first = timed(app.run)
        again = timed(app.run)
        sites = app.sidebar.multiselect(key="filter_sites")
        filtered = timed(lambda s=sites: s.set_value([s.options[0]]).run())
        back = timed(lambda s=sites: s.set_value([]).run())
        problems = len(app.exception) + len(app.error)
        flag = f"  ({problems} erreur(s))" if problems else ""
        print(
            f"{page} | {first * 1000:.0f} ms | {again * 1000:.0f} ms | "
            f"{filtered * 1000:.0f} ms (retour : {back * 1000:.0f} ms){flag}"
        )


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    url = sys.argv[1]
    os.environ["PILOTAGE_DATABASE_URL"] = url
    os.chdir(PROJECT)
    bench_indicators(url)
    bench_pages()


if __name__ == "__main__":
    main()
