"""Errors never show row values: a write the database refuses, an import that crashes, a page
that fails — one French line (with a reference when unexpected), a log line naming only the
error's type and place, a line in the import history; and a busy SQLite database is called
busy (exit 1), not unreachable. On SQLite and PostgreSQL (whose messages quote the values)."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from apptest import open_page, plain

import cli
from data_access import db, models
from data_access.importing import import_history, pipeline

SECRET = "Zoé SECRETNAME"
LEARNERS = f"Identifiant;Nom;Classe;Date d'entrée\nA1;{SECRET};2nde A;01/09/2025\n"


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", database_url)
    path = tmp_path / "apprenants.csv"
    path.write_text(LEARNERS, encoding="utf-8")
    return path


def _everything_said(capsys: pytest.CaptureFixture, caplog: pytest.LogCaptureFixture) -> str:
    out, err = capsys.readouterr()
    return out + err + caplog.text


def _refused_by_the_database(connection, plan) -> None:  # noqa: ANN001
    """A write the database refuses, its message quoting the row (PostgreSQL: 'Key
    (external_id)=(...) already exists')."""
    table = models.Learner.__table__
    connection.execute(table.insert().values(id=900, external_id=SECRET, last_name=SECRET))
    connection.execute(table.insert().values(id=901, external_id=SECRET, last_name=SECRET))


def test_a_write_the_database_refuses_quotes_no_value(
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(pipeline, "apply_plan", _refused_by_the_database)
    assert cli.main(["import", str(cli_env), "--json"]) == 1
    said = _everything_said(capsys, caplog)
    assert "a refusé l'enregistrement" in said and "elle existe déjà" in said
    assert "SECRETNAME" not in said and "Traceback" not in said
    engine = db.get_engine()
    assert import_history(engine).get_column("Résultat").to_list() == ["échec"]
    with engine.connect() as connection:  # nothing half-written
        assert connection.execute(sa.text("SELECT count(*) FROM learner")).scalar_one() == 0


def test_an_unexpected_crash_gives_a_reference_and_logs_no_value(
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def crash(connection, plan) -> None:  # noqa: ANN001
        raise RuntimeError(f"valeur inattendue : {SECRET}")

    monkeypatch.setattr(pipeline, "apply_plan", crash)
    with caplog.at_level(logging.ERROR, logger="pilotage"):
        assert cli.main(["import", str(cli_env), "--json"]) == 3
    out, err = capsys.readouterr()
    answer = json.loads(out)
    assert answer["status"] == "erreur" and answer["reference"] in answer["error"]
    assert "Traceback" not in out + err and "SECRETNAME" not in out + err + caplog.text
    (record,) = [r for r in caplog.records if r.name == "pilotage"]
    assert answer["reference"] in record.getMessage()
    assert "RuntimeError (test_errors.py:" in record.getMessage()  # type and place only
    assert import_history(db.get_engine()).get_column("Résultat").to_list() == ["échec"]


def test_an_unreadable_file_leaves_a_line_in_the_history(
    cli_env: Path, capsys: pytest.CaptureFixture
) -> None:
    cli_env.write_bytes(b"%PDF-1.7 pas un tableur")
    assert cli.main(["import", str(cli_env), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["status"] == "refusé"
    history = import_history(db.get_engine())
    assert history.select("Fichier", "Résultat").rows() == [("apprenants.csv", "illisible")]


def test_the_engine_never_shows_parameters(database_url: str) -> None:
    from data_access.settings import Settings

    engine = db.get_engine(Settings(database_url=database_url))
    table = models.Site.__table__
    with pytest.raises(sa.exc.IntegrityError) as caught:
        with engine.begin() as connection:
            connection.execute(table.insert(), [{"name": SECRET}, {"name": SECRET}])
    assert "parameters" not in str(caught.value) or "hidden" in str(caught.value)
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(caught.value)


def test_a_busy_sqlite_database_is_called_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'occupee.db'}"
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", url)
    monkeypatch.setattr(db, "SQLITE_BUSY_SECONDS", 0.3)
    db.get_engine()  # the schema exists
    db.forget_engine(url)
    path = tmp_path / "apprenants.csv"
    path.write_text(LEARNERS, encoding="utf-8")
    other = sqlite3.connect(tmp_path / "occupee.db")  # another import, holding the write lock
    other.execute("BEGIN IMMEDIATE")
    try:
        assert cli.main(["import", str(path)]) == 1
        err = capsys.readouterr().err
        assert "occupée par une autre écriture" in err and "inaccessible" not in err
        assert cli.main(["import", str(path), "--json"]) == 1
        assert "occupée" in json.loads(capsys.readouterr().out)["error"]
    finally:
        other.rollback()
        other.close()
    assert cli.main(["import", str(path)]) == 0  # free again: the import goes through
    db.forget_engine(url)


def test_a_page_that_fails_shows_a_reference_and_no_value(
    demo_env: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from indicators import summary

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ValueError(f"ligne de {SECRET}")

    monkeypatch.setattr(summary, "headline", broken)
    with caplog.at_level(logging.ERROR, logger="pilotage"):
        app = open_page("pages/overview.py")
    assert not app.exception
    (message,) = [plain(e.value) for e in app.error]
    assert "référence" in message and "SECRETNAME" not in message
    assert "ValueError" in caplog.text and "SECRETNAME" not in caplog.text
