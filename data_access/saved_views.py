"""Named views saved per account: the sidebar's address parameters under a name, listed back
for that account only (never another's). Saving under a name already used replaces that view.

A saved view is not analysed data: these writes use a plain transaction (not
``db.write_transaction``), so the data version and the caches of the figures stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select

from data_access import models
from data_access.errors import PilotageError

NAME_MAX = 60


class ViewRefused(PilotageError):
    """A view that cannot be saved (the French message says why)."""


@dataclass(frozen=True)
class SavedView:
    id: int
    name: str
    query: str
    created_at: datetime


def clean_name(name: str) -> str:
    """The name trimmed, or a French refusal (empty, too long, a null character)."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ViewRefused("Donnez un nom à la vue.")
    if len(cleaned) > NAME_MAX:
        raise ViewRefused(f"Le nom d'une vue tient en {NAME_MAX} caractères au plus.")
    if "\x00" in cleaned:
        raise ViewRefused("Le nom de la vue contient un caractère nul.")
    return cleaned


def save(
    engine: Engine, login: str, name: str, query: str, *, now: datetime | None = None
) -> SavedView:
    """Save the view under the name for the account, replacing its view of the same name."""
    if not login:
        raise ViewRefused("Les vues s'enregistrent pour un compte : connectez-vous.")
    cleaned = clean_name(name)
    now = now or datetime.now().replace(microsecond=0)
    table = models.SavedView.__table__
    with engine.begin() as connection:
        connection.execute(delete(table).where(table.c.login == login, table.c.name == cleaned))
        result = connection.execute(
            table.insert().values(login=login, name=cleaned, query=query, created_at=now)
        )
        identifier = int(result.inserted_primary_key[0])
    return SavedView(identifier, cleaned, query, now)


def views_of(engine: Engine, login: str) -> list[SavedView]:
    """The account's saved views, by name."""
    table = models.SavedView.__table__
    with engine.connect() as connection:
        rows = connection.execute(
            select(table.c.id, table.c.name, table.c.query, table.c.created_at)
            .where(table.c.login == login)
            .order_by(table.c.name)
        ).all()
    return [SavedView(row.id, row.name, row.query, row.created_at) for row in rows]


def delete_view(engine: Engine, login: str, view_id: int) -> bool:
    """Delete the account's view (another account's is never touched): whether it was there."""
    table = models.SavedView.__table__
    with engine.begin() as connection:
        result = connection.execute(
            delete(table).where(table.c.id == view_id, table.c.login == login)
        )
    return result.rowcount > 0


def rename(engine: Engine, login: str, view_id: int, name: str) -> SavedView | None:
    """Rename the account's view (another account's is never touched): the view renamed, or
    None when the account has no such view; refused when another of its views has that name."""
    cleaned = clean_name(name)
    table = models.SavedView.__table__
    with engine.begin() as connection:
        other = connection.execute(
            select(table.c.id).where(
                table.c.login == login, table.c.name == cleaned, table.c.id != view_id
            )
        ).first()
        if other is not None:
            raise ViewRefused(f"Une autre de vos vues s'appelle déjà « {cleaned} ».")
        connection.execute(
            table.update().where(table.c.id == view_id, table.c.login == login).values(name=cleaned)
        )
        row = connection.execute(
            select(table.c.id, table.c.name, table.c.query, table.c.created_at).where(
                table.c.id == view_id, table.c.login == login
            )
        ).first()
    return None if row is None else SavedView(row.id, row.name, row.query, row.created_at)
