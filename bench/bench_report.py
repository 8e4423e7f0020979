"""Time of the monthly report, the yearly publication figures and the alerts on a seeded
database (the national seed: ``pilotage seed --scale national``), as ``pilotage report`` and
``pilotage alerts`` run them: loading the tables, preparing the dataset, computing the
report, writing the PDF (charts included) and the workbook. Prints figures; asserts nothing.

    PILOTAGE_DATABASE_URL=sqlite:////chemin/national.db .venv/bin/python bench/bench_report.py [AAAA-MM]
"""

from __future__ import annotations

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
    start = time.perf_counter()
    result = run()
    print(f"{label:<58} {time.perf_counter() - start:6.2f} s", flush=True)
    return result


def main() -> None:
    month = monthly.month_period(sys.argv[1] if len(sys.argv) > 1 else "2026-05")
    start = time.perf_counter()
    frames = timed("load the tables (connectorx)", lambda: load_frames(get_engine()))
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
    print(f"{'  whole command (load to PDF)':<58} {time.perf_counter() - start:6.2f} s")
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


if __name__ == "__main__":
    main()
