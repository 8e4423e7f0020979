"""How far each sheet of a workbook reaches, measured before any spreadsheet reader runs.

A spreadsheet reader (calamine) allocates one cell for every position between the first and
the last cell that holds a value: one value at XFD1048576 next to one at A1 asks for 17
billion cells, and the process dies. So the cells are located here first, cheaply, from the
sheet's own bytes (the XML of an .xlsx or .ods, streamed while the archive is inflated; the
records of an .xls), and a sheet beyond the limits is refused before it is read. The sheet's
declared dimension is checked as well, and formula cells without a computed value are noted
(their cell would read as empty or 0 while Excel shows the result).
"""

from __future__ import annotations

import io
import re
import struct
import xml.etree.ElementTree as ElementTree
from collections import deque
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from html import unescape
from posixpath import normpath

import numpy as np
from numpy.lib.stride_tricks import as_strided

from data_access.importing.errors import ImportRejected

MAX_SHEET_ROWS = 1_048_576
MAX_SHEET_COLUMNS = 16_384
MAX_SHEET_CELLS = 16_777_216
"""Cells between the first and the last value: 1 048 576 rows × 16 columns, or a full .xls."""
MAX_ROW_BYTES = 64 * 1024**2
MAX_NOTED_FORMULAS = 1_000
MAX_QUEUED_PIECES = 4
"""Pieces of a sheet (about 1 MB each) handed to the scanning threads and not yet measured."""


