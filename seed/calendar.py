"""The French school calendars the demo data live in, as day-indexed numpy arrays.

Two school years: 2024-2025 (complete) and 2025-2026 (the current one, extracted on
7 July 2026). Each ``SchoolYear`` counts its days from its own 1 September (day 0) to
31 August.

The story is written once, on the 2025-2026 calendar: its school holidays (arrêté du
calendrier scolaire 2025-2026: Toussaint and Noël for everyone, hiver and printemps by zone
A, B, C, the Ascension bridge, the summer), the spring surge, the internships, the first
support sessions, the quieter end of June. Another year takes each of these dates in the same
ISO week, on the same weekday (``SchoolYear.matching``), so that the seasons of the two years
match week for week, which a forecast of this spring from the last one relies on. For
2024-2025 this puts Toussaint, Noël and the summer exactly on their real dates; the winter and
spring holidays of each zone and the Ascension bridge fall up to two weeks off the real ones
(zone A's spring holidays were 19 April - 4 May 2025, here 5 - 20 April). Public holidays
are each year's real ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import polars as pl

from domain import school_year_dates, school_year_name

ZONES = ("A", "B", "C")
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
REFERENCE_YEAR = 2025
"""The school year whose dates the story is written in (2025-2026)."""
AS_OF = date(2026, 7, 7)
"""Day of the extraction: corrections and answers due later are still pending."""
SURGE_WINDOW = (date(2026, 4, 13), date(2026, 5, 31))
"""When the copies of the surging disciplines rise (x5 to x8 at the peak): ISO weeks 16-22."""

COMMON_HOLIDAYS = (
    (date(2025, 10, 18), date(2025, 11, 2)),  # Toussaint
    (date(2025, 12, 20), date(2026, 1, 4)),  # Noël
    (date(2026, 5, 14), date(2026, 5, 17)),  # pont de l'Ascension
)
"""First and last day off of the holidays shared by every zone, 2025-2026."""
ZONE_HOLIDAYS = {
    "A": ((date(2026, 2, 7), date(2026, 2, 22)), (date(2026, 4, 4), date(2026, 4, 19))),
    "B": ((date(2026, 2, 14), date(2026, 3, 1)), (date(2026, 4, 11), date(2026, 4, 26))),
    "C": ((date(2026, 2, 21), date(2026, 3, 8)), (date(2026, 4, 18), date(2026, 5, 3))),
}
"""Hiver and printemps by zone, 2025-2026."""
SUMMER = date(2026, 7, 4)
"""First day of the summer holidays 2026 (the last day of classes is the day before)."""
PUBLIC_HOLIDAYS = {
    2024: (
        date(2024, 11, 1),
        date(2024, 11, 11),
        date(2024, 12, 25),
        date(2025, 1, 1),
        date(2025, 4, 21),
        date(2025, 5, 1),
        date(2025, 5, 8),
        date(2025, 5, 29),
        date(2025, 6, 9),
        date(2025, 7, 14),
        date(2025, 8, 15),
    ),
    2025: (
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
    ),
}


@dataclass(frozen=True)
class ZoneCalendar:
    zone: str
    holiday: np.ndarray
    """School holidays (bool per day), summer included."""
    open_day: np.ndarray
    """Monday to Friday, not a holiday nor a public holiday, classes running."""
    next_open: np.ndarray
    """For each day, the first open day on or after it (days - 1 past the last one)."""
    periods: tuple[tuple[int, int], ...]
    """The five periods between holidays (first and last open day of each), for need groups."""

    def shift_to_open(self, days: np.ndarray) -> np.ndarray:
        """Each day moved to the next open day (days past the year stay past the year)."""
        days = np.asarray(days, dtype=np.int64)
        last = self.next_open.size - 1
        inside = (days >= 0) & (days <= last)
        return np.where(inside, self.next_open[np.clip(days, 0, last)], days)


@dataclass(frozen=True, eq=False)
class SchoolYear:
    """One school year, 1 September to 31 August; day indices count from its 1 September.

    Build it with ``school_year(first_year, current)``.
    """

    first_year: int
    current: bool
    """The year the data are extracted in (its enrolments may still be open)."""
    start: date
    days: int
    activity_end: date
    """Last day of classes."""
    weekday: np.ndarray = field(repr=False)
    """0 = Monday ... 6 = Sunday, per day index."""
    public_holiday: np.ndarray = field(repr=False)
    calendars: dict[str, ZoneCalendar] = field(repr=False)
    season: np.ndarray = field(repr=False)
    """Relative activity over the year: a slow September, a quieter end of June, nothing
    after the last day of classes."""
    surge_shape: np.ndarray = field(repr=False)
    """0 outside the surge window, rising to 1 over ten days, a plateau, and back down."""

    @property
    def label(self) -> str:
        return school_year_name(self.first_year)

    @property
    def epoch_offset(self) -> int:
        return (self.start - date(1970, 1, 1)).days

    def day_index(self, day: date) -> int:
        return (day - self.start).days

    @property
    def activity_end_day(self) -> int:
        return self.day_index(self.activity_end)

    @property
    def as_of_day(self) -> int:
        """The extraction day, counted from this year's 1 September."""
        return self.day_index(AS_OF)

    @property
    def first_monday(self) -> int:
        return int(np.flatnonzero(self.weekday == 0)[0])

    def matching(self, reference_day: date) -> date:
        """The day of this year in the same ISO week and weekday as ``reference_day`` of the
        2025-2026 calendar (13 April 2026, Monday of week 16, gives 14 April 2025)."""
        return _matching(self.first_year, reference_day)

    def matching_index(self, reference_day: date) -> int:
        return self.day_index(self.matching(reference_day))

    def to_dates(self, days: np.ndarray) -> pl.Series:
        """Day indices as a Polars Date series."""
        values = np.asarray(days, dtype=np.int64) + self.epoch_offset
        return pl.Series(values).cast(pl.Int32).cast(pl.Date)

    def to_datetimes(self, seconds: np.ndarray) -> pl.Series:
        """Seconds since day 0 (00:00) as a Polars Datetime('us') series."""
        micros = (np.asarray(seconds, dtype=np.int64) + self.epoch_offset * 86_400) * 1_000_000
        return pl.Series(micros).cast(pl.Datetime("us"))


