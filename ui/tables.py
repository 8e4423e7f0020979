"""A table as users read it: French column labels, dates dd/mm/yyyy, shares in percent,
rounded numbers, and the Excel and CSV download buttons under it.

A per-learner table (one holding a learner's identifier) is personal data: the lecture role
never sees it (a line says how many learners it lists, and its download is pseudonymised);
the others see it, and download it pseudonymised when they chose to in the sidebar. Each of
its downloads goes to the audit trail."""

from __future__ import annotations

import polars as pl
import streamlit as st

from data_access.pseudonyms import is_personal, pseudonym_key, pseudonymise
from ui import auth
from ui.downloads import download_buttons
from ui.sidebar import pseudonymised_downloads

DECIMALS = {"days": 1, "hours": 1, "ratio": 1, "share": 1, "number": 1}
MISSING_TEXT = "(non renseigné)"
EMPTY_CELL = ""  # an empty date or number cell (Streamlit would write "None")


def named(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """The frame with MISSING_TEXT in the empty cells of the text columns named (for chart
    categories: a site, corrector or tutor that the data do not give)."""
    return frame.with_columns(pl.col(c).fill_null(MISSING_TEXT) for c in columns)


def for_display(
    frame: pl.DataFrame, labels: dict[str, str], kinds: dict[str, str] | None = None
) -> pl.DataFrame:
    """The frame with shares (columns ending in _share, or kind "share") in percent (x100),
    floats rounded (1 decimal), empty text cells as MISSING_TEXT, columns renamed to their
    French labels."""
    kinds = kinds or {}
    columns = []
    for name, dtype in frame.schema.items():
        kind = kinds.get(name, "share" if name.endswith("_share") else "number")
        column = pl.col(name)
        if kind == "share":
            column = (column * 100).round(DECIMALS["share"])
        elif dtype.is_float():
            column = column.round(DECIMALS.get(kind, 1))
        elif dtype == pl.String:
            column = column.fill_null(MISSING_TEXT)
        columns.append(column.alias(labels.get(name, name)))
    return frame.select(columns)


def _column_config(frame: pl.DataFrame) -> dict[str, object]:
    config: dict[str, object] = {}
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            config[name] = st.column_config.DateColumn(name, format="DD/MM/YYYY")
        elif isinstance(dtype, pl.Datetime):
            config[name] = st.column_config.DatetimeColumn(name, format="DD/MM/YYYY HH:mm")
        elif dtype.is_numeric():
            config[name] = st.column_config.NumberColumn(name, format="localized")
    return config


def show(
    frame: pl.DataFrame,
    labels: dict[str, str],
    file_stem: str,
    *,
    kinds: dict[str, str] | None = None,
    max_rows: int | None = None,
    key: str | None = None,
) -> None:
    """st.dataframe of the frame (its first ``max_rows`` rows) then the download buttons
    (the whole frame), with the same French labels and formats; empty dates and numbers left
    blank. A per-learner table follows the rules of the module docstring."""
    user = auth.current()
    if is_personal(frame) and not user.sees_names:
        st.caption(
            f":material/shield_person: Liste de {frame.height} ligne(s) sur des apprenants : "
            "non affichée pour le rôle lecture ; son téléchargement est pseudonymisé."
        )
        downloads(frame, labels, file_stem, kinds=kinds, key=key)
        return
    shown = for_display(frame, labels, kinds)
    visible = shown if max_rows is None else shown.head(max_rows)
    st.dataframe(
        visible,
        hide_index=True,
        width="stretch",
        column_config=_column_config(visible),
        placeholder=EMPTY_CELL,
    )
    downloads(frame, labels, file_stem, kinds=kinds, key=key)


def downloads(
    frame: pl.DataFrame,
    labels: dict[str, str],
    file_stem: str,
    *,
    kinds: dict[str, str] | None = None,
    key: str | None = None,
) -> None:
    """Only the download buttons, with the formats of ``show`` (for a frame drawn as a chart);
    a per-learner table pseudonymised when the user chose it or must."""
    if not is_personal(frame):
        download_buttons(for_display(frame, labels, kinds), file_stem, key=key)
        return
    user = auth.current()
    pseudonymised = pseudonymised_downloads(user)

    def finish(table: pl.DataFrame) -> pl.DataFrame:  # when the button is clicked
        table = pseudonymise(table, pseudonym_key()) if pseudonymised else table
        return for_display(table, labels, kinds)

    download_buttons(frame, file_stem, key=key, personal=(user, pseudonymised, finish))
