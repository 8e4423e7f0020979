"""The school year, written once (domain.py): 1 September to 31 August, the same rule in Python
and in Polars, for the sidebar, the indicators and the importer."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

import domain
from indicators.common import Period

DAYS = [
    (date(2025, 8, 31), 2024, "2024-2025"),
    (date(2025, 9, 1), 2025, "2025-2026"),
    (date(2025, 12, 31), 2025, "2025-2026"),
    (date(2026, 1, 1), 2025, "2025-2026"),
    (date(2026, 8, 31), 2025, "2025-2026"),
]


@pytest.mark.parametrize(("day", "first_year", "name"), DAYS)
def test_a_day_belongs_to_the_school_year_from_september(day, first_year, name) -> None:
    assert domain.school_year_of(day) == first_year
    assert domain.school_year_name(first_year) == name
    assert Period.school_year_of(day) == Period(date(first_year, 9, 1), date(first_year + 1, 8, 31))


def test_polars_and_python_agree() -> None:
    days = pl.DataFrame({"day": [day for day, _, _ in DAYS]})
    result = days.select(
        domain.school_year_of_expr(pl.col("day")).alias("first_year"),
        domain.school_year_name_expr(domain.school_year_of_expr(pl.col("day"))).alias("name"),
    )
    assert result.rows() == [(first_year, name) for _, first_year, name in DAYS]
