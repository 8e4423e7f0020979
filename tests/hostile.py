"""Hostile files, built here: sheets that claim (or reach) a huge extent, archives that lie
about their members, and the like. Each builder returns the bytes of one file; ``HOSTILE``
names them all with the file name they are uploaded under."""

from __future__ import annotations

import csv
import io
import json
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import openpyxl

PROJECT = Path(__file__).resolve().parent.parent
HEADERS = ["N° apprenant", "Matière", "Déposé le", "Note"]
ROWS = [["A1", "Maths", "02/10/2025", "12"], ["A2", "Français", "03/10/2025", "9"]]


def plain_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Copies"
    for row in [HEADERS, *ROWS]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_member(content: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The archive with one member's bytes changed (a fresh, honest archive otherwise)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == member else data)
    return buffer.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def _dimension(data: bytes, reference: str) -> bytes:
    return re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{reference}"'.encode(), data)


def huge_extent_xlsx() -> bytes:
    """The issue's file: a few cells of data and one at XFD1048576 (the dimension says so)."""
    workbook = openpyxl.load_workbook(io.BytesIO(plain_xlsx()))
    workbook.active["XFD1048576"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def far_cell_xlsx() -> bytes:
    """One value at XFD1048576, the dimension claiming a harmless A1:D3."""
    return rewrite_member(huge_extent_xlsx(), SHEET, lambda d: _dimension(d, "A1:D3"))


def declared_extent_xlsx() -> bytes:
    """Harmless cells, a dimension claiming A1:XFD1048576."""
    return rewrite_member(plain_xlsx(), SHEET, lambda d: _dimension(d, "A1:XFD1048576"))


def positionless_xlsx() -> bytes:
    """Cells that do not write their position: the reader counts them; 16 384 of them on the
    row 1 048 576 reach XFD."""

    def change(data: bytes) -> bytes:
        far = b'<row r="1048576">' + b'<c t="n"><v>1</v></c>' * 16_384 + b"</row>"
        data = re.sub(rb' r="[A-Z]+[0-9]+"', b"", data)
        return data.replace(b"</sheetData>", far + b"</sheetData>")

    return rewrite_member(plain_xlsx(), SHEET, change)


def far_cell_xls() -> bytes:
    """An .xls whose one NUMBER record sits at row 65 536, column 65 536 (the format's two
    bytes allow it; Excel never writes it)."""
    import xlwt

    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("Copies")
    for r, row in enumerate([HEADERS, *ROWS]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    sheet.write(5, 5, 777.123456789)  # a NUMBER record (not an RK)
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    at = data.find(struct.pack("<d", 777.123456789)) - 10
    kind, length, _, _, xf = struct.unpack_from("<HHHHH", data, at)
    assert kind == 0x0203
    return data[:at] + struct.pack("<HHHHH", kind, length, 65535, 65535, xf) + data[at + 10 :]


def repeated_ods() -> bytes:
    """An OpenDocument sheet whose one row of values repeats 1 000 000 times, 1 000 cells
    wide: a few hundred bytes that expand to a billion cells."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Copies"><table:table-row>'
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
            for h in HEADERS
        )
        + '</table:table-row><table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell table:number-columns-repeated="1000" office:value-type="float" '
        'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def wide_csv() -> bytes:
    """A header of 20 000 fields: padded, every short line below would take 20 000 cells."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow(HEADERS + [f"x{i}" for i in range(20_000)])
    writer.writerows(ROWS)
    return text.getvalue().encode()


def _patch_member_headers(content: bytes, member: str, size: int, crc: int) -> bytes:
    """Rewrite a member's uncompressed size and CRC in its local header and in the central
    directory (what a crafted archive does to slip past a size check)."""
    data = bytearray(content)
    name = member.encode()
    # (signature, offset of the CRC, of the uncompressed size, of the name length, of the name)
    for signature, crc_at, size_at, length_at, name_at in (
        (b"PK\x03\x04", 14, 22, 26, 30),
        (b"PK\x01\x02", 16, 24, 28, 46),
    ):
        start = 0
        while (start := data.find(signature, start)) != -1:
            length = int.from_bytes(data[start + length_at : start + length_at + 2], "little")
            if data[start + name_at : start + name_at + length] == name:
                data[start + crc_at : start + crc_at + 4] = crc.to_bytes(4, "little")
                data[start + size_at : start + size_at + 4] = size.to_bytes(4, "little")
            start += 4
    return bytes(data)


def lying_archive_xlsx(padding: int = 64 << 20) -> bytes:
    """A real workbook whose sheet inflates to 64 MB more than it declares: its declared
    size and CRC cover exactly the real sheet, so a reader that trusts them (Python's
    zipfile) sees a valid member, and one that inflates to the end (calamine) gets it all."""
    honest = plain_xlsx()
    sheet = zipfile.ZipFile(io.BytesIO(honest)).read(SHEET)
    bloated = rewrite_member(honest, SHEET, lambda d: d + b" " * padding)
    forged = _patch_member_headers(bloated, SHEET, len(sheet), zlib.crc32(sheet))
    with zipfile.ZipFile(io.BytesIO(forged)) as archive:  # the lie holds for zipfile
        assert archive.read(SHEET) == sheet
    return forged


def duplicate_member_xlsx() -> bytes:
    """Two members named xl/worksheets/sheet1.xml: readers disagree on which one counts."""
    honest = plain_xlsx()
    source = zipfile.ZipFile(io.BytesIO(honest))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        with __import__("warnings").catch_warnings():
            __import__("warnings").simplefilter("ignore")
            target.writestr(SHEET, source.read(SHEET))
    return buffer.getvalue()


def zip_bomb_xlsx() -> bytes:
    """64 MB of zeros as a sheet: a ratio no spreadsheet has."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open(SHEET, "w", force_zip64=True) as member:
            for _ in range(64):
                member.write(b"\x00" * (1 << 20))
    return buffer.getvalue()


HOSTILE: dict[str, Callable[[], bytes]] = {
    "etendue-immense.xlsx": huge_extent_xlsx,
    "cellule-lointaine.xlsx": far_cell_xlsx,
    "dimension-mensongere.xlsx": declared_extent_xlsx,
    "cellules-sans-position.xlsx": positionless_xlsx,
    "cellule-lointaine.xls": far_cell_xls,
    "lignes-repetees.ods": repeated_ods,
    "tres-large.csv": wide_csv,
    "archive-menteuse.xlsx": lying_archive_xlsx,
    "membre-en-double.xlsx": duplicate_member_xlsx,
    "bombe.xlsx": zip_bomb_xlsx,
}
"""file name -> builder of every hostile file"""

_CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (6 * 1024**3, 6 * 1024**3))
sys.path.insert(0, sys.argv[1])
from data_access.importing import ImportRejected, open_sheet, read_checked
results = {}
for path in sys.argv[2:]:
    name = path.rsplit("/", 1)[-1]
    content = open(path, "rb").read()
    try:
        open_sheet(name, content)
        results[name] = {"import": "lu sans erreur"}
    except ImportRejected as error:
        results[name] = {"import": str(error)}
    try:
        read_checked(name, content, "diagnostics")
        results[name]["plan"] = "lu sans erreur"
    except ImportRejected as error:
        results[name]["plan"] = str(error)
    print(json.dumps({name: results[name]}, ensure_ascii=False), flush=True)
"""


def read_in_child(directory: Path) -> dict[str, dict[str, str]]:
    """What the importer and the planning reader say of every hostile file, read in a child
    process with 6 GB of address space: a reader that would allocate by a declared size
    kills the child, not the test run (the missing answers then fail the tests)."""
    paths = []
    for name, build in HOSTILE.items():
        path = directory / name
        path.write_bytes(build())
        paths.append(str(path))
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(PROJECT), *paths],
        capture_output=True,
        text=True,
        timeout=600,
    )
    answers: dict[str, dict[str, str]] = {}
    for line in done.stdout.splitlines():
        answers.update(json.loads(line))
    if done.returncode != 0:
        answers["_crash"] = {"stderr": done.stderr[-2000:]}
    return answers
