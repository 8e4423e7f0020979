"""The audit trail as the direction's page reads it (never cached: it grows at every click)."""

from __future__ import annotations

from datetime import date

import polars as pl

from data_access import audit, db
from data_access.audit import COLUMN_LABELS

__all__ = ["COLUMN_LABELS", "entries"]


def entries(since: date, events: tuple[str, ...] = ()) -> pl.DataFrame:
    """The entries from ``since`` on (of the given events; empty: all), most recent first."""
    found = audit.entries(db.get_engine(), since=since)
    return found.filter(pl.col("event").is_in(list(events))) if events else found
