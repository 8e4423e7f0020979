"""The 2025-2026 French school calendar the demo data live in, as day-indexed numpy arrays.

Day 0 is 1 September 2025 (the school year's first day); the year has 365 days. Holidays are
the official ones (arrêté du calendrier scolaire 2025-2026): Toussaint and Noël for everyone,
hiver and printemps by zone (A, B, C), the Ascension bridge, and the public holidays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from domain import school_year_dates, school_year_name

FIRST_YEAR = 2025
SCHOOL_YEAR = school_year_name(FIRST_YEAR)
YEAR_START = school_year_dates(FIRST_YEAR)[0]
YEAR_DAYS = 365
ACTIVITY_END = date(2026, 7, 3)
"""Last day of classes (summer holidays start on Saturday 4 July 2026)."""
AS_OF = date(2026, 7, 7)
"""Day of the extraction: corrections and answers due later are still pending."""
EPOCH_OFFSET = (YEAR_START - date(1970, 1, 1)).days

_COMMON_HOLIDAYS = [
    (date(2025, 10, 18), date(2025, 11, 2)),  # Toussaint
    (date(2025, 12, 20), date(2026, 1, 4)),  # Noël
    (date(2026, 5, 14), date(2026, 5, 17)),  # pont de l'Ascension
]
_ZONE_HOLIDAYS = {
    "A": [(date(2026, 2, 7), date(2026, 2, 22)), (date(2026, 4, 4), date(2026, 4, 19))],
    "B": [(date(2026, 2, 14), date(2026, 3, 1)), (date(2026, 4, 11), date(2026, 4, 26))],
    "C": [(date(2026, 2, 21), date(2026, 3, 8)), (date(2026, 4, 18), date(2026, 5, 3))],
}
PUBLIC_HOLIDAYS = [
    date(2025, 11, 1),
    date(2025, 11, 11),
    date(2025, 12, 25),
    date(2026, 1, 1),
    date(2026, 4, 6),
    date(2026, 5, 1),
    date(2026, 5, 8),
    date(2026, 5, 14),
    date(2026, 5, 25),
    date(2026, 7, 14),
    date(2026, 8, 15),
]
ZONES = ("A", "B", "C")
SURGE_WINDOW = (date(2026, 4, 13), date(2026, 5, 31))
"""When the copies of the surging disciplines rise (x5 to x8 at the peak)."""
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def day_index(day: date) -> int:
    return (day - YEAR_START).days


def to_dates(days: np.ndarray) -> pl.Series:
    """Day indices as a Polars Date series."""
    return pl.Series(np.asarray(days, dtype=np.int64) + EPOCH_OFFSET).cast(pl.Int32).cast(pl.Date)


def to_datetimes(seconds: np.ndarray) -> pl.Series:
    """Seconds since day 0 (00:00) as a Polars Datetime('us') series."""
    micros = (np.asarray(seconds, dtype=np.int64) + EPOCH_OFFSET * 86_400) * 1_000_000
    return pl.Series(micros).cast(pl.Datetime("us"))


ACTIVITY_END_DAY = day_index(ACTIVITY_END)
AS_OF_DAY = day_index(AS_OF)
WEEKDAY = np.array([(YEAR_START + timedelta(days=i)).weekday() for i in range(YEAR_DAYS)])
"""0 = Monday ... 6 = Sunday, per day index."""


def _mask(ranges: list[tuple[date, date]]) -> np.ndarray:
    mask = np.zeros(YEAR_DAYS, dtype=bool)
    for start, end in ranges:
        mask[max(day_index(start), 0) : day_index(end) + 1] = True
    return mask


PUBLIC_HOLIDAY = _mask([(d, d) for d in PUBLIC_HOLIDAYS])


@dataclass(frozen=True)
class ZoneCalendar:
    zone: str
    holiday: np.ndarray
    """School holidays (bool per day), summer included."""
    open_day: np.ndarray
    """Monday to Friday, not a holiday nor a public holiday, classes running."""
    next_open: np.ndarray
    """For each day, the first open day on or after it (YEAR_DAYS - 1 past the last one)."""
    periods: tuple[tuple[int, int], ...]
    """The five periods between holidays (first and last open day of each), for need groups."""

    def shift_to_open(self, days: np.ndarray) -> np.ndarray:
        """Each day moved to the next open day (days past the year stay past the year)."""
        days = np.asarray(days, dtype=np.int64)
        inside = (days >= 0) & (days < YEAR_DAYS)
        return np.where(inside, self.next_open[np.clip(days, 0, YEAR_DAYS - 1)], days)


def _zone_calendar(zone: str) -> ZoneCalendar:
    summer = (ACTIVITY_END + timedelta(days=1), date(2026, 8, 31))
    holiday = _mask([*_COMMON_HOLIDAYS, *_ZONE_HOLIDAYS[zone], summer])
    main_holidays = _mask([*_COMMON_HOLIDAYS[:2], *_ZONE_HOLIDAYS[zone], summer])
    open_day = (WEEKDAY < 5) & ~holiday & ~PUBLIC_HOLIDAY
    next_open = np.full(YEAR_DAYS, YEAR_DAYS - 1, dtype=np.int64)
    following = YEAR_DAYS - 1
    for i in range(YEAR_DAYS - 1, -1, -1):
        if open_day[i]:
            following = i
        next_open[i] = following
    # periods: the runs of weeks between the main holidays (a bridge does not break one)
    breaks = main_holidays
    periods: list[tuple[int, int]] = []
    start = None
    for i in range(YEAR_DAYS):
        if not breaks[i] and start is None:
            start = i
        if (breaks[i] or i == YEAR_DAYS - 1) and start is not None:
            opened = np.flatnonzero(open_day[start:i])
            if opened.size:
                periods.append((start + int(opened[0]), start + int(opened[-1])))
            start = None
    return ZoneCalendar(zone, holiday, open_day, next_open, tuple(periods))


CALENDARS: dict[str, ZoneCalendar] = {zone: _zone_calendar(zone) for zone in ZONES}


def season() -> np.ndarray:
    """Relative activity over the year: a slow September, a quieter end of June, nothing after."""
    factor = np.ones(YEAR_DAYS)
    ramp = 21
    factor[:ramp] = 0.35 + 0.65 * np.arange(ramp) / ramp
    factor[day_index(date(2026, 6, 1)) :] = 0.8
    factor[day_index(date(2026, 6, 15)) :] = 0.5
    factor[ACTIVITY_END_DAY + 1 :] = 0.0
    return factor


def surge_shape() -> np.ndarray:
    """0 outside the surge window, rising to 1 over ten days, a plateau, and back down."""
    shape = np.zeros(YEAR_DAYS)
    start, end = (day_index(d) for d in SURGE_WINDOW)
    ramp = 10
    for i in range(start, end + 1):
        shape[i] = min(1.0, (i - start + 1) / ramp, (end - i + 1) / ramp)
    return shape


SEASON = season()
SURGE_SHAPE = surge_shape()
