"""Bad settings and unreachable databases give one clear French message, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from data_access import db
from data_access.errors import DatabaseUnavailable, InvalidSetting, hide_password
from data_access.settings import Settings, get_settings

PROJECT = Path(__file__).resolve().parent.parent


def test_default_is_a_sqlite_file_under_data() -> None:
    settings = get_settings({})
    assert settings.is_sqlite
    assert settings.database_url.endswith("data/pilotage.db")


def test_postgresql_urls_use_psycopg() -> None:
    settings = get_settings({"PILOTAGE_DATABASE_URL": "postgresql://u:secret@h:5432/b"})
    assert settings.database_url == "postgresql+psycopg://u:secret@h:5432/b"
    assert settings.safe_url == "postgresql+psycopg://u:***@h:5432/b"


def test_password_is_hidden() -> None:
    assert hide_password("postgresql://user:p%40ss@host/db") == "postgresql://user:***@host/db"
    assert hide_password("sqlite:///data/x.db") == "sqlite:///data/x.db"


@pytest.mark.parametrize("url", ["mysql://x@y/z", "data/pilotage.db", "n'importe quoi"])
def test_unsupported_urls_are_refused_in_french(url: str) -> None:
    with pytest.raises(InvalidSetting, match="PILOTAGE_DATABASE_URL"):
        get_settings({"PILOTAGE_DATABASE_URL": url})


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"%PDF-1.7 this is not a database" * 100)
    with pytest.raises(DatabaseUnavailable, match="n'est pas une base SQLite") as error:
        db.get_engine(Settings(database_url=f"sqlite:///{path}"))
    assert str(path) in str(error.value)


def test_an_unreachable_server_names_the_url_without_its_password() -> None:
    url = "postgresql+psycopg://pilote:tres-secret@127.0.0.1:1/pilotage"
    with pytest.raises(DatabaseUnavailable) as error:
        db.get_engine(Settings(database_url=url))
    message = str(error.value)
    assert "127.0.0.1:1" in message and "***" in message
    assert "tres-secret" not in message


def test_the_cli_prints_one_french_line_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "faux.db"
    path.write_bytes(b"not a database at all" * 200)
    result = subprocess.run(
        [sys.executable, str(PROJECT / "cli.py"), "seed", "--scale", "demo"],
        env={"PILOTAGE_DATABASE_URL": f"sqlite:///{path}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Base de données inaccessible" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
