"""Hostile files (tests/hostile.py) are refused with one French message, before any reader
allocates by what they claim or inflates what they hide; the importer and the planning
page's diagnostics reader alike. And honest workbooks still read exactly as before."""

from __future__ import annotations

import io
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import hostile
import openpyxl
import pytest
import xlsxwriter

from data_access.importing import ImportRejected, archive, extent, open_sheet
from data_access.importing.extent import Extent, XlsxSheetScanner


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


def _scan(xml: bytes, piece: int = 7, pool: ThreadPoolExecutor | None = None) -> XlsxSheetScanner:
    scanner = XlsxSheetScanner("f.xlsx", "sheet.xml", pool)
    for at in range(0, len(xml), piece):  # fed in small pieces: tags cut anywhere
        scanner.feed(xml[at : at + piece])
    scanner.close()
    return scanner


def _found(extent: Extent) -> tuple:
    return (
        extent.first_row,
        extent.last_row,
        extent.first_column,
        extent.last_column,
        extent.declared,
        extent.formulas,
        extent.positionless_formulas,
        extent.positionless_uncomputed,
    )


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


# --- the array scan of the usual form (extent._usual_cells) agrees with the tags -----------

_REFERENCE_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(/?)>(</|<v/>|<v></v>)?')


def _reference_extent(xml: bytes) -> tuple[int, int, int, int]:
    """(first row, last row, first column, last column) of the cells holding a value, found
    by the regular expression the scan used before the array operations."""
    cells = [
        (int(number), _column(letters))
        for letters, number, closed, empty in _REFERENCE_CELL.findall(xml)
        if not (closed or empty)
    ]
    rows, columns = [r for r, _ in cells], [c for _, c in cells]
    return min(rows), max(rows), min(columns), max(columns)


def _column(letters: bytes) -> int:
    number = 0
    for byte in letters:
        number = number * 26 + byte - 64
    return number


def _usual_sheet(rows: int, seed: int) -> bytes:
    """A sheet in the usual form with every kind of cell: values, inline strings, formats
    only (closed at once), empty values, long styles, numbers and letters of every length."""
    import random

    rng = random.Random(seed)
    forms = [
        b'<c r="{ref}"><v>1</v></c>',
        b'<c r="{ref}" t="inlineStr"><is><t>x</t></is></c>',
        b'<c r="{ref}" s="3"/>',
        b'<c r="{ref}"></c>',
        b'<c r="{ref}" s="1"><v/></c>',
        b'<c r="{ref}"><v></v></c>',
        b'<c r="{ref}" s="12" t="s"><v>7</v></c>',
    ]
    parts = [b'<worksheet><dimension ref="A1"/><cols><col min="1" max="2"/></cols><sheetData>']
    for r in range(rng.randrange(1, 40), rows):
        parts.append(f'<row r="{r}" spans="1:9">'.encode())
        for _ in range(rng.randrange(0, 6)):
            column = rng.choice([1, 2, 5, 26, 27, 702, 703, 16_384, rng.randrange(1, 800)])
            ref = f"{_letters(column)}{rng.choice([r, r, r, rng.randrange(1, 9_999_999)])}"
            parts.append(rng.choice(forms).replace(b"{ref}", ref.encode()))
        parts.append(b"</row>")
    parts.append(b'<row r="1"><c r="B1"><v>0</v></c></row></sheetData></worksheet>')
    return b"".join(parts)


def _letters(column: int) -> str:
    from data_access.importing.extent import column_letters

    return column_letters(column)


@pytest.mark.parametrize("seed", range(6))
def test_the_array_scan_finds_the_cells_the_tags_find(seed: int) -> None:
    xml = _usual_sheet(3_000, seed)
    for piece in (1 << 20, 4_096, 997):
        found = _scan(xml, piece).extent
        expected = _reference_extent(xml)
        assert (found.first_row, found.last_row, found.first_column, found.last_column) == expected


def test_a_far_cell_hidden_among_many_usual_rows_is_found() -> None:
    rows = b"".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>A{r}</t></is></c><c r="B{r}"><v>{r}</v>'
        f'</c><c r="C{r}" s="1"/></row>'.encode()
        for r in range(1, 40_001)
    )
    far = b'<c r="XFD1048576"><v>1</v></c>'
    middle = rows.index(b'<c r="B20000"')
    xml = (
        b"<worksheet><sheetData>"
        + rows[:middle]
        + far
        + rows[middle:]
        + b"</sheetData></worksheet>"
    )
    found = _scan(xml, 1 << 20).extent
    assert (found.first_row, found.last_row, found.first_column, found.last_column) == (
        1,
        1_048_576,
        1,
        16_384,
    )
    without = _scan(xml.replace(far, b""), 1 << 20).extent
    assert (without.last_row, without.last_column) == (40_000, 2)  # C only formatted


