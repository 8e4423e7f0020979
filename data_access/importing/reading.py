"""Reading an uploaded file into a raw table of text cells, whatever its state.

Formats: .xlsx/.xlsm/.ods (calamine through fastexcel, openpyxl as fallback), .xls, and
.csv/.txt (separator ; , or tab; UTF-8 with or without BOM, UTF-16, or Windows-1252).
The format is recognised from the bytes, not the name. Every failure becomes one
ImportRejected with a French message. Formulas are never evaluated: their cached values
are read, and a formula cell without one is noted (the validation refuses it).

Nothing hostile reaches a reader: an archive is inflated here within bounds and rebuilt
with its true sizes (archive.py), and a sheet is measured from its own bytes and refused
when it reaches beyond the limits of rows, columns or cells (extent.py), before it is read.

The header is searched in the first rows (title lines above it are skipped); an empty header
cell under a vertically merged cell takes the text above it; blank rows are dropped, and
total rows too, recognised by their shape and listed. Row numbers are the sheet's own (1 =
first line of the sheet; for a CSV, the record's number, as Excel shows it).
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time

import polars as pl

from data_access.importing import archive, extent
from data_access.importing.errors import ImportRejected
from data_access.importing.mapping import is_known_header, normalise

MAX_ROWS = 1_048_576
SCAN_THREADS = 2
"""Threads that locate the cells of a sheet's pieces while the next ones are inflated (the
machine's two cores; numpy lets them run side by side). The same processor time (0,39 to
0,42 s for 100 000 rows); what it saves in elapsed time could not be measured on the shared
machine, busy (load 5 to 6) all along issue 11's last measures."""
HEADER_SEARCH_ROWS = 50
ACCEPTED = "formats acceptés : .xlsx, .xlsm, .xls, .ods, .csv"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_TOTAL_WORDS = ("total", "totaux", "sous total", "somme", "moyenne", "moyennes", "ensemble")
_STRICT_NUMBER = re.compile(r"^[-+]?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,]\d+)?$")


@dataclass(frozen=True)
class RawSheet:
    """A sheet as text: ``rows`` has ``_row`` (the sheet's row number) and c0..cN (text).

    ``columns`` gives each header's column in the sheet (1 = A); ``problems`` the rows the
    reading itself found wrong (row, column, value, reason: a CSV line with too many or too
    few fields); ``dropped`` the total rows left out (row, text); ``formulas`` the formula
    cells without a computed value (row, column in the sheet, formula); ``repeated`` the
    headers written twice (header, name given to the second column).
    """

    file_name: str
    sheet: str
    header_row: int
    headers: list[str]
    rows: pl.DataFrame
    columns: list[int] = field(default_factory=list)
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)
    dropped: list[tuple[int, str]] = field(default_factory=list)
    formulas: list[tuple[int, int, str]] = field(default_factory=list)
    repeated: list[tuple[str, str]] = field(default_factory=list)

    def column_of(self, header: str) -> str:
        return f"c{self.headers.index(header)}"

    def letter_of(self, header: str) -> str:
        """The sheet column of a header, as Excel names it: 'D'."""
        index = self.headers.index(header)
        return extent.column_letters(self.columns[index] if self.columns else index + 1)


def _name(file_name: str) -> str:
    return f"« {file_name} »"