def column_letters(number: int) -> str:
    """1 -> 'A', 28 -> 'AB', 16384 -> 'XFD'."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: bytes) -> int:
    number = 0
    for byte in letters.upper():
        number = number * 26 + (byte - 64)
    return number


def _french(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def _count(number: int, word: str) -> str:
    return f"{_french(number)} {word}{'s' if number > 1 else ''}"


@dataclass
class Extent:
    """The cells of a sheet that hold a value: first and last row and column (1-based, 0 when
    the sheet is empty), the declared dimension, and formulas without a computed value."""

    first_row: int = 0
    last_row: int = 0
    first_column: int = 0
    last_column: int = 0
    declared: str | None = None
    formulas: list[tuple[int, int, str, bool]] = field(default_factory=list)
    """(row, column, formula, has a computed value) of formula cells (the first 1 000)"""
    positionless_formulas: int = 0
    """formula cells whose position is not written (counted, not located)"""
    positionless_uncomputed: int = 0

    def add(self, row: int, column: int) -> None:
        if self.first_row == 0 or row < self.first_row:
            self.first_row = row
        if self.first_column == 0 or column < self.first_column:
            self.first_column = column
        self.last_row = max(self.last_row, row)
        self.last_column = max(self.last_column, column)

    def add_span(self, first_row: int, rows: int, first_column: int, columns: int) -> None:
        self.add(first_row, first_column)
        self.add(first_row + rows - 1, first_column + columns - 1)

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1 if self.first_row else 0

    @property
    def columns(self) -> int:
        return self.last_column - self.first_column + 1 if self.first_column else 0

    def area(self) -> str:
        if not self.first_row:
            return ""
        return (
            f"{column_letters(self.first_column)}{self.first_row}:"
            f"{column_letters(self.last_column)}{self.last_row}"
        )


def _declared_size(reference: str) -> tuple[int, int] | None:
    """'A1:XFD1048576' -> (rows, columns); None when not a range."""
    match = re.fullmatch(
        r"\$?([A-Za-z]{1,7})\$?(\d{1,9})(?::\$?([A-Za-z]{1,7})\$?(\d{1,9}))?", reference
    )
    if not match:
        return None
    first_column, first_row = _column_number(match[1].encode()), int(match[2])
    last_column = _column_number(match[3].encode()) if match[3] else first_column
    last_row = int(match[4]) if match[4] else first_row
    return abs(last_row - first_row) + 1, abs(last_column - first_column) + 1


def _beyond(rows: int, columns: int, last_row: int, last_column: int) -> bool:
    return (
        max(rows, last_row) > MAX_SHEET_ROWS
        or max(columns, last_column) > MAX_SHEET_COLUMNS
        or rows * columns > MAX_SHEET_CELLS
    )


def check(file_name: str, sheet: str | None, extent: Extent) -> None:
    """ImportRejected (French, saying where the sheet reaches) when the declared or the real
    extent of the sheet is beyond the limits of rows, columns or cells (``sheet`` None: a
    CSV file, its lines and fields)."""
    found = None
    if _beyond(extent.rows, extent.columns, extent.last_row, extent.last_column):
        found = (extent.rows, extent.columns, extent.area(), "ses cellules remplies vont de")
    elif extent.declared and (declared := _declared_size(extent.declared)) is not None:
        if _beyond(*declared, *declared):
            found = (*declared, extent.declared, "elle déclare s'étendre sur")
    if found is None:
        return
    rows, columns, area, how = found
    limits = (
        f"au plus {_french(MAX_SHEET_ROWS)} lignes, {_french(MAX_SHEET_COLUMNS)} colonnes et "
        f"{_french(MAX_SHEET_CELLS)} cellules"
    )
    if sheet is None:
        if columns > MAX_SHEET_COLUMNS:
            what = (
                f"une de ses lignes a {_count(columns, 'champ')} "
                f"(au plus {_french(MAX_SHEET_COLUMNS)})"
            )
        else:
            what = (
                f"{_count(rows, 'ligne')} d'au plus {_count(columns, 'champ')} font "
                f"{_count(rows * columns, 'cellule')} (au plus {_french(MAX_SHEET_CELLS)})"
            )
        raise ImportRejected(
            f"Le fichier « {file_name} » est refusé : {what}. Découpez-le, ou retirez les "
            "colonnes vides, puis importez à nouveau."
        )
    raise ImportRejected(
        f"La feuille « {sheet} » de « {file_name} » est refusée : {how} {area}, soit "
        f"{_count(rows, 'ligne')} × {_count(columns, 'colonne')} "
        f"({_count(rows * columns, 'cellule')} ; {limits}). Supprimez les lignes et colonnes "
        "au-delà des données (ou copiez les données seules dans une nouvelle feuille), "
        "enregistrez, puis importez à nouveau."
    )


# --- .xlsx: one scanner per worksheet, fed while the archive is inflated ----------------------

_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
# the usual form, first: <c r="B7" ...> as Excel, LibreOffice, openpyxl and XlsxWriter write it
_CELL_LETTERS = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"')
_CELL_ROWS = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(/?)>(</|<v/>|<v></v>)?')
_PREFIXED = re.compile(rb":(?:c[\s/>]|row)")
# any form: a prefix, the position anywhere or missing
_TAG = re.compile(
    rb"<" + _PREFIX + rb"(row|c)(?=[\s/>])([^>]*?)(/?)>"
    rb"(</|<" + _PREFIX + rb"v\s*/>|<" + _PREFIX + rb"v></)?"
)
_REFERENCE = re.compile(rb'\br="([A-Za-z]*)([0-9]*)"')
_DIMENSION = re.compile(rb"<" + _PREFIX + rb'dimension\s[^>]*?\bref="([^"]*)"')
_HAS_FORMULA = re.compile(rb"<" + _PREFIX + rb"f[\s/>]")
_CELL_BLOCK = re.compile(
    rb"<" + _PREFIX + rb"c\s([^>]*?)(?<!/)>(.*?)</" + _PREFIX + rb"c>", re.DOTALL
)
_FORMULA_TEXT = re.compile(
    rb"<" + _PREFIX + rb"f\b[^>]*?(?:/>|>(.*?)</" + _PREFIX + rb"f>)", re.DOTALL
)
_VALUE = re.compile(rb"<" + _PREFIX + rb"v>([^<]+)</", re.DOTALL)


def _code(text: bytes) -> int:
    """The bytes read as one little-endian integer, as _words sees them."""
    return int.from_bytes(text, "little")


def _mask(length: int) -> int:
    return (1 << (8 * length)) - 1


_CELL_OPEN = _code(b'<c r="')
_CLOSED = _code(b"/>")
_END_TAG = _code(b"</")
_EMPTY_VALUE = _code(b"<v/>")
_EMPTY_VALUE_PAIR = _code(b"<v></v>")
_AFTER_NAME = np.zeros(256, bool)
_AFTER_NAME[list(b" \t\n\r\f\v/>")] = True  # what may follow a tag's name
_WINDOW = 11  # after <c r=": at most 3 letters, 7 digits and the closing quote
_PAD = 64


@dataclass
class _Cells:
    """The cells of a piece in the usual form that hold a value (a cell closed at once, or
    holding nothing or an empty value, does not): their first and last row and column, and
    the position of the piece's last cell (where the next piece starts, should it be read the
    slow way). Reduced where they are located, by the scanning thread."""

    first: tuple[int, int] | None
    """(first row, first column) of the cells holding a value; None: no such cell"""
    last: tuple[int, int] | None
    """(last row, last column) of the cells holding a value"""
    final: tuple[int, int] | None
    """(row, column) of the piece's last cell, valued or not; None: no cell"""
    formulas: bool
    """a <f tag in the piece (formulas written with a prefix are looked for apart)"""


