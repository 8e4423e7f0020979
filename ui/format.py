"""French formatting of numbers, shares, durations and dates (1 401 126, 81 %, 2,5 h, 22/11/2026).

One formatter per kind of value, for every French text of the project: pages, the command line
and the messages of planning/. Pure Python, no Streamlit: any layer may import it.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
MINUS = "\u2212"
MISSING = "—"


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | int | None, decimals: int | None = 0) -> str:
    """1401126 -> '1 401 126'; 2.5 with decimals=1 -> '2,5'; -3 -> '−3' (a true minus sign);
    decimals=None: the decimals the value needs, two at most (2.0 -> '2', 2.5 -> '2,5',
    1.25 -> '1,25')."""
    if _is_missing(value):
        return MISSING
    places = 2 if decimals is None else decimals
    # to the nearest, halves away from zero (12.25 -> 12,3), as tables round (ui/tables.py)
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{exact:,.{places}f}"
    if decimals is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", NARROW_NBSP).replace(".", ",")
    if text.startswith("-"):
        text = MINUS + text[1:] if text.strip("-0,\u202f") else text[1:]  # no "−0"
    return text


def share(value: float | None, decimals: int = 0) -> str:
    """0.81 -> '81 %'."""
    if _is_missing(value):
        return MISSING
    return f"{number(value * 100, decimals)}{NBSP}%"


def hours(value: float | None, decimals: int | None = 1) -> str:
    """2.5 -> '2,5 h'; decimals=None writes 2.0 as '2 h' (see number)."""
    if _is_missing(value):
        return MISSING
    return f"{number(value, decimals)}{NBSP}h"


def duration(value: float | None) -> str:
    """A length of time as a timetable writes it: 2.5 -> '2 h 30', 1.0 -> '1 h', 0.8333 ->
    '50 min' (to the minute)."""
    if _is_missing(value):
        return MISSING
    minutes = round(value * 60)
    whole, rest = divmod(minutes, 60)
    if whole == 0:
        return f"{rest}{NBSP}min"
    return f"{whole}{NBSP}h" + (f"{NBSP}{rest:02d}" if rest else "")


def days(value: float | None, decimals: int = 1) -> str:
    """3.2 -> '3,2 j'."""
    if _is_missing(value):
        return MISSING
    return f"{number(value, decimals)}{NBSP}j"


def day(value: date | datetime | None) -> str:
    """date(2026, 11, 22) -> '22/11/2026'."""
    if value is None:
        return MISSING
    return value.strftime("%d/%m/%Y")


CHANGE_UNITS = {"share": (100, 1, " pt"), "days": (1, 1, " j"), "hours": (1, 1, " h")}
"""kind -> (factor, decimals, unit) of a change; a plain number: (1, 0, "")."""


def change(current: float | None, previous: float | None, kind: str = "number") -> str | None:
    """The change against the previous period, signed: '+12', '−3,5 j', '+1,2 pt', '0';
    None when unknown."""
    if _is_missing(current) or _is_missing(previous):
        return None
    factor, decimals, unit = CHANGE_UNITS.get(kind, (1, 0, ""))
    text = number((current - previous) * factor, decimals)
    if text[0].isdigit() and text.strip("0,\u202f"):
        text = "+" + text
    return text + unit.replace(" ", NBSP)