def _format(file_name: str, content: bytes) -> str:
    """'xlsx', 'ods', 'ole' or 'text' after the checks that reject the unreadable."""
    if not content or not content.strip():
        raise ImportRejected(f"Le fichier {_name(file_name)} est vide.")
    head = content[:8]
    if head.startswith(b"%PDF"):
        raise ImportRejected(
            f"Le fichier {_name(file_name)} est un document PDF, pas un tableur ({ACCEPTED}). "
            "Exportez les données au format Excel ou CSV depuis votre logiciel."
        )
    if head.startswith(_ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        names = {m.filename for m in archive.members(file_name, content)}
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names:
            return "ods"
        if "xl/workbook.bin" in names:
            raise ImportRejected(
                f"Le fichier {_name(file_name)} est un classeur binaire Excel (.xlsb) : "
                "ouvrez-le dans Excel et enregistrez-le au format .xlsx, puis importez ce fichier."
            )
        raise ImportRejected(
            f"Le fichier {_name(file_name)} est une archive zip mais pas un classeur Excel "
            f"({ACCEPTED})."
        )
    if head.startswith(_OLE_MAGIC):
        if _is_encrypted_ole(content):
            raise _protected(file_name)
        return "ole"  # an .xls, whatever its name says
    sample = content[:4096]
    binary = sample.count(b"\x00") > len(sample) // 100  # a stray NUL is a bad cell, not a format
    if binary and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRejected(
            f"Le fichier {_name(file_name)} n'est pas un tableur reconnu ({ACCEPTED})."
        )
    return "text"


def _protected(file_name: str) -> ImportRejected:
    return ImportRejected(
        f"Le classeur {_name(file_name)} est protégé par un mot de passe. Ouvrez-le dans Excel, "
        "retirez la protection (Fichier > Informations > Protéger le classeur) ou enregistrez "
        "une copie sans mot de passe, puis importez cette copie."
    )


def _is_encrypted_ole(content: bytes) -> bool:
    marker = "EncryptionInfo".encode("utf-16-le")
    return marker in content[:1_000_000] or "EncryptedPackage".encode("utf-16-le") in content


# --- workbooks: checked before any reader sees them ---------------------------------------


@dataclass(frozen=True)
class _Workbook:
    """A workbook made safe to read: ``content`` is what the reader gets (a zip rebuilt from
    the bytes inflated and measured here), ``extents`` the measured sheets by name."""

    content: bytes
    extents: dict[str, extent.Extent]
    recalculated: bool = False
    """the workbook asks to be recalculated when opened: its formula results are not computed"""


@functools.lru_cache(maxsize=1)  # the page lists the sheets, then reads one
def _workbook(file_name: str, content: bytes) -> _Workbook:
    kind = _format(file_name, content)
    if kind == "ole":
        extents = extent.xls_extents(file_name, content)
        for sheet, measured in extents.items():  # the reader loads every sheet of an .xls
            extent.check(file_name, sheet, measured)
        return _Workbook(content, extents)
    captures: dict[str, extent.Capture] = {}
    sheets: dict[str, extent.XlsxSheetScanner] = {}
    ods = extent.OdsScanner(file_name)
    pool = ThreadPoolExecutor(SCAN_THREADS, thread_name_prefix="extent")

    def scanner_for(member: str) -> archive.Scanner | None:
        if kind == "ods":
            return ods if member == "content.xml" else None
        if member in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            return captures.setdefault(member, extent.Capture(file_name))
        if member.startswith("xl/worksheets/") and member.endswith(".xml"):
            return sheets.setdefault(member, extent.XlsxSheetScanner(file_name, member, pool))
        return None

    with pool:  # the sheets' pieces scanned by the pool while the archive is inflated
        rebuilt = archive.rebuild(file_name, content, scanner_for)
    if kind == "ods":
        for sheet, measured in ods.extents.items():  # the reader loads every sheet of an .ods
            extent.check(file_name, sheet, measured)
        return _Workbook(rebuilt, ods.extents)
    workbook_xml = captures["xl/workbook.xml"].data if "xl/workbook.xml" in captures else b""
    relations = captures.get("xl/_rels/workbook.xml.rels")
    paths = extent.xlsx_sheet_paths(workbook_xml, relations.data if relations else b"")
    extents = {name: sheets[path].extent for name, path in paths.items() if path in sheets}
    unnamed = [s.extent for path, s in sheets.items() if path not in paths.values()]
    for index, measured in enumerate(unnamed):  # sheets the list does not name: still checked
        extent.check(file_name, f"n° {index + 1}", measured)
    return _Workbook(rebuilt, extents, extent.recalculated_on_open(workbook_xml))


def _sheet_extent(file_name: str, book: _Workbook, sheet: str) -> extent.Extent | None:
    """The measured extent of the sheet, checked against the limits (every sheet is checked
    when the reader's name for it is not among the measured ones)."""
    measured = book.extents.get(sheet)
    if measured is None:
        for name, other in book.extents.items():
            extent.check(file_name, name, other)
        return None
    extent.check(file_name, sheet, measured)
    if measured.positionless_uncomputed or (book.recalculated and measured.positionless_formulas):
        raise _uncomputed(file_name, sheet)
    return measured


def _uncomputed(file_name: str, sheet: str) -> ImportRejected:
    return ImportRejected(
        f"La feuille « {sheet} » de {_name(file_name)} contient des formules dont le résultat "
        "n'a pas été calculé par le logiciel qui l'a écrite. Ouvrez le fichier dans Excel ou "
        "LibreOffice, enregistrez-le, puis importez-le à nouveau."
    )


# --- sheets ---------------------------------------------------------------------------------


def sheet_names(file_name: str, content: bytes) -> list[str]:
    """The names of the sheets of a workbook (one name, the file's, for a CSV)."""
    kind = _format(file_name, content)
    if kind == "text":
        return [file_name.rsplit("/", 1)[-1]]
    book = _workbook(file_name, content)
    return _workbook_sheets(file_name, book.content)


def _fastexcel_reader(file_name: str, content: bytes):  # noqa: ANN202
    import fastexcel

    try:
        return fastexcel.read_excel(content)
    except Exception as error:  # noqa: BLE001 (calamine raises many kinds)
        text = str(error).lower()
        if "password" in text or "encrypt" in text:
            raise _protected(file_name) from None
        return None


def _workbook_sheets(file_name: str, content: bytes) -> list[str]:
    reader = _fastexcel_reader(file_name, content)
    if reader is not None:
        return list(reader.sheet_names)
    workbook = _openpyxl_workbook(file_name, content)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def _openpyxl_workbook(file_name: str, content: bytes):  # noqa: ANN202
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001
        raise ImportRejected(
            f"Le fichier {_name(file_name)} n'a pas pu être lu comme un classeur Excel : "
            f"il est peut-être endommagé ({ACCEPTED})."
        ) from None


def _pick_sheet(file_name: str, names: list[str], sheet: str | None) -> str:
    if not names:
        raise ImportRejected(f"Le classeur {_name(file_name)} ne contient aucune feuille.")
    if sheet is None:
        return names[0]
    if sheet in names:
        return sheet
    by_key = {normalise(n): n for n in names}
    if normalise(sheet) in by_key:
        return by_key[normalise(sheet)]
    raise ImportRejected(
        f"Le classeur {_name(file_name)} n'a pas de feuille « {sheet} ». "
        f"Feuilles présentes : {', '.join(names)}."
    )


def _grid_from_fastexcel(reader, sheet: str, measured: extent.Extent | None) -> pl.DataFrame:  # noqa: ANN001
    """The sheet's cells as text, from its first row (skip_rows=0 keeps the empty rows on
    top) and from its first column holding a value (``_column0`` says which)."""
    frame = reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string").to_polars()
    frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
    first_column = measured.first_column if measured is not None and measured.first_column else 1
    return frame.with_columns(
        _line=pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
        _column0=pl.lit(first_column, pl.Int64),
    )


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _grid_from_openpyxl(file_name: str, content: bytes, sheet: str) -> pl.DataFrame:
    workbook = _openpyxl_workbook(file_name, content)
    try:
        worksheet = workbook[sheet]
        worksheet.reset_dimensions()  # rows as long as their cells, never the declared size
        rows = [
            [_cell_text(v) for v in row]
            for row in worksheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1_000)
        ]
    finally:
        workbook.close()
    return _grid_from_rows(rows).with_columns(
        _line=pl.int_range(1, pl.len() + 1, dtype=pl.Int64), _column0=pl.lit(1, pl.Int64)
    )