def _words(data: np.ndarray) -> np.ndarray:
    """For every position of the bytes, the 8 bytes starting there as one integer (a view:
    nothing copied), so that a tag is recognised by one comparison."""
    return as_strided(data, (len(data) - 7, 8), (1, 1)).view("<u8")[:, 0]


def _usual_cells(segment: bytes) -> _Cells | None:
    """Every cell of the piece located by array operations on its bytes (a 100 000-row sheet
    in about a tenth of a second), when every cell writes its position first as <c r="B7"
    (1 to 3 letters, 1 to 7 digits) without a prefix; None otherwise, and the piece is then
    read tag by tag. The same cells, and the same empty ones, as _CELL finds."""
    if _PREFIXED.search(segment) is not None:
        return None
    data = np.frombuffer(segment + b"\0" * _PAD, np.uint8)
    words = _words(data)
    size = len(segment)
    opening, named = data[:size] == ord("<"), data[1 : size + 1]
    formulas = bool((opening & (named == ord("f"))).any())
    tags = np.flatnonzero(opening & (named == ord("c")))
    cells = tags[_AFTER_NAME[data[tags + 2]]]  # <c then a space, / or >: a cell
    starts = cells[(words[cells] & _mask(6)) == _CELL_OPEN]
    if len(starts) != len(cells):  # a cell without its position first
        return None
    if not len(starts):
        return _Cells(None, None, None, formulas)
    window = data[starts[:, None] + 6 + np.arange(_WINDOW)]
    letter = (window >= ord("A")) & (window <= ord("Z"))
    digit = (window >= ord("0")) & (window <= ord("9"))
    letters = np.argmin(letter, axis=1)  # the first byte that is not a capital letter
    after = np.arange(_WINDOW)[None, :] >= letters[:, None]
    end = np.argmax(after & ~digit, axis=1)  # the first byte after them that is not a digit
    digits = end - letters
    if not (
        ((letters >= 1) & (letters <= 3) & (digits >= 1) & (digits <= 7)).all()
        and (window[np.arange(len(starts)), end] == ord('"')).all()
    ):
        return None
    columns = np.zeros(len(starts), np.int64)
    rows = np.zeros(len(starts), np.int64)
    for at in range(_WINDOW - 1):
        value = window[:, at].astype(np.int64)
        columns = np.where(at < letters, columns * 26 + value - ord("@"), columns)
        rows = np.where(after[:, at] & (at < end), rows * 10 + value - ord("0"), rows)
    closing = np.flatnonzero(data[:size] == ord(">"))
    if not len(closing):
        return None
    ends = closing[np.minimum(np.searchsorted(closing, starts), len(closing) - 1)]
    if (ends <= starts).any():
        return None  # a cell tag not closed in the piece
    follow = words[ends + 1]
    empty = (
        ((words[ends - 1] & _mask(2)) == _CLOSED)  # <c r="A1"/>
        | ((follow & _mask(2)) == _END_TAG)  # <c r="A1"></c>
        | ((follow & _mask(4)) == _EMPTY_VALUE)  # <v/>
        | ((follow & _mask(7)) == _EMPTY_VALUE_PAIR)  # <v></v>
    )
    final = (int(rows[-1]), int(columns[-1]))
    if empty.all():
        return _Cells(None, None, final, formulas)
    rows, columns = rows[~empty], columns[~empty]
    first, last = (int(rows.min()), int(columns.min())), (int(rows.max()), int(columns.max()))
    return _Cells(first, last, final, formulas)


