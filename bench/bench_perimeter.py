"""Cost of a user's part of the data at national scale, on the synthetic frames of
bench_learners.py (200 000 learners, 1.4 M copies, 8 sites): building a site's part and a
group's part (``within``, once per data version and perimeter in the app), removing names for
the lecture role (``without_names``), and the headline figures on the whole and on a part.
Prints figures; asserts nothing.

    .venv/bin/python bench/bench_perimeter.py
"""

from __future__ import annotations

import time

from bench_learners import synthetic

from data_access.pseudonyms import pseudonyms
from indicators import summary
from indicators.common import Perimeter, Period, Scope
from indicators.dataset import prepare, within, without_names

YEAR = Period.school_year(2025)


def timed(label: str, run):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    result = run()
    print(f"{label:<48} {time.perf_counter() - start:6.2f} s")
    return result


def main() -> None:
    dataset = prepare(synthetic())
    site = timed("within: one site of 8", lambda: within(dataset, Perimeter(sites=("Site 1",))))
    timed("within: one group", lambda: within(dataset, Perimeter(groups=("Groupe 1",))))
    key = b"cle de mesure"
    timed(
        "without_names (lecture) of the site's part",
        lambda: without_names(site, lambda ids: pseudonyms(ids, key)),
    )
    timed(
        "without_names of the whole", lambda: without_names(dataset, lambda i: pseudonyms(i, key))
    )
    timed("headline figures, whole", lambda: summary.headline(dataset, Scope(YEAR)))
    perimeter = Perimeter(sites=("Site 1",))
    timed(
        "headline figures, the site's part",
        lambda: summary.headline(site, Scope(YEAR, perimeter=perimeter)),
    )


if __name__ == "__main__":
    main()
