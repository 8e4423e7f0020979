"""Downloads as users open them: an Excel file says what it holds above its table (title,
period, filters, data date, extraction date) on a French sheet, rates are percentage cells;
a CSV is separated by ";" with a decimal comma; file names carry the period."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import polars as pl
import pytest
from world import World

from data_access.exports import ExportContext, sheet_name, to_csv_bytes, to_excel_bytes
from indicators.common import Filters, Period, Scope
from ui.downloads import export_context, file_name, filters_text
from ui.sidebar import Selection
from ui.tables import for_csv

RATES = pl.DataFrame(
    {
        "Groupe": ["2nde A", "=cmd|' /C calc'!A0"],
        "Inscriptions actives": [28, 19],
        "Taux d'abandon": [9 / 28, 6 / 19],
        "Heures": [12.25, 3.0],
        "Sortie": [date(2025, 10, 3), None],
    }
)


def selection() -> Selection:
    """Lyon's 2nde A, one copy submitted on 07/07/2026: the data's last day."""
    w = World()
    w.group("2nde A", site="Lyon")
    w.learner("A1", group="2nde A", entered=date(2025, 9, 1))
    w.copy("A1", "Maths", submitted=date(2026, 7, 7))
    scope = Scope(
        Period(date(2025, 9, 1), date(2026, 8, 31)),
        Filters(sites=("Lyon",), publics=("jeunes", "alternants")),
    )
    return Selection(w.dataset(), scope, "Base de données", "test")


def test_the_excel_header_block_says_what_the_table_is() -> None:
    context = export_context("Taux d'abandon par groupe", selection(), datetime(2026, 7, 8, 9, 5))
    workbook = openpyxl.load_workbook(
        io.BytesIO(to_excel_bytes({context.title: RATES}, context, ("Taux d'abandon",)))
    )
    assert workbook.sheetnames == ["Taux d'abandon par groupe"]
    sheet = workbook.active
    header = [[cell.value for cell in row[:2]] for row in sheet.iter_rows(max_row=7)]
    assert header == [
        ["Taux d'abandon par groupe", None],
        ["Période", "du 01/09/2025 au 31/08/2026"],
        ["Filtres", "Site : Lyon ; Public : jeunes, alternants"],
        ["Données au", "07/07/2026"],
        ["Source", "Base de données"],
        ["Extrait le", "08/07/2026 à 09:05"],
        [None, None],
    ]
    assert sheet["A1"].font.bold
    # the table under it, its header frozen and filtered
    assert [c.value for c in sheet[8]] == list(RATES.columns)
    assert sheet.freeze_panes == "A9"
    (table,) = sheet.tables.values()
    assert table.ref == "A8:E10" and table.autoFilter is not None
    rate = sheet["C9"]
    assert rate.value == pytest.approx(9 / 28) and rate.number_format == "0.0 %"
    assert sheet["D9"].number_format == "#,##0.0"
    assert sheet["E9"].number_format == "dd/mm/yyyy"
    assert sheet["A10"].value == "=cmd|' /C calc'!A0"  # text as it is, never a formula
    assert sheet["A10"].data_type == "s"


def test_sheet_names_file_names_and_filters_in_french() -> None:
    assert sheet_name("Copies en attente au 07/07/2026 : les plus anciennes") == (
        "Copies en attente au 07 07 2026"
    )
    assert sheet_name("'[?]'") == "Tableau"
    period = Period(date(2025, 9, 1), date(2026, 8, 31))
    assert file_name("taux_abandon_group", period, "xlsx") == (
        "taux_abandon_group_2025-09-01_2026-08-31.xlsx"
    )
    assert filters_text(Filters()) == "aucun (toutes les données)"
    assert ExportContext("Titre").sheet_name == "Titre"


def test_csv_has_semicolons_a_decimal_comma_and_percentages() -> None:
    frame = pl.DataFrame({"group": ["2nde A"], "dropout_rate": [9 / 28], "hours": [12.25]})
    labels = {"group": "Groupe", "dropout_rate": "Taux d'abandon", "hours": "Heures"}
    text = to_csv_bytes(for_csv(frame, labels, {"dropout_rate": "share"})).decode("utf-8")
    assert text == "\ufeffGroupe;Taux d'abandon (%);Heures\n2nde A;32,1;12,3\n"  # halves up