def _matching(first_year: int, reference_day: date) -> date:
    iso_year, week, weekday = reference_day.isocalendar()
    return date.fromisocalendar(iso_year - (REFERENCE_YEAR - first_year), week, weekday)


def _mask(start: date, days: int, ranges: list[tuple[date, date]]) -> np.ndarray:
    mask = np.zeros(days, dtype=bool)
    for first, last in ranges:
        mask[max((first - start).days, 0) : (last - start).days + 1] = True
    return mask


def _zone_calendar(
    zone: str, first_year: int, start: date, weekday: np.ndarray, public: np.ndarray
) -> ZoneCalendar:
    days = weekday.size

    def moved(ranges: tuple[tuple[date, date], ...]) -> list[tuple[date, date]]:
        return [(_matching(first_year, a), _matching(first_year, b)) for a, b in ranges]

    summer = (_matching(first_year, SUMMER), start + timedelta(days=days - 1))
    holiday = _mask(start, days, [*moved(COMMON_HOLIDAYS), *moved(ZONE_HOLIDAYS[zone]), summer])
    # periods: the runs of weeks between the main holidays (a bridge does not break one)
    main = [*moved(COMMON_HOLIDAYS[:2]), *moved(ZONE_HOLIDAYS[zone]), summer]
    main_holidays = _mask(start, days, main)
    open_day = (weekday < 5) & ~holiday & ~public
    next_open = np.full(days, days - 1, dtype=np.int64)
    following = days - 1
    for i in range(days - 1, -1, -1):
        if open_day[i]:
            following = i
        next_open[i] = following
    periods: list[tuple[int, int]] = []
    begin = None
    for i in range(days):
        if not main_holidays[i] and begin is None:
            begin = i
        if (main_holidays[i] or i == days - 1) and begin is not None:
            opened = np.flatnonzero(open_day[begin:i])
            if opened.size:
                periods.append((begin + int(opened[0]), begin + int(opened[-1])))
            begin = None
    return ZoneCalendar(zone, holiday, open_day, next_open, tuple(periods))


def _easter(year: int) -> date:
    """Easter Sunday of the year (anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def public_holidays(first_year: int) -> tuple[date, ...]:
    """The public holidays of the school year starting in ``first_year``: the listed ones, or
    for an older year (``pilotage seed --years N``) the fixed days and Easter's moving ones."""
    if first_year in PUBLIC_HOLIDAYS:
        return PUBLIC_HOLIDAYS[first_year]
    spring = first_year + 1
    easter = _easter(spring)
    fixed = [(first_year, 11, 1), (first_year, 11, 11), (first_year, 12, 25), (spring, 1, 1)]
    fixed += [(spring, 5, 1), (spring, 5, 8), (spring, 7, 14), (spring, 8, 15)]
    moving = [easter + timedelta(days=n) for n in (1, 39, 50)]
    return tuple(sorted([date(*day) for day in fixed] + moving))


def school_year(first_year: int, current: bool) -> SchoolYear:
    """The calendar arrays of the school year starting on 1 September ``first_year``."""
    start, last = school_year_dates(first_year)
    days = (last - start).days + 1
    summer = _matching(first_year, SUMMER)
    activity_end = (summer - start).days - 1

    def index(reference_day: date) -> int:
        return (_matching(first_year, reference_day) - start).days

    weekday = np.array([(start + timedelta(days=i)).weekday() for i in range(days)])
    public = _mask(start, days, [(d, d) for d in public_holidays(first_year)])
    season = np.ones(days)
    ramp = 21
    season[:ramp] = 0.35 + 0.65 * np.arange(ramp) / ramp
    season[index(date(2026, 6, 1)) :] = 0.8
    season[index(date(2026, 6, 15)) :] = 0.5
    season[activity_end + 1 :] = 0.0
    surge_shape = np.zeros(days)
    first, last = (index(d) for d in SURGE_WINDOW)
    ramp = 10
    for i in range(first, last + 1):
        surge_shape[i] = min(1.0, (i - first + 1) / ramp, (last - i + 1) / ramp)
    return SchoolYear(
        first_year=first_year,
        current=current,
        start=start,
        days=days,
        activity_end=summer - timedelta(days=1),
        weekday=weekday,
        public_holiday=public,
        calendars={z: _zone_calendar(z, first_year, start, weekday, public) for z in ZONES},
        season=season,
        surge_shape=surge_shape,
    )


PREVIOUS = school_year(2024, current=False)
CURRENT = school_year(2025, current=True)
SCHOOL_YEARS = (PREVIOUS, CURRENT)
"""Oldest first; the last one is the current year."""


def school_years(count: int = 2) -> tuple[SchoolYear, ...]:
    """The ``count`` school years ending with the current one, oldest first (2: SCHOOL_YEARS)."""
    if count == len(SCHOOL_YEARS):
        return SCHOOL_YEARS
    older = tuple(school_year(CURRENT.first_year - n, False) for n in range(count - 1, 1, -1))
    return (older + SCHOOL_YEARS)[-count:]