def _grid_from_rows(rows: list[list[str | None]]) -> pl.DataFrame:
    width = max((len(r) for r in rows), default=0)
    columns = {f"c{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)}
    return pl.DataFrame(columns, schema={c: pl.String for c in columns})


# --- CSV ------------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16", errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _separator(text: str) -> str:
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    best, best_count = ";", 0
    for sep in (";", "\t", ","):
        counts = [line.count(sep) for line in lines if line.count(sep) > 0]
        if not counts:
            continue
        typical = max(set(counts), key=counts.count)
        if typical > best_count:
            best, best_count = sep, typical
    return best


def _grid_from_csv(file_name: str, content: bytes) -> pl.DataFrame:
    """The CSV's records as text cells; ``_line`` is the record's number (its row in Excel,
    whatever line breaks its quoted cells hold) and ``_fields`` its count of fields."""
    text = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text))
    chunks: list[pl.DataFrame] = []
    rows: list[list[str | None]] = []
    counts: list[int] = []
    width = 0
    record = 0
    try:
        for row in reader:
            record += 1
            width = max(width, len(row))
            if width > extent.MAX_SHEET_COLUMNS:
                _check_csv_extent(file_name, record, width)
            rows.append([cell if cell.strip() else None for cell in row])
            counts.append(len(row))
            if len(rows) >= 100_000:
                chunks.append(_csv_chunk(rows, counts, record))
                rows, counts = [], []
            if record > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise _too_many_rows(file_name)
            if record % 10_000 == 0:
                _check_csv_extent(file_name, record, width)
    except csv.Error:
        raise ImportRejected(
            f"Le fichier {_name(file_name)} n'est pas un CSV lisible "
            f"(ligne {record + 1}) ({ACCEPTED})."
        ) from None
    _check_csv_extent(file_name, record, width)
    if rows:
        chunks.append(_csv_chunk(rows, counts, record))
    if not chunks:
        raise ImportRejected(f"Le fichier {_name(file_name)} est vide.")
    return pl.concat(chunks, how="diagonal_relaxed")


