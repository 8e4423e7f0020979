"""A report's file: the document rendered as PDF or Excel, chosen by the file's extension."""

from __future__ import annotations

from pathlib import PurePath

from reports.document import Document
from reports.monthly import ReportError

FORMATS = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""The extensions a report is written in, and their media types."""


def format_of(name: str) -> str:
    """'.pdf' or '.xlsx' from a file name; ReportError for any other."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in FORMATS:
        raise ReportError(
            f"Format de fichier non pris en charge : « {name} » (attendu : .pdf ou .xlsx)."
        )
    return suffix


def render(document: Document, suffix: str) -> bytes:
    """The document as the bytes of a .pdf or .xlsx file."""
    if suffix == ".pdf":
        from reports.pdf import pdf_bytes

        return pdf_bytes(document)
    from reports.excel import xlsx_bytes

    return xlsx_bytes(document)
