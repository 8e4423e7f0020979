"""Time of the monthly report, the yearly publication figures and the alerts on a seeded
database (the national seed: ``pilotage seed --scale national``), as ``pilotage report`` and
``pilotage alerts`` run them. Prints figures; asserts nothing.

First the command a cron runs, ``pilotage report --month AAAA-MM`` (PDF), as a process of its
own, twice: with no snapshot (it reads the database, then writes the snapshots of the tables
and prepared frames) and again with them (what it reads when the app, or an earlier command,
wrote them for the current data); wall time, processor time (user + system) and peak memory.
Then, in this process: the dataset (from the snapshots), the report's figures, document,
PDF and workbook, the report of one site, the publication figures and the alerts.

    PILOTAGE_DATABASE_URL=sqlite:////chemin/national.db .venv/bin/python bench/bench_report.py [AAAA-MM]
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import cli
from alerts import rules
from indicators.common import Filters, Period, Scope
from reports import monthly, publication
from reports.excel import xlsx_bytes
from reports.pdf import pdf_bytes


def timed(label: str, run):  # noqa: ANN001, ANN201
    """Run and print the wall time and the processor time (all threads) it took."""
    start, cpu = time.perf_counter(), time.process_time()
    result = run()
    wall, used = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<54} {wall:6.2f} s (processeur {used:5.2f} s)", flush=True)
    return result


def command(label: str, arguments: list[str], environment: dict[str, str]) -> None:
    """Run a pilotage command as its own process: wall, processor time and peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("pilotage")), *arguments],
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(
        f"{label:<54} {wall:6.2f} s (processeur {used:5.2f} s, pic {after.ru_maxrss / 1e6:.1f} Go,"
        f" charge {os.getloadavg()[0]:.1f})",
        flush=True,
    )


def main() -> None:
    text = sys.argv[1] if len(sys.argv) > 1 else "2026-05"
    month = monthly.month_period(text)
    with tempfile.TemporaryDirectory() as folder:
        environment = {**os.environ, "PILOTAGE_SNAPSHOT_DIR": folder}
        arguments = ["report", "--month", text, "--out", f"{folder}/rapport.pdf"]
        command(f"pilotage report --month {text}, no snapshot", arguments, environment)
        command(f"pilotage report --month {text}, snapshots", arguments, environment)
        command("pilotage alerts, snapshots", ["alerts"], environment)
        os.environ["PILOTAGE_SNAPSHOT_DIR"] = folder
        dataset, _write = timed(
            "tables and prepared frames (snapshots)",
            lambda: cli._prepared_dataset(monthly.TABLES),
        )
    report = timed(
        f"monthly report {month.start:%m/%Y}: figures",
        lambda: monthly.monthly_report(dataset, Scope(month)),
    )
    document = timed(
        "monthly report: document and charts (Altair)",
        lambda: monthly.document(report, datetime.now()),
    )
    pdf = timed("monthly report: PDF (typst, 2 SVG charts)", lambda: pdf_bytes(document))
    xlsx = timed("monthly report: Excel", lambda: xlsx_bytes(document))
    print(f"  PDF {len(pdf) / 1e3:.0f} kB, Excel {len(xlsx) / 1e3:.0f} kB")
    site = dataset.enrolments.get_column("site").drop_nulls().sort().first()
    timed(
        "monthly report of one site: figures",
        lambda: monthly.monthly_report(dataset, Scope(month, Filters(sites=(site,)))),
    )
    year = Period.school_year(month.start.year if month.start.month >= 9 else month.start.year - 1)
    figures = timed(
        "publication figures of the year",
        lambda: publication.publication_figures(dataset, Scope(year)),
    )
    timed("publication: PDF", lambda: pdf_bytes(publication.document(figures, datetime.now())))
    day = min(month.end, rules.reading_day(dataset, date.today()) or month.end)
    found = timed(
        f"alerts on {day:%d/%m/%Y}", lambda: rules.evaluate(dataset, Scope(Period(day, day)), day)
    )
    print(f"  {found.height} alerts")
    print(f"  machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