class XlsxSheetScanner:
    """Measures one worksheet XML from its bytes, fed in pieces: cells holding a value, the
    declared dimension, formula cells and whether they carry a computed value."""

    def __init__(self, file_name: str, path: str, pool: Executor | None = None) -> None:
        self.file_name = file_name
        self.path = path
        self.extent = Extent()
        self._pending = b""
        self._row = 0
        self._column = 0
        self._pool = pool
        self._queued: deque[tuple[bytes, Future[_Cells | None]]] = deque()

    def feed(self, chunk: bytes) -> None:
        buffer = self._pending + chunk
        ends = [buffer.rfind(b"</row>") + 6, buffer.rfind(b":row>") + 5]  # -1 + n: not found
        cut = max([end for end, n in zip(ends, (6, 5), strict=True) if end >= n], default=0)
        if cut == 0 and len(buffer) > MAX_ROW_BYTES:
            raise ImportRejected(
                f"Le fichier « {self.file_name} » est refusé : une ligne de feuille y dépasse "
                f"{MAX_ROW_BYTES // 1024**2} Mo. Ce n'est pas un export de données normal."
            )
        self._pending = buffer[cut:]
        if cut:
            self._segment(buffer[:cut])

    def close(self) -> None:
        if self._pending:
            self._segment(self._pending)
            self._pending = b""
        while self._queued:
            self._measure_oldest()

    def _segment(self, segment: bytes) -> None:
        """The piece's cells located now, or by the pool while the next pieces are inflated
        (the array scan lets the other threads run): the pieces are then taken in order, at
        most MAX_QUEUED_PIECES in memory, so the measure is the same either way."""
        if self._pool is None:
            self._measure(segment, _usual_cells(segment))
            return
        self._queued.append((segment, self._pool.submit(_usual_cells, segment)))
        while len(self._queued) > MAX_QUEUED_PIECES:
            self._measure_oldest()

    def _measure_oldest(self) -> None:
        segment, located = self._queued.popleft()
        self._measure(segment, located.result())

    def _measure(self, segment: bytes, cells: _Cells | None) -> None:
        if self.extent.declared is None:
            found = _DIMENSION.search(segment)
            if found:
                self.extent.declared = found[1].decode("ascii", "replace")
        if cells is not None:
            self._fast(cells)
            formulas = cells.formulas
        else:
            self._tags(segment)
            formulas = b"<f" in segment
        if formulas or b":f" in segment:  # formulas (rare): each cell looked at
            self._formulas(segment)

    def _fast(self, cells: _Cells) -> None:
        """Cells in the usual form: every one that holds a value counts (the reader places a
        cell by its own position, so rows do not matter)."""
        if cells.first is not None and cells.last is not None:
            self.extent.add(*cells.first)
            self.extent.add(*cells.last)
        if cells.final is not None:  # where the next piece starts, should it be read the slow way
            self._row, self._column = cells.final

    def _tags(self, segment: bytes) -> None:
        """Every row and cell in order, as the reader places them (the next row or column
        when the position is not written)."""
        for name, attributes, closed, empty in _TAG.findall(segment):
            reference = _REFERENCE.search(attributes)
            if name == b"row":
                self._row = int(reference[2]) if reference and reference[2] else self._row + 1
                self._column = 0
                continue
            if reference and reference[1] and reference[2]:
                self._row = int(reference[2])
                self._column = _column_number(reference[1])
            else:
                self._column += 1
            if not closed and not empty:
                self.extent.add(self._row, self._column)

    def _formulas(self, segment: bytes) -> None:
        for attributes, body in _CELL_BLOCK.findall(segment):
            if not _HAS_FORMULA.search(body):
                continue
            reference = _REFERENCE.search(attributes)
            formula = _FORMULA_TEXT.search(body)
            text = unescape(formula[1].decode("utf-8", "replace")) if formula and formula[1] else ""
            has_value = _VALUE.search(body) is not None
            if not (reference and reference[1] and reference[2]):
                self.extent.positionless_formulas += 1
                self.extent.positionless_uncomputed += not has_value
            elif len(self.extent.formulas) < MAX_NOTED_FORMULAS:
                self.extent.formulas.append(
                    (int(reference[2]), _column_number(reference[1]), text, has_value)
                )


