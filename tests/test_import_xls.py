"""A legacy .xls workbook (Excel 97-2003, as some information systems still export) imports
like an .xlsx: dates stored as Excel serial numbers, header below a title line."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from data_access import models
from data_access.importing import import_file

xlwt = pytest.importorskip("xlwt")


def _xls_of_learners() -> bytes:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Élèves")
    as_date = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    sheet.write(0, 0, "Export PRONOTE — liste des élèves")
    headers = ["N° élève", "Nom", "Prénom", "Classe", "Site", "Date d'entrée", "Motif de sortie",
               "Date de sortie"]  # fmt: skip
    for column, header in enumerate(headers):
        sheet.write(2, column, header)
    rows = [
        ["X1", "Petit", "Jade", "CAP 1 EPC", "CFA Sud", date(2025, 9, 2), "", None],
        ["X2", "Roux", "Noah", "CAP 1 EPC", "CFA Sud", date(2025, 9, 2), "ABANDON",
         date(2026, 1, 16)],
    ]  # fmt: skip
    for line, row in enumerate(rows, start=3):
        for column, value in enumerate(row):
            if isinstance(value, date):
                sheet.write(line, column, value, as_date)
            elif value is not None:
                sheet.write(line, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xls_export_imports(engine: sa.Engine) -> None:
    report = import_file(engine, "eleves.xls", _xls_of_learners(), kind="learners")
    assert (report.added, report.rejected) == (2, 0), report.problems
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                models.Learner.external_id,
                models.Enrolment.entry_date,
                models.Enrolment.exit_date,
                models.Enrolment.exit_reason,
            )
            .join(models.Enrolment, models.Enrolment.learner_id == models.Learner.id)
            .order_by(models.Learner.external_id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("X1", date(2025, 9, 2), None, None),
        ("X2", date(2025, 9, 2), date(2026, 1, 16), "abandon"),
    ]
