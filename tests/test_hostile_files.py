"""Hostile files (tests/hostile.py) are refused with one French message, before any reader
allocates by what they claim or inflates what they hide; the importer and the planning
page's diagnostics reader alike. And honest workbooks still read exactly as before."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import hostile
import openpyxl
import pytest
import xlsxwriter

from data_access.importing import ImportRejected, archive, open_sheet
from data_access.importing.extent import XlsxSheetScanner


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    return hostile.read_in_child(tmp_path_factory.mktemp("hostile"))


def test_no_hostile_file_kills_the_reading_process(answers: dict) -> None:
    assert "_crash" not in answers, answers.get("_crash")
    assert set(answers) == set(hostile.HOSTILE)


EXPECTED = {
    "etendue-immense.xlsx": "ses cellules remplies vont de A1:XFD1048576, soit 1 048 576 lignes",
    "cellule-lointaine.xlsx": "ses cellules remplies vont de A1:XFD1048576",
    "dimension-mensongere.xlsx": "elle déclare s'étendre sur A1:XFD1048576",
    "cellules-sans-position.xlsx": "ses cellules remplies vont de A1:XFD1048576",
    "cellule-lointaine.xls": "ses cellules remplies vont de A1:CRXP65536",
    "lignes-repetees.ods": "ses cellules remplies vont de A1:ALL1000001",
    "tres-large.csv": "une de ses lignes a 20 004 champs",
    "archive-menteuse.xlsx": "ne correspond pas à ce qu'elle annonce",
    "membre-en-double.xlsx": "ne correspond pas à ce qu'elle annonce",
    "bombe.xlsx": "fois sa taille compressée",
}


@pytest.mark.parametrize("name", list(hostile.HOSTILE))
def test_each_hostile_file_gets_one_french_message(answers: dict, name: str) -> None:
    said = answers[name]
    expected = EXPECTED[name].replace(" ", "[\u202f ]")
    for reader in ("import", "plan"):  # the import and the planning page's diagnostics file
        assert said[reader] != "lu sans erreur"
        assert re.search(expected, said[reader]), said[reader]
        assert f"« {name} »" in said[reader]


# --- archives: what is inflated is measured -------------------------------------------------


def test_an_honest_workbook_is_rebuilt_member_for_member() -> None:
    content = hostile.plain_xlsx()
    rebuilt = archive.rebuild("f.xlsx", content)
    before, after = zipfile.ZipFile(io.BytesIO(content)), zipfile.ZipFile(io.BytesIO(rebuilt))
    assert after.testzip() is None
    assert [i.filename for i in after.infolist()] == [i.filename for i in before.infolist()]
    for info in before.infolist():
        assert after.read(info.filename) == before.read(info.filename)
        assert after.getinfo(info.filename).file_size == info.file_size


def test_stored_members_and_unknown_compressions() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as target:
        source = zipfile.ZipFile(io.BytesIO(hostile.plain_xlsx()))
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
    raw = open_sheet("stocke.xlsx", buffer.getvalue())  # an archive without compression
    assert raw.rows.get_column("c0").to_list() == ["A1", "A2"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
    with pytest.raises(ImportRejected, match="ne correspond pas à ce qu'elle annonce"):
        open_sheet("bzip2.xlsx", buffer.getvalue())


def test_the_inflated_total_is_bounded_whatever_is_declared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archive, "MAX_INFLATED_BYTES", 1 << 20)
    with pytest.raises(ImportRejected, match="au-delà de la limite de 1.Mo"):
        archive.rebuild(
            "f.xlsx",
            hostile.rewrite_member(
                hostile.plain_xlsx(), hostile.SHEET, lambda d: d + b" " * (2 << 20)
            ),
        )


# --- sheets: measured from their XML ------------------------------------------------------


def _scan(xml: bytes, piece: int = 7) -> XlsxSheetScanner:
    scanner = XlsxSheetScanner("f.xlsx", "sheet.xml")
    for at in range(0, len(xml), piece):  # fed in small pieces: tags cut anywhere
        scanner.feed(xml[at : at + piece])
    scanner.close()
    return scanner


def test_the_scanner_counts_only_cells_holding_a_value() -> None:
    xml = (
        b'<worksheet><dimension ref="A1:E9"/><sheetData>'
        b'<row r="1"><c r="A1" s="1"/></row>'
        b'<row r="3"><c r="B3" t="inlineStr"><is><t>Identifiant</t></is></c><c r="C3"><v>2</v></c></row>'
        b'<row r="4"><c r="E4" t="inlineStr"></c><c r="D4"><v></v></c><c r="C4"><v>1</v></c></row>'
        b"</sheetData></worksheet>"
    )
    found = _scan(xml).extent
    assert (found.first_row, found.last_row, found.first_column, found.last_column) == (3, 4, 2, 3)
    assert found.declared == "A1:E9"


def test_the_scanner_places_cells_without_position_as_the_reader_does() -> None:
    xml = (
        b"<worksheet><sheetData><row><c><v>1</v></c><c><v>2</v></c></row><row/>"
        b'<row r="7"><c/><c><v>3</v></c></row></sheetData></worksheet>'
    )
    found = _scan(xml).extent
    assert (found.first_row, found.last_row, found.first_column, found.last_column) == (1, 7, 1, 2)


def test_rows_keep_their_sheet_numbers_when_the_table_starts_lower_and_further_right() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"].style = "Title"  # formatted, empty: the reader skips it
    for r, row in enumerate([hostile.HEADERS, *hostile.ROWS], start=3):
        for c, value in enumerate(row, start=2):
            sheet.cell(r, c, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    raw = open_sheet("decale.xlsx", buffer.getvalue())
    assert raw.header_row == 3
    assert raw.rows.get_column("_row").to_list() == [4, 5]
    assert [raw.letter_of(h) for h in raw.headers] == ["B", "C", "D", "E"]


def test_a_real_xls_renamed_xlsx_is_read(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("Copies")
    for r, row in enumerate([hostile.HEADERS, *hostile.ROWS], start=1):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    raw = open_sheet("export.xlsx", buffer.getvalue())  # not "protected by a password"
    assert raw.header_row == 2 and raw.rows.get_column("_row").to_list() == [3, 4]


def test_an_xlsxwriter_workbook_with_many_rows_reads_whole() -> None:
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as workbook:
        sheet = workbook.add_worksheet("Copies")
        sheet.write_row(0, 0, hostile.HEADERS)
        for r in range(1, 5001):
            sheet.write_row(r, 0, [f"A{r}", "Maths", "02/10/2025", str(r % 20)])
    raw = open_sheet("grand.xlsx", buffer.getvalue())
    assert raw.rows.height == 5000 and raw.rows.item(-1, "_row") == 5001