class Capture:
    """Keeps the bytes of a small member (the workbook's list of sheets and its links)."""

    LIMIT = 32 * 1024**2

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.parts: list[bytes] = []
        self.size = 0

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.LIMIT:
            raise ImportRejected(
                f"Le fichier « {self.file_name} » est refusé : sa liste de feuilles est "
                "démesurée. Ce n'est pas un export de données normal."
            )
        self.parts.append(chunk)

    def close(self) -> None:
        pass

    @property
    def data(self) -> bytes:
        return b"".join(self.parts)


def _xml(data: bytes) -> ElementTree.Element | None:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:  # no entity expansion, ever
        return None
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def xlsx_sheet_paths(workbook_xml: bytes, relations_xml: bytes) -> dict[str, str]:
    """Sheet name -> path of its XML in the archive, from xl/workbook.xml and its links."""
    workbook, relations = _xml(workbook_xml), _xml(relations_xml)
    if workbook is None or relations is None:
        return {}
    targets = {
        element.get("Id"): element.get("Target", "")
        for element in relations.iter()
        if _local(element.tag) == "Relationship"
    }
    paths: dict[str, str] = {}
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        relation = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
        target = targets.get(relation)
        if target is None or element.get("name") is None:
            continue
        path = target.lstrip("/") if target.startswith("/") else normpath(f"xl/{target}")
        paths[element.get("name")] = path
    return paths


def recalculated_on_open(workbook_xml: bytes) -> bool:
    """True when the workbook asks to be recalculated when opened (fullCalcOnLoad): its cached
    formula results were not computed by the tool that wrote it (XlsxWriter writes 0)."""
    return re.search(rb'fullCalcOnLoad="(?:1|true)"', workbook_xml) is not None


# --- .ods: one scanner for content.xml (every table) ------------------------------------------

_ODS_TAG = re.compile(
    rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*?)(/?)>"
)
_ODS_NAME = re.compile(rb'\btable:name="([^"]*)"')
_ODS_ROWS = re.compile(rb'\btable:number-rows-repeated="([0-9]+)"')
_ODS_COLUMNS = re.compile(rb'\btable:number-columns-repeated="([0-9]+)"')


