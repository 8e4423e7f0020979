"""The audit trail: who logged in (or was refused), imported a file, saved a plan, exported a
table holding personal data, recorded a follow-up, and when.

The detail of an entry holds counts and identifiers of objects (a file's name and SHA-256, a
plan's kind, period and site, a table's name and its number of rows), never a learner's name.
Recording does not bump the data version: the trail is not analysed data.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import Engine, select

from data_access import models

CHANNEL_APP = "application"
CHANNEL_CLI = "ligne de commande"
DETAIL_MAX = 500

COLUMN_LABELS = {
    "at": "Date et heure",
    "login": "Compte",
    "channel": "Par",
    "event": "Événement",
    "detail": "Détail",
}


def record(
    engine: Engine,
    event: str,
    *,
    login: str | None = None,
    detail: str = "",
    channel: str = CHANNEL_APP,
    at: datetime | None = None,
) -> None:
    """Add one entry to the trail (its own transaction: it stays even if what follows fails)."""
    with engine.begin() as connection:
        connection.execute(
            models.AuditEntry.__table__.insert().values(
                at=at or datetime.now().replace(microsecond=0),
                login=login[:200] if login else None,
                channel=channel,
                event=event,
                detail=detail[:DETAIL_MAX],
            )
        )


def entries(engine: Engine, *, since: date | None = None, limit: int | None = None) -> pl.DataFrame:
    """The entries from ``since`` (a day, included) on, most recent first.

    Columns: at, login, channel, event, detail.
    """
    table = models.AuditEntry.__table__
    query = select(table.c.at, table.c.login, table.c.channel, table.c.event, table.c.detail)
    if since is not None:
        query = query.where(table.c.at >= datetime.combine(since, datetime.min.time()))
    query = query.order_by(table.c.at.desc(), table.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(query)]
    return pl.DataFrame(
        rows,
        schema={
            "at": pl.Datetime("us"),
            "login": pl.String,
            "channel": pl.String,
            "event": pl.String,
            "detail": pl.String,
        },
        orient="row",
    )
