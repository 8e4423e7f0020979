"""Where a page's rerun spends its time: the page run once (its figures memoised), then rerun
under cProfile (the script's own thread), the functions that took the most time printed.

Usage: python bench/profile_rerun.py DATABASE_URL pages/delays.py [pages/...] [--rounds 3]
                                     [--top 40] [--sort cumulative] [--callers REGEX]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database")
    parser.add_argument("pages", nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--callers", help="also print who calls the functions matching this")
    arguments = parser.parse_args()
    os.environ["PILOTAGE_DATABASE_URL"] = arguments.database
    os.chdir(PROJECT)
    from bench_pages import share_script_cache
    from streamlit.testing.v1 import AppTest
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    share_script_cache()  # the server compiles each script once; AppTest would at every run

    profiler = [cProfile.Profile()]
    profiling = [False]
    original = LocalScriptRunner._run_script_thread

    def run_script_thread(self: LocalScriptRunner) -> None:
        if not profiling[0]:
            return original(self)
        profiler[0].enable()
        try:
            return original(self)
        finally:
            profiler[0].disable()

    LocalScriptRunner._run_script_thread = run_script_thread  # type: ignore[method-assign]
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=600)
    app.run()
    for page in arguments.pages:
        app.switch_page(page).run()
        app.run()
        profiler[0] = cProfile.Profile()
        profiling[0] = True
        for _ in range(arguments.rounds):
            start, processor = time.perf_counter(), time.process_time()
            app.run()
            print(
                f"rerun {page}: {(time.perf_counter() - start) * 1000:.0f} ms "
                f"({(time.process_time() - processor) * 1000:.0f} ms processor)"
            )
        profiling[0] = False
        out = io.StringIO()
        stats = pstats.Stats(profiler[0], stream=out).sort_stats(arguments.sort)
        stats.print_stats(arguments.top)
        if arguments.callers:
            stats.sort_stats("cumulative").print_callers(arguments.callers)
        print(out.getvalue())


if __name__ == "__main__":
    main()