class OdsScanner:
    """Measures every table of an OpenDocument spreadsheet's content.xml, repeated rows and
    cells counted as the reader expands them."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.extents: dict[str, Extent] = {}
        self._pending = b""
        self._current: Extent | None = None
        self._row = 0
        self._row_repeat = 1
        self._row_valued = False
        self._row_first_column = 0
        self._row_last_column = 0
        self._column = 0

    def feed(self, chunk: bytes) -> None:
        buffer = self._pending + chunk
        cut = buffer.rfind(b"<")
        if cut <= 0:
            if len(buffer) > MAX_ROW_BYTES:
                raise ImportRejected(
                    f"Le fichier « {self.file_name} » est refusé : une ligne de feuille y "
                    f"dépasse {MAX_ROW_BYTES // 1024**2} Mo."
                )
            self._pending = buffer
            return
        self._pending = buffer[cut:]
        self._segment(buffer[:cut])

    def close(self) -> None:
        self._segment(self._pending)
        self._pending = b""

    def _segment(self, segment: bytes) -> None:
        for closing, name, attributes, closed in _ODS_TAG.findall(segment):
            if name == b"table":
                if not closing:
                    found = _ODS_NAME.search(attributes)
                    title = unescape(found[1].decode("utf-8", "replace")) if found else ""
                    self._current = self.extents.setdefault(title, Extent())
                    self._row = 0
                continue
            if name == b"table-row":
                if not closing:
                    repeat = _ODS_ROWS.search(attributes)
                    self._row_repeat = int(repeat[1]) if repeat else 1
                    self._row_valued, self._column = False, 0
                if closing or closed:
                    self._end_row()
                continue
            if closing:
                continue
            repeat = _ODS_COLUMNS.search(attributes)
            count = int(repeat[1]) if repeat else 1
            if b"value-type=" in attributes or not closed:
                if not self._row_valued:
                    self._row_first_column = self._column + 1
                self._row_valued = True
                self._row_last_column = self._column + count
            self._column += count

    def _end_row(self) -> None:
        first = self._row + 1
        if self._row_valued and self._current is not None:
            self._current.add_span(
                first,
                self._row_repeat,
                self._row_first_column,
                self._row_last_column - self._row_first_column + 1,
            )
        self._row += self._row_repeat
        self._row_repeat = 1
        self._row_valued = False


# --- .xls: the records of the workbook stream ---------------------------------------------

_BOF, _EOF, _BOUNDSHEET, _DIMENSIONS = 0x0809, 0x000A, 0x0085, 0x0200
_CELL_RECORDS = {0x0006, 0x0206, 0x0406, 0x00FD, 0x0203, 0x027E, 0x0204, 0x0205, 0x00D6}
_MULRK = 0x00BD


def xls_extents(file_name: str, content: bytes) -> dict[str, Extent]:
    """Sheet name -> extent of an .xls (BIFF) workbook, from its cell records."""
    from xlrd.compdoc import CompDoc

    try:
        document = CompDoc(content, logfile=io.StringIO())
        stream = document.get_named_stream("Workbook") or document.get_named_stream("Book")
    except Exception:  # noqa: BLE001 (xlrd raises several kinds on a damaged container)
        stream = None
    if not stream:
        raise ImportRejected(
            f"Le fichier « {file_name} » n'a pas pu être lu comme un classeur Excel 97-2003 "
            "(.xls) : il est peut-être endommagé. Enregistrez-le au format .xlsx."
        )
    names: dict[int, str] = {}
    extents: dict[str, Extent] = {}
    current: Extent | None = None
    position, size = 0, len(stream)
    while position + 4 <= size:
        kind, length = struct.unpack_from("<HH", stream, position)
        data = stream[position + 4 : position + 4 + length]
        if kind == _BOUNDSHEET and len(data) >= 8:
            names[struct.unpack_from("<L", data)[0]] = _sheet_name(data) or str(len(names) + 1)
        elif kind == _BOF:
            current = extents.setdefault(names[position], Extent()) if position in names else None
        elif kind == _EOF:
            current = None
        elif current is not None and len(data) >= 4:
            if kind in _CELL_RECORDS:
                row, column = struct.unpack_from("<HH", data)
                current.add(row + 1, column + 1)
            elif kind == _MULRK and len(data) >= 6:
                row, first = struct.unpack_from("<HH", data)
                last = struct.unpack_from("<H", data, len(data) - 2)[0]
                current.add_span(row + 1, 1, first + 1, max(last - first, 0) + 1)
            elif kind == _DIMENSIONS and len(data) >= 14:
                first_row, last_row, first_column, last_column = struct.unpack_from("<LLHH", data)
                if last_row > first_row and last_column > first_column:
                    current.declared = (
                        f"{column_letters(first_column + 1)}{first_row + 1}:"
                        f"{column_letters(last_column)}{last_row}"
                    )
        position += 4 + length
    return extents


def _sheet_name(data: bytes) -> str:
    length, flags = data[6], data[7] if len(data) > 7 else 0
    raw = data[8:]
    if flags & 0x01:
        return raw[: 2 * length].decode("utf-16-le", "replace")
    return raw[:length].decode("latin-1")
