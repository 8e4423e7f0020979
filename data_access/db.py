"""The one engine, the schema, and the data version that keys every cache."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, event, exc, inspect, select, update
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel, create_engine

from data_access import models
from data_access.errors import DatabaseBusy, DatabaseUnavailable
from data_access.settings import Settings, get_settings

SQLITE_BUSY_SECONDS = 30
"""How long a SQLite write waits for another writer to finish before giving up (busy)."""


def is_busy(error: BaseException) -> bool:
    """The database is locked by another writer (SQLite's "database is locked")."""
    text = str(getattr(error, "orig", error) or "").lower()
    return isinstance(error, exc.OperationalError) and (
        "database is locked" in text or "database is busy" in text
    )


def busy() -> DatabaseBusy:
    return DatabaseBusy(
        "La base de données est occupée par une autre écriture (un import ou une tâche en "
        f"cours) : elle ne s'est pas libérée en {SQLITE_BUSY_SECONDS} s. Rien n'a été "
        "enregistré ; réessayez dans un moment."
    )


def _unavailable(settings: Settings, error: Exception) -> DatabaseUnavailable | DatabaseBusy:
    if is_busy(error):
        return busy()
    reason = str(getattr(error, "orig", error) or error).strip().splitlines()[0][:200]
    if settings.is_sqlite and ("file is not a database" in reason or "malformed" in reason):
        detail = "le fichier existe mais n'est pas une base SQLite"
    elif settings.is_sqlite:
        detail = "le fichier ne peut pas être ouvert ni créé"
    else:
        detail = "le serveur ne répond pas ou refuse la connexion"
    return DatabaseUnavailable(
        f"Base de données inaccessible : {settings.safe_url} — {detail}. "
        "Vérifiez la variable PILOTAGE_DATABASE_URL (adresse, utilisateur, mot de passe) "
        "ou que le serveur est démarré."
    )


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # The rollback journal, not WAL: connectorx reads the file through its own SQLite
    # library, and in WAL mode it did not see writes committed after its first read.
    cursor.execute("PRAGMA journal_mode=DELETE")
    cursor.close()


@functools.cache
def _engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, hide_parameters=True, connect_args={"timeout": SQLITE_BUSY_SECONDS}
        )
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    else:
        engine = create_engine(
            url, hide_parameters=True, pool_pre_ping=True, connect_args={"connect_timeout": 5}
        )
    return engine


def get_engine(settings: Settings | None = None) -> Engine:
    """The engine of the configured database, schema created if missing.

    Raises DatabaseUnavailable (French message, password hidden) when the database
    cannot be reached or is not a database, DatabaseBusy when another writer holds it.
    Statement parameters never appear in its errors (hide_parameters): they are row values.
    """
    settings = settings or get_settings()
    engine = _engine_for(settings.database_url)
    ensure_schema(engine, settings)
    return engine


_schemas_ready: set[str] = set()


def ensure_schema(engine: Engine, settings: Settings | None = None) -> None:
    """Create every table that is missing (once per process and URL)."""
    key = str(engine.url)
    if key in _schemas_ready:
        return
    settings = settings or Settings(database_url=engine.url.render_as_string(hide_password=False))
    try:
        SQLModel.metadata.create_all(engine)
        with engine.begin() as connection:
            _upgrade_copies(connection)
            if connection.execute(select(models.DataVersion.version)).first() is None:
                connection.execute(models.DataVersion.__table__.insert().values(id=1, version=0))
    except (exc.OperationalError, exc.DatabaseError, exc.InterfaceError) as error:
        raise _unavailable(settings, error) from None
    _schemas_ready.add(key)


def _upgrade_copies(connection: Connection) -> None:
    """A database made before copies had a number and a rank (``copy_number``, ``sequence``)
    gets both columns and the new unique keys; its copies keep their ids and rank 1.
    PostgreSQL changes the table in place; SQLite, which cannot drop a constraint, rebuilds it
    (no table refers to copies)."""
    present = {c["name"] for c in inspect(connection).get_columns("copy")}
    if "sequence" in present:
        return
    table = models.Copy.__table__
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            'ALTER TABLE "copy" ADD COLUMN copy_number VARCHAR, '
            "ADD COLUMN sequence INTEGER NOT NULL DEFAULT 1, "
            "DROP CONSTRAINT uq_copy, "
            "ADD CONSTRAINT uq_copy UNIQUE (learner_id, discipline, assignment, submitted_on, "
            "sequence), ADD CONSTRAINT uq_copy_number UNIQUE (copy_number), "
            "ADD CONSTRAINT ck_copy_sequence CHECK (sequence >= 1)"
        )
        return
    # pysqlite opens its transaction at the first write: make it one, so the DDL is inside
    connection.execute(
        update(models.DataVersion.__table__).values(version=models.DataVersion.version)
    )
    old_columns = ", ".join(f'"{c}"' for c in present)
    for index in inspect(connection).get_indexes("copy"):
        connection.exec_driver_sql(f'DROP INDEX "{index["name"]}"')
    connection.exec_driver_sql('ALTER TABLE "copy" RENAME TO "copy__before"')
    table.create(connection)
    connection.exec_driver_sql(
        f'INSERT INTO "copy" ({old_columns}) SELECT {old_columns} FROM "copy__before"'  # noqa: S608
    )
    connection.exec_driver_sql('DROP TABLE "copy__before"')


def forget_engine(url: str) -> None:
    """Close and forget the engine of a URL (tests that drop their database)."""
    for cached_url in list(_schemas_ready):
        if cached_url == str(make_url(url)):
            _schemas_ready.discard(cached_url)
    _engine_for(url).dispose()
    _engine_for.cache_clear()


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that bumps the data version when it commits: use it for every write."""
    with engine.begin() as connection:
        yield connection
        bump_data_version(connection)


def bump_data_version(connection: Connection) -> None:
    table = models.DataVersion.__table__
    connection.execute(update(table).where(table.c.id == 1).values(version=table.c.version + 1))


def data_version(engine: Engine) -> int:
    """The current data version: changes after every write, from any process."""
    with engine.connect() as connection:
        value = connection.execute(select(models.DataVersion.version)).scalar_one_or_none()
    return int(value or 0)
