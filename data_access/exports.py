"""Frames written as files users open: formatted Excel workbooks and French-flavoured CSV.

An Excel download says what it is above its table (``ExportContext``: a title, then lines
such as the period, the filters, the data's date and the extraction date), on a sheet with a
French name; rates are percentage cells. A CSV is the bare table, separated by ";" with a
decimal comma and dates dd/mm/yyyy, so that French Excel reads its numbers as numbers.

Nothing from the data is ever evaluated by the spreadsheet that opens these files:
- in every workbook the product writes, text cells are written as text (``WORKBOOK_OPTIONS``:
  XlsxWriter then never turns "=..." into a formula, "{=...}" into an array formula, or
  "http://...", "external:..." into a hyperlink), and keep their value exactly;
- in CSV, text cells that start with = + - @ (or tab/CR) get a leading apostrophe, the usual
  neutralisation (a CSV has no types: Excel would evaluate them).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import polars as pl
import xlsxwriter

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "remove_timezone": True,
}
"""XlsxWriter options of every workbook the product writes: text stays text."""
PERCENT_FORMAT = "0.0 %"
"""Excel's number format for a rate (French Excel shows 32,1 %)."""
DECIMAL_FORMAT = "#,##0.0"
"""Excel's number format of a decimal column (one decimal everywhere in the column)."""


@dataclass(frozen=True)
class ExportContext:
    """What a downloaded table is: its title and the lines written above it in Excel
    (label, value), e.g. ("Période", "du 01/09/2025 au 31/08/2026")."""

    title: str
    lines: tuple[tuple[str, str], ...] = ()

    @property
    def sheet_name(self) -> str:
        """The title as an Excel sheet name (see sheet_name)."""
        return sheet_name(self.title)


def sheet_name(text: str) -> str:
    """A valid Excel sheet name from a French title: 31 characters at most, without
    [ ] : * ? / \\ nor an apostrophe at either end."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", text).strip(" '")
    return cleaned[:31].strip(" '") or "Tableau"


def new_workbook(buffer: io.BytesIO) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook writing into ``buffer`` where text is only ever text."""
    return xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)


def escape_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells starting with = + - @ (or tab/CR) get a leading apostrophe (for CSV)."""
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text_columns:
        return frame
    pattern = "^[" + re.escape("".join(_FORMULA_START)) + "]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text_columns
    )


def with_labels(frame: pl.DataFrame, labels: dict[str, str] | None) -> pl.DataFrame:
    """Rename the columns to their French labels (those given)."""
    if not labels:
        return frame
    return frame.rename({k: v for k, v in labels.items() if k in frame.columns})


def write_table(
    workbook: xlsxwriter.Workbook,
    worksheet: object,
    frame: pl.DataFrame,
    **options: object,
) -> None:
    """A frame as a formatted table of a sheet of a workbook made by ``new_workbook``."""
    frame.write_excel(
        workbook,
        worksheet=worksheet,
        dtype_formats={pl.Date: "dd/mm/yyyy", pl.Datetime: "dd/mm/yyyy hh:mm"},
        float_precision=2,
        **options,
    )


def to_excel_bytes(
    sheets: dict[str, pl.DataFrame],
    context: ExportContext | None = None,
    percent_columns: tuple[str, ...] = (),
) -> bytes:
    """A workbook with one formatted sheet per frame (header, filters, frozen header row).

    With a context, its title and lines come first on each sheet, then a blank row, then the
    table. ``percent_columns`` (fractions, 0.25 for 25 %) are percentage cells; other float
    columns show one decimal.
    """
    buffer = io.BytesIO()
    with new_workbook(buffer) as workbook:
        bold = workbook.add_format({"bold": True, "font_size": 13})
        label = workbook.add_format({"bold": True})
        for name, frame in sheets.items():
            worksheet = workbook.add_worksheet(sheet_name(name))
            first_row = 0
            if context is not None:
                worksheet.write_string(0, 0, context.title, bold)
                for offset, (key, value) in enumerate(context.lines, start=1):
                    worksheet.write_string(offset, 0, key, label)
                    worksheet.write_string(offset, 1, value)
                first_row = len(context.lines) + 2
            formats = {
                column: PERCENT_FORMAT if column in percent_columns else DECIMAL_FORMAT
                for column, dtype in frame.schema.items()
                if dtype.is_float()
            }
            write_table(
                workbook,
                worksheet,
                frame,
                position=(first_row, 0),
                autofit=True,
                autofilter=True,
                freeze_panes=(first_row + 1, 0),
                column_formats=formats or None,
                header_format={"bold": True, "bg_color": "#E8EEF7"},
            )
    return buffer.getvalue()


def to_csv_bytes(frame: pl.DataFrame) -> bytes:
    """CSV separated by ; with a decimal comma, a BOM and dates dd/mm/yyyy, as French Excel
    opens it; text cells a spreadsheet would evaluate are neutralised."""
    text = escape_formulas(frame).write_csv(
        separator=";",
        decimal_comma=True,
        date_format="%d/%m/%Y",
        datetime_format="%d/%m/%Y %H:%M",
    )
    return ("\ufeff" + text).encode("utf-8")
