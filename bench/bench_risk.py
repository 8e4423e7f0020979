"""Speed of the risk score at national scale: the two-year national seed generated in memory
(200 000 learners in 2025-2026, 188 000 in 2024-2025), then the score learnt on the ended
enrolments (2024-2025's groups, all over) and every enrolment active on --as-of (20/01/2026:
at the end of the school year nobody drops out any more, and there is no score) listed with its
signals, score and reasons. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_risk.py [--scale national|demo] [--as-of AAAA-MM-JJ]
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
        "--as-of", default="2026-01-20", help="jour de la liste (en fin d'année, pas de score)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    frames = generate(args.scale)
    dataset = prepare(Frames(**{name: frames[name] for name in FRAME_TABLES}))
    print(f"données générées et préparées : {time.perf_counter() - started:.1f} s")
    as_of = min(date.fromisoformat(args.as_of), data_end(dataset))
    started = time.perf_counter()
    model = risk_model.train(dataset, as_of, DEFAULT_SETTINGS)
    learnt = time.perf_counter() - started
    check = model.check if isinstance(model, risk_model.RiskModel) else model
    print(f"apprentissage du score : {learnt:.1f} s ({check})")
    started = time.perf_counter()
    listed = risk.at_risk(dataset, Scope(Period(as_of, as_of)), as_of, model, everyone=True)
    print(
        f"liste au {as_of:%d/%m/%Y} (signaux, score et raisons de {listed.height} inscriptions "
        f"actives) : {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
