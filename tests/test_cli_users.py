"""The command line and accounts: pilotage user, --user within an account's perimeter (a site
user's figures are those of --site <their site>), pilotage audit, and pilotage anonymise
(every indicator unchanged, no original name left), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa
from two_sites import LYON_LEARNERS, MARSEILLE_LEARNERS, two_sites

import cli
from data_access import accounts, audit, db
from data_access.settings import Settings

PASSWORD = "une phrase de passe"


@pytest.fixture
def world_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:
    """The two-site world in a fresh database made the command line's, with an account per
    role."""
    engine = db.get_engine(Settings(database_url=database_url))
    two_sites().write(engine)
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", database_url)
    accounts.add_account(engine, login="lyon", role="site", sites=("Lyon",), password=PASSWORD)
    accounts.add_account(
        engine, login="prof", role="équipe", groups=("CAP Rhône",), password=PASSWORD
    )
    accounts.add_account(engine, login="lecteur", role="lecture", password=PASSWORD)
    return engine


def run(capsys: pytest.CaptureFixture, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = cli.main(list(argv))
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


def _indicators(capsys, *argv: str) -> dict | list:  # noqa: ANN001
    code, out, err = run(capsys, "indicators", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_a_site_users_figures_are_those_of_their_site(world_db, capsys) -> None:  # noqa: ANN001
    mine = _indicators(capsys, "--user", "lyon")
    assert mine == _indicators(capsys, "--site", "Lyon")
    assert mine != _indicators(capsys, "--site", "Marseille")
    assert (mine["copies_received"], mine["learners_enrolled"]) == (3, 3)
    assert _indicators(capsys, "--user", "lyon", "--by", "site") == [{"site": "Lyon", **mine}]
    by_group = _indicators(capsys, "--user", "lyon", "--by", "group")
    assert by_group == _indicators(capsys, "--site", "Lyon", "--by", "group")
    assert [row["group"] for row in by_group] == ["BTS Saône", "CAP Rhône"]
    team = _indicators(capsys, "--user", "prof")
    assert team == _indicators(capsys, "--group", "CAP Rhône")
    assert _indicators(capsys, "--user", "lecteur") == _indicators(capsys)


@pytest.mark.parametrize(
    ("login", "argv", "named"),
    [
        ("lyon", ["--site", "Marseille"], "« Marseille »"),
        ("prof", ["--group", "CAP Calanque"], "« CAP Calanque »"),
    ],
)
def test_asking_outside_the_perimeter_is_refused(
    world_db,  # noqa: ANN001
    capsys,  # noqa: ANN001
    login: str,
    argv: list[str],
    named: str,
) -> None:
    code, out, err = run(capsys, "indicators", "--user", login, *argv, "--json")
    assert code == 1 and json.loads(out) == {
        "status": "refusé",
        "error": err[len("Refusé : ") :].strip(),
    }
    assert err.startswith(f"Refusé : {named} hors du périmètre du compte « {login} »")
    entry = audit.entries(world_db).row(0, named=True)
    assert (entry["login"], entry["event"], entry["channel"]) == (
        login,
        "accès refusé",
        "ligne de commande",
    )


def test_an_unknown_or_disabled_account_is_refused(world_db, capsys) -> None:  # noqa: ANN001
    assert run(capsys, "indicators", "--user", "personne")[0] == 1
    accounts.set_disabled(world_db, "lyon", True)
    code, _, err = run(capsys, "indicators", "--user", "lyon")
    assert (code, err.strip()) == (1, "Refusé : le compte « lyon » est désactivé.")


def test_learner_lists_within_the_perimeter(world_db, capsys) -> None:  # noqa: ANN001
    code, out, err = run(
        capsys, "plan-groups", "--start", "2025-11-03", "--end", "2025-12-19", "--json"
    )
    assert code == 0, err
    everyone = {m for g in json.loads(out)["groups"] for m in g["members"]}
    assert everyone & set(MARSEILLE_LEARNERS)
    code, out, err = run(
        capsys,
        "plan-groups",
        "--start", "2025-11-03", "--end", "2025-12-19", "--json", "--user", "lyon",
    )  # fmt: skip
    assert code == 0, err
    plan = json.loads(out)
    placed = {m for g in plan["groups"] for m in g["members"]}
    placed |= {u["learner"] for u in plan["unplaced"]}
    assert placed and placed <= set(LYON_LEARNERS)
    code, _, err = run(
        capsys, "plan-groups", "--start", "2025-11-03", "--end", "2025-12-19", "--user", "lecteur"
    )
    assert code == 1 and "pas de listes d'apprenants" in err


def test_accounts_from_the_command_line(world_db, capsys) -> None:  # noqa: ANN001
    code, out, _ = run(
        capsys,
        "user", "add", "resp", "--role", "equipe", "--group", "CAP Rhône", "--site", "Lyon",
        "--email", "Resp@Ecole.fr", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0
    assert out.strip() == (
        "Compte « resp » créé : Équipe pédagogique (ses groupes) : Lyon, CAP Rhône."
    )
    assert accounts.authenticate(world_db, "resp", PASSWORD).account.role == "équipe"
    code, out, _ = run(capsys, "user", "list", "--json")
    listed = {a["login"]: a for a in json.loads(out)}
    assert listed["resp"]["email"] == "resp@ecole.fr" and listed["resp"]["password"]
    assert run(capsys, "user", "disable", "resp")[0] == 0
    assert accounts.get_account(world_db, "resp").disabled
    code, _, _ = run(capsys, "user", "set-password", "resp", "--password-stdin", stdin="neuf\n")
    assert code == 1  # too short: refused, nothing changed
    assert run(capsys, "user", "set-password", "resp", "--password-stdin", stdin="x" * 12)[0] == 0
    code, _, err = run(capsys, "user", "add", "x", "--role", "site", "--site", "Paris",
                       "--password-stdin", stdin=PASSWORD)  # fmt: skip
    assert code == 1 and "« Paris »" in err
    details = [e["detail"] for e in audit.entries(world_db).to_dicts()]
    assert "compte « resp » désactivé" in details
    assert "mot de passe du compte « resp » changé" in details
    assert not [d for d in details if PASSWORD in d or "x" * 12 in d]


def test_a_password_is_never_an_argument(capsys) -> None:  # noqa: ANN001
    for argv in (["user", "add", "x", "--role", "direction", "--password", PASSWORD],
                 ["user", "set-password", "x", PASSWORD]):  # fmt: skip
        with pytest.raises(SystemExit) as stopped:
            cli.main(argv)
        assert stopped.value.code == 2
        assert "arguments non reconnus" in capsys.readouterr().err


def test_the_password_prompt_asks_twice(world_db, capsys, monkeypatch) -> None:  # noqa: ANN001
    answers = iter([PASSWORD, "autre chose encore"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    code, _, err = run(capsys, "user", "add", "dir", "--role", "direction")
    assert code == 1 and "les deux mots de passe diffèrent" in err
    answers = iter([PASSWORD, PASSWORD])
    assert run(capsys, "user", "add", "dir", "--role", "direction")[0] == 0


def test_the_audit_command_lists_since_a_day(world_db, capsys) -> None:  # noqa: ANN001
    from datetime import datetime

    audit.record(world_db, "connexion", login="lyon", at=datetime(2026, 1, 5, 8, 30))
    audit.record(
        world_db, "import", login="lyon", detail="f.csv (SHA-256 ab)", at=datetime(2026, 2, 1, 9)
    )
    code, out, _ = run(capsys, "audit", "--since", "2026-01-10", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["event"] for r in rows if r["at"].startswith("2026")] == ["import"]
    code, out, _ = run(capsys, "audit", "--since", "2026-01-01")
    assert "01/02/2026 09:00:00  import  lyon (application) — f.csv (SHA-256 ab)" in out


def _texts(engine: sa.Engine) -> str:
    """Every text the database holds, table by table."""
    found = []
    with engine.connect() as connection:
        for table in sa.inspect(engine).get_table_names():
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')):
                found += [str(v) for v in row if isinstance(v, str)]
    return "\n".join(found)


def test_anonymise_keeps_every_indicator_and_leaves_no_name(world_db, capsys) -> None:  # noqa: ANN001
    before = [_indicators(capsys, *by) for by in ([], ["--by", "site"], ["--by", "group"])]
    code, out, _ = run(capsys, "anonymise", "--left-before", "2026-03-01")
    assert code == 0
    assert out.startswith("3 apprenant(s) sorti(s) avant le 01/03/2026")  # LY-002, MA-002, MA-004
    after = [_indicators(capsys, *by) for by in ([], ["--by", "site"], ["--by", "group"])]
    assert after == before
    texts = _texts(world_db)
    for gone in ("Paul", "LY-002", "Marius2", "MA-002", "Marius4", "MA-004"):
        assert gone not in texts, gone
    assert "Léa" in texts and "LY-001" in texts  # still there: not left
    assert run(capsys, "anonymise", "--left-before", "2026-03-01")[1].startswith("0 apprenant")
    assert _indicators(capsys) == before[0]
    with world_db.connect() as connection:  # MA-002's interviews had notes
        notes = connection.execute(
            sa.text(
                "SELECT i.notes FROM interview i JOIN learner l ON l.id = i.learner_id "
                "WHERE l.external_id LIKE 'P-%'"
            )
        ).all()
    assert notes and all(n[0] is None for n in notes)
    assert audit.entries(world_db).row(0, named=True)["event"] == "anonymisation"


def test_an_import_for_an_account_stays_within_its_sites(world_db, capsys, tmp_path) -> None:  # noqa: ANN001
    other = tmp_path / "copies_marseille.csv"
    other.write_text(
        "N° apprenant;Matière;Déposé le\nLY-001;Maths;02/03/2026\nMA-001;Français;02/03/2026\n"
    )
    code, _, err = run(capsys, "import", str(other), "--user", "lyon")
    assert code == 1 and "« Marseille » (1 ligne(s))" in err
    code, _, err = run(capsys, "import", str(other), "--user", "prof")
    assert code == 1 and "ne permet pas d'importer" in err
    own = tmp_path / "copies_lyon.csv"
    own.write_text("N° apprenant;Matière;Déposé le\nLY-001;Maths;02/03/2026\n")
    assert run(capsys, "import", str(own), "--user", "lyon")[0] == 0
    entry = audit.entries(world_db).row(0, named=True)
    assert (entry["login"], entry["event"]) == ("lyon", "import")
    assert entry["detail"].startswith("copies_lyon.csv (SHA-256 ")
    with world_db.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM copy")).scalar_one() == 11
