"""Speed of the pages and of `pilotage indicators --json` on the national seed.

Usage: python bench/bench_pages.py [DATABASE_URL]
Without a URL it uses (and builds once, ~1 min) a national seed in /tmp/pilotage_national.db.
Prints: data load time, the first run after start, each page's run once the data are cached
(first visit, rerun, rerun after a filter change), and the CLI's time. Each time is wall-clock,
then, in brackets, the processor time of this process (every thread: the app runs in one):
on a machine shared with other work, the second says what the app itself costs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
DEFAULT_PATH = Path("/tmp/pilotage_national.db")
PAGES = [
    "pages/overview.py",
    "pages/activity.py",
    "pages/delays.py",
    "pages/tutoring.py",
    "pages/dropout.py",
    "pages/support.py",
    "pages/interviews.py",
    "pages/import_data.py",
    "pages/plan_ap.py",
]


def national_database() -> str:
    url = f"sqlite:///{DEFAULT_PATH}"
    if not DEFAULT_PATH.exists():
        print("Construction de la base nationale (une fois)…", flush=True)
        subprocess.run(
            [sys.executable, str(PROJECT / "cli.py"), "seed", "--scale", "national", "--reset"],
            env={**os.environ, "PILOTAGE_DATABASE_URL": url},
            check=True,
            cwd=PROJECT,
        )
    return url


CPU: list[float] = []
"""Processor seconds of the last ``timed`` action."""


def timed(action) -> float:
    start, processor = time.perf_counter(), time.process_time()
    action()
    CPU[:] = [time.process_time() - processor]
    return time.perf_counter() - start


def both(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms ({CPU[0] * 1000:.0f})"


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else national_database()
    os.environ["PILOTAGE_DATABASE_URL"] = url
    os.chdir(PROJECT)
    from streamlit.testing.v1 import AppTest

    from data_access.db import get_engine
    from data_access.frames import load_frames
    from data_access.settings import get_settings
    from indicators.dataset import prepare

    engine = get_engine(get_settings())
    frames = None

    def load() -> None:
        nonlocal frames
        frames = load_frames(engine)

    print(
        f"Chargement des tables (connectorx) : {timed(load):.2f} s, {frames.total_rows():,} lignes"
    )
    print(f"Préparation (jointures, rattachement) : {timed(lambda: prepare(frames)):.2f} s")

    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=600)
    print(f"Premier affichage après démarrage (vue d'ensemble) : {both(timed(app.run))}")
    print("Page | 1re visite (données en cache) | réaffichage | après changement de site")
    for page in PAGES:
        first = both(timed(lambda: app.switch_page(page).run()))  # noqa: B023
        again = both(timed(app.run))
        sites = app.sidebar.multiselect(key="filter_sites")
        choice = [sites.options[0]] if not sites.value else []
        filtered = both(timed(lambda: sites.set_value(choice).run()))  # noqa: B023
        problems = len(app.exception)
        flag = f"  ({problems} exception(s))" if problems else ""
        print(f"{page} | {first} | {again} | {filtered}{flag}")

    cli = timed(
        lambda: subprocess.run(
            [str(PROJECT / ".venv/bin/pilotage"), "indicators", "--json"],
            env={**os.environ, "PILOTAGE_DATABASE_URL": url},
            check=True,
            capture_output=True,
        )
    )
    print(f"pilotage indicators --json : {cli:.2f} s")


if __name__ == "__main__":
    main()
