"""Shared fixtures: fresh databases (SQLite always, PostgreSQL when configured) and a seeded
demo database for the app tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from data_access import db
from data_access.settings import Settings

POSTGRES_URL = os.environ.get("PILOTAGE_TEST_POSTGRES_URL", "").strip()
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _fresh_postgres_database() -> tuple[str, str]:
    """Create an empty database on the test server; return (its URL, its name)."""
    name = f"pilotage_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    return url, name


def _drop_postgres_database(url: str, name: str) -> None:
    db.forget_engine(url)
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty database: SQLite, and PostgreSQL when configured."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'pilotage.db'}"
        yield url
        db.forget_engine(url)
        return
    if not POSTGRES_URL:
        pytest.skip("PILOTAGE_TEST_POSTGRES_URL n'est pas défini")
    url, name = _fresh_postgres_database()
    try:
        yield url
    finally:
        _drop_postgres_database(url, name)


@pytest.fixture
def engine(database_url: str) -> sa.Engine:
    """An engine on a fresh database with the schema created."""
    return db.get_engine(Settings(database_url=database_url))


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file seeded once with the demo data (seed 42), for app and CLI tests."""
    from seed.generate import seed_database

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    seed_database(
        scale="demo",
        seed=42,
        reset=True,
        if_empty=False,
        engine=db.get_engine(Settings(database_url=url)),
    )
    return url


@pytest.fixture
def demo_env(demo_database: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo database as the app's database, with Streamlit caches cleared."""
    import streamlit as st

    from ui import deferred

    monkeypatch.setenv("PILOTAGE_DATABASE_URL", demo_database)
    st.cache_data.clear()
    st.cache_resource.clear()
    deferred.forget_finished()
    return demo_database


@pytest.fixture
def app_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """A factory: ``app_database(world)`` writes a tests/world.py World into a fresh SQLite
    file, makes it the app's database and returns its URL."""
    import streamlit as st

    urls: list[str] = []

    def make(world) -> str:  # noqa: ANN001
        url = f"sqlite:///{tmp_path / f'app_{len(urls)}.db'}"
        world.write(db.get_engine(Settings(database_url=url)))
        monkeypatch.setenv("PILOTAGE_DATABASE_URL", url)
        st.cache_data.clear()
        st.cache_resource.clear()
        urls.append(url)
        return url

    yield make
    st.cache_data.clear()
    st.cache_resource.clear()
    for url in urls:
        db.forget_engine(url)


@pytest.fixture(autouse=True)
def pseudonym_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test keeps its own key of the pseudonyms (never the project's data/ folder)."""
    path = tmp_path / "pseudonym.key"
    monkeypatch.setenv("PILOTAGE_PSEUDONYM_KEY_FILE", str(path))
    monkeypatch.delenv("PILOTAGE_PSEUDONYM_KEY", raising=False)
    return path


@pytest.fixture(autouse=True)
def sections_drawn_with_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest does not rerun a page when a section computed in the background is ready
    (ui/deferred.py): the tests of pages wait for it instead (tests/test_deferred.py tests the
    waiting itself)."""
    from ui import deferred

    monkeypatch.setattr(deferred, "GRACE_SECONDS", 300.0)


@pytest.fixture(autouse=True)
def no_snapshots_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads what another one left on disk (snapshots of tables, figures): the tests
    of the snapshots give their folder explicitly (tests/test_data_versions.py)."""
    monkeypatch.setenv("PILOTAGE_SNAPSHOT_DIR", "off")
