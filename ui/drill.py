"""Drill-down: from a figure to the rows behind it. An aggregate table (dropout rate per site,
surge weeks, hours per group, tutors' load) whose rows can be selected, and under it a list
naming its rows: clicking a row, or choosing it in the list, shows the learners, copies,
requests or sessions that make its figure, with the same columns and downloads as elsewhere.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from ui import tables

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
    or in the list, else None (with the ``hidden`` columns, which the table does not show)."""
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
