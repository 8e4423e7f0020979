"""The editable capacity and staff of « Prévoir la charge » (what if): the figures measured
from the data shown in editable tables; the page plans with what the user leaves or types.

Each editor owns its session-state key, made of what the table was measured for (the day of
the data, the rows), so edits never land on the rows of another selection; « Revenir aux
valeurs mesurées » starts both over.
"""

from __future__ import annotations

import zlib

import polars as pl
import streamlit as st

from forecast.capacity import CAPACITY_SCHEMA, STAFF_SCHEMA

CAPACITY_LABELS = {
    "discipline": "Discipline",
    "copies_per_corrector": "Copies corrigées par correcteur et par semaine",
    "requests_per_tutor": "Sollicitations répondues par tuteur et par semaine",
}
STAFF_LABELS = {
    "site": "Site",
    "discipline": "Discipline",
    "correctors": "Correcteurs",
    "tutors": "Tuteurs",
}
_VERSION_KEY = "_forecast_editor_version"


def _key(name: str, frame: pl.DataFrame, measured_for: str) -> str:
    rows = "|".join(map(str, frame.select(pl.col(pl.String)).rows()))
    digest = zlib.crc32(f"{measured_for}#{rows}".encode())
    return f"forecast_{name}_{st.session_state.get(_VERSION_KEY, 0)}_{digest}"


def _editor(
    frame: pl.DataFrame,
    labels: dict[str, str],
    schema: dict[str, pl.DataType],
    key: str,
    helps: dict[str, str],
) -> pl.DataFrame:
    config = {}
    for name, dtype in schema.items():
        label = labels[name]
        if dtype == pl.String:
            config[label] = st.column_config.TextColumn(label, disabled=True)
        else:
            step = 0.1 if dtype.is_float() else 1
            config[label] = st.column_config.NumberColumn(
                label, format="localized", step=step, min_value=0, help=helps.get(name)
            )
    edited = st.data_editor(
        frame.rename(labels),
        column_config=config,
        hide_index=True,
        num_rows="fixed",
        width="stretch",
        key=key,
    )
    table = edited if isinstance(edited, pl.DataFrame) else pl.from_pandas(edited)
    return table.rename({label: name for name, label in labels.items()}).cast(schema)


def capacity_editor(capacity: pl.DataFrame, measured_for: str) -> pl.DataFrame:
    """The capacity per discipline (CAPACITY_SCHEMA), as measured or as edited."""
    return _editor(
        capacity,
        CAPACITY_LABELS,
        CAPACITY_SCHEMA,
        _key("capacity", capacity, measured_for),
        {
            "copies_per_corrector": "Médiane des semaines de référence : copies corrigées de "
            "la semaine divisées par les correcteurs qui en ont corrigé cette semaine-là.",
            "requests_per_tutor": "Médiane des semaines de référence : sollicitations "
            "répondues de la semaine divisées par les tuteurs qui en ont répondu.",
        },
    )


def staff_editor(staff: pl.DataFrame, measured_for: str) -> pl.DataFrame:
    """The team per site and discipline (STAFF_SCHEMA), as measured or as edited."""
    return _editor(
        staff,
        STAFF_LABELS,
        STAFF_SCHEMA,
        _key("staff", staff, measured_for),
        {
            "correctors": "Correcteurs ayant corrigé au moins une copie de la discipline sur "
            "le site pendant les semaines de référence. Changez-le pour voir l'effet.",
            "tutors": "Tuteurs ayant répondu à au moins une sollicitation de la discipline sur "
            "le site pendant les semaines de référence.",
        },
    )


def reset_button() -> None:
    """« Revenir aux valeurs mesurées »: both editors start over."""
    if st.button("Revenir aux valeurs mesurées", icon=":material/restart_alt:"):
        st.session_state[_VERSION_KEY] = st.session_state.get(_VERSION_KEY, 0) + 1
        st.rerun()
