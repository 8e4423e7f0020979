"""Drill-down: from a figure to the rows behind it. An aggregate table (dropout rate per site,
surge weeks, hours per group, tutors' load) whose rows can be selected, and under it a list
naming its rows: clicking a row, or choosing it in the list, shows the learners, copies,
requests or sessions that make its figure, with the same columns and downloads as elsewhere.
A chart drawn by ``bars`` does the same: clicking a bar chooses its row in the list.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import altair as alt
import polars as pl
import streamlit as st

from ui import cached, charts, tables

if TYPE_CHECKING:
    from ui.sidebar import Selection

PLACEHOLDER = "Cliquez une ligne du tableau, ou choisissez-la ici"


def pick(
    frame: pl.DataFrame,
    labels: dict[str, str],
    file_stem: str,
    *,
    title: str,
    key: str,
    choice: str,
    names: list[str],
    kinds: dict[str, str] | None = None,
    max_rows: int | None = None,
    hidden: tuple[str, ...] = (),
) -> dict | None:
    """The table (through tables.show) and the list of its rows (``choice``: its label;
    ``names``: a name per row, in the frame's order); the row chosen, by a click on the table
    or in the list, else None (with the ``hidden`` columns, which the table does not show).
    A table of more than tables.MAX_ROWS_SHOWN rows draws its first ones; the list holds
    them all (up to ``max_rows``)."""
    clicked = tables.show(
        frame.drop(hidden), labels, file_stem, title=title, kinds=kinds, key=key, max_rows=max_rows,
        selectable=True,
    )  # fmt: skip
    shown = frame if max_rows is None else frame.head(max_rows)
    names = names[: shown.height]
    choice_key, last_key = f"drill_{key}", f"_drill_{key}_clicked"
    if clicked is not None and st.session_state.get(last_key) != clicked:
        st.session_state[choice_key] = names[clicked]  # a new click chooses its row
    st.session_state[last_key] = clicked
    if st.session_state.get(choice_key) not in names:
        st.session_state[choice_key] = None  # a row of another period or filter
    chosen = st.selectbox(choice, names, key=choice_key, placeholder=PLACEHOLDER)
    return None if chosen is None else shown.row(names.index(chosen), named=True)


SELECTION = "barre"
"""The name of the selection a clickable chart carries (Streamlit's selection_mode)."""


def clickable(chart: alt.TopLevelMixin, field: str, *, layer: int = 0) -> alt.TopLevelMixin:
    """The chart whose marks (of its ``layer``-th layer when it has layers) can be clicked,
    one at a time, by the value of ``field``; still drawn without schema check."""
    point = alt.selection_point(name=SELECTION, fields=[field], on="click", clear="dblclick")
    if isinstance(chart, alt.LayerChart):
        copy = chart.copy()
        copy.layer[layer] = copy.layer[layer].add_params(point)
        return charts.unchecked(copy)
    return charts.unchecked(chart.add_params(point))


def clicked(event: Mapping[str, Any] | None, field: str, *, temporal: bool = False) -> Any:
    """The value of ``field`` of the mark clicked, from Streamlit's chart selection state
    (``{"selection": {"barre": [{field: value}]}}``), else None; ``temporal``: a date (Vega
    gives a day as milliseconds since 1970, or as text)."""
    points = ((event or {}).get("selection") or {}).get(SELECTION) or []
    values = [p.get(field) for p in points if isinstance(p, Mapping) and p.get(field) is not None]
    if not values:
        return None
    value = values[0]
    if not temporal:
        return value
    if isinstance(value, int | float):
        return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=value)).date()
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        return None


def bars(
    chart: alt.TopLevelMixin | Callable[[], alt.TopLevelMixin],
    *,
    key: str,
    field: str,
    temporal: bool = False,
    layer: int = 0,
    chooses: bool = True,
    selection: Selection | None = None,
    memo: Mapping[str, Hashable] | None = None,
) -> Any:
    """Draw the chart with its bars clickable; the value of ``field`` of the bar clicked
    (None when none). With ``chooses``, a new click also chooses its row in the list of
    ``pick`` of the same ``key`` (whose names are the values of ``field``), which then shows
    the rows behind it: a bar and a row lead to the same table.

    With ``selection``, ``chart`` is a function making the chart, whose spec is memoised
    (ui/cached.py, ``chart_spec``: per data key, and ``memo``, what else the chart depends
    on: the scope, the page's options), not made again at every rerun."""
    options = {"on_select": "rerun", "selection_mode": SELECTION, "key": f"bar_{key}"}
    if selection is None:
        event = st.altair_chart(clickable(chart, field, layer=layer), width="stretch", **options)
    else:
        code = chart.__code__
        spec = cached.chart_spec(
            selection,
            lambda: clickable(chart(), field, layer=layer),
            drawn_by=f"{code.co_filename}:{code.co_firstlineno}",
            key=key,
            field=field,
            layer=layer,
            **(memo or {}),
        )
        copied = {**spec, "datasets": dict(spec.get("datasets", {}))}
        event = st.vega_lite_chart(copied, width="stretch", **options)
    value = clicked(event, field, temporal=temporal)
    last_key = f"_bar_{key}_clicked"
    if chooses and value is not None and st.session_state.get(last_key) != value:
        st.session_state[f"drill_{key}"] = value
    st.session_state[last_key] = value
    return value
