"""Time of the monthly report, the yearly publication figures and the alerts on a seeded
database (the national seed: ``pilotage seed --scale national``), as ``pilotage report`` and
``pilotage alerts`` run them: loading the tables, preparing the dataset, computing the
report, writing the PDF (charts included) and the workbook. Prints figures; asserts nothing.

    PILOTAGE_DATABASE_URL=sqlite:////chemin/national.db .venv/bin/python bench/bench_report.py [AAAA-MM]
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, datetime

from alerts import rules
from data_access.db import get_engine
from data_access.frames import load_frames
from indicators.common import Filters, Period, Scope
from indicators.dataset import prepare
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


def main() -> None:
    month = monthly.month_period(sys.argv[1] if len(sys.argv) > 1 else "2026-05")
    start, cpu = time.perf_counter(), time.process_time()
    frames = timed(
        "load the tables (connectorx, all but diagnostics)",
        lambda: load_frames(get_engine(), monthly.TABLES),
    )
    dataset = timed("prepare the dataset", lambda: prepare(frames))
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
    wall, used = time.perf_counter() - start, time.process_time() - cpu
    print(f"{'  whole report (load to PDF)':<54} {wall:6.2f} s (processeur {used:5.2f} s)")
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
    print(f"  machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    day = min(month.end, rules.reading_day(dataset, date.today()) or month.end)
    found = timed(
        f"alerts on {day:%d/%m/%Y}", lambda: rules.evaluate(dataset, Scope(Period(day, day)), day)
    )
    print(f"  {found.height} alerts")


if __name__ == "__main__":
    main()
