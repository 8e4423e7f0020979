"""The one error of the import: a file that cannot be read, with a French message."""

from __future__ import annotations

from data_access.errors import PilotageError


class ImportRejected(PilotageError):
    """The file cannot be imported at all (unreadable, empty, no header...): nothing written."""
