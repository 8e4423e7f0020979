"""Nothing the product writes runs in a spreadsheet: every workbook (table downloads, the
import problems, the AP plan, the templates) keeps text as text — no formula, no array
formula, no hyperlink — and CSV cells that a spreadsheet would evaluate are neutralised.
Each file is read back with openpyxl, and its XML is looked at too."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import openpyxl
import polars as pl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from data_access.exports import to_csv_bytes, to_excel_bytes
from data_access.importing.pipeline import open_sheet, quick_analysis, suggest
from data_access.importing.templates import template_bytes
from indicators.common import Period
from planning import printable
from planning.proposal import propose_plan

HOSTILE_TEXTS = [
    "{=cmd|' /C calc'!A0}",  # an array formula for XlsxWriter's write()
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://phishing.example","Réactivez votre compte")',
    "+33 6 12 34 56 78",
    "-2+3",
    "@SUM(A1:A2)",
    "http://phishing.example/ent",
    "https://phishing.example/ent",
    "ftp://host.example/x",
    "mailto:someone@phishing.example",
    "external:\\\\host\\share\\x.exe",
    "internal:'Feuille 2'!A1",
    "\t=1+1",
    "12",  # a number written as text stays text
]


def assert_only_text(content: bytes) -> list[object]:
    """Every cell of every sheet is a value (never a formula or an array formula), no cell
    is a hyperlink, and the XML holds no formula nor link; returns the cell values."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    values = []
    for sheet in book.worksheets:
        assert not sheet._hyperlinks
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert not isinstance(cell.value, ArrayFormula)
                assert cell.hyperlink is None
                values.append(cell.value)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            if name.startswith("xl/worksheets/_rels/"):  # where a link would be declared
                assert b"hyperlink" not in data, name
            elif name.startswith("xl/worksheets/"):
                assert b"<f>" not in data and b"<f " not in data and b"<hyperlink" not in data
    return values


def test_table_downloads_keep_every_text_as_text() -> None:
    frame = pl.DataFrame(
        {
            "Apprenant": HOSTILE_TEXTS,
            "=1+1": list(range(len(HOSTILE_TEXTS))),  # a header from data
            "Déposée le": [date(2025, 10, 2)] * len(HOSTILE_TEXTS),
        }
    )
    values = assert_only_text(to_excel_bytes({"Copies en attente": frame}))
    for text in HOSTILE_TEXTS:
        assert text in values  # exactly as in the data
    assert "=1+1" in values


def test_csv_cells_a_spreadsheet_would_evaluate_are_neutralised() -> None:
    text = to_csv_bytes(pl.DataFrame({"Nom": HOSTILE_TEXTS})).decode("utf-8-sig")
    lines = text.splitlines()[1:]
    for line in lines:
        unquoted = line.strip('"')
        assert not unquoted.startswith(("=", "+", "-", "@", "\t", "\r")), line
    assert "'=cmd|' /C calc'!A0" in text and "'+33 6 12 34 56 78" in text
    assert "{=cmd|' /C calc'!A0}" in text  # not a formula in a CSV cell: left as is


def test_the_import_problems_workbook_keeps_values_as_text() -> None:
    rows = ["N° apprenant;Matière;Devoir;Déposé le;Note"] + [
        f"A{i};Maths;D1;{text};12"
        for i, text in enumerate(HOSTILE_TEXTS)  # unreadable dates
    ]
    raw = open_sheet("copies.csv", "\n".join(rows).encode())
    kind, mapping, _ = suggest(None, raw)
    _, report = quick_analysis(raw, kind, mapping)
    assert not report.problems.is_empty()
    values = assert_only_text(report.problems_excel())
    assert "{=cmd|' /C calc'!A0}" in values and "external:\\\\host\\share\\x.exe" in values


def test_the_plan_workbook_keeps_names_as_text() -> None:
    period = Period(date(2025, 11, 3), date(2025, 12, 14))
    diagnostics = pl.DataFrame(
        {
            "learner": [f"L{i}" for i in range(6)],
            "need": ["{=cmd|' /C calc'!A0}"] * 3 + ["http://phishing.example"] * 3,
            "level": ["non acquis"] * 6,
            "assessed_on": [date(2025, 9, 20)] * 6,
            "name": ['=HYPERLINK("http://x")'] * 6,
            "class_group": ["external:\\\\host\\x.exe"] * 6,
        }
    )
    staff = pl.DataFrame({"staff": ["@Prof"], "weekly_hours_available": [10.0]})
    plan = propose_plan(diagnostics, None, staff, period, min_size=1)
    values = assert_only_text(printable.workbook_bytes(plan))
    assert "@Prof" in " ".join(str(v) for v in values)


@pytest.mark.parametrize("kind", ["learners", "copies", "staff"])
def test_templates_are_text_only(kind: str) -> None:
    assert_only_text(template_bytes(kind))
