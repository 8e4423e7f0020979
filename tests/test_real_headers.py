"""Headers as real systems write them: the national identifier (INE) and its English and
Moodle names, PRONOTE's two-row headers, a Moodle gradebook (one column per activity)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa
import xlsxwriter

from data_access.importing import import_file
from data_access.importing.pipeline import open_sheet, suggest
from data_access.importing.validation import parse_rows


def csv_of(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\n").writerows(rows)
    return text.getvalue().encode("utf-8")


def xlsx(build) -> bytes:  # noqa: ANN001
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as workbook:
        build(workbook)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "header",
    [
        "N° INE",
        "INE",
        "Numéro national",
        "Identifiant national",
        "ID number",
        "Numéro d'identification",
    ],
)
def test_the_national_identifier_is_the_learners_identifier(engine: sa.Engine, header: str) -> None:
    rows = [
        [header, "Nom", "Classe", "Date d'entrée"],
        ["070123456AB", "Martin", "2nde A", "01/09/2025"],
    ]
    report = import_file(engine, "eleves.csv", csv_of(rows))
    assert (report.kind, report.status, report.added) == ("learners", "importé", 1)
    assert report.mapping[header] == "learner_id"


def test_pronote_two_row_headers_are_read_as_one() -> None:
    """PRONOTE writes a title line, then group titles over merged cells ("Élève" over Nom,
    Prénom, N° INE; "Scolarité" over Classe and Entrée), then the column titles."""

    def build(workbook) -> None:  # noqa: ANN001
        sheet = workbook.add_worksheet("Élèves")
        sheet.write_string(0, 0, "PRONOTE — Liste des élèves au 05/09/2025")
        sheet.merge_range(2, 0, 2, 2, "Élève")
        sheet.merge_range(2, 3, 2, 4, "Scolarité")
        sheet.merge_range(2, 5, 3, 5, "Site")  # vertically merged over both rows
        sheet.write_row(3, 0, ["Nom", "Prénom", "N° INE", "Classe", "Entrée"])
        sheet.write_row(4, 0, ["Martin", "Léa", "070123456AB", "2nde A", "01/09/2025", "Nord"])
        sheet.write_row(5, 0, ["Roux", "Tom", "070654321CD", "2nde A", "08/09/2025", "Nord"])

    raw = open_sheet("eleves.xlsx", xlsx(build))
    assert raw.header_row == 4
    assert raw.headers == ["Nom Élève", "Prénom Élève", "N° INE", "Classe", "Entrée", "Site"]
    kind, mapping, _ = suggest(None, raw)
    assert kind == "learners"
    assert mapping == {
        "Nom Élève": "last_name",
        "Prénom Élève": "first_name",
        "N° INE": "learner_id",
        "Classe": "group",
        "Entrée": "entry_date",
        "Site": "site",
    }
    frame = parse_rows(raw, kind, mapping).frame
    assert frame.get_column("learner_id").to_list() == ["070123456AB", "070654321CD"]
    assert frame.get_column("entry_date").to_list() == [date(2025, 9, 1), date(2025, 9, 8)]


def test_the_same_title_under_two_groups_keeps_them_apart() -> None:
    def build(workbook) -> None:  # noqa: ANN001
        sheet = workbook.add_worksheet("Copies")
        sheet.merge_range(0, 1, 0, 2, "Dépôt")
        sheet.merge_range(0, 3, 0, 4, "Correction")
        sheet.write_row(1, 0, ["Identifiant", "Date", "Discipline", "Date", "Note"])
        sheet.write_row(2, 0, ["A1", "02/10/2025", "Maths", "05/10/2025", "12"])

    raw = open_sheet("copies.xlsx", xlsx(build))
    # each "Date" read with its group: the day handed in and the day corrected
    assert raw.headers == ["Identifiant", "Date Dépôt", "Discipline", "Correction Date", "Note"]
    assert not raw.repeated
    kind, mapping, _ = suggest(None, raw)
    assert kind == "copies"
    assert mapping["Date Dépôt"] == "submitted_on"
    assert mapping["Correction Date"] == "corrected_on"


MOODLE = [
    [
        "Prénom",
        "Nom",
        "Numéro d'identification",
        "Institution",
        "Département",
        "Adresse de courriel",
        "Devoir : Dissertation 1 (Réel)",
        "Devoir : Dissertation 1 (Pourcentage)",
        "Test : QCM 2 (Réel)",
        "Total du cours (Réel)",
        "Dernier téléchargement depuis ce cours",
    ],
    [
        "Léa",
        "Martin",
        "A1",
        "",
        "",
        "lea@example.fr",
        "15,00",
        "75,00 %",
        "8,00",
        "23,00",
        "1760090400",
    ],
    ["Tom", "Roux", "A2", "", "", "tom@example.fr", "-", "-", "12,50", "12,50", "1760090400"],
]


def test_a_moodle_gradebook_is_one_copy_per_learner_and_activity(engine: sa.Engine) -> None:
    """A1 has both activities graded, A2 only the QCM: three copies, in the course named by
    the file (MATH101), handed in and corrected on the export's day (10/10/2025 12:00 in Paris
    for the timestamp 1760090400); a percentage is read out of 20 (75 % -> 15)."""
    import_file(
        engine,
        "apprenants.csv",
        csv_of(
            [
                ["Identifiant", "Classe", "Date d'entrée"],
                ["A1", "2nde A", "01/09/2025"],
                ["A2", "2nde A", "01/09/2025"],
            ]
        ),
    )
    content = csv_of(MOODLE)
    raw = open_sheet("MATH101 Notes.csv", content)
    assert raw.headers == [
        "Prénom",
        "Nom",
        "Numéro d'identification",
        "Institution",
        "Département",
        "Adresse de courriel",
        "Discipline",
        "Devoir",
        "Déposé le",
        "Corrigé le",
        "Note",
    ]
    assert suggest(None, raw)[0] == "copies"
    report = import_file(engine, "MATH101 Notes.csv", content)
    assert (report.kind, report.status, report.added, report.rejected) == (
        "copies",
        "importé",
        3,
        0,
    )
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT l.external_id, c.discipline, c.assignment, c.submitted_on, c.grade "
                "FROM copy c JOIN learner l ON l.id = c.learner_id ORDER BY 1, 3"
            )
        ).all()
    assert [(w, d, a, str(day), g) for w, d, a, day, g in rows] == [
        ("A1", "MATH101", "Dissertation 1", "2025-10-10", 15.0),
        ("A1", "MATH101", "QCM 2", "2025-10-10", 8.0),
        ("A2", "MATH101", "QCM 2", "2025-10-10", 12.5),
    ]
    again = import_file(engine, "MATH101 Notes.csv", content)
    assert (again.added, again.unchanged) == (0, 3)