def _csv_chunk(rows: list[list[str | None]], counts: list[int], last: int) -> pl.DataFrame:
    first = last - len(rows) + 1
    return _grid_from_rows(rows).with_columns(
        _line=pl.int_range(first, last + 1, dtype=pl.Int64),
        _fields=pl.Series(counts, dtype=pl.Int64),
    )


def _check_csv_extent(file_name: str, records: int, width: int) -> None:
    measured = extent.Extent(1, records, 1, width) if records and width else extent.Extent()
    extent.check(file_name, None, measured)


def _too_many_rows(file_name: str) -> ImportRejected:
    return ImportRejected(
        f"Le fichier {_name(file_name)} dépasse {MAX_ROWS:,} lignes de données".replace(",", " ")
        + " : découpez-le en plusieurs fichiers (par année ou par site)."
    )


# --- the header and the rows ----------------------------------------------------------------


class _NoTable(ImportRejected):
    """The sheet holds no data or no recognisable header (another sheet may)."""


def read_sheet(
    file_name: str,
    content: bytes,
    sheet: str | None = None,
    recognise: Callable[[object], bool] = is_known_header,
) -> RawSheet:
    """The chosen sheet (the first by default) as headers and text rows."""
    kind = _format(file_name, content)
    if kind == "text":
        grid = _grid_from_csv(file_name, content)
        return _table_from_grid(file_name, file_name.rsplit("/", 1)[-1], grid, recognise)
    book = _workbook(file_name, content)
    reader = _fastexcel_reader(file_name, book.content)
    names = (
        list(reader.sheet_names)
        if reader is not None
        else _workbook_sheets(file_name, book.content)
    )
    sheet_name = _pick_sheet(file_name, names, sheet)
    try:
        return _read_workbook_sheet(file_name, book, reader, sheet_name, recognise)
    except _NoTable as error:
        others = [n for n in names if n != sheet_name]
        if not others:
            raise
        hint = _other_sheets_hint(file_name, book, reader, others, recognise)
        raise ImportRejected(f"{error} {hint}") from None


