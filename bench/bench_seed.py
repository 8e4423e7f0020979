"""Time the seed: generation alone, then a full seed into a temporary SQLite file (and into
PostgreSQL when PILOTAGE_TEST_POSTGRES_URL is set). Prints times, row counts (by school year
and in all), peak memory.

    .venv/bin/python bench/bench_seed.py [--scale national] [--seed 42] [--no-postgres]

Peak memory is the process's ru_maxrss (the largest resident size reached so far), so the
figure printed after each step covers everything before it. On a shared machine the wall time
follows the other processes' load (printed); the CPU time of this process much less so.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from data_access import db  # noqa: E402
from data_access.settings import Settings  # noqa: E402
from seed.generate import generate, rows_per_year, seed_database  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def bench_generate(scale: str, seed: int) -> None:
    started, cpu = time.perf_counter(), cpu_seconds()
    frames = generate(scale, seed)
    elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    total = sum(f.height for f in frames.values())
    print(
        f"generate({scale!r}, {seed}): {elapsed:.1f} s wall, {cpu:.1f} s CPU, {total:,} rows, "
        f"peak {peak_mb():.0f} MB ({load()})"
    )
    per_year = rows_per_year(frames)
    years = sorted({year for counts in per_year.values() for year in counts})
    print(f"  {'':<20} " + " ".join(f"{year:>10}" for year in years) + f" {'total':>10}")
    for name, frame in frames.items():
        cells = " ".join(
            f"{per_year[name][year]:>10,}" if year in per_year[name] else " " * 10 for year in years
        )
        print(f"  {name:<20} {cells} {frame.height:>10,}")
    del frames


def bench_sqlite(scale: str, seed: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        engine = db.get_engine(Settings(database_url=url))
        started, cpu = time.perf_counter(), cpu_seconds()
        report = seed_database(scale=scale, seed=seed, reset=True, engine=engine)
        elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        size = Path(folder, "bench.db").stat().st_size / 1e6
        print(
            f"\nSQLite seed: {elapsed:.1f} s wall, {cpu:.1f} s CPU, file {size:.0f} MB, "
            f"peak {peak_mb():.0f} MB ({load()})"
        )
        print(report)
        db.forget_engine(url)


def bench_postgres(scale: str, seed: int, admin_url: str) -> None:
    name = f"pilotage_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = db.get_engine(Settings(database_url=url))
        started, cpu = time.perf_counter(), cpu_seconds()
        report = seed_database(scale=scale, seed=seed, reset=True, engine=engine)
        elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        print(
            f"\nPostgreSQL seed: {elapsed:.1f} s wall, {cpu:.1f} s CPU (this process), "
            f"peak {peak_mb():.0f} MB ({load()})"
        )
        print(report)
    finally:
        db.forget_engine(url)
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national", choices=["demo", "national"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-generate", action="store_true", help="skip the generation-only run")
    args = parser.parse_args()
    if not args.no_generate:
        bench_generate(args.scale, args.seed)
    bench_sqlite(args.scale, args.seed)
    postgres = os.environ.get("PILOTAGE_TEST_POSTGRES_URL", "").strip()
    if postgres and not args.no_postgres:
        bench_postgres(args.scale, args.seed, postgres)


if __name__ == "__main__":
    main()
