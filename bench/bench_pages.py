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


def share_script_cache() -> None:
    """One compiled copy of each script for every run, as the server keeps (AppTest compiles
    the app and the page again at every run: about 70 ms that a server's rerun does not pay)."""
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = local_script_runner.ScriptCache()
    local_script_runner.ScriptCache = lambda: shared
    app_test.ScriptCache = lambda: shared


def record_indicator_calls() -> list[tuple]:
    """The indicator calls the pages make through ui.cached.compute, recorded as they run."""
    from ui import cached

    calls: list[tuple] = []
    memoised = cached.compute

    def compute(function, selection, /, *, on_frames=False, **arguments):  # noqa: ANN001, ANN202
        calls.append((function, selection, on_frames, arguments))
        return memoised(function, selection, on_frames=on_frames, **arguments)

    cached.compute = compute
    return calls


def plain_polars(calls: list[tuple]) -> int:
    """The page's indicators computed again directly in Polars, once each (the floor a rerun
    is compared with: what the figures drawn cost without any memory)."""
    done = set()
    for function, selection, on_frames, arguments in calls:
        key = (function, selection.data_key, on_frames, tuple(sorted(arguments.items())))
        if key in done:
            continue
        done.add(key)
        function(selection.dataset.frames if on_frames else selection.dataset, **arguments)
    return len(done)


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

    share_script_cache()
    calls = record_indicator_calls()
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=600)
    print(f"Premier affichage après démarrage (vue d'ensemble) : {both(timed(app.run))}")
    print(
        "Page | 1re visite (données en cache) | réaffichage (médiane de 3) | plancher Polars "
        "(ses indicateurs calculés sans mémoire) | rapport | après changement de site"
    )
    for page in PAGES:
        first = both(timed(lambda: app.switch_page(page).run()))  # noqa: B023
        calls.clear()
        reruns = sorted((timed(app.run), CPU[0]) for _ in range(3))
        CPU[:] = [reruns[1][1]]
        again, again_seconds = both(reruns[1][0]), reruns[1][1]
        counted: list[int] = []
        floor = timed(lambda: counted.append(plain_polars(calls)))  # noqa: B023
        ratio = again_seconds / CPU[0] if CPU[0] else float("inf")
        floor_text = f"{both(floor)} ({counted[0]} indicateurs)"
        sites = app.sidebar.multiselect(key="filter_sites")
        choice = [sites.options[0]] if not sites.value else []
        filtered = both(timed(lambda: sites.set_value(choice).run()))  # noqa: B023
        problems = len(app.exception)
        flag = f"  ({problems} exception(s))" if problems else ""
        print(f"{page} | {first} | {again} | {floor_text} | {ratio:.1f} | {filtered}{flag}")

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
