"""A table as users read it: French column labels, dates dd/mm/yyyy, numbers written in the
reader's language with the same decimals down a column, rates as percentages, empty cells
blank, and the Excel and CSV download buttons under it.

Every table of the pages goes through ``show`` (or ``editor_config`` for the plan editors),
so one rule decides how each kind of value looks:

- kind "share" (columns ending in _share, or named in ``kinds``): a fraction shown as a
  percentage with one decimal (32,1 %), a percentage cell in Excel, a number x100 in CSV;
- kinds "days", "hours", "ratio", "number" (floats): one decimal;
- integers: no decimal; dates: dd/mm/yyyy; empty text: "(non renseigné)".

A per-learner table (one holding a learner's identifier) is personal data: the lecture role
never sees it (a line says how many learners it lists, and its download is pseudonymised);
the others see it, and download it pseudonymised when they chose to in the sidebar. Each of
its downloads goes to the audit trail.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa
import streamlit as st

from data_access.pseudonyms import is_personal, pseudonym_key, pseudonymise
from ui import auth, cached
from ui import format as fmt
from ui.downloads import download_buttons
from ui.learner_links import link_to_selected
from ui.sidebar import pseudonymised_downloads

DECIMALS = {"days": 1, "hours": 1, "ratio": 1, "share": 1, "number": 1}
MISSING_TEXT = "(non renseigné)"
EMPTY_CELL = ""  # an empty date or number cell (Streamlit would write "None")
PERCENT_SUFFIX = " (%)"
MAX_ROWS_SHOWN = 1_000
"""Rows of a table drawn when its page sets no limit: the browser gets these, the download
the whole table (and the list under a drill-down table, ui/drill.py, every row). 22 397 rows
of "Délais de correction" were 2,8 Mo sent to the browser at every visit."""


def named(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """The frame with MISSING_TEXT in the empty cells of the text columns named (for chart
    categories: a site, corrector or tutor that the data do not give)."""
    return frame.with_columns(pl.col(c).fill_null(MISSING_TEXT) for c in columns)


def kind_of(name: str, kinds: dict[str, str] | None) -> str:
    """The kind of a column: as given, "share" for a name ending in _share, else "number"."""
    return (kinds or {}).get(name, "share" if name.endswith("_share") else "number")


def share_columns(frame: pl.DataFrame, kinds: dict[str, str] | None) -> list[str]:
    return [name for name in frame.columns if kind_of(name, kinds) == "share"]


def rounded(column: pl.Expr, decimals: int) -> pl.Expr:
    """The one rounding rule of figures shown: to the nearest, halves away from zero (12,25
    -> 12,3), as ui.format writes single figures."""
    return column.round(decimals, mode="half_away_from_zero")


def for_display(
    frame: pl.DataFrame, labels: dict[str, str], kinds: dict[str, str] | None = None
) -> pl.DataFrame:
    """The frame with empty text cells as MISSING_TEXT, numbers rounded to the decimals shown
    (Streamlit would cut 13,07 to 13,0 rather than round it) and columns renamed to their
    French labels; the column configuration writes them."""
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.String:
            column = column.fill_null(MISSING_TEXT)
        elif dtype.is_float():
            kind = kind_of(name, kinds)
            shown = DECIMALS.get(kind, 1) + (2 if kind == "share" else 0)  # 0,321 is 32,1 %
            column = rounded(column, shown)
        columns.append(column.alias(labels.get(name, name)))
    return frame.select(columns)


def for_csv(
    frame: pl.DataFrame, labels: dict[str, str], kinds: dict[str, str] | None = None
) -> pl.DataFrame:
    """The frame as a CSV carries it: rates x100 rounded (label + " (%)"), floats rounded to
    their kind's decimals, French labels."""
    columns = []
    for name, dtype in frame.schema.items():
        kind, label = kind_of(name, kinds), labels.get(name, name)
        column = pl.col(name)
        if kind == "share":
            column, label = rounded(column * 100, DECIMALS["share"]), label + PERCENT_SUFFIX
        elif dtype.is_float():
            column = rounded(column, DECIMALS.get(kind, 1))
        columns.append(column.alias(label))
    return frame.select(columns)


def number_config(label: str, kind: str, dtype: pl.DataType, **options: Any) -> Any:
    """The column configuration of a number: written in the reader's language ("localized"),
    the same decimals on every row; a rate as a percentage with one decimal."""
    if kind == "share":
        return st.column_config.NumberColumn(label, format="percent", step=0.001, **options)
    step = 10 ** -DECIMALS.get(kind, 1) if dtype.is_float() else 1
    return st.column_config.NumberColumn(label, format="localized", step=step, **options)


def displayed(
    frame: pl.DataFrame,
    rows: int | None,
    labels: dict[str, str],
    kinds: dict[str, str] | None = None,
) -> pa.Table:
    """``for_display`` of the first ``rows`` rows of ``frame`` (all when None) as the Arrow
    table st.dataframe sends (a Polars frame would go through pandas first: 13 ms a table at
    every rerun), made once per frame object (``cached.derived``): the figures memoised
    (ui/cached.py) are the same frame at every rerun until the data, the scope or the
    settings change, when they are a new frame."""
    names = tuple(labels.get(name, name) for name in frame.columns)
    shown_kinds = tuple(kind_of(name, kinds) for name in frame.columns)
    return cached.derived(_arrow_table, frame, rows=rows, names=names, kinds=shown_kinds)


