"""Download buttons for every table: Excel (its title, period, filters, data date and
extraction date above the table; rates as percentage cells) and CSV (";" and a decimal
comma), file names carrying the period. The files are built only when a button is clicked.

A per-learner table (personal data) is downloaded pseudonymised when the user asks for it or
must (lecture); each such download is recorded in the audit trail when it is built, after
checking that the account is still active.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import polars as pl
import streamlit as st

from data_access import accounts, audit, db
from data_access.errors import PilotageError
from data_access.exports import ExportContext, to_csv_bytes, to_excel_bytes
from domain import AUDIT_EXPORT, AUDIT_REFUSED
from indicators.common import Filters, Period
from indicators.dataset import data_end
from ui import format as fmt
from ui.auth import User
from ui.sidebar import Selection, selection

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILTER_LABELS = {
    "sites": "Site",
    "groups": "Groupe / classe",
    "disciplines": "Discipline",
    "publics": "Public",
    "modalities": "Modalité",
}


def filters_text(filters: Filters) -> str:
    """The sidebar's filters in words: "Site : Lyon ; Public : jeunes", or "aucun"."""
    parts = [
        f"{label} : {', '.join(getattr(filters, name))}"
        for name, label in FILTER_LABELS.items()
        if getattr(filters, name)
    ]
    return " ; ".join(parts) or "aucun (toutes les données)"


def export_context(title: str, chosen: Selection, now: datetime | None = None) -> ExportContext:
    """The lines written above a downloaded table: period, filters, data date, source and
    extraction date of the selection it was computed for."""
    period = chosen.scope.period
    last = data_end(chosen.dataset)
    moment = now or datetime.now()
    return ExportContext(
        title=title,
        lines=(
            ("Période", f"du {fmt.day(period.start)} au {fmt.day(period.end)}"),
            ("Filtres", filters_text(chosen.scope.filters)),
            ("Données au", fmt.day(last) if last else "aucune donnée"),
            ("Source", chosen.source),
            ("Extrait le", f"{fmt.day(moment)} à {moment:%H:%M}"),
        ),
    )


def file_name(stem: str, period: Period, extension: str) -> str:
    """taux_abandon + the period -> taux_abandon_2025-09-01_2026-08-31.xlsx"""
    return f"{stem}_{period.start:%Y-%m-%d}_{period.end:%Y-%m-%d}.{extension}"


def recorded(
    build: Callable[[], bytes], user: User, file_name: str, rows: int, pseudonymised: bool
) -> Callable[[], bytes]:
    """``build``, run when the button is clicked, once the account is checked (still active)
    and the export recorded: what, how many rows, pseudonymised or not (never a name)."""

    def run() -> bytes:
        engine = db.get_engine()
        if user.login is not None:
            account = accounts.get_account(engine, user.login)
            if account is None or account.disabled:
                audit.record(engine, AUDIT_REFUSED, login=user.login, detail=f"export {file_name}")
                raise PilotageError("Compte désactivé : téléchargement refusé.")
        how = "pseudonymisé" if pseudonymised else "nominatif"
        detail = f"{file_name} : {rows} ligne(s), {how}"
        audit.record(engine, AUDIT_EXPORT, login=user.login, detail=detail)
        return build()

    return run


def download_buttons(
    excel: Callable[[], pl.DataFrame],
    csv: Callable[[], pl.DataFrame],
    file_stem: str,
    *,
    title: str,
    percent_columns: tuple[str, ...] = (),
    key: str | None = None,
    personal: tuple[User, bool, int] | None = None,
) -> None:
    """Two buttons: the table as Excel (``excel()``: French labels, rates as fractions in
    ``percent_columns``) and as CSV (``csv()``), for the sidebar's selection. ``personal``:
    (user, pseudonymised, rows) for a per-learner table, whose downloads are recorded."""
    chosen = selection()
    period = chosen.scope.period
    key = key or file_stem
    xlsx_name, csv_name = file_name(file_stem, period, "xlsx"), file_name(file_stem, period, "csv")

    def as_excel() -> bytes:
        return to_excel_bytes({title: excel()}, export_context(title, chosen), percent_columns)

    def as_csv() -> bytes:
        return to_csv_bytes(csv())

    if personal is not None:
        user, pseudonymised, rows = personal
        as_excel = recorded(as_excel, user, xlsx_name, rows, pseudonymised)
        as_csv = recorded(as_csv, user, csv_name, rows, pseudonymised)
    left, right = st.columns(2)
    left.download_button(
        "Télécharger (Excel)",
        data=as_excel,
        file_name=xlsx_name,
        mime=XLSX,
        key=f"xlsx_{key}",
        on_click="ignore",
        width="stretch",
    )
    right.download_button(
        "Télécharger (CSV)",
        data=as_csv,
        file_name=csv_name,
        mime="text/csv",
        key=f"csv_{key}",
        on_click="ignore",
        width="stretch",
    )
