"""Download buttons for every table: Excel (formatted) and CSV, built only when clicked."""

from __future__ import annotations

import polars as pl
import streamlit as st

from data_access.exports import to_csv_bytes, to_excel_bytes, with_labels


def download_buttons(
    frame: pl.DataFrame,
    file_stem: str,
    labels: dict[str, str] | None = None,
    key: str | None = None,
) -> None:
    """Two buttons: the table as Excel and as CSV, with French column labels.

    The files are built only when a button is clicked (lazy data), so pages stay fast.
    """
    labelled = with_labels(frame, labels)
    key = key or file_stem
    left, right = st.columns(2)
    left.download_button(
        "Télécharger (Excel)",
        data=lambda: to_excel_bytes({file_stem: labelled}),
        file_name=f"{file_stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx_{key}",
        on_click="ignore",
        width="stretch",
    )
    right.download_button(
        "Télécharger (CSV)",
        data=lambda: to_csv_bytes(labelled),
        file_name=f"{file_stem}.csv",
        mime="text/csv",
        key=f"csv_{key}",
        on_click="ignore",
        width="stretch",
    )
