"""The one engine, the schema, and the data versions that key every cache.

Two kinds of version move on when a write commits (``write_transaction``):

- the data version, one number that every write bumps (``data_version``);
- a version per table (``table_versions``), changed only for the tables the write touched:
  every INSERT, UPDATE or DELETE run through the write's connection is noted (and a COPY, by
  ``touched``); a statement that could change any table (DDL such as the seed's reset, or SQL
  we cannot read) marks them all. A table's version is a random 62-bit token, not a counter,
  so that a database deleted and created again never reuses a version (snapshots on disk are
  keyed by it). Readers reload only the tables whose version changed.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
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
    event.listen(engine, "before_cursor_execute", _note_write)
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
            _fill_missing(connection)
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


TABLE_VERSIONS = sa.Table(
    "table_version",
    SQLModel.metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
)
"""One row per table: its version, a random token replaced whenever a write touches it."""

VERSIONED_TABLES: tuple[str, ...] = tuple(
    table.name
    for table in SQLModel.metadata.sorted_tables
    if table.name not in (models.DataVersion.__tablename__, TABLE_VERSIONS.name)
)
"""Every table that has a version of its own (all but the version tables themselves)."""

_TOUCHED = "pilotage_touched_tables"
"""Key, in the info of a connection inside ``write_transaction``, of the tables it touched."""
_EVERY_TABLE = "*"
_AFTER = "pilotage_after_transaction"
"""Key, in the info of a connection inside ``write_transaction``, of what to do after it."""
_WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+"?(\w+)"?',
    re.IGNORECASE,
)
_READ = re.compile(
    r"^\s*(?:SELECT|PRAGMA|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|SHOW|EXPLAIN|SET)\b",
    re.IGNORECASE,
)
_DML = re.compile(r"\b(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_SCRATCH = re.compile(r"^\s*CREATE\s+TEMP(?:ORARY)?\s+TABLE\b", re.IGNORECASE)
"""A temporary table: private to the connection, gone with it; no table the app reads."""


def _tables_written_by(statement: str) -> set[str]:
    """The tables a SQL statement may change: its table for INSERT, UPDATE, DELETE or COPY,
    none for a read or a temporary table made, every table for anything else (DDL, a WITH
    that writes...)."""
    written = _WRITE.match(statement)
    if written:
        return {written.group(1).lower()}
    if _READ.match(statement) or _SCRATCH.match(statement):
        return set()
    if statement.lstrip()[:4].upper() == "WITH" and not _DML.search(statement):
        return set()
    return {_EVERY_TABLE}


def _note_write(connection, _cursor, statement, _parameters, _context, _executemany) -> None:  # noqa: ANN001, PLR0913
    touched = connection.info.get(_TOUCHED)
    if touched is not None:
        touched |= _tables_written_by(statement)


def touched(connection: Connection, *tables: str) -> None:
    """Note tables written behind SQLAlchemy's back (a COPY through the driver) inside
    ``write_transaction``, so that their versions move on at commit."""
    noted = connection.info.get(_TOUCHED)
    if noted is not None:
        noted.update(table.lower() for table in tables)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that bumps the data version, and the version of every table it touched,
    when it commits: use it for every write. What ``after_transaction`` hands it is done once
    the transaction is over (committed or rolled back), on the same connection."""
    with engine.connect() as connection:
        try:
            with connection.begin():
                connection.info[_TOUCHED] = set()
                try:
                    yield connection
                    written = set(connection.info[_TOUCHED])
                finally:
                    connection.info.pop(_TOUCHED, None)
                _bump(connection, written)
        finally:
            for action in connection.info.pop(_AFTER, []):
                action(connection)


def in_write_transaction(connection: Connection) -> bool:
    """The connection is inside ``write_transaction``."""
    return _TOUCHED in connection.info


def after_transaction(connection: Connection, action: Callable[[Connection], None]) -> bool:
    """Do ``action`` on the connection once its ``write_transaction`` is over (False, and
    nothing noted, outside one): what cannot be undone inside it, as detaching a database."""
    if not in_write_transaction(connection):
        return False
    connection.info.setdefault(_AFTER, []).append(action)
    return True


def holds_write_lock_unwritten(connection: Connection) -> bool:
    """True inside ``write_transaction`` once the data version is bumped and before any other
    table is written: the transaction holds the write lock and has changed nothing another
    connection could miss, so a reader beside it (connectorx, on SQLite) reads exactly what
    it sees, and no other writer can commit meanwhile."""
    return connection.info.get(_TOUCHED) == {models.DataVersion.__tablename__}


def bump_data_version(connection: Connection) -> None:
    """Bump the data version now. Inside ``write_transaction`` (where it is often the first
    statement, to take the write lock), the tables' versions move on at commit; outside, every
    table's version moves on (the write is not tracked)."""
    _bump_global(connection)
    if _TOUCHED not in connection.info:
        _bump_tables(connection, {_EVERY_TABLE})


def _bump(connection: Connection, written: set[str]) -> None:
    _bump_global(connection)
    _bump_tables(connection, written)


def _bump_global(connection: Connection) -> None:
    table = models.DataVersion.__table__
    connection.execute(update(table).where(table.c.id == 1).values(version=table.c.version + 1))


def _bump_tables(connection: Connection, written: Iterable[str]) -> None:
    written = set(written)
    names = VERSIONED_TABLES if _EVERY_TABLE in written else sorted(written & set(VERSIONED_TABLES))
    if not names:
        return
    _fill_missing(connection)
    for name in names:
        connection.execute(
            update(TABLE_VERSIONS)
            .where(TABLE_VERSIONS.c.name == name)
            .values(version=_new_version())
        )


def _new_version() -> int:
    return secrets.randbits(62)


def _fill_missing(connection: Connection) -> None:
    """Give a version to every table that has none yet (a new database, or one reset by the
    seed, which recreates the version table)."""
    present = set(connection.execute(select(TABLE_VERSIONS.c.name)).scalars())
    missing = [name for name in VERSIONED_TABLES if name not in present]
    if missing:
        connection.execute(
            TABLE_VERSIONS.insert(), [{"name": name, "version": _new_version()} for name in missing]
        )


def data_version(engine: Engine) -> int:
    """The current data version: changes after every write, from any process."""
    with engine.connect() as connection:
        value = connection.execute(select(models.DataVersion.version)).scalar_one_or_none()
    return int(value or 0)


def table_versions(engine: Engine) -> dict[str, int]:
    """The current version of every table (``VERSIONED_TABLES``), one query: a table's version
    changes after every write that touched it, from any process, and only then."""
    with engine.connect() as connection:
        query = select(TABLE_VERSIONS.c.name, TABLE_VERSIONS.c.version)
        rows = {name: version for name, version in connection.execute(query)}
    if all(name in rows for name in VERSIONED_TABLES):
        return {name: int(rows[name]) for name in VERSIONED_TABLES}
    try:  # a database reset by the seed: give the missing tables a version, once
        with engine.begin() as connection:
            _fill_missing(connection)
    except exc.IntegrityError:
        pass  # another process gave them one at the same moment: read theirs
    except exc.OperationalError as error:
        if is_busy(error):
            raise busy() from None
        raise
    return table_versions(engine)