def _read_workbook_sheet(
    file_name: str,
    book: _Workbook,
    reader,  # noqa: ANN001
    sheet: str,
    recognise: Callable[[object], bool],
) -> RawSheet:
    measured = _sheet_extent(file_name, book, sheet)
    grid = None
    if reader is not None:
        try:
            grid = _grid_from_fastexcel(reader, sheet, measured)
        except Exception:  # noqa: BLE001 (fall back to openpyxl)
            grid = None
    if grid is None:
        grid = _grid_from_openpyxl(file_name, book.content, sheet)
    formulas = []
    if measured is not None:
        formulas = [
            (row, column, text)
            for row, column, text, computed in measured.formulas
            if book.recalculated or not computed
        ]
    return _table_from_grid(file_name, sheet, grid, recognise, formulas)


def _other_sheets_hint(
    file_name: str,
    book: _Workbook,
    reader,  # noqa: ANN001
    others: list[str],
    recognise: Callable[[object], bool],
) -> str:
    found = []
    for other in others[:20]:
        try:
            _read_workbook_sheet(file_name, book, reader, other, recognise)
        except ImportRejected:
            continue
        found.append(other)
    if found:
        names = ", ".join(f"« {n} »" for n in found)
        return (
            f"Des titres de colonnes reconnus se trouvent dans la feuille {names} : "
            f"choisissez-la dans la liste « Feuille » de la page d'import, ou en ligne de "
            f'commande avec --sheet "{found[0]}".'
        )
    names = ", ".join(f"« {n} »" for n in others)
    return (
        f"Les autres feuilles du classeur ({names}) n'en ont pas non plus ; une autre feuille "
        "se choisit dans la liste « Feuille » de la page d'import, ou avec --sheet en ligne de "
        "commande."
    )


def _header_index(
    top: pl.DataFrame, cells: list[str], recognise: Callable[[object], bool]
) -> int | None:
    """The row (among the first ones) with the most recognised column titles, if any."""
    scores = [
        sum(1 for v in row if v is not None and recognise(v))
        for row in top.select(cells).iter_rows()
    ]
    if not scores:
        return None
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    return best if scores[best] > 0 else None


