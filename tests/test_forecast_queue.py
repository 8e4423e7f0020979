"""The weekly fluid queue (forecast/queue.py): figures worked by hand, then checked against a
simulation of the same queue item by item (a discrete-event simulation: each item arrives at
its own time and is served, first in first out, by a team clearing a fixed number a day)."""

from __future__ import annotations

import pytest

from forecast import queue


def test_a_week_of_twice_the_capacity():
    """Capacity 140 a week (20 a day), nothing waiting, 280 arriving (40 a day): the queue
    grows by 20 a day. An item arriving on day u waits 20u / 20 = u days; those arriving in the
    first 3 days wait 3 days at most: 3/7 of them. Mean wait: 3,5 days. 140 left over."""
    week = queue.week(backlog=0, arrivals=280, capacity=140, target_days=3)
    assert week.backlog_end == 140
    assert week.cleared == 140
    assert week.mean_wait_days == pytest.approx(3.5)
    assert week.within_target_share == pytest.approx(3 / 7)


def test_a_quiet_week_after_it():
    """140 waiting, 70 arriving (10 a day), 140 cleared (20 a day): the queue falls by 10 a
    day from 140 and never empties (140 − 70 = 70 left). Mean queue 140 − 35 = 105, so a mean
    wait of 105 / 20 = 5,25 days; 60 items is the most that clears in 3 days, and the queue
    only reaches 70: nobody arriving this week is within 3 days."""
    week = queue.week(backlog=140, arrivals=70, capacity=140, target_days=3)
    assert week.backlog_end == 70
    assert week.mean_wait_days == pytest.approx(5.25)
    assert week.within_target_share == 0


def test_a_backlog_that_empties_mid_week():
    """28 waiting, 70 arriving, 140 cleared: the queue falls by 10 a day and is empty after
    2,8 days. Mean queue over the week: 28 × 2,8 / 2 / 7 = 5,6, mean wait 5,6 / 20 = 0,28 day;
    everyone waits less than 28 / 20 = 1,4 days: all within 3 days."""
    week = queue.week(backlog=28, arrivals=70, capacity=140, target_days=3)
    assert week.backlog_end == 0
    assert week.mean_wait_days == pytest.approx(0.28)
    assert week.within_target_share == 1


def test_no_arrival_and_no_capacity():
    assert queue.week(10, 0, 4, 3) == queue.Week(6, 4, None, None)
    nobody = queue.week(10, 5, 0, 3)
    assert (nobody.backlog_end, nobody.within_target_share, nobody.mean_wait_days) == (15, 0, None)


def test_staff_needed_for_a_surge():
    """280 arriving, nothing waiting, 35 a week per corrector, goal 80 % within 3 days. Below
    280 a week the share within is 3K / (7 (280 − K)) for a capacity K; it reaches 0,8 for
    K >= 182,3: 5,2 correctors, so 6 (5 give 525 / 735 = 71 %)."""
    assert queue.staff_needed(0, 280, 35, 3, 0.8) == 6
    assert queue.week(0, 280, 5 * 35, 3).within_target_share == pytest.approx(525 / 735)
    assert queue.staff_needed(0, 0, 35, 3, 0.8) == 0
    assert queue.staff_needed(70, 0, 35, 3, 0.8) == 2  # the backlog cleared within the week
    assert queue.staff_needed(0, 10, 0, 3, 0.8) is None  # no capacity measured
    assert queue.staff_needed(0, 10, None, 3, 0.8) is None


def _simulate(backlog: int, arrivals: list[int], capacity: float, target_days: float):
    """Item by item: ``backlog`` items waiting at time 0, then each week's arrivals spread
    evenly over its 7 days, served in order of arrival at ``capacity / 7`` a day. Per week:
    items waiting at its end, mean wait and share within the target of its arrivals."""
    service = 7 / capacity
    items = [(-1.0, None)] * backlog  # (arrival time, week), waiting before the first week
    for week, count in enumerate(arrivals):
        items += [(7 * week + 7 * (i + 0.5) / count, week) for i in range(count)]
    free_at, done = 0.0, []
    for arrived, week in items:
        start = max(free_at, max(arrived, 0.0))
        free_at = start + service
        done.append((arrived, week, start - max(arrived, 0.0), free_at))
    weeks = []
    for week in range(len(arrivals)):
        end = 7 * (week + 1)
        waiting = sum(1 for arrived, _, _, finished in done if arrived < end and finished > end)
        waits = [wait for _, w, wait, _ in done if w == week]
        within = sum(1 for wait in waits if wait <= target_days) / len(waits)
        weeks.append((waiting, sum(waits) / len(waits), within))
    return weeks


@pytest.mark.parametrize(
    ("backlog", "arrivals", "capacity"),
    [
        (0, [100, 300, 500, 200, 50, 100], 210),  # a surge, then the backlog is worked off
        (150, [140, 140, 140], 140),  # a backlog kept by arrivals at capacity
        (20, [70, 60, 80, 90], 140),  # a quiet team
        (0, [400, 400, 400, 400], 280),  # an endless surge
    ],
)
def test_the_fluid_queue_follows_the_simulation(backlog, arrivals, capacity):
    """Backlog within 1 item, mean wait within a tenth of a day, share within the target
    within 3 points, every week."""
    simulated = _simulate(backlog, arrivals, capacity, target_days=3)
    left = float(backlog)
    for count, (waiting, mean_wait, within) in zip(arrivals, simulated, strict=True):
        week = queue.week(left, count, capacity, target_days=3)
        assert week.backlog_end == pytest.approx(waiting, abs=1)
        assert week.mean_wait_days == pytest.approx(mean_wait, abs=0.1)
        assert week.within_target_share == pytest.approx(within, abs=0.03)
        left = week.backlog_end
