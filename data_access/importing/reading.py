"""Reading an uploaded file into a raw table of text cells, whatever its state.

Formats: .xlsx/.xlsm/.ods (calamine through fastexcel, openpyxl as fallback), .xls, and
.csv/.txt (separator ; , or tab; UTF-8 with or without BOM, UTF-16, or Windows-1252).
The format is recognised from the bytes, not the name. Every failure becomes one
ImportRejected with a French message. Formulas are never evaluated: their cached values
are read.

The header is searched in the first rows (title lines above it are skipped); an empty header
cell under a vertically merged cell takes the text above it; blank rows and total rows are
dropped. Row numbers are the sheet's own (1 = first line of the sheet or file).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

import polars as pl

from data_access.importing.errors import ImportRejected
from data_access.importing.mapping import is_known_header, normalise

MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
"""Largest total size the members of an .xlsx may inflate to (a 1 048 576-row sheet is less)."""
MAX_COMPRESSION_RATIO = 250
"""A member compressed more than this is a zip bomb, not a spreadsheet."""
MAX_ROWS = 1_048_576
HEADER_SEARCH_ROWS = 50
ACCEPTED = "formats acceptés : .xlsx, .xlsm, .xls, .csv"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_TOTAL_WORDS = ("total", "totaux", "sous total", "somme", "moyenne", "moyennes", "ensemble")


@dataclass(frozen=True)
class RawSheet:
    """A sheet as text: ``rows`` has ``_row`` (the sheet's row number) and c0..cN (text)."""

    file_name: str
    sheet: str
    header_row: int
    headers: list[str]
    rows: pl.DataFrame

    def column_of(self, header: str) -> str:
        return f"c{self.headers.index(header)}"


def _name(file_name: str) -> str:
    return f"« {file_name} »"


def _format(file_name: str, content: bytes) -> str:
    """'zip', 'ole' or 'text' after the checks that reject the unreadable."""
    if not content or not content.strip():
        raise ImportRejected(f"Le fichier {_name(file_name)} est vide.")
    head = content[:8]
    if head.startswith(b"%PDF"):
        raise ImportRejected(
            f"Le fichier {_name(file_name)} est un document PDF, pas un tableur ({ACCEPTED}). "
            "Exportez les données au format Excel ou CSV depuis votre logiciel."
        )
    if head.startswith(_ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        _check_zip(file_name, content)
        return "zip"
    if head.startswith(_OLE_MAGIC):
        if _is_encrypted_ole(content) or file_name.lower().endswith((".xlsx", ".xlsm")):
            raise _protected(file_name)
        return "ole"
    sample = content[:4096]
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
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


def _check_zip(file_name: str, content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportRejected(
            f"Le fichier {_name(file_name)} est endommagé : son archive ne peut pas être lue "
            "(téléchargement interrompu ?). Exportez-le à nouveau."
        ) from None
    names = {m.filename for m in members}
    if not ({"xl/workbook.xml", "xl/workbook.bin", "content.xml"} & names):
        raise ImportRejected(
            f"Le fichier {_name(file_name)} est une archive zip mais pas un classeur Excel "
            f"({ACCEPTED})."
        )
    total = sum(m.file_size for m in members)
    ratio = max(
        (m.file_size / max(m.compress_size, 1) for m in members if m.file_size > 10_000_000),
        default=0,
    )
    if total > MAX_UNCOMPRESSED_BYTES or ratio > MAX_COMPRESSION_RATIO:
        raise ImportRejected(
            f"Le fichier {_name(file_name)} est refusé : une fois décompressé, il occuperait "
            f"{total / 1024**3:.1f} Go, bien plus qu'une feuille de 1 048 576 lignes. "
            "Ce n'est pas un export de données normal."
        )
    _check_declared_sizes(file_name, content)


def _check_declared_sizes(file_name: str, content: bytes) -> None:
    """Inflate every member once, 1 MB at a time: zipfile stops a member at its declared size
    and checks its CRC, so a member that lies about its size (to slip a bomb past the check
    above) fails here, before the spreadsheet reader inflates it without limit."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for member in archive.infolist():
                with archive.open(member) as stream:
                    while stream.read(1 << 20):
                        pass
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise ImportRejected(
            f"Le fichier {_name(file_name)} est refusé : le contenu de son archive ne "
            "correspond pas à ce qu'elle annonce (fichier endommagé ou piégé). Exportez-le à "
            "nouveau depuis le logiciel d'origine."
        ) from None


# --- sheets ---------------------------------------------------------------------------------


def sheet_names(file_name: str, content: bytes) -> list[str]:
    """The names of the sheets of a workbook (one name, the file's, for a CSV)."""
    kind = _format(file_name, content)
    if kind == "text":
        return [file_name.rsplit("/", 1)[-1]]
    return _workbook_sheets(file_name, content)


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


def _grid_from_fastexcel(reader, sheet: str) -> pl.DataFrame:  # noqa: ANN001
    frame = reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string").to_polars()
    return frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})


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
        rows = [
            [_cell_text(v) for v in row]
            for row in workbook[sheet].iter_rows(values_only=True, max_row=MAX_ROWS + 1_000)
        ]
    finally:
        workbook.close()
    return _grid_from_rows(rows)


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
    text = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text))
    chunks: list[pl.DataFrame] = []
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    try:
        for row in reader:
            rows.append([cell if cell.strip() else None for cell in row])
            numbers.append(reader.line_num)
            if len(rows) >= 100_000:
                chunks.append(_grid_from_rows(rows).with_columns(_line=pl.Series(numbers)))
                rows, numbers = [], []
            if len(chunks) * 100_000 + len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise _too_many_rows(file_name)
    except csv.Error:
        raise ImportRejected(
            f"Le fichier {_name(file_name)} n'est pas un CSV lisible "
            f"(ligne {reader.line_num}) ({ACCEPTED})."
        ) from None
    if rows:
        chunks.append(_grid_from_rows(rows).with_columns(_line=pl.Series(numbers, dtype=pl.Int64)))
    if not chunks:
        raise ImportRejected(f"Le fichier {_name(file_name)} est vide.")
    return pl.concat(chunks, how="diagonal_relaxed")