def _table_from_grid(
    file_name: str,
    sheet: str,
    grid: pl.DataFrame,
    recognise: Callable[[object], bool],
    formulas: list[tuple[int, int, str]] | None = None,
) -> RawSheet:
    cells = [c for c in grid.columns if c.startswith("c")]
    first_column = (
        int(grid.item(0, "_column0")) if "_column0" in grid.columns and grid.height else 1
    )
    grid = grid.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in cells)
    grid = grid.filter(~pl.all_horizontal(pl.col(c).is_null() for c in cells)) if cells else grid
    if grid.is_empty() or not cells:
        raise _NoTable(f"La feuille « {sheet} » de {_name(file_name)} ne contient aucune donnée.")
    top = grid.head(HEADER_SEARCH_ROWS)
    best = _header_index(top, cells, recognise)
    if best is None:
        raise _NoTable(
            f"Aucune ligne d'en-tête reconnue dans la feuille « {sheet} » de {_name(file_name)} "
            f"(premières {HEADER_SEARCH_ROWS} lignes). La feuille doit avoir une ligne de titres "
            "de colonnes comme « Identifiant », « Nom », « Groupe », « Date de dépôt »... "
            "Téléchargez un modèle pour voir les titres attendus."
        )
    header_values = list(top.select(cells).row(best))
    above = list(top.select(cells).row(best - 1)) if best > 0 else [None] * len(cells)
    adjacent = best > 0 and int(top.item(best - 1, "_line")) == int(top.item(best, "_line")) - 1
    if adjacent and _is_group_titles(above, header_values):
        headers = _two_row_headers(above, header_values, recognise)
    else:
        headers = []
        for index, (value, upper) in enumerate(zip(header_values, above, strict=True)):
            text = value if value is not None else upper  # vertically merged header cell
            if value is not None and upper is not None and not recognise(value):
                combined = f"{upper} {value}"
                text = combined if recognise(combined) else value
            headers.append(text if text is not None else f"Colonne {index + 1}")
    headers, repeated = _unique(headers)
    header_line = int(top.item(best, "_line"))
    rows = grid.filter(pl.col("_line") > header_line)
    keep = [
        i
        for i, h in enumerate(headers)
        if not (h.startswith("Colonne ") and rows.get_column(cells[i]).null_count() == rows.height)
    ]
    problems = (
        _field_count_problems(grid, rows, best, header_values) if "_fields" in grid.columns else []
    )
    rows = rows.select(
        pl.col("_line").alias("_row"),
        *[pl.col(cells[i]).alias(f"c{n}") for n, i in enumerate(keep)],
    )
    headers = [headers[i] for i in keep]
    columns = [first_column + i for i in keep]
    rows, dropped = _without_total_rows(rows, len(headers))
    if rows.height > MAX_ROWS:
        raise _too_many_rows(file_name)
    in_table = set(columns)
    data_rows = set(rows.get_column("_row").to_list()) if formulas else set()
    kept_formulas = [f for f in formulas or [] if f[1] in in_table and f[0] in data_rows]
    repeated = [(h, r) for h, r in repeated if r in headers]
    return RawSheet(
        file_name,
        sheet,
        header_line,
        headers,
        rows,
        columns=columns,
        problems=problems,
        dropped=dropped,
        formulas=kept_formulas,
        repeated=repeated,
    )


def _is_group_titles(above: list[str | None], header: list[str | None]) -> bool:
    """The line right above the header holds titles of groups of columns (PRONOTE's "Élève"
    above "Nom", "Prénom", "N° INE"): two titles or more, fewer than the header's, each
    spanning its columns (a merged cell: the text in its first column only)."""
    titles = sum(1 for v in above if v is not None)
    return titles >= 2 and titles < sum(1 for v in header if v is not None)


def _two_row_headers(
    above: list[str | None], header: list[str | None], recognise: Callable[[object], bool]
) -> list[str]:
    """A two-row header read as one: each column's title with the title of its group (the
    group title runs on to the right over the empty cells of its merged span).

    A column is named "Group Title" (or "Title Group": "Nom" under "Élève" is "Nom Élève")
    when that is a known title; else by its own title when that is known and said once in the
    row; else "Group Title", which keeps apart the "Date" of two groups."""
    said = [normalise(v) for v in header if v is not None]
    headers: list[str] = []
    group: str | None = None
    for index, (value, upper) in enumerate(zip(header, above, strict=True)):
        if upper is not None:
            group = upper
        if value is None:  # a vertically merged title: the text is in the row above
            headers.append(upper if upper is not None else f"Colonne {index + 1}")
            group = None
            continue
        if group is None:
            headers.append(value)
            continue
        candidates = [f"{group} {value}", f"{value} {group}"]
        known = next((c for c in candidates if recognise(c)), None)
        if known is not None:
            headers.append(known)
        elif recognise(value) and said.count(normalise(value)) == 1:
            headers.append(value)
        else:
            headers.append(candidates[0])
    return headers


