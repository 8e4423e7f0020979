"""A Document as an Excel workbook: one sheet per section, its title and the report's context
above, its paragraphs, then its tables with every figure a number cell in a French number
format (32,1 %, 3,2 j, 2,5 h, 22/11/2026 as French Excel shows them). Text is written as
text (``data_access.exports.new_workbook``: never a formula or a link)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from data_access.exports import PERCENT_FORMAT, new_workbook, sheet_name
from reports.document import Document, Table

NUMBER_FORMATS = {
    "number": "#,##0",
    "decimal": "#,##0.0",
    "days": '#,##0.0" j"',
    "share": "0 %",
    "share1": PERCENT_FORMAT,
    "hours": '#,##0.0" h"',
    "date": "dd/mm/yyyy",
    "ratio": '"×"0.0',
}


def _unique_names(document: Document) -> list[str]:
    names: list[str] = []
    for section in document.sections:
        name = sheet_name(section.sheet)
        base, number = name, 2
        while name.lower() in (n.lower() for n in names):
            suffix = f" {number}"
            name = base[: 31 - len(suffix)] + suffix
            number += 1
        names.append(name)
    return names


def xlsx_bytes(document: Document) -> bytes:
    """The document as a workbook (see the module docstring)."""
    buffer = io.BytesIO()
    with new_workbook(buffer) as workbook:
        title = workbook.add_format({"bold": True, "font_size": 14, "font_color": "#2E5A88"})
        subtitle = workbook.add_format({"bold": True, "font_size": 12})
        muted = workbook.add_format({"font_color": "#555555"})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        header = workbook.add_format(
            {"bold": True, "bg_color": "#E3EAF2", "bottom": 1, "text_wrap": True}
        )
        formats = {
            kind: workbook.add_format({"num_format": f}) for kind, f in NUMBER_FORMATS.items()
        }
        text = workbook.add_format({})
        for section, name in zip(document.sections, _unique_names(document), strict=True):
            sheet = workbook.add_worksheet(name)
            sheet.write_string(0, 0, document.title, title)
            row = 1
            for line in document.context:
                sheet.write_string(row, 0, line, muted)
                row += 1
            row += 1
            sheet.write_string(row, 0, section.title, subtitle)
            row += 1
            width = max((len(t.columns) for t in section.tables), default=1)
            for paragraph in section.paragraphs:
                if width > 1:
                    sheet.merge_range(row, 0, row, max(width - 1, 1), "", wrap)
                sheet.write_string(row, 0, paragraph, wrap)
                sheet.set_row(row, 15 * max(1, len(paragraph) // 95 + 1))
                row += 1
            widths = [12] * width
            for table in section.tables:
                row += 1
                if table.title:
                    sheet.write_string(row, 0, table.title, subtitle)
                    row += 1
                row = _write_table(sheet, row, table, header, formats, text, widths)
            for column, chars in enumerate(widths):
                sheet.set_column(column, column, min(max(chars, 10), 60))
    return buffer.getvalue()


def _write_table(
    sheet: Any,
    row: int,
    table: Table,
    header: Any,
    formats: dict[str, Any],
    text: Any,
    widths: list[int],
) -> int:
    for column, label in enumerate(table.columns):
        sheet.write_string(row, column, label, header)
        widths[column] = max(widths[column], min(len(label) + 2, 24))
    row += 1
    for r, values in enumerate(table.rows):
        for c, value in enumerate(values):
            kind = table.kind_of(r, c)
            if value is None:
                sheet.write_blank(row, c, None)
            elif kind == "text":
                sheet.write_string(row, c, str(value), text)
                widths[c] = max(widths[c], len(str(value)) + 2)
            elif kind == "date" and isinstance(value, date):
                sheet.write_datetime(row, c, value, formats["date"])
            else:
                sheet.write_number(row, c, float(value), formats[kind])
        row += 1
    return row
