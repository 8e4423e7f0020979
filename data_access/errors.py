"""Errors that carry a French message a user can act on, and the one way unexpected errors are
reported: a French line with a short reference for the user, and a log line with the same
reference that names the error's type and place only (its message could quote row values:
names, identifiers, notes)."""

from __future__ import annotations

import logging
import re
import secrets
import traceback
from pathlib import Path

logger = logging.getLogger("pilotage")
_PROJECT = Path(__file__).resolve().parent.parent


class PilotageError(Exception):
    """Base error: its message is French, clear and safe to show to a user."""


class DatabaseUnavailable(PilotageError):
    """The database named by the settings cannot be reached or is not a database."""


class DatabaseBusy(PilotageError):
    """Another writer (an import, a nightly job) holds the database: try again later."""


class InvalidSetting(PilotageError):
    """A setting (environment variable, option) has a value that cannot be used."""


def hide_password(url: str) -> str:
    """Return the URL with any password replaced by ***."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def _place(error: BaseException) -> str:
    """'file:line' of the innermost frame, and of the innermost frame of the project's code
    when that is another one (never a message, never a value)."""
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    if not frames:
        return "lieu inconnu"
    inner = frames[-1]
    ours = next((f for f in reversed(frames) if _PROJECT in Path(f.filename).parents), None)
    text = f"{Path(inner.filename).name}:{inner.lineno}"
    if ours is not None and ours is not inner:
        text += f", depuis {Path(ours.filename).relative_to(_PROJECT)}:{ours.lineno}"
    return text


def report_unexpected(error: BaseException, during: str) -> str:
    """Log an unexpected error (type and place only) under a new short reference; return the
    reference, to be shown to the user with a French line."""
    reference = secrets.token_hex(4).upper()
    logger.error(
        "Erreur inattendue %s pendant %s : %s (%s)",
        reference,
        during,
        type(error).__name__,
        _place(error),
    )
    return reference
