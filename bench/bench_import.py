"""Benchmark of the import: a 100 000-row .xlsx of copies, end to end into a fresh SQLite,
against merely reading the same file with pandas + openpyxl; and the peak memory of reading
and validating a 1 048 576-row file (in a subprocess, ru_maxrss).

    .venv/bin/python bench/bench_import.py [--rows 100000] [--big-rows 1048576] [--skip-big]

Targets: under 2 s end to end (issue 11, with copy numbers and same-day copies; 3 s in issue
4), at least twice as fast as pandas + openpyxl; memory under 1 GB for 1 048 576 rows.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LEARNERS = 5_000
DISCIPLINES = ["Mathématiques", "Français", "Anglais", "Histoire", "Physique", "Économie"]


SAME_DAY_SHARE = 0.07
"""Share of the rows that are a second copy of the row before's learner, discipline and day
(another copy number): what made the Open University export refused before issue 11."""


def write_copies(path: Path, rows: int, seed: int = 1) -> None:
    """A copies export as a distance-learning body writes it: a copy number ("N° copie"), no
    assignment title, and about SAME_DAY_SHARE of the copies handed in on the same day as
    another of the same learner in the same discipline."""
    rng = random.Random(seed)
    start = date(2025, 9, 1)
    with xlsxwriter.Workbook(str(path), {"constant_memory": True}) as workbook:
        sheet = workbook.add_worksheet("Copies")
        day = workbook.add_format({"num_format": "dd/mm/yyyy"})
        sheet.write_row(
            0, 0, ["N° copie", "N° apprenant", "Discipline", "Déposé le", "Corrigé le", "Note"]
        )
        learner, discipline, submitted = "", "", start
        for r in range(1, rows + 1):
            if r == 1 or rng.random() >= SAME_DAY_SHARE:
                learner = f"A{rng.randrange(LEARNERS):05d}"
                discipline = rng.choice(DISCIPLINES)
                submitted = start + timedelta(days=rng.randrange(300))
            sheet.write_string(r, 0, f"C{r:07d}")
            sheet.write_string(r, 1, learner)
            sheet.write_string(r, 2, discipline)
            sheet.write_datetime(r, 3, submitted, day)
            if rng.random() < 0.85:
                sheet.write_datetime(r, 4, submitted + timedelta(days=rng.randrange(10)), day)
                sheet.write_number(r, 5, round(rng.uniform(0, 20), 1))


def _load() -> str:
    """The load average over 1, 5 and 15 minutes, as the README quotes it."""
    return " / ".join(f"{value:.1f}".replace(".", ",") for value in os.getloadavg())


def learners_csv() -> bytes:
    lines = ["Identifiant;Classe;Site;Date d'entrée"]
    lines += [f"A{i:05d};Groupe {i % 40};Site {i % 4};01/09/2025" for i in range(LEARNERS)]
    return "\n".join(lines).encode()


def bench_end_to_end(rows: int, workdir: Path) -> None:
    import pandas as pd

    from data_access import db
    from data_access.importing import import_file
    from data_access.settings import Settings

    path = workdir / "copies.xlsx"
    started = time.perf_counter()
    write_copies(path, rows)
    print(
        f"fichier de {rows} lignes écrit en {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.1f} Mo)"
    )

    started, cpu = time.perf_counter(), time.process_time()
    pd.read_excel(path, engine="openpyxl")
    pandas_seconds = time.perf_counter() - started
    pandas_cpu = time.process_time() - cpu
    print(
        f"lecture seule pandas + openpyxl : {pandas_seconds:.2f} s "
        f"(temps processeur {pandas_cpu:.2f} s)"
    )

    engine = db.get_engine(Settings(database_url=f"sqlite:///{workdir / 'bench.db'}"))
    import_file(engine, "apprenants.csv", learners_csv())
    content = path.read_bytes()
    started, cpu = time.perf_counter(), time.process_time()
    report = import_file(engine, path.name, content)
    ours = time.perf_counter() - started
    ours_cpu = time.process_time() - cpu
    print(
        f"import complet (lire, vérifier, écrire) : {ours:.2f} s (temps processeur "
        f"{ours_cpu:.2f} s) — {report.summary()}"
    )
    print(
        f"rapport pandas / import : {pandas_seconds / ours:.1f}x (temps processeur "
        f"{pandas_cpu / ours_cpu:.1f}x) ; charge moyenne {_load()}"
    )

    started, cpu = time.perf_counter(), time.process_time()
    again = import_file(engine, path.name, content)
    print(
        f"réimport du même fichier : {time.perf_counter() - started:.2f} s (temps processeur "
        f"{time.process_time() - cpu:.2f} s) — {again.summary()}"
    )


_MEMORY_CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
from data_access.importing.pipeline import open_sheet, suggest
from data_access.importing.validation import check_rows, check_duplicates, parse_rows
content = open({path!r}, 'rb').read()
started = time.perf_counter()
raw = open_sheet('big.xlsx', content)
kind, mapping, _ = suggest(None, raw)
parsed = parse_rows(raw, kind, mapping)
problems = check_rows(parsed)
frame, duplicates, _repeats = check_duplicates(parsed)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{raw.rows.height}} lignes lues et vérifiées en {{seconds:.1f}} s ; pic mémoire {{peak:.0f}} Mo")
"""


def bench_memory(rows: int, workdir: Path) -> None:
    path = workdir / "big.xlsx"
    started = time.perf_counter()
    write_copies(path, rows)
    print(
        f"fichier de {rows} lignes écrit en {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.1f} Mo)"
    )
    code = _MEMORY_CHILD.format(root=str(ROOT), path=str(path))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    print((result.stdout + result.stderr).strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--big-rows", type=int, default=1_048_575)  # + the header = 1 048 576
    parser.add_argument("--skip-big", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        bench_end_to_end(args.rows, workdir)
        if not args.skip_big:
            bench_memory(args.big_rows, workdir)


if __name__ == "__main__":
    main()
