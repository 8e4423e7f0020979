"""The weekly fluid queue: what a team with a given weekly capacity does with the arrivals.

Work flows like water: arrivals come in evenly over the 7 days of a week, the team clears
them in order of arrival (first in, first out) at an even rate of ``capacity / 7`` a day, and
what is left at the end of the week is the next week's backlog::

    backlog next week = max(0, backlog + arrivals − capacity)

An item arriving on day ``u`` of the week waits for the work ahead of it, ``Q(u)``, to be
cleared: ``Q(u) / (capacity / 7)`` days, where ``Q(u) = backlog + (arrivals − capacity) × u / 7``
(never below zero). The week's mean wait and the share of its arrivals cleared within the
target follow in closed form, because ``Q`` is a straight line (a broken one when the backlog
runs out). The wait counts queueing only: the few hours an item takes once started are not in
it. ``tests/test_forecast_queue.py`` checks these figures against a simulation of the queue
item by item.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DAYS = 7.0


@dataclass(frozen=True)
class Week:
    """One week of the queue. ``mean_wait_days`` and ``within_target_share`` are over the
    week's arrivals (None when nothing arrives, or when nothing can be cleared)."""

    backlog_end: float
    cleared: float
    mean_wait_days: float | None
    within_target_share: float | None


def week(backlog: float, arrivals: float, capacity: float, target_days: float) -> Week:
    """The week of a team clearing ``capacity`` items a week, starting with ``backlog`` items
    waiting and receiving ``arrivals`` evenly over the week (see the module docstring)."""
    backlog, arrivals, capacity = max(backlog, 0.0), max(arrivals, 0.0), max(capacity, 0.0)
    backlog_end = max(0.0, backlog + arrivals - capacity)
    cleared = backlog + arrivals - backlog_end
    if arrivals == 0:
        return Week(backlog_end, cleared, None, None)
    if capacity == 0:
        return Week(backlog_end, cleared, None, 0.0)
    rate = capacity / DAYS  # cleared a day
    growth = (arrivals - capacity) / DAYS  # dQ/du while the queue is not empty
    allowed = rate * target_days  # the work ahead that can be cleared within the target
    if growth >= 0:
        mean_queue = backlog + growth * DAYS / 2
        if growth == 0:
            within = 1.0 if backlog <= allowed else 0.0
        else:
            within = _clip((allowed - backlog) / growth) / DAYS
    else:
        empty_at = backlog / -growth  # the day the backlog runs out
        if empty_at >= DAYS:
            mean_queue = backlog + growth * DAYS / 2
        else:
            mean_queue = backlog * empty_at / 2 / DAYS
        within = 1.0 - _clip((backlog - allowed) / -growth) / DAYS
    return Week(backlog_end, cleared, mean_queue / rate, within)


def _clip(day: float) -> float:
    return min(max(day, 0.0), DAYS)


def staff_needed(
    backlog: float,
    arrivals: float,
    per_person: float,
    target_days: float,
    goal_share: float,
) -> int | None:
    """The fewest people, each clearing ``per_person`` items a week, for whom at least
    ``goal_share`` of the week's arrivals are cleared within ``target_days`` (and, when nothing
    arrives, for whom the backlog is cleared within the week). None without a capacity."""
    if per_person is None or not per_person > 0 or not math.isfinite(per_person):
        return None
    if arrivals <= 0:
        return math.ceil(max(backlog, 0.0) / per_person - 1e-9)

    def enough(people: int) -> bool:
        share = week(backlog, arrivals, people * per_person, target_days).within_target_share
        return share is not None and share >= goal_share - 1e-9

    # with the backlog cleared within the target and the arrivals kept up with, every
    # arrival is within the target: an upper bound
    high = math.ceil((arrivals + backlog * DAYS / max(target_days, 1e-9) + backlog) / per_person)
    high = max(high, 1)
    while not enough(high):
        high *= 2
    low = 0
    while low < high:
        middle = (low + high) // 2
        if enough(middle):
            high = middle
        else:
            low = middle + 1
    return low
