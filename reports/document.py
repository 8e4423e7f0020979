"""A report as a document: a title, context lines and sections of text, tables and charts.

The one description both renderings read (``pdf.py``: typst, A4; ``excel.py``: one sheet per
section), so the PDF and the workbook always hold the same figures. Table cells are raw values
(numbers, dates, text); each column has a kind that says how to write it: in French text in
the PDF (``ui/format.py``), as a number format in Excel (the figures stay numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ui import format as fmt

KINDS = ("text", "number", "decimal", "days", "share", "share1", "hours", "date", "ratio", "row")
"""How a column is written: text; number (1 401 126); decimal (2,5); days (3,2 j); share
(81 %); share1 (4,5 %); hours (2,5 h); date (22/11/2026); ratio (×3,2); row: the kind the
table's ``row_kinds`` gives the row (a table of figures of different kinds)."""


def cell_text(kind: str, value: Any) -> str:
    """A cell in French, as the PDF shows it."""
    if value is None:
        return fmt.MISSING
    if kind == "text":
        return str(value)
    if kind == "date":
        return fmt.day(value) if isinstance(value, date) else str(value)
    if kind == "number":
        return fmt.number(value)
    if kind == "decimal":
        return fmt.number(value, 1)
    if kind == "days":
        return fmt.days(value)
    if kind == "share":
        return fmt.share(value)
    if kind == "share1":
        return fmt.share(value, 1)
    if kind == "hours":
        return fmt.hours(value)
    if kind == "ratio":
        return f"×{fmt.number(value, 1)}"
    raise ValueError(f"Type de colonne inconnu : {kind}")


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    """French column headers."""
    kinds: tuple[str, ...]
    """One of KINDS per column."""
    rows: tuple[tuple[Any, ...], ...]
    title: str = ""
    row_kinds: tuple[str, ...] | None = None
    """For the columns of kind "row": the kind of each row."""
    pdf_rows: int | None = None
    """At most this many rows in the PDF (the workbook has them all); the PDF says so."""

    def __post_init__(self) -> None:
        if len(self.columns) != len(self.kinds):
            raise ValueError("Un type par colonne.")
        unknown = [kind for kind in self.kinds if kind not in KINDS]
        if unknown:
            raise ValueError(f"Types de colonne inconnus : {unknown}")
        if "row" in self.kinds and (
            self.row_kinds is None or len(self.row_kinds) != len(self.rows)
        ):
            raise ValueError("Un type par ligne pour les colonnes de type « row ».")

    def kind_of(self, row: int, column: int) -> str:
        """The kind of a cell."""
        kind = self.kinds[column]
        return self.row_kinds[row] if kind == "row" and self.row_kinds else kind


@dataclass(frozen=True)
class Section:
    title: str
    sheet: str
    """The workbook's sheet name (31 characters at most, no []:*?/\\)."""
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    chart: dict | None = None
    """A Vega-Lite specification (Altair's to_dict()), drawn as a vector image in the PDF."""


@dataclass(frozen=True)
class Document:
    title: str
    context: tuple[str, ...]
    """Lines under the title: period, scope, date of the data, date of extraction."""
    sections: tuple[Section, ...] = field(default_factory=tuple)
    file_stem: str = "rapport"
    """The downloaded file's name without extension (rapport-2026-03)."""


def table_text(table: Table) -> list[dict[str, str]]:
    """The table's rows in French text, one mapping per row keyed by the column headers (for a
    screen that shows the table as the PDF does)."""
    return [
        {
            column: cell_text(table.kind_of(r, c), value)
            for c, (column, value) in enumerate(zip(table.columns, row, strict=True))
        }
        for r, row in enumerate(table.rows)
    ]
