"""Download buttons for every table: Excel (formatted) and CSV, built only when clicked.

A per-learner table (personal data) is downloaded pseudonymised when the user asks for it or
must (lecture); each such download is recorded in the audit trail when it is built, after
checking that the account is still active.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from data_access import accounts, audit, db
from data_access.errors import PilotageError
from data_access.exports import to_csv_bytes, to_excel_bytes, with_labels
from domain import AUDIT_EXPORT, AUDIT_REFUSED
from ui.auth import User


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
    frame: pl.DataFrame,
    file_stem: str,
    labels: dict[str, str] | None = None,
    key: str | None = None,
    *,
    personal: tuple[User, bool, Callable[[pl.DataFrame], pl.DataFrame]] | None = None,
) -> None:
    """Two buttons: the table as Excel and as CSV, with French column labels.

    The files are built only when a button is clicked (lazy data), so pages stay fast.
    ``personal``: (user, pseudonymised, how to make the file's table from the frame) for a
    per-learner table, whose downloads are recorded.
    """
    key = key or file_stem
    finish = personal[2] if personal is not None else (lambda table: table)

    def excel() -> bytes:
        return to_excel_bytes({file_stem: with_labels(finish(frame), labels)})

    def csv() -> bytes:
        return to_csv_bytes(with_labels(finish(frame), labels))

    if personal is not None:
        user, pseudonymised, _ = personal
        excel = recorded(excel, user, f"{file_stem}.xlsx", frame.height, pseudonymised)
        csv = recorded(csv, user, f"{file_stem}.csv", frame.height, pseudonymised)
    left, right = st.columns(2)
    left.download_button(
        "Télécharger (Excel)",
        data=excel,
        file_name=f"{file_stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx_{key}",
        on_click="ignore",
        width="stretch",
    )
    right.download_button(
        "Télécharger (CSV)",
        data=csv,
        file_name=f"{file_stem}.csv",
        mime="text/csv",
        key=f"csv_{key}",
        on_click="ignore",
        width="stretch",
    )
