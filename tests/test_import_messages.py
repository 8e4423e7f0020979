"""Import messages as a French reader writes them: dates dd/mm/yyyy whatever the file's cells
hold, counts phrased naturally."""

from __future__ import annotations

import io
from datetime import datetime

import polars as pl
import xlsxwriter

from data_access.importing.pipeline import (
    STATUS_IMPORTED,
    STATUS_PARTIAL,
    STATUS_TRIAL,
    ImportReport,
    check,
    open_sheet,
    suggest,
)
from ui import format as fmt


def test_dates_of_date_cells_are_written_the_french_way(engine) -> None:  # noqa: ANN001
    """Excel date cells reach the reader as "2025-10-02 00:00:00": the problem's value and its
    reason say 01/10/2025 and 02/10/2025."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as workbook:
        sheet = workbook.add_worksheet("Copies")
        day = workbook.add_format({"num_format": "dd/mm/yyyy"})
        sheet.write_row(
            0, 0, ["Identifiant", "Classe", "Discipline", "Déposé le", "Corrigé le", "Note"]
        )
        sheet.write_row(1, 0, ["A1", "2nde A", "Maths"])
        sheet.write_datetime(1, 3, datetime(2025, 10, 2), day)
        sheet.write_datetime(1, 4, datetime(2025, 10, 1), day)
        sheet.write_number(1, 5, 12.5)
    raw = open_sheet("copies.xlsx", buffer.getvalue())
    kind, mapping, _ = suggest(None, raw)
    report = check(engine, raw, kind, mapping)
    assert report.problems.select("column", "value", "reason").rows() == [
        ("Corrigé le", "01/10/2025", "correction avant le dépôt (02/10/2025)")
    ]


def report(status: str, **counts: int) -> ImportReport:
    return ImportReport("f.csv", "", "copies", "f", status, rows=9, **counts)


def test_counts_in_words() -> None:
    assert report(STATUS_IMPORTED, added=1).summary() == "Import réussi : 1 ligne ajoutée."
    assert (
        report(STATUS_IMPORTED, added=3, updated=1, unchanged=2).summary()
        == "Import réussi : 3 lignes ajoutées, 1 mise à jour, 2 inchangées."
    )
    partial = report(STATUS_PARTIAL, added=0, updated=2, rejected=1)
    partial.created = {"learners": 1, "assignments": 2}
    assert partial.summary() == (
        "Import partiel : aucune ligne ajoutée, 2 mises à jour, 1 rejetée ; créés au passage : "
        "1 apprenant, 2 devoirs."
    )
    trial = report(STATUS_TRIAL, added=12000, unchanged=1)
    assert trial.summary(fmt.number) == (
        "Essai (rien n'est enregistré) : le fichier peut être importé. 12\u202f000 lignes à "
        "ajouter, 1 inchangée."
    )
    refused = report("refusé", rejected=2)
    refused.problems = pl.DataFrame({"row": [2, 3, 3]})
    assert refused.summary() == (
        "Fichier refusé : 3 problèmes sur 2 lignes (sur 9). Rien n'a été enregistré."
    )