def _too_many_rows(file_name: str) -> ImportRejected:
    return ImportRejected(
        f"Le fichier {_name(file_name)} dépasse {MAX_ROWS:,} lignes de données".replace(",", " ")
        + " : découpez-le en plusieurs fichiers (par année ou par site)."
    )


# --- the header and the rows ----------------------------------------------------------------


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
        sheet_name = file_name.rsplit("/", 1)[-1]
    else:
        reader = _fastexcel_reader(file_name, content)
        names = list(reader.sheet_names) if reader is not None else None
        if names is None:
            names = _workbook_sheets(file_name, content)
        sheet_name = _pick_sheet(file_name, names, sheet)
        grid = None
        if reader is not None:
            try:
                grid = _grid_from_fastexcel(reader, sheet_name)
            except Exception:  # noqa: BLE001 (fall back to openpyxl)
                grid = None
        if grid is None:
            grid = _grid_from_openpyxl(file_name, content, sheet_name)
    if "_line" not in grid.columns:
        grid = grid.with_columns(_line=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    return _table_from_grid(file_name, sheet_name, grid, recognise)


def _table_from_grid(
    file_name: str, sheet: str, grid: pl.DataFrame, recognise: Callable[[object], bool]
) -> RawSheet:
    cells = [c for c in grid.columns if c != "_line"]
    grid = grid.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in cells)
    grid = grid.filter(~pl.all_horizontal(pl.col(c).is_null() for c in cells)) if cells else grid
    if grid.is_empty() or not cells:
        raise ImportRejected(f"Le fichier {_name(file_name)} ne contient aucune donnée.")
    top = grid.head(HEADER_SEARCH_ROWS)
    scores = [
        sum(1 for v in row[:-1] if v is not None and recognise(v))
        for row in top.select(*cells, "_line").iter_rows()
    ]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    if scores[best] == 0:
        raise ImportRejected(
            f"Aucune ligne d'en-tête reconnue dans la feuille « {sheet} » de {_name(file_name)} "
            f"(premières {HEADER_SEARCH_ROWS} lignes). La feuille doit avoir une ligne de titres "
            "de colonnes comme « Identifiant », « Nom », « Groupe », « Date de dépôt »... "
            "Téléchargez un modèle pour voir les titres attendus."
        )
    header_values = list(top.row(best))[:-1]
    above = list(top.row(best - 1))[:-1] if best > 0 else [None] * len(cells)
    headers: list[str] = []
    for index, (value, upper) in enumerate(zip(header_values, above, strict=True)):
        text = value if value is not None else upper  # vertically merged header cell
        if value is not None and upper is not None and not recognise(value):
            combined = f"{upper} {value}"
            text = combined if recognise(combined) else value
        headers.append(text if text is not None else f"Colonne {index + 1}")
    headers = _unique(headers)
    header_line = int(top.item(best, "_line"))
    rows = grid.filter(pl.col("_line") > header_line)
    keep = [
        i
        for i, h in enumerate(headers)
        if not (h.startswith("Colonne ") and rows.get_column(cells[i]).null_count() == rows.height)
    ]
    rows = rows.select(
        pl.col("_line").alias("_row"),
        *[pl.col(cells[i]).alias(f"c{n}") for n, i in enumerate(keep)],
    )
    headers = [headers[i] for i in keep]
    rows = _drop_total_rows(rows, len(headers))
    if rows.height > MAX_ROWS:
        raise _too_many_rows(file_name)
    return RawSheet(file_name, sheet, header_line, headers, rows)


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for header in headers:
        seen[header] = seen.get(header, 0) + 1
        result.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return result


def _drop_total_rows(rows: pl.DataFrame, width: int) -> pl.DataFrame:
    if width == 0 or rows.is_empty():
        return rows
    first = pl.coalesce([pl.col(f"c{i}") for i in range(width)])
    words = "|".join(_TOTAL_WORDS).replace(" ", "[ -]")
    pattern = rf"(?i)^(?:{words})\b"
    return rows.filter(first.is_null() | ~first.str.contains(pattern))
