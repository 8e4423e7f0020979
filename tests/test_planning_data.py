"""Plans in the database (save, replace, reload), the diagnostics file, the printable workbook
and the `pilotage plan-groups` command. SQLite always, PostgreSQL when configured."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from world import World

from cli import main
from data_access import db, models
from data_access.exports import to_excel_bytes
from data_access.frames import load_frames
from data_access.importing import ImportRejected, read_checked
from data_access.plans import PlanRejected, load_plan, save_plan
from data_access.writes import bulk_insert
from indicators import plan_followup
from indicators.common import Period
from planning import edits, printable, request
from planning.plan import NO_GROUP, Plan
from planning.proposal import propose_plan

PERIOD = Period(date(2025, 11, 3), date(2025, 12, 14))
LEARNERS = [f"L{i:02d}" for i in range(1, 9)]


def class_2bp1() -> World:
    """One site, two teachers, one class of 8 learners: 4 non acquis in maths, 4 en cours in
    oral (and L01 also en cours in oral, assessed acquis later); a teacher at another site."""
    w = World()
    w.staff("Mme Prof", role="enseignant", site="Nord", weekly_hours=5.0)
    w.staff("M. Aide", role="enseignant", site="Nord", weekly_hours=2.5)
    w.staff("Mme Sud", role="enseignant", site="Sud", weekly_hours=5.0)
    w.group("2BP1", site="Nord")
    for number, learner in enumerate(LEARNERS, start=1):
        w.learner(learner, group="2BP1", entered=date(2025, 9, 1), last_name=f"Nom{number}")
    for learner in LEARNERS[:4]:
        w.diagnostic(learner, "maths", "non acquis", date(2025, 9, 20))
    for learner in LEARNERS[4:]:
        w.diagnostic(learner, "oral", "en cours", date(2025, 9, 20))
    w.diagnostic("L01", "oral", "en cours", date(2025, 9, 20))
    w.diagnostic("L01", "oral", "acquis", date(2025, 10, 15))
    return w


def fill(engine: sa.Engine) -> None:
    class_2bp1().write(engine)


def proposal(engine: sa.Engine) -> Plan:
    frames = load_frames(engine)
    diagnostics, learners, staff = request.planning_inputs(frames, PERIOD, sites=["Nord"])
    return propose_plan(diagnostics, learners, staff, PERIOD)


def save(engine: sa.Engine, plan: Plan, site: str | None = "Nord"):
    return save_plan(engine, replace(plan, site=site))


def test_a_plan_is_saved_and_reloaded(engine: sa.Engine) -> None:
    fill(engine)
    plan = proposal(engine)
    assert plan.problems == ()
    version = db.data_version(engine)
    report = save(engine, plan)
    assert (report.groups, report.members, report.groups_replaced) == (2, 8, 0)
    assert db.data_version(engine) == version + 1
    groups, members = load_plan(
        engine, kind="AP", period_start=PERIOD.start, period_end=PERIOD.end, site="Nord"
    )
    assert groups.drop("group_id").rows() == [
        ("maths – non acquis", "maths", "Mme Prof", 2.5, "lundi 08:00"),
        ("oral – en cours", "oral", "M. Aide", 2.5, "lundi 10:30"),
    ]
    names = dict(groups.select("group_id", "name").rows())
    reloaded = {
        names[g]: sorted(m) for g, m in members.group_by("group_id").agg("learner").iter_rows()
    }
    assert reloaded == {
        "maths – non acquis": ["L01", "L02", "L03", "L04"],
        "oral – en cours": ["L05", "L06", "L07", "L08"],
    }
    plans = plan_followup.saved_plans(load_frames(engine)).drop("learners")
    assert plans.rows() == [("AP", "Nord", PERIOD.start, PERIOD.end, 2)]


def test_saving_again_replaces_the_plan_and_keeps_the_ids_of_kept_groups(engine: sa.Engine) -> None:
    fill(engine)
    plan = proposal(engine)
    save(engine, plan)
    first, _ = load_plan(
        engine, kind="AP", period_start=PERIOD.start, period_end=PERIOD.end, site="Nord"
    )
    maths_id = first.filter(pl.col("need") == "maths").item(0, "group_id")
    oral = plan.groups.filter(pl.col("need") == "oral").item(0, "group_id")
    edited = edits.edit_group(plan, oral, name="Oral en petits groupes", slot="mardi 14:00")
    edited = edits.move_member(edited, "L04", "maths", NO_GROUP)
    report = save(engine, edited)
    assert report.groups_replaced == 2
    groups, members = load_plan(
        engine, kind="AP", period_start=PERIOD.start, period_end=PERIOD.end, site="Nord"
    )
    assert groups.select("name", "slot").rows() == [
        ("Oral en petits groupes", "mardi 14:00"),
        ("maths – non acquis", "lundi 08:00"),
    ]
    assert groups.filter(pl.col("need") == "maths").item(0, "group_id") == maths_id
    assert members.height == 7 and "L04" not in members.get_column("learner").to_list()
    with engine.connect() as connection:
        count = connection.execute(
            sa.select(sa.func.count()).select_from(models.NeedGroup)
        ).scalar()
    assert count == 2  # the old "oral – en cours" is gone


def test_a_group_with_sessions_cannot_disappear(engine: sa.Engine) -> None:
    fill(engine)
    plan = proposal(engine)
    save(engine, plan)
    groups, _ = load_plan(
        engine, kind="AP", period_start=PERIOD.start, period_end=PERIOD.end, site="Nord"
    )
    oral_id = groups.filter(pl.col("need") == "oral").item(0, "group_id")
    with db.write_transaction(engine) as connection:
        bulk_insert(
            connection,
            models.SupportSession,
            pl.DataFrame(
                {
                    "kind": ["AP"],
                    "need_group_id": [oral_id],
                    "held_on": [date(2025, 11, 4)],
                    "duration_hours": [2.5],
                }
            ),
        )
    oral = plan.groups.filter(pl.col("need") == "oral").item(0, "group_id")
    renamed = edits.edit_group(plan, oral, name="Oral B")
    with pytest.raises(
        PlanRejected, match="Des séances sont déjà enregistrées pour « oral – en cours »"
    ):
        save(engine, renamed)
    _, members = load_plan(
        engine, kind="AP", period_start=PERIOD.start, period_end=PERIOD.end, site="Nord"
    )
    assert members.height == 8  # nothing changed


def test_unknown_learners_staff_sites_and_name_clashes_are_rejected(engine: sa.Engine) -> None:
    fill(engine)
    plan = proposal(engine)
    stranger = plan.members.select("learner", "group_id").with_columns(
        pl.when(pl.col("learner") == "L01")
        .then(pl.lit("X99"))
        .otherwise("learner")
        .alias("learner")
    )
    with pytest.raises(
        PlanRejected, match="1 élève\\(s\\) du plan sont inconnus de la base \\(« X99 »\\)"
    ):
        save_plan(engine, replace(plan, site="Nord", members=stranger))
    ghost = plan.groups.with_columns(pl.lit("Personne").alias("staff"))
    with pytest.raises(
        PlanRejected, match="Intervenant\\(s\\) inconnu\\(s\\) de la base : « Personne »"
    ):
        save_plan(engine, replace(plan, site="Nord", groups=ghost))
    with pytest.raises(PlanRejected, match="Site inconnu"):
        save(engine, plan, site="Atlantide")
    save(engine, plan, site="Nord")
    with pytest.raises(PlanRejected, match="Un autre plan commençant le 03/11/2025"):
        save(engine, plan, site="Sud")
    with engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(models.NeedGroup)).scalar()
            == 2
        )


# --- diagnostics file ---------------------------------------------------------------------


def test_diagnostics_are_read_from_excel_with_french_headers() -> None:
    content = to_excel_bytes(
        {
            "Diagnostics": pl.DataFrame(
                {
                    "N° élève": ["L01", "L02", "L03"],
                    "Compétence": ["Calcul", "Calcul", "Oral"],
                    "Positionnement": ["Non acquis", "ECA", "acquis"],
                    "Date du diagnostic": [date(2025, 9, 20), date(2025, 9, 21), date(2025, 9, 22)],
                    "Classe": ["2BP1", "2BP1", "2BP2"],
                }
            )
        }
    )
    frame = request.from_file(read_checked("diagnostics.xlsx", content, "diagnostics"))
    assert frame.select("learner", "need", "level", "assessed_on", "class_group").rows() == [
        ("L01", "Calcul", "non acquis", date(2025, 9, 20), "2BP1"),
        ("L02", "Calcul", "en cours", date(2025, 9, 21), "2BP1"),
        ("L03", "Oral", "acquis", date(2025, 9, 22), "2BP2"),
    ]


def test_diagnostics_csv_errors_say_what_and_where() -> None:
    """The diagnostics file goes through the importer: its reader, headers, levels and checks,
    and the same French problems (row, column, value, reason) as an import."""
    good = "Identifiant;Besoin;Niveau;Date\nL01;Calcul;non acquis;20/09/2025\n".encode("cp1252")
    assert request.from_file(read_checked("d.csv", good, "diagnostics")).row(0)[:4] == (
        "L01",
        "Calcul",
        "non acquis",
        date(2025, 9, 20),
    )
    bad = "Identifiant;Besoin;Niveau;Date\nL01;Calcul;moyen;20/09/2025\n;Oral;acquis;31/02/2025\n"
    with pytest.raises(ImportRejected) as error:
        read_checked("d.csv", bad.encode(), "diagnostics")
    assert str(error.value) == (
        "Le fichier « d.csv » contient des erreurs : ligne 2, colonne « Niveau », valeur « moyen » "
        ": valeur inconnue : attendu non acquis, en cours, acquis ; ligne 3, colonne "
        "« Identifiant » : valeur obligatoire manquante ; ligne 3, colonne « Date », valeur "
        "« 31/02/2025 » : date illisible (attendu jj/mm/aaaa ou une date Excel)."
    )
    with pytest.raises(ImportRejected, match="colonne obligatoire absente : « Besoin »"):
        read_checked("d.csv", b"Identifiant;Nom\nL01;Durand\n", "diagnostics")
    with pytest.raises(ImportRejected, match="Aucune ligne d'en-tête reconnue"):
        read_checked("d.pdf", b"x", "diagnostics")
    with pytest.raises(ImportRejected, match="est endommagé"):
        read_checked("d.xlsx", b"PK\x03\x04 not a zip", "diagnostics")


def test_the_workbook_has_a_summary_and_one_sheet_per_group(tmp_path: Path) -> None:
    import openpyxl

    rows = [(f"m{i}", "=maths", "non acquis") for i in range(3)] + [("z", "oral", "en cours")]
    diagnostics = pl.DataFrame(
        [
            {"learner": r[0], "need": r[1], "level": r[2], "assessed_on": date(2025, 9, 1)}
            for r in rows
        ]
    )
    staff = pl.DataFrame({"staff": ["P"], "weekly_hours_available": [5.0]})
    plan = propose_plan(diagnostics, None, staff, PERIOD)
    book = openpyxl.load_workbook(io.BytesIO(printable.workbook_bytes(plan)))
    assert book.sheetnames == ["Synthèse", "Non placés", "=maths – non acquis"]
    summary = book["Synthèse"]
    assert summary["A1"].value == "Plan AP du 03/11/2025 au 14/12/2025"
    assert [c.value for c in summary[3]] == [
        "Groupe",
        "Besoin",
        "Niveau",
        "Intervenant",
        "Heures par semaine",
        "Créneau",
        "Élèves",
    ]
    assert summary["A4"].value == "=maths – non acquis"  # text as written, never a formula
    assert summary["A4"].data_type == "s"
    group = book["=maths – non acquis"]
    assert group["A3"].value == "Intervenant : P"
    assert [group.cell(row=r, column=1).value for r in range(8, 11)] == ["m0", "m1", "m2"]
    assert group.page_setup.orientation == "landscape"


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", database_url)
    engine = db.get_engine()
    fill(engine)
    return engine


ARGS = ["plan-groups", "--start", "2025-11-03", "--end", "2025-12-14"]


def test_cli_prints_the_plan_as_json(cli_db: sa.Engine, capsys: pytest.CaptureFixture) -> None:
    assert main([*ARGS, "--site", "Nord", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["groups"] == [
        {
            "name": "maths – non acquis",
            "need": "maths",
            "staff": "Mme Prof",
            "slot": "lundi 08:00",
            "hours_per_week": 2.5,
            "members": ["L01", "L02", "L03", "L04"],
        },
        {
            "name": "oral – en cours",
            "need": "oral",
            "staff": "M. Aide",
            "slot": "lundi 10:30",
            "hours_per_week": 2.5,
            "members": ["L05", "L06", "L07", "L08"],
        },
    ]
    assert data["unplaced"] == [] and data["problems"] == []
    with cli_db.connect() as connection:  # not saved without --save
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(models.NeedGroup)).scalar()
            == 0
        )


def test_cli_saves_and_writes_the_workbook(
    cli_db: sa.Engine, capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    out = tmp_path / "plan.xlsx"
    assert (
        main(
            [
                *ARGS,
                "--site",
                "Nord",
                "--kind",
                "aide-individualisee",
                "--max-size",
                "3",
                "--out",
                str(out),
                "--save",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert text.startswith("Plan aide individualisée du 03/11/2025 au 14/12/2025 : 4 groupe(s)")
    assert "Plan enregistré : 4 groupe(s), 8 placement(s)." in text
    assert out.read_bytes()[:2] == b"PK"
    groups, members = load_plan(
        cli_db,
        kind="aide individualisée",
        period_start=PERIOD.start,
        period_end=PERIOD.end,
        site="Nord",
    )
    assert groups.height == 4 and members.height == 8


def test_cli_reads_a_diagnostics_file(
    cli_db: sa.Engine, capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    path = tmp_path / "diag.csv"
    path.write_text(
        "Élève;Besoin;Niveau;Date;Classe\n"
        + "".join(f"N{i};Lecture;non acquis;01/10/2025;2BP9\n" for i in range(4)),
        encoding="utf-8",
    )
    assert main([*ARGS, "--diagnostics", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["groups"][0]["members"] == ["N0", "N1", "N2", "N3"]
    assert data["groups"][0]["staff"] in {"Mme Prof", "M. Aide", "Mme Sud"}
    # saving learners unknown to the database is refused with exit code 1
    assert main([*ARGS, "--diagnostics", str(path), "--save"]) == 1
    assert "inconnus de la base" in capsys.readouterr().err


def test_cli_exit_codes(cli_db: sa.Engine, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    assert main([*ARGS, "--group", "classe inconnue"]) == 1
    assert "Aucun diagnostic" in capsys.readouterr().err
    assert main([*ARGS, "--site", "Atlantide"]) == 1
    assert main([*ARGS, "--diagnostics", str(tmp_path / "absent.csv")]) == 1
    assert main([*ARGS, "--kind", "aide-individualisee", "--max-size", "12"]) == 2
    assert "au plus 8 élèves" in capsys.readouterr().err
    assert main(["plan-groups", "--start", "2025-12-14", "--end", "2025-11-03"]) == 2
    with pytest.raises(SystemExit) as usage:
        main(["plan-groups", "--start", "14/12/2025", "--end", "2025-12-20"])
    assert usage.value.code == 2
    with pytest.raises(SystemExit) as usage:
        main([*ARGS, "--max-size", "0"])
    assert usage.value.code == 2
