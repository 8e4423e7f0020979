"""Errors that carry a French message a user can act on."""

from __future__ import annotations

import re


class PilotageError(Exception):
    """Base error: its message is French, clear and safe to show to a user."""


class DatabaseUnavailable(PilotageError):
    """The database named by the settings cannot be reached or is not a database."""


class InvalidSetting(PilotageError):
    """A setting (environment variable, option) has a value that cannot be used."""


def hide_password(url: str) -> str:
    """Return the URL with any password replaced by ***."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)