@pytest.mark.parametrize(
    ("cell", "row", "column"),
    [
        (b'<c r="A12345678"><v>1</v></c>', 12_345_678, 1),  # 8 digits: read tag by tag
        (b'<c r="XFDA2"><v>1</v></c>', 2, 16_384 * 26 + 1),  # 4 letters: read tag by tag
        (b'<c  r="B3"><v>1</v></c>', 3, 2),  # two spaces: read tag by tag
        (b'<c r="D4" s="1"\n/>', 1, 1),  # closed after a line break: empty
    ],
)
def test_positions_beyond_the_usual_form_are_read_tag_by_tag(
    cell: bytes, row: int, column: int
) -> None:
    filler = b"".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>'.encode() for r in range(1, 9))
    xml = b"<worksheet><sheetData>" + filler + b"<row>" + cell + b"</row></sheetData></worksheet>"
    found = _scan(xml, 1 << 20).extent
    assert (found.last_row, found.last_column) == (max(row, 8), max(column, 1))


def test_a_far_cell_in_a_big_workbook_is_refused_before_reading() -> None:
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"constant_memory": True}) as workbook:
        sheet = workbook.add_worksheet("Copies")
        sheet.write_row(0, 0, hostile.HEADERS)
        for r in range(1, 30_001):
            sheet.write_row(r, 0, [f"A{r}", "Maths", "02/10/2025", r % 20])
        sheet.write_number(1_048_575, 16_383, 1)
    content = hostile.rewrite_member(
        buffer.getvalue(), hostile.SHEET, lambda d: hostile._dimension(d, "A1:D30001")
    )
    with pytest.raises(ImportRejected, match="XFD1048576"):
        open_sheet("grand.xlsx", content)


# --- the pieces scanned by threads while the archive is inflated -----------------------------


def _mixed_sheet() -> bytes:
    """Usual rows, then pieces only the tags can read (a prefix, a cell without position,
    formulas with and without a value), then usual rows again, with a far cell among them."""
    usual = _usual_sheet(6_000, 11)
    unusual = (
        b'<x:row r="7000"><x:c r="B7000"><x:v>1</x:v></x:c></x:row>'
        b"<row><c><v>2</v></c><c><f>A1+1</f></c></row>"
        b'<row r="7002"><c r="C7002"><f>SUM(A1:A2)</f><v>3</v></c></row>'
    )
    more = b"".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="D{r}" s="1"/></row>'.encode()
        for r in range(7_003, 40_000)
    )
    head, tail = usual.rsplit(b"</sheetData>", 1)
    middle = more.index(b'<c r="A20000"')
    far = b'<c r="XFD9999999"><v>1</v></c>'
    return head + unusual + more[:middle] + far + more[middle:] + b"</sheetData>" + tail


@pytest.mark.parametrize("piece", [1 << 20, 65_536, 4_096])
def test_pieces_scanned_by_threads_measure_what_one_thread_measures(piece: int) -> None:
    xml = _mixed_sheet()
    alone = _scan(xml, piece)
    with ThreadPoolExecutor(2) as pool:
        together = _scan(xml, piece, pool)
    assert _found(together.extent) == _found(alone.extent)
    assert (alone.extent.last_row, alone.extent.last_column) == (9_999_999, 16_384)
    assert alone.extent.formulas  # the tags were read too


def test_a_failure_in_a_scanning_thread_is_raised_as_it_would_be_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(segment: bytes) -> None:
        raise MemoryError("scan")

    monkeypatch.setattr(extent, "_usual_cells", broken)
    xml = _usual_sheet(3_000, 1)
    with pytest.raises(MemoryError, match="scan"):
        _scan(xml, 1 << 20)
    with ThreadPoolExecutor(2) as pool, pytest.raises(MemoryError, match="scan"):
        _scan(xml, 1 << 20, pool)


def test_a_row_too_long_is_refused_with_the_same_message_with_threads() -> None:
    xml = b"<worksheet><sheetData><row>" + b"<c><v>1</v></c>" * (extent.MAX_ROW_BYTES // 15 + 1)
    messages = []
    for pool in (None, ThreadPoolExecutor(2)):
        with pytest.raises(ImportRejected) as refused:
            _scan(xml, 1 << 20, pool)
        messages.append(str(refused.value))
        if pool is not None:
            pool.shutdown()
    assert messages[0] == messages[1] and "dépasse 64 Mo" in messages[0]


def test_a_workbook_reads_the_same_with_the_threads_as_without(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reader's own path (reading._workbook): the same rows and extents, one scanning
    thread or two."""
    from data_access.importing import reading

    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"constant_memory": True}) as workbook:
        sheet = workbook.add_worksheet("Copies")
        sheet.write_row(0, 0, hostile.HEADERS)
        for r in range(1, 60_001):
            sheet.write_row(r, 0, [f"A{r}", "Maths", "02/10/2025", r % 20])
    content = buffer.getvalue()
    results = []
    for threads in (1, 2):
        monkeypatch.setattr(reading, "SCAN_THREADS", threads)
        reading._workbook.cache_clear()
        book = reading._workbook("grand.xlsx", content)
        raw = open_sheet("grand.xlsx", content)
        results.append(({k: _found(v) for k, v in book.extents.items()}, raw.rows))
    reading._workbook.cache_clear()
    assert results[0][0] == results[1][0]
    assert results[0][0]["Copies"][:4] == (1, 60_001, 1, 4)
    assert results[0][1].equals(results[1][1])
