"""Frames written as files users open: formatted Excel workbooks and French-flavoured CSV.

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


def to_excel_bytes(sheets: dict[str, pl.DataFrame]) -> bytes:
    """A workbook with one formatted sheet per frame (header, filters, frozen first row)."""
    buffer = io.BytesIO()
    with new_workbook(buffer) as workbook:
        for sheet_name, frame in sheets.items():
            safe_name = re.sub(r"[\[\]:*?/\\]", " ", sheet_name)[:31] or "Feuille"
            write_table(
                workbook,
                safe_name,
                frame,
                autofit=True,
                autofilter=True,
                freeze_panes=(1, 0),
                header_format={"bold": True, "bg_color": "#E8EEF7"},
            )
    return buffer.getvalue()


def to_csv_bytes(frame: pl.DataFrame) -> bytes:
    """CSV separated by ; with a BOM and dates dd/mm/yyyy, as French Excel opens it."""
    text = escape_formulas(frame).write_csv(
        separator=";", date_format="%d/%m/%Y", datetime_format="%d/%m/%Y %H:%M"
    )
    return ("\ufeff" + text).encode("utf-8")
