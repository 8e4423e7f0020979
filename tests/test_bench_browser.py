"""The browser benchmark's pure helpers: the niced browser wrapper, the think times, the
percentile. (The benchmark itself measures speed and is run by hand, not here.)"""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_browser.py"


@pytest.fixture(scope="module")
def bench():  # noqa: ANN201
    spec = importlib.util.spec_from_file_location("bench_browser", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_wrapper_runs_the_browser_at_the_lowest_priority(bench, tmp_path: Path) -> None:  # noqa: ANN001
    # `nice` with no argument prints the niceness it runs at: the wrapper's, whatever ours is
    wrapper = bench.browser_wrapper(tmp_path, executable="/usr/bin/nice")
    shown = subprocess.run([wrapper], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "19"


def test_the_wrapper_runs_the_browser_in_the_idle_class(bench, tmp_path: Path) -> None:  # noqa: ANN001
    # Chromium resets its processes' niceness: the idle scheduling class is what it keeps
    wrapper = bench.browser_wrapper(tmp_path, executable="/usr/bin/chrt")
    shown = subprocess.run([wrapper, "-p", "0"], capture_output=True, text=True, check=True)
    assert "SCHED_IDLE" in shown.stdout


def test_the_wrapper_passes_every_argument_unchanged(bench, tmp_path: Path) -> None:  # noqa: ANN001
    wrapper = bench.browser_wrapper(tmp_path, executable="/usr/bin/printf")
    arguments = ["[%s]", "a b", "--flag=x y", "$HOME", ""]
    shown = subprocess.run([wrapper, *arguments], capture_output=True, text=True, check=True)
    assert shown.stdout == "[a b][--flag=x y][$HOME][]"


def test_think_times_spread_around_the_value_the_same_on_every_run(bench) -> None:  # noqa: ANN001
    waits = bench.think_waits(5.0, 9, session=3)
    assert len(waits) == 9
    assert all(2.5 <= wait <= 7.5 for wait in waits)
    assert len(set(waits)) == 9  # not in step
    assert waits == bench.think_waits(5.0, 9, session=3)
    assert waits != bench.think_waits(5.0, 9, session=4)
    assert bench.think_waits(0.0, 9, session=3) == [0.0] * 9


def test_percentile_takes_the_nearest_rank(bench) -> None:  # noqa: ANN001
    values = [float(n) for n in range(1, 21)]  # 1 … 20, given out of order
    shuffled = values[10:] + values[:10]
    assert bench.percentile(shuffled, 0.5) == 11.0  # rank round(0,5 × 19) = 10
    assert bench.percentile(shuffled, 0.95) == 19.0  # rank round(0,95 × 19) = 18
    assert bench.percentile(shuffled, 1.0) == 20.0
    assert bench.percentile([3.0], 0.95) == 3.0
    with pytest.raises(ValueError):
        bench.percentile([], 0.95)