def _arrow_table(
    frame: pl.DataFrame, *, rows: int | None, names: tuple[str, ...], kinds: tuple[str, ...]
) -> pa.Table:
    visible = frame if rows is None else frame.head(rows)
    labels = dict(zip(frame.columns, names, strict=True))
    table = for_display(visible, labels, dict(zip(frame.columns, kinds, strict=True))).to_arrow()
    # Arrow's 64-bit offsets of Polars' text are not needed for 1 000 rows
    return table.cast(
        pa.schema(
            pa.field(f.name, pa.string()) if pa.types.is_large_string(f.type) else f
            for f in table.schema
        )
    )


def column_config(
    frame: pl.DataFrame, labels: dict[str, str], kinds: dict[str, str] | None = None
) -> dict[str, Any]:
    """The configuration of each column of ``frame`` (its own names), keyed by French label."""
    config: dict[str, Any] = {}
    for name, dtype in frame.schema.items():
        label = labels.get(name, name)
        if dtype == pl.Date:
            config[label] = st.column_config.DateColumn(label, format="DD/MM/YYYY")
        elif isinstance(dtype, pl.Datetime):
            config[label] = st.column_config.DatetimeColumn(label, format="DD/MM/YYYY HH:mm")
        elif dtype.is_numeric():
            config[label] = number_config(label, kind_of(name, kinds), dtype)
    return config


def show(
    frame: pl.DataFrame,
    labels: dict[str, str],
    file_stem: str,
    *,
    title: str,
    kinds: dict[str, str] | None = None,
    max_rows: int | None = None,
    key: str | None = None,
    wide: tuple[str, ...] = (),
    learner_links: bool = True,
    selectable: bool = False,
) -> int | None:
    """st.dataframe of the frame (its first ``max_rows`` rows; MAX_ROWS_SHOWN when not given,
    said in a line above it) then the download buttons
    (the whole frame, with ``title`` above it in Excel). ``wide``: columns given more room
    (long texts). A per-learner table follows the rules of the module docstring; selecting
    one of its rows offers a link to that learner's file (unless ``learner_links`` is False:
    the file's own tables). ``selectable``: an aggregate table whose rows can be selected (a
    drill-down, ui/drill.py); the position of the row selected is returned (else None)."""
    if is_personal(frame) and not auth.current().sees_names:
        st.caption(
            f":material/shield_person: Liste de {fmt.number(frame.height)} ligne(s) sur des "
            "apprenants : non affichée pour le rôle lecture ; son téléchargement est "
            "pseudonymisé."
        )
        downloads(frame, labels, file_stem, title=title, kinds=kinds, key=key)
        return None
    capped = max_rows is None and frame.height > MAX_ROWS_SHOWN
    drawn = MAX_ROWS_SHOWN if capped else max_rows
    visible = frame if drawn is None else frame.head(drawn)
    if capped:
        st.caption(
            f"Les {fmt.number(MAX_ROWS_SHOWN)} premières lignes sur {fmt.number(frame.height)} "
            "sont affichées ; le téléchargement contient tout le tableau."
        )
    config = column_config(visible, labels, kinds)
    for name in wide:
        label = labels.get(name, name)
        config[label] = st.column_config.TextColumn(label, width="large")
    to_learner = learner_links and "external_id" in visible.columns
    selectable = selectable or to_learner
    selected = st.dataframe(
        displayed(frame, drawn, labels, kinds),
        hide_index=True,
        width="stretch",
        column_config=config,
        placeholder=EMPTY_CELL,
        **(
            {
                "on_select": "rerun",
                "selection_mode": "single-row",
                "key": f"rows_{key or file_stem}",
            }
            if selectable
            else {}
        ),
    )
    if to_learner:
        link_to_selected(visible, selected)
    downloads(frame, labels, file_stem, title=title, kinds=kinds, key=key)
    rows = selected.selection.rows if selectable else []
    return rows[0] if rows and rows[0] < visible.height else None


def plain(
    frame: pl.DataFrame,
    labels: dict[str, str] | None = None,
    *,
    kinds: dict[str, str] | None = None,
    key: str | None = None,
) -> None:
    """st.dataframe of a small table that has no download of its own (a preview, the staff's
    hours), with the formats of ``show``."""
    labels = labels or {}
    st.dataframe(
        for_display(frame, labels, kinds),
        hide_index=True,
        width="stretch",
        column_config=column_config(frame, labels, kinds),
        placeholder=EMPTY_CELL,
        key=key,
    )


def downloads(
    frame: pl.DataFrame,
    labels: dict[str, str],
    file_stem: str,
    *,
    title: str,
    kinds: dict[str, str] | None = None,
    key: str | None = None,
) -> None:
    """Only the download buttons (for a frame drawn as a chart); a per-learner table
    pseudonymised when the user chose it or must, and its downloads recorded."""
    shares = tuple(labels.get(name, name) for name in share_columns(frame, kinds))
    personal, pseudonymised = is_personal(frame), False
    if personal:
        user = auth.current()
        pseudonymised = pseudonymised_downloads(user)

    def table() -> pl.DataFrame:  # when a button is clicked
        return pseudonymise(frame, pseudonym_key()) if pseudonymised else frame

    def for_excel() -> pl.DataFrame:
        made = table()
        return made.rename({k: v for k, v in labels.items() if k in made.columns})

    download_buttons(
        for_excel,
        lambda: for_csv(table(), labels, kinds),
        file_stem,
        title=title,
        percent_columns=shares,
        key=key,
        personal=(user, pseudonymised, frame.height) if personal else None,
    )
