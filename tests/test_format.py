"""French figures, one rule each: 1 401 126 ; 2,5 ; a true minus sign ; "+" on a rise ;
halves rounded away from zero everywhere (a tile and a table show the same figure)."""

from __future__ import annotations

import polars as pl
import pytest

from ui import format as fmt
from ui.tables import rounded
from ui.tiles import change_style

NNBSP, NBSP, MINUS = "\u202f", "\u00a0", "\u2212"


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (1_401_126, 0, f"1{NNBSP}401{NNBSP}126"),
        (2.5, 1, "2,5"),
        (12.25, 1, "12,3"),
        (2.5, 0, "3"),
        (-3, 0, f"{MINUS}3"),
        (-0.04, 1, "0,0"),  # no "−0,0"
        (2.0, None, "2"),
        (1.25, None, "1,25"),
        (None, 0, "—"),
        (float("nan"), 1, "—"),
    ],
)
def test_numbers(value, decimals, text) -> None:
    assert fmt.number(value, decimals) == text


def test_a_tile_and_a_table_round_the_same_figure_alike() -> None:
    for value in (12.25, 1651.45, 0.05, 2.675, 13.071429):
        table = pl.select(rounded(pl.lit(value), 1)).item()
        assert fmt.number(value, 1) == fmt.number(table, 1), value
    assert fmt.hours(1651.5) == f"1{NNBSP}651,5{NBSP}h"


def test_changes_are_signed_and_styled_by_their_sign() -> None:
    assert fmt.change(10, 7) == "+3"
    assert fmt.change(7, 10) == f"{MINUS}3"
    assert fmt.change(3, 3) == "0"
    assert fmt.change(0.5, 0.45, "share") == f"+5,0{NBSP}pt"
    assert fmt.change(2.0, 2.04, "days") == f"0,0{NBSP}j"
    assert fmt.change(None, 3) is None
    # Streamlit reads "−3" as a rise: the arrow and colour come from the sign
    assert change_style(f"{MINUS}3") == {"delta_color": "red", "delta_arrow": "down"}
    assert change_style(f"{MINUS}1,0{NBSP}j", inverse=True) == {
        "delta_color": "green",
        "delta_arrow": "down",
    }
    assert change_style("+3") == {"delta_color": "green", "delta_arrow": "up"}
    assert change_style("0") == {"delta_color": "gray", "delta_arrow": "off"}


def test_durations_as_a_timetable_writes_them() -> None:
    assert [fmt.duration(h) for h in (2.5, 1.0, 50 / 60, 1.25)] == [
        f"2{NBSP}h{NBSP}30",
        f"1{NBSP}h",
        f"50{NBSP}min",
        f"1{NBSP}h{NBSP}15",
    ]