def _field_count_problems(
    grid: pl.DataFrame, rows: pl.DataFrame, header_index: int, header_values: list[str | None]
) -> list[tuple[int, str, str, str]]:
    """CSV records whose count of fields differs from the header's (extra empty fields at
    the end of a line are harmless and not reported)."""
    expected = int(grid.item(header_index, "_fields"))
    beyond = [f"c{i}" for i in range(expected, len(header_values))]
    extra_text = (
        pl.any_horizontal(pl.col(c).is_not_null() for c in beyond) if beyond else pl.lit(False)
    )
    wrong = rows.filter(
        (pl.col("_fields") < expected) | ((pl.col("_fields") > expected) & extra_text)
    )
    problems = []
    for line, fields in wrong.select("_line", "_fields").iter_rows():
        if fields < expected:
            reason = (
                f"la ligne a {fields} champ(s) alors que l'en-tête en a {expected} : "
                "des valeurs manquent (ligne coupée ?)"
            )
        else:
            reason = (
                f"la ligne a {fields} champs alors que l'en-tête en a {expected} : une valeur "
                "contient sans doute le séparateur sans être entre guillemets"
            )
        problems.append((int(line), "", "", reason))
    return problems


def _unique(headers: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Headers made unique ('Note', 'Note (2)') and the repeats (header, name given)."""
    seen: dict[str, int] = {}
    result, repeated = [], []
    for header in headers:
        seen[header] = seen.get(header, 0) + 1
        if seen[header] == 1:
            result.append(header)
        else:
            renamed = f"{header} ({seen[header]})"
            result.append(renamed)
            repeated.append((header, renamed))
    return result, repeated


_MAX_TOTAL_CANDIDATES = 1_000


def _without_total_rows(
    rows: pl.DataFrame, width: int
) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    """The rows without the totals of the export, and those totals (row, first text).

    A row is a total by its shape, not only its first word: its first text starts with
    Total, Somme, Moyenne, Ensemble..., every other cell is empty or a number, and each of
    those numbers is the sum, mean, median, smallest, largest or count of its column over the
    rows above (since the previous total). "Moyenne et médiane" as an assignment, next to a
    learner's identifier and a date, is data.
    """
    if width == 0 or rows.is_empty():
        return rows, []
    cells = [f"c{i}" for i in range(width)]
    words = "|".join(_TOTAL_WORDS).replace(" ", "[ -]")
    first = pl.coalesce([pl.col(c) for c in cells])
    indexed = rows.with_row_index("_i")
    candidates = indexed.filter(first.str.contains(rf"(?i)^(?:{words})\b")).head(
        _MAX_TOTAL_CANDIDATES
    )
    if candidates.is_empty():
        return rows, []
    from data_access.importing.values import parse_number

    numbers = rows.select(parse_number(pl.col(c)).alias(c) for c in cells)
    dropped: list[tuple[int, str]] = []
    positions: list[int] = []
    start, block = 0, (0, 0)
    for candidate in candidates.iter_rows(named=True):
        index = candidate["_i"]
        filled = [c for c in cells if candidate[c] is not None]
        label, others = filled[0], filled[1:]
        if any(numbers.item(index, c) is None for c in others):
            continue  # a text next to the first one: a row of data
        if index > start:  # rows since the last total; else this total follows another one
            block = (start, index - start)
        above = numbers.slice(*block)
        if others and not all(
            _is_aggregate(numbers.item(index, c), above.get_column(c)) for c in others
        ):
            continue
        dropped.append((int(candidate["_row"]), str(candidate[label])))
        positions.append(index)
        start = index + 1
    if not positions:
        return rows, []
    kept = indexed.filter(~pl.col("_i").is_in(positions)).drop("_i")
    return kept, dropped


def _is_aggregate(value: float, column: pl.Series) -> bool:
    values = column.drop_nulls()
    if values.is_empty():
        return False
    figures = [
        values.sum(),
        values.mean(),
        values.median(),
        values.min(),
        values.max(),
        float(values.len()),
        float(column.len()),
    ]
    return any(f is not None and abs(value - f) <= 0.051 + 1e-9 * abs(f) for f in figures)
