"""Importing users' Excel and CSV exports: forgiving reading, row-by-row validation, and an
all-or-nothing write (see pipeline.py for the steps and the public functions).

Each name is imported from its module when first used (PEP 562): every command of cli.py
builds the parser of ``pilotage import``, which reads only KINDS, and the reading and
writing modules took a second or two to import for commands that never import a file
(``pilotage report`` a cron runs)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_MODULES = {
    "problem_text": "checked",
    "read_checked": "checked",
    "ImportRejected": "errors",
    "KINDS": "fields",
    "KIND_LABELS": "fields",
    "OutsidePerimeter": "perimeter",
    "ImportReport": "pipeline",
    "apply_overrides": "pipeline",
    "check": "pipeline",
    "import_file": "pipeline",
    "import_history": "pipeline",
    "open_sheet": "pipeline",
    "quick_analysis": "pipeline",
    "sha256_of": "pipeline",
    "suggest": "pipeline",
    "write": "pipeline",
    "sheet_names": "reading",
}
"""Where each public name is defined."""

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


def __getattr__(name: str) -> Any:  # noqa: ANN401
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_MODULES[name]}"), name)
    globals()[name] = value
    return value
