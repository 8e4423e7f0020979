"""Importing users' Excel and CSV exports: forgiving reading, row-by-row validation, and an
all-or-nothing write (see pipeline.py for the steps and the public functions)."""

from data_access.importing.checked import problem_text, read_checked
from data_access.importing.errors import ImportRejected
from data_access.importing.fields import KIND_LABELS, KINDS
from data_access.importing.perimeter import OutsidePerimeter
from data_access.importing.pipeline import (
    ImportReport,
    apply_overrides,
    check,
    import_file,
    import_history,
    open_sheet,
    quick_analysis,
    sha256_of,
    suggest,
    write,
)
from data_access.importing.reading import sheet_names

__all__ = [
    "KINDS",
    "KIND_LABELS",
    "ImportRejected",
    "ImportReport",
    "OutsidePerimeter",
    "apply_overrides",
    "check",
    "import_file",
    "import_history",
    "open_sheet",
    "problem_text",
    "quick_analysis",
    "read_checked",
    "sha256_of",
    "sheet_names",
    "suggest",
    "write",
]
