"""Memory and load time by school years loaded: the whole history against the app's window
(the latest school year and the one before), on SQLite or PostgreSQL.

Usage: python bench/bench_years.py DATABASE_URL [all,latest,oldest]

For each load (every year; the latest year's window; the oldest year's window), a process of
its own (so that its peak memory is its own) builds the app's DataStore (ui/cache.py) from the
database with no snapshot, then a second store reads it back from the snapshots written by the
first, then the headline figures of the window's latest year are computed (what the overview
shows first). Prints wall and processor times, rows, memory after the load and the peak, and
the load average before and after.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench_data import rss_mb  # noqa: E402  (the resident size, one definition for the benches)


def measure(url: str, which: str, folder: str) -> dict:
    from data_access import db
    from data_access.frames import school_years_of, window
    from data_access.settings import Settings
    from indicators.common import Period, Scope
    from indicators.summary import headline
    from ui.cache import DataStore

    settings = Settings(database_url=url, snapshot_dir=folder)
    years = school_years_of(db.get_engine(settings))
    chosen = {"all": None, "latest": window(years[0]), "oldest": window(years[-1])}[which]
    shown = years[0] if which != "oldest" else years[-1]
    result: dict = {"load": which, "years": "tous" if chosen is None else chosen}
    start, cpu = time.perf_counter(), time.process_time()
    store = DataStore(settings, chosen)
    built = store.current().built
    result["db_s"] = time.perf_counter() - start
    result["db_cpu_s"] = time.process_time() - cpu
    result["rows"] = built.dataset.frames.total_rows()
    result["rss_mb"] = rss_mb()
    store.idle()  # snapshots written
    start, cpu = time.perf_counter(), time.process_time()
    again = DataStore(settings, chosen).current().built
    result["snap_s"] = time.perf_counter() - start
    result["snap_cpu_s"] = time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    headline(again.dataset, Scope(Period.school_year(shown)))
    result["headline_s"] = time.perf_counter() - start
    result["headline_cpu_s"] = time.process_time() - cpu
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[2] == "--child":
        print(json.dumps(measure(sys.argv[1], sys.argv[3], sys.argv[4]), default=str))
        return
    url = sys.argv[1]
    loads = sys.argv[2].split(",") if len(sys.argv) > 2 else ["all", "latest", "oldest"]
    print(f"Base : {url} ; charge au départ : {os.getloadavg()[0]:.1f}")
    for which in loads:
        folder = tempfile.mkdtemp(prefix="pilotage-bench-years-")
        out = subprocess.run(
            [sys.executable, __file__, url, "--child", which, folder],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        subprocess.run(["rm", "-rf", folder], check=False)
        print(
            f"{r['load']:>6} {r['years']!s:>14} : {r['rows']:>11,} lignes ; base {r['db_s']:.1f} s "
            f"({r['db_cpu_s']:.1f} s proc.) ; instantanés {r['snap_s']:.1f} s "
            f"({r['snap_cpu_s']:.1f}) ; chiffres clés {r['headline_s']:.2f} s "
            f"({r['headline_cpu_s']:.2f}) ; mémoire {r['rss_mb']:.0f} Mo (pic {r['peak_mb']:.0f})"
        )
    print(f"Charge à la fin : {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
