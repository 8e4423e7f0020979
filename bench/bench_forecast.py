"""Capacity planning: backtest of the forecast on the demo seed, and the time of the whole
forecast and capacity table.

Backtest: the forecast is made with the data up to 31/03/2026 (nothing after is used), for
the weeks whose Monday falls in April and May 2026 (the surge), and compared with what the
seed holds for them: the mean absolute percentage error per discipline and week (every site
together; weeks with no copy at all, the Easter holidays, have no percentage and are left
out), against the same error of last year's same week taken as is (no level adjustment), and
the share of site-discipline-weeks whose actual falls in the 80 % interval.

Run:
    .venv/bin/python bench/bench_forecast.py                      # backtest on the demo seed
    .venv/bin/python bench/bench_forecast.py sqlite:////tmp/x.db  # + timing on that database
(the demo database is made in a temporary directory; give a national one, made with
``pilotage seed --scale national`` (``make bench`` uses the one bench_pages.py builds in
/tmp/pilotage_national.db), for the timing; target: under 3 s.)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data_access.db import get_engine  # noqa: E402
from data_access.frames import load_frames  # noqa: E402
from data_access.settings import Settings  # noqa: E402
from forecast import plan  # noqa: E402
from forecast.history import first_week  # noqa: E402
from indicators.common import Period, Scope  # noqa: E402
from indicators.dataset import Dataset, prepare  # noqa: E402
from seed.generate import seed_database  # noqa: E402

AS_OF = date(2026, 3, 31)
SURGE = (date(2026, 4, 1), date(2026, 5, 31))
SCOPE = Scope(Period(date(2024, 9, 1), date(2026, 8, 31)))


def _dataset(url: str) -> Dataset:
    return prepare(load_frames(get_engine(Settings(database_url=url))))


def backtest(dataset: Dataset) -> None:
    start = first_week(AS_OF)
    weeks = (SURGE[1] - start).days // 7 + 1
    table = plan.capacity_plan(dataset, SCOPE, as_of=AS_OF, weeks=weeks)
    actual = (
        dataset.copies.filter(pl.col("submitted_on").is_between(start, SURGE[1] + timedelta(6)))
        .group_by(
            pl.col("submitted_on").dt.truncate("1w").alias("week_start"), "site", "discipline"
        )
        .agg(pl.len().cast(pl.Float64).alias("actual"))
    )
    rows = (
        table.filter(pl.col("week_start").is_between(*SURGE))
        .join(actual, on=["week_start", "site", "discipline"], how="left")
        .with_columns(pl.col("actual").fill_null(0))
    )
    inside = rows.filter(pl.col("copies_low").is_not_null()).select(
        pl.col("actual").is_between(pl.col("copies_low"), pl.col("copies_high")).mean()
    )
    weekly = (
        rows.group_by("discipline", "week_start")
        .agg(pl.col("copies_forecast", "copies_last_year", "actual").sum())
        .filter(pl.col("actual") > 0)
        .with_columns(
            ((pl.col("copies_forecast") - pl.col("actual")).abs() / pl.col("actual")).alias("ape"),
            ((pl.col("copies_last_year") - pl.col("actual")).abs() / pl.col("actual")).alias(
                "ape_naive"
            ),
        )
    )
    per_discipline = (
        weekly.group_by("discipline")
        .agg(
            pl.len().alias("weeks"),
            pl.col("actual").sum().alias("copies"),
            (pl.col("ape").mean() * 100).round(1).alias("mape_%"),
            (pl.col("ape_naive").mean() * 100).round(1).alias("mape_last_year_as_is_%"),
        )
        .sort("copies", descending=True)
    )
    print(
        f"Backtest : prévision faite au {AS_OF:%d/%m/%Y} (semaines à partir du {start:%d/%m/%Y}),"
        f" semaines d'avril-mai 2026 ; {rows.height} semaines × site × discipline."
    )
    with pl.Config(tbl_rows=40, tbl_width_chars=160, tbl_hide_dataframe_shape=True):
        print(per_discipline)
    print(
        f"MAPE par discipline-semaine, toutes disciplines : {weekly['ape'].mean() * 100:.1f} % "
        f"({weekly.height} discipline-semaines ; l'an passé tel quel : "
        f"{weekly['ape_naive'].mean() * 100:.1f} %)"
    )
    surge = weekly.filter(pl.col("actual") >= 100)
    print(
        f"  dont les discipline-semaines de plus de 100 copies (le pic) : "
        f"{surge['ape'].mean() * 100:.1f} % ({surge.height})"
    )
    print(f"Part des semaines × site × discipline dans l'intervalle à 80 % : {inside.item():.0%}")


def timing(url: str, runs: int = 3) -> None:
    started = time.perf_counter()
    dataset = _dataset(url)
    print(f"Chargement et préparation : {time.perf_counter() - started:.1f} s")
    times, project_times = [], []
    for _ in range(runs):
        started = time.perf_counter()
        inputs = plan.measure(dataset, SCOPE)
        middle = time.perf_counter()
        table = plan.project(inputs, SCOPE.settings)
        plan.by_discipline(table)
        times.append(time.perf_counter() - started)
        project_times.append(time.perf_counter() - middle)
    print(
        f"Prévision et tableau de capacité complets ({table.height} lignes) : "
        f"médiane {statistics.median(times):.2f} s sur {runs} (min {min(times):.2f} s) ; "
        f"dont file d'attente seule (ce que refait une modification) : "
        f"{statistics.median(project_times):.3f} s"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/demo.db"
        seed_database(
            scale="demo", seed=42, reset=True, engine=get_engine(Settings(database_url=url))
        )
        backtest(_dataset(url))
    if len(sys.argv) > 1:
        timing(sys.argv[1])


if __name__ == "__main__":
    main()
