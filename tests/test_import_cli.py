"""`pilotage import`: exit codes 0/1/2, --json, --dry-run, --skip-invalid, --map, --kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

import cli
from data_access import db
from data_access.settings import Settings

LEARNERS = "Identifiant;Classe;Date d'entrée\nA1;2nde A;01/09/2025\nA2;2nde A;01/09/2025\n"
COPIES = "N° apprenant;Matière;Déposé le;Note\nA1;Maths;02/10/2025;12\nA9;Maths;02/10/2025;25\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", url)
    (tmp_path / "apprenants.csv").write_text(LEARNERS, encoding="utf-8")
    (tmp_path / "copies.csv").write_text(COPIES, encoding="utf-8")
    yield tmp_path
    db.forget_engine(url)


def copies_count(workdir: Path) -> int:
    engine = db.get_engine(Settings(database_url=f"sqlite:///{workdir / 'cli.db'}"))
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM copy")).scalar_one()


def test_import_exit_codes_and_json(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", str(workdir / "apprenants.csv")]) == 0
    assert "2 lignes ajoutées" in capsys.readouterr().out

    assert cli.main(["import", str(workdir / "copies.csv"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["status"], report["added"], report["updated"], report["rejected"]) == (
        "refusé",
        0,
        0,
        1,
    )
    assert [(p["row"], p["column"], p["value"]) for p in report["problems"]] == [
        (3, "N° apprenant", "A9"),
        (3, "Note", "25"),
    ]
    assert copies_count(workdir) == 0

    assert cli.main(["import", str(workdir / "copies.csv"), "--dry-run", "--skip-invalid"]) == 0
    assert "Essai" in capsys.readouterr().out
    assert copies_count(workdir) == 0

    assert cli.main(["import", str(workdir / "copies.csv"), "--skip-invalid", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["status"], report["added"], report["rejected"]) == (
        "importé partiellement",
        1,
        1,
    )
    assert copies_count(workdir) == 1


def test_dry_run_of_a_bad_file_exits_1(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", str(workdir / "copies.csv"), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "ligne 3, colonne « Note », valeur « 25 » : note hors de l'échelle 0 à 20" in out


def test_unreadable_file_exits_1(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "faux.xlsx").write_bytes(b"%PDF-1.5 ...")
    assert cli.main(["import", str(workdir / "faux.xlsx")]) == 1
    assert "PDF" in capsys.readouterr().err
    (workdir / "vide.csv").write_bytes(b"")
    assert cli.main(["import", str(workdir / "vide.csv"), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["status"] == "refusé"


def test_usage_errors_exit_2(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", str(workdir / "absent.csv")]) == 2
    assert cli.main(["import", str(workdir / "copies.csv"), "--map", "Inconnue=grade"]) == 2
    assert "n'est pas dans le fichier" in capsys.readouterr().err
    assert cli.main(["import", str(workdir / "copies.csv"), "--map", "Note=champ_bidon"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["import", str(workdir / "copies.csv"), "--kind", "inconnu"])
    assert exit_info.value.code == 2


def test_map_and_kind_options(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", str(workdir / "apprenants.csv")]) == 0
    (workdir / "moodle.csv").write_text(
        "Utilisateur,Cours,Remis le\nA1,Maths,03/10/2025\n", encoding="utf-8"
    )
    args = ["import", str(workdir / "moodle.csv"), "--kind", "copies"]
    assert cli.main([*args, "--json"]) == 1  # the learner column is not recognised
    assert "colonne obligatoire absente" in capsys.readouterr().out
    assert (
        cli.main([*args, "--map", "Utilisateur=learner_id", "--map", "Remis le=submitted_on"]) == 0
    )
    assert copies_count(workdir) == 1
