"""Speed of the risk score at national scale: the two-year national seed generated in memory
(200 000 learners in 2025-2026, 188 000 in 2024-2025), then the score learnt on the ended
enrolments (2024-2025's groups, all over) and every enrolment active on --as-of (20/01/2026:
at the end of the school year nobody drops out any more, and there is no score) listed with its
signals, score and reasons. With --database, the frames of that SQLite file instead (a copy of
/work/national/national.db: the list as of its last day by default). Prints wall and processor
times; asserts nothing.

    .venv/bin/python bench/bench_risk.py [--scale national|demo] [--as-of AAAA-MM-JJ]
    .venv/bin/python bench/bench_risk.py --database /tmp/riskfast/national.db [--as-of ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data_access.frames import FRAME_TABLES, Frames  # noqa: E402
from indicators import risk, risk_model  # noqa: E402
from indicators.common import DEFAULT_SETTINGS, Period, Scope  # noqa: E402
from indicators.dataset import data_end, prepare  # noqa: E402
from seed.generate import generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="national", choices=["national", "demo"])
    parser.add_argument(
        "--as-of",
        default=None,
        help="jour de la liste (par défaut 2026-01-20 généré, le dernier jour d'une base)",
    )
    parser.add_argument("--database", type=Path, help="fichier SQLite à lire (une copie)")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.database:
        from data_access.db import get_engine
        from data_access.frames import load_frames
        from data_access.settings import Settings

        loaded = load_frames(get_engine(Settings(database_url=f"sqlite:///{args.database}")))
        dataset = prepare(loaded)
    else:
        frames = generate(args.scale)
        dataset = prepare(Frames(**{name: frames[name] for name in FRAME_TABLES}))
    print(f"données prêtes : {time.perf_counter() - started:.1f} s")
    end = data_end(dataset)
    default = None if args.database else "2026-01-20"
    day = args.as_of or default
    as_of = min(date.fromisoformat(day), end) if day else end
    started, processor = time.perf_counter(), time.process_time()
    model = risk_model.train(dataset, as_of, DEFAULT_SETTINGS)
    learnt = time.perf_counter() - started
    check = model.check if isinstance(model, risk_model.RiskModel) else model
    print(
        f"apprentissage du score : {learnt:.1f} s ({time.process_time() - processor:.1f} s "
        f"processeur) ({check})"
    )
    usable = model if isinstance(model, risk_model.RiskModel) else None
    started, processor = time.perf_counter(), time.process_time()
    listed = risk.at_risk(dataset, Scope(Period(as_of, as_of)), as_of, usable, everyone=True)
    print(
        f"liste au {as_of:%d/%m/%Y} (signaux, score et raisons de {listed.height} inscriptions "
        f"actives) : {time.perf_counter() - started:.1f} s "
        f"({time.process_time() - processor:.1f} s processeur)"
    )


if __name__ == "__main__":
    main()
