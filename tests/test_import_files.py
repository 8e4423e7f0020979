"""Reading awkward files: a corpus generated here (openpyxl, xlsxwriter, csv), each with its
expected outcome, and the bad inputs that must give one clear French message."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import openpyxl
import polars as pl
import pytest
import xlsxwriter

from data_access.importing import ImportRejected, reading
from data_access.importing import archive as safe_archive
from data_access.importing.pipeline import open_sheet, quick_analysis, suggest
from data_access.importing.validation import check_rows, parse_rows

# --- builders -------------------------------------------------------------------------------


def xlsx_with_xlsxwriter(build) -> bytes:  # noqa: ANN001
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as workbook:
        build(workbook)
    return buffer.getvalue()


def xlsx_with_openpyxl(rows: list[list[object]], title: str = "Copies") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[str]], separator: str, encoding: str) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=separator, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


COPIES = [
    ["N° apprenant", "Matière", "Devoir", "Déposé le", "Corrigé le", "Note"],
    ["A1", "Mathématiques", "D1", "02/10/2025", "05/10/2025", "12,5"],
    ["A2", "Français", "D1", "2025-10-03", "", ""],
]


def parsed(content: bytes, name: str, kind: str | None = None):  # noqa: ANN201
    raw = open_sheet(name, content)
    chosen, mapping, _ = suggest(None, raw, kind)
    rows = parse_rows(raw, chosen, mapping)
    return raw, chosen, rows


# --- formats and layouts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("separator", "encoding"),
    [(";", "utf-8"), (",", "utf-8"), ("\t", "utf-8"), (";", "utf-8-sig"), (";", "cp1252")],
)
def test_csv_separators_and_encodings(separator: str, encoding: str) -> None:
    raw, kind, rows = parsed(csv_bytes(COPIES, separator, encoding), "copies.csv")
    assert kind == "copies"
    assert raw.headers == COPIES[0]  # accents decoded, BOM gone
    frame = rows.frame
    assert frame.get_column("_row").to_list() == [2, 3]
    assert frame.get_column("discipline").to_list() == ["Mathématiques", "Français"]
    assert frame.get_column("submitted_on").to_list() == [date(2025, 10, 2), date(2025, 10, 3)]
    assert frame.get_column("grade").to_list() == [12.5, None]
    assert check_rows(rows).is_empty()


def test_utf16_tab_text_as_excel_saves_it() -> None:
    content = "\n".join("\t".join(r) for r in COPIES).encode("utf-16")  # with its BOM
    raw, kind, _ = parsed(content, "export.txt")
    assert kind == "copies" and raw.headers[0] == "N° apprenant"


def test_title_lines_blank_and_total_rows_and_merged_header() -> None:
    def build(workbook) -> None:  # noqa: ANN001
        sheet = workbook.add_worksheet("Export")
        sheet.write_string(0, 0, "Export PRONOTE — copies du 1er trimestre")
        sheet.merge_range(2, 0, 3, 0, "Identifiant")  # vertically merged header cell
        sheet.merge_range(2, 1, 2, 3, "Copie")  # a group title over three columns
        sheet.write_row(3, 1, ["Discipline", "Date de dépôt", "Note"])
        sheet.write_row(4, 0, ["A1", "Maths", "02/10/2025", "14"])
        sheet.write_row(6, 0, ["A2", "Maths", "03/10/2025", "9"])  # a blank row above
        sheet.write_row(7, 0, ["Total", "", "", "23"])

    raw, kind, rows = parsed(xlsx_with_xlsxwriter(build), "export.xlsx")
    assert raw.header_row == 4
    assert raw.headers == ["Identifiant", "Discipline", "Date de dépôt", "Note"]
    assert kind == "copies"
    assert rows.frame.get_column("_row").to_list() == [5, 7]  # the sheet's own row numbers
    assert rows.frame.get_column("grade").to_list() == [14.0, 9.0]


def test_excel_dates_serials_text_dates_and_formulas_with_cached_values() -> None:
    def build(workbook) -> None:  # noqa: ANN001
        sheet = workbook.add_worksheet("Sollicitations")
        sheet.write_row(0, 0, ["Identifiant", "Discipline", "Canal", "Reçue le", "Répondue le"])
        day = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        sheet.write_string(1, 0, "A1")
        sheet.write_string(1, 1, "Maths")
        sheet.write_string(1, 2, "MAIL")
        sheet.write_datetime(1, 3, datetime(2025, 10, 6, 9, 15), day)
        sheet.write_string(1, 4, "07/10/2025 11:00")
        sheet.write_string(2, 0, "A2")
        sheet.write_string(2, 1, "Français")
        sheet.write_string(2, 2, "Téléphone")
        sheet.write_number(2, 3, 45936.5)  # an Excel serial without a date format
        sheet.write_formula(2, 4, "=D3+1", None, 45937.5)  # cached value, never evaluated

    _, kind, rows = parsed(xlsx_with_xlsxwriter(build), "tutorat.xlsx")
    assert kind == "tutoring"
    frame = rows.frame
    assert frame.get_column("channel").to_list() == ["électronique", "téléphone"]
    assert frame.get_column("received_at").to_list() == [
        datetime(2025, 10, 6, 9, 15),
        datetime(2025, 10, 6, 12, 0),
    ]
    assert frame.get_column("answered_at").to_list() == [
        datetime(2025, 10, 7, 11, 0),
        datetime(2025, 10, 7, 12, 0),
    ]


def test_durations_and_enumerations_in_any_case() -> None:
    rows_in = [
        ["Type", "Groupe", "Date", "Durée", "Identifiant", "Présence"],
        ["ap", "2nde A", "06/10/2025", "2h30", "A1", "Présent"],
        ["AP", "2nde A", "07/10/2025", "2,5", "A1", "ABSENT"],
        ["Aide individualisée", "2nde A", "08/10/2025", "150 min", "A1", "oui"],
        ["AIDE INDIVIDUALISEE", "2nde A", "09/10/2025", "1:30", "A1", "non"],
    ]
    _, kind, rows = parsed(csv_bytes(rows_in, ";", "utf-8"), "seances.csv")
    assert kind == "sessions"
    frame = rows.frame
    assert frame.get_column("duration_hours").to_list() == [2.5, 2.5, 2.5, 1.5]
    assert frame.get_column("session_kind").to_list() == [
        "AP",
        "AP",
        "aide individualisée",
        "aide individualisée",
    ]
    assert frame.get_column("present").to_list() == [True, False, True, False]


def test_exit_reason_abandon_in_capitals_or_not() -> None:
    rows_in = [
        ["Identifiant", "Classe", "Date d'entrée", "Date de sortie", "Motif de sortie"],
        ["A1", "CAP 1", "01/09/2025", "15/01/2026", "ABANDON"],
        ["A2", "CAP 1", "01/09/2025", "16/01/2026", "Abandon"],
        ["A3", "CAP 1", "01/09/2025", "17/01/2026", "Réorientation"],
    ]
    _, kind, rows = parsed(xlsx_with_openpyxl(rows_in), "apprenants.xlsx")
    assert kind == "learners"
    assert rows.frame.get_column("exit_reason").to_list() == ["abandon", "abandon", "réorientation"]
    assert check_rows(rows).is_empty()


def test_formula_looking_text_and_html_are_kept_as_text() -> None:
    def build(workbook) -> None:  # noqa: ANN001
        sheet = workbook.add_worksheet("Apprenants")
        sheet.write_row(0, 0, ["Identifiant", "Nom", "Prénom", "Classe", "Date d'entrée"])
        sheet.write_string(1, 0, "A1")
        sheet.write_string(1, 1, '=HYPERLINK("http://x")')
        sheet.write_string(1, 2, "<script>alert(1)</script>")
        sheet.write_string(1, 3, "@SUM(A1)")
        sheet.write_string(1, 4, "01/09/2025")

    _, _, rows = parsed(xlsx_with_xlsxwriter(build), "apprenants.xlsx")
    row = rows.frame.row(0, named=True)
    assert row["last_name"] == '=HYPERLINK("http://x")'
    assert row["first_name"] == "<script>alert(1)</script>"
    assert row["group"] == "@SUM(A1)"


def test_sheet_choice_by_name() -> None:
    def build(workbook) -> None:  # noqa: ANN001
        workbook.add_worksheet("Notes").write_string(0, 0, "rien ici")
        sheet = workbook.add_worksheet("Copies")
        for i, row in enumerate(COPIES):
            sheet.write_row(i, 0, row)

    content = xlsx_with_xlsxwriter(build)
    assert reading.sheet_names("f.xlsx", content) == ["Notes", "Copies"]
    raw = open_sheet("f.xlsx", content, "copies")
    assert raw.sheet == "Copies" and raw.rows.height == 2
    with pytest.raises(ImportRejected, match="pas de feuille « Absente »"):
        open_sheet("f.xlsx", content, "Absente")
    with pytest.raises(ImportRejected, match="Aucune ligne d'en-tête reconnue"):
        open_sheet("f.xlsx", content, "Notes")


def test_quick_analysis_of_a_copies_file_alone() -> None:
    raw = open_sheet("Maths 2nde.csv", csv_bytes(COPIES, ";", "utf-8"))
    kind, mapping, _ = suggest(None, raw)
    frames, report = quick_analysis(raw, kind, mapping)
    assert report.rejected == 0 and report.added == 2
    assert frames.copies.height == 2
    assert frames.learners.get_column("external_id").to_list() == ["A1", "A2"]
    assert frames.groups.get_column("name").to_list() == ["Maths 2nde"]
    # the learners implied by the copies enter on their first copy
    assert frames.enrolments.get_column("entry_date").to_list() == [
        date(2025, 10, 2),
        date(2025, 10, 3),
    ]
    from indicators.dataset import prepare

    dataset = prepare(frames)
    assert dataset.copies.get_column("group").to_list() == ["Maths 2nde", "Maths 2nde"]


# --- bad input ------------------------------------------------------------------------------


def _rejected(content: bytes, name: str) -> str:
    with pytest.raises(ImportRejected) as caught:
        open_sheet(name, content)
    return str(caught.value)


def test_empty_file() -> None:
    assert "est vide" in _rejected(b"", "vide.xlsx")
    assert "est vide" in _rejected(b"  \r\n", "vide.csv")


def test_renamed_pdf() -> None:
    assert "PDF" in _rejected(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "copies.xlsx")


def test_corrupt_zip() -> None:
    good = xlsx_with_openpyxl(COPIES)
    assert "endommagé" in _rejected(good[: len(good) // 2], "copies.xlsx")


def test_zip_that_is_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.txt", "bonjour")
    assert "pas un classeur Excel" in _rejected(buffer.getvalue(), "copies.xlsx")


def test_password_protected_workbook() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le")
    assert "mot de passe" in _rejected(ole, "copies.xlsx")
    # an OLE container without encryption is an .xls (or damaged), whatever its name says
    message = _rejected(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "c.xlsm")
    assert "mot de passe" not in message and "endommagé" in message


def test_binary_garbage() -> None:
    assert "pas un tableur reconnu" in _rejected(b"\x89PNG\r\n\x1a\n\x00\x00\x00", "copies.xlsx")


def test_zip_bomb(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"\x00" * (1 << 20)
            for _ in range(64):  # 64 MB of zeros, a few dozen kB on disk
                member.write(block)
    content = buffer.getvalue()
    assert len(content) < 1_000_000
    assert "décompressé" in _rejected(content, "bombe.xlsx")  # compression ratio
    monkeypatch.setattr(safe_archive, "MAX_COMPRESSION_RATIO", 10**9)
    monkeypatch.setattr(safe_archive, "MAX_INFLATED_BYTES", 32 * 1024**2)
    assert "décompressé" in _rejected(content, "bombe.xlsx")  # declared size


def _lie_about_sizes(content: bytes, member: str, declared: int) -> bytes:
    """The archive with ``member``'s uncompressed size rewritten to ``declared`` bytes in both
    its local header and the central directory (what a crafted bomb does)."""
    data = bytearray(content)
    name = member.encode()
    # (signature, offset of the uncompressed size, of the name length, of the name)
    for signature, size_at, length_at, name_at in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        start = 0
        while (start := data.find(signature, start)) != -1:
            length = int.from_bytes(data[start + length_at : start + length_at + 2], "little")
            if data[start + name_at : start + name_at + length] == name:
                data[start + size_at : start + size_at + 4] = declared.to_bytes(4, "little")
            start += 4
    return bytes(data)


def test_a_member_that_lies_about_its_size_is_refused() -> None:
    """A sheet of 8 MB of zeros declared as 2 kB: the declared sizes and ratio look harmless,
    so only inflating it reveals the lie (calamine would inflate all of it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (8 << 20))
    forged = _lie_about_sizes(buffer.getvalue(), "xl/worksheets/sheet1.xml", 2048)
    with zipfile.ZipFile(io.BytesIO(forged)) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == 2048
    assert "ne correspond pas à ce qu'elle annonce" in _rejected(forged, "piege.xlsx")


def test_no_recognisable_header() -> None:
    content = xlsx_with_openpyxl([["Bonjour", "le", "monde"], ["1", "2", "3"]])
    message = _rejected(content, "divers.xlsx")
    assert "Aucune ligne d'en-tête reconnue" in message and "« divers.xlsx »" in message


def test_header_without_data() -> None:
    assert "aucune ligne de données" in _rejected(csv_bytes(COPIES[:1], ";", "utf-8"), "c.csv")


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    rows = COPIES + [["A3", "Maths", "D2", "04/10/2025", "", ""]] * 3
    assert "dépasse 3 lignes" in _rejected(csv_bytes(rows, ";", "utf-8"), "c.csv")
    assert "dépasse 3 lignes" in _rejected(xlsx_with_openpyxl(rows), "c.xlsx")


def test_openpyxl_fallback_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    content = xlsx_with_openpyxl(COPIES)
    monkeypatch.setattr(reading, "_fastexcel_reader", lambda *_: None)
    raw = open_sheet("copies.xlsx", content)
    assert raw.headers == COPIES[0]
    assert raw.rows.get_column("c0").to_list() == ["A1", "A2"]
    assert isinstance(raw.rows, pl.DataFrame)
