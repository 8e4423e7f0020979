"""Charts are drawn from a Vega-Lite spec memoised with the figures it draws (ui/cached.py,
``chart_spec``): made again when the data version, the user's perimeter (both in the
selection's data key), the comparison with the year before or the scope change, never drawn
from another data's or filter's spec; the pages draw the filtered figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
import pyarrow as pa
import pytest
import streamlit as st
from apptest import open_page, page_problems
from test_pages_activity import _world

from indicators.common import Period, Scope
from ui import cached, charts

URL = "sqlite:////tmp/pilotage.db"


@dataclass(frozen=True)
class Shown:
    """What chart_spec reads of a selection."""

    data_key: str
    year_before: bool = False


def _drawn(spec: dict) -> list[tuple]:
    """The rows of the data a spec draws (its datasets are Arrow bytes, as Streamlit sends)."""
    rows = []
    for data in spec["datasets"].values():
        rows += pa.ipc.open_stream(data).read_all().to_pylist()
    return [tuple(row.values()) for row in rows if "count" in row]


def _spec(selection: Shown, counts: list[int], made: list[list[int]], **arguments: object) -> dict:
    def make() -> object:  # one call site, as a page's
        made.append(counts)
        frame = pl.DataFrame({"site": ["Nord", "Sud"][: len(counts)], "count": counts})
        return charts.bars(
            frame, category="site", value="count", category_title="Site", value_title="Copies"
        )

    return cached.chart_spec(selection, make, **arguments)


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    st.cache_resource.clear()


def test_a_chart_is_made_once_for_the_same_data_and_scope() -> None:
    made: list[list[int]] = []
    first = _spec(Shown(f"{URL}#v1"), [3, 1], made, scope="janvier")
    again = _spec(Shown(f"{URL}#v1"), [3, 1], made, scope="janvier")
    assert made == [[3, 1]] and again == first
    assert _drawn(first) == [("Nord", 3), ("Sud", 1)]


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(Shown(f"{URL}#v2"), id="another data version"),
        pytest.param(Shown(f"{URL}#v1#('Nord',)#()#True"), id="another perimeter"),
        pytest.param(Shown("sqlite:////tmp/autre.db#v1"), id="another database"),
        pytest.param(Shown(f"{URL}#v1", year_before=True), id="the year before shown"),
    ],
)
def test_a_chart_is_made_again_for_other_data(other: Shown) -> None:
    made: list[list[int]] = []
    _spec(Shown(f"{URL}#v1"), [3, 1], made, scope="janvier")
    spec = _spec(other, [5], made, scope="janvier")
    assert made == [[3, 1], [5]]
    assert _drawn(spec) == [("Nord", 5)]


def test_a_chart_is_made_again_for_another_scope_or_option() -> None:
    made: list[list[int]] = []
    january = Scope(Period(date(2026, 1, 1), date(2026, 1, 31)))
    february = Scope(Period(date(2026, 2, 1), date(2026, 2, 28)))
    shown = Shown(f"{URL}#v1")
    _spec(shown, [3, 1], made, scope=january, by="site")
    assert _drawn(_spec(shown, [4], made, scope=february, by="site")) == [("Nord", 4)]
    assert _drawn(_spec(shown, [6], made, scope=january, by="discipline")) == [("Nord", 6)]
    assert _drawn(_spec(shown, [7], made, scope=january, by="site")) == [("Nord", 3), ("Sud", 1)]
    assert made == [[3, 1], [4], [6]]


@pytest.fixture
def activity_database(app_database) -> str:  # noqa: ANN001
    return app_database(_world())


def _specs(app) -> list[str]:  # noqa: ANN001
    return [chart.proto.spec for chart in app.get("vega_lite_chart")]


def _data(app) -> list[bytes]:  # noqa: ANN001
    return [b"".join(d.data.data for d in c.proto.datasets) for c in app.get("vega_lite_chart")]


def test_the_charts_of_a_page_follow_the_filters(activity_database: str) -> None:
    """Délais de correction: its five charts change with the site chosen, and come back the
    same when it is cleared (read from the memo)."""
    app = open_page("pages/delays.py")
    assert not page_problems(app), page_problems(app)
    everything = _data(app)
    assert len(everything) == 5 and len(_specs(app)) == 5
    app.sidebar.multiselect(key="filter_sites").set_value(["Rennes"]).run()
    assert not page_problems(app), page_problems(app)
    rennes = _data(app)
    assert len(rennes) == 5
    assert all(a != b for a, b in zip(everything[:2], rennes[:2], strict=True))
    app.sidebar.multiselect(key="filter_sites").set_value([]).run()
    assert _data(app) == everything


def test_a_table_is_made_once_per_frame_and_again_for_a_new_one() -> None:
    """ui/tables.py, ``displayed``: the Arrow table drawn, with French labels and rounded
    figures, made once per frame object (a memoised figure), again for another frame."""
    from ui.tables import displayed

    labels = {"site": "Site", "delay": "Délai"}
    frame = pl.DataFrame({"site": ["Nord", None], "delay": [2.25, 3.0]})
    table = displayed(frame, None, labels)
    assert displayed(frame, None, labels) is table
    assert table.to_pylist() == [
        {"Site": "Nord", "Délai": 2.3},
        {"Site": "(non renseigné)", "Délai": 3.0},
    ]
    assert displayed(frame, 1, labels).num_rows == 1
    other = pl.DataFrame({"site": ["Sud"], "delay": [1.0]})
    assert displayed(other, None, labels).to_pylist() == [{"Site": "Sud", "Délai": 1.0}]


def test_what_a_page_makes_of_figures_is_made_again_for_new_figures() -> None:
    made: list[int] = []

    def total(frame: pl.DataFrame, *, times: int) -> int:
        made.append(times)
        return int(frame.get_column("n").sum()) * times

    first = pl.DataFrame({"n": [1, 2]})
    assert cached.derived(total, first, times=2) == 6
    assert cached.derived(total, first, times=2) == 6
    assert cached.derived(total, first, times=3) == 9
    assert cached.derived(total, pl.DataFrame({"n": [5]}), times=2) == 10
    assert made == [2, 3, 2]
