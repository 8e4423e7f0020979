"""Imports into a real database (SQLite, and PostgreSQL when PILOTAGE_TEST_POSTGRES_URL is
set): validation against the data, all-or-nothing, re-import idempotence, skip-invalid,
natural-key updates, history and remembered mappings."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import polars as pl
import pytest
import sqlalchemy as sa
import xlsxwriter
from sqlmodel import SQLModel

from data_access import models
from data_access.importing import import_file, import_history
from data_access.importing.pipeline import open_sheet, remembered


def csv_of(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\n").writerows(rows)
    return text.getvalue().encode("utf-8")


LEARNERS = [
    [
        "Identifiant",
        "Nom",
        "Prénom",
        "Classe",
        "Site",
        "Public",
        "Date d'entrée",
        "Date de sortie",
        "Motif de sortie",
        "Référent",
    ],
    [
        "A1",
        "Martin",
        "Léa",
        "2nde A",
        "Lycée Nord",
        "Jeunes",
        "01/09/2025",
        "",
        "",
        "Claire Dubois",
    ],
    [
        "A2",
        "Durand",
        "Tom",
        "2nde A",
        "Lycée Nord",
        "jeunes",
        "01/09/2025",
        "15/01/2026",
        "ABANDON",
        "Claire Dubois",
    ],
    ["A3", "<b>Petit</b>", "=1+1", "CAP 1", "Lycée Sud", "", "2025-09-08", "", "", ""],
]
COPIES = [
    ["N° apprenant", "Matière", "Devoir", "Déposé le", "Corrigé le", "Correcteur", "Note"],
    ["A1", "Maths", "D1", "02/10/2025", "05/10/2025", "Paul Bernard", "12,5"],
    ["A2", "Maths", "D1", "02/10/2025", "", "", ""],
    ["A3", "Français", "Rédaction", "03/10/2025", "04/10/2025", "Paul Bernard", "15"],
]


def table_contents(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every row of every table (import history aside), sorted."""
    contents = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in ("import_record", "data_version", "table_version"):
                continue
            rows = connection.execute(sa.select(table)).all()
            contents[table.name] = sorted(tuple(map(str, r)) for r in rows)
    return contents


def count(engine: sa.Engine, model: type[SQLModel]) -> int:
    with engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).select_from(model.__table__)
        ).scalar_one()


def test_learners_then_copies(engine: sa.Engine) -> None:
    report = import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    assert (report.status, report.added, report.updated, report.rejected) == ("importé", 3, 0, 0)
    assert report.created == {"staff": 1, "sites": 2, "groups": 2, "learners": 3}
    with engine.connect() as connection:
        enrolments = connection.execute(
            sa.text(
                "SELECT l.external_id, g.name, g.public, g.school_year, e.exit_reason, e.exit_date "
                "FROM enrolment e JOIN learner l ON l.id = e.learner_id "
                "JOIN study_group g ON g.id = e.group_id ORDER BY l.external_id"
            )
        ).all()
        names = connection.execute(
            sa.text("SELECT last_name, first_name FROM learner WHERE external_id = 'A3'")
        ).one()
    assert [tuple(r[:5]) for r in enrolments] == [
        ("A1", "2nde A", "jeunes", "2025-2026", None),
        ("A2", "2nde A", "jeunes", "2025-2026", "abandon"),
        ("A3", "CAP 1", None, "2025-2026", None),
    ]
    assert str(enrolments[1][5]) == "2026-01-15"
    assert tuple(names) == ("<b>Petit</b>", "=1+1")  # stored as text, as written

    report = import_file(engine, "copies.csv", csv_of(COPIES))
    assert (report.status, report.added, report.rejected) == ("importé", 3, 0)
    # the copies name their assignments (D1 of 2nde A, Rédaction of CAP 1): created
    assert report.created == {"staff": 1, "assignments": 2}
    with engine.connect() as connection:
        grades = connection.execute(sa.text("SELECT grade FROM copy")).scalars().all()
    assert sorted(grades, key=lambda g: -1 if g is None else g) == [None, 12.5, 15.0]


def test_reimport_is_idempotent_and_updates_on_natural_keys(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    first = import_file(engine, "copies.csv", csv_of(COPIES))
    before = table_contents(engine)
    again = import_file(engine, "copies.csv", csv_of(COPIES))
    assert (first.added, first.updated) == (3, 0)
    assert (again.added, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)
    assert "aucune ligne ajoutée, 3 inchangées" in again.summary()
    assert table_contents(engine) == before

    later = [row[:] for row in COPIES]
    later[2][4], later[2][6] = "06/10/2025", "8"  # A2's copy corrected since
    later.append(["A1", "Maths", "D2", "09/10/2025", "", "", ""])
    report = import_file(engine, "copies-octobre.csv", csv_of(later))
    assert (report.added, report.updated, report.unchanged) == (1, 1, 2)
    assert count(engine, models.Copy) == 4
    with engine.connect() as connection:
        corrected = connection.execute(
            sa.text(
                "SELECT corrected_on, grade FROM copy c JOIN learner l ON l.id = c.learner_id WHERE l.external_id = 'A2'"
            )
        ).one()
    assert str(corrected[0]) == "2025-10-06" and corrected[1] == 8.0

    learners = import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    assert (learners.added, learners.updated, learners.unchanged) == (0, 0, 3)
    assert count(engine, models.Learner) == 3 and count(engine, models.Enrolment) == 3


def test_rejected_file_changes_no_table(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    import_file(engine, "copies.csv", csv_of(COPIES))
    before = table_contents(engine)
    bad = [row[:] for row in COPIES]
    bad[1][6] = "12,5"
    bad.append(["A9", "Maths", "D3", "10/10/2025", "", "Nouvelle Personne", ""])  # unknown learner
    bad.append(["A1", "Maths", "D4", "11/10/2025", "09/10/2025", "", "21"])  # two problems
    bad.append(["A2", "Histoire", "D1", "le 3 octobre", "", "", ""])
    report = import_file(engine, "copies-bad.csv", csv_of(bad))
    assert report.status == "refusé" and not report.written
    assert report.rejected == 3 and report.added == 0
    problems = report.problems.select("row", "column", "value", "reason").rows()
    assert problems == [
        (
            5,
            "N° apprenant",
            "A9",
            "apprenant inconnu : ni dans la base ni dans ce fichier (importez d'abord le fichier des apprenants, ou ajoutez une colonne Groupe)",
        ),
        (6, "Corrigé le", "09/10/2025", "correction avant le dépôt (11/10/2025)"),
        (6, "Note", "21", "note hors de l'échelle 0 à 20"),
        (7, "Déposé le", "le 3 octobre", "date illisible (attendu jj/mm/aaaa ou une date Excel)"),
    ]
    assert table_contents(engine) == before  # not even the new staff member
    history = import_history(engine)
    assert history.get_column("Résultat").to_list()[0] == "refusé"
    assert history.get_column("Rejetées").to_list()[0] == 3

    partial = import_file(engine, "copies-bad.csv", csv_of(bad), skip_invalid=True)
    assert (partial.status, partial.added, partial.updated, partial.unchanged) == (
        "importé partiellement",
        0,
        0,
        3,
    )
    assert partial.rejected == 3
    assert partial.problems.height == 4
    assert table_contents(engine) == before  # the valid rows were already there


def test_learner_rules_exit_and_entry(engine: sa.Engine) -> None:
    rows = [
        LEARNERS[0],
        ["B1", "", "", "2nde A", "", "", "01/09/2025", "31/08/2025", "abandon", ""],
        ["B2", "", "", "2nde A", "", "", "01/09/2025", "", "Abandon", ""],
        ["B3", "", "", "2nde A", "", "", "01/09/2025", "01/12/2025", "", ""],
        ["B4", "", "", "2nde A", "", "", "01/09/2025", "", "parti", ""],
        ["", "", "", "2nde A", "", "", "01/09/2025", "", "", ""],
    ]
    report = import_file(engine, "a.csv", csv_of(rows))
    reasons = report.problems.select("row", "reason").rows()
    assert reasons == [
        (2, "sortie avant l'entrée (01/09/2025)"),
        (3, "motif de sortie sans date de sortie"),
        (4, "date de sortie sans motif de sortie"),
        (5, "valeur inconnue : attendu fin de parcours, abandon, réorientation, exclusion, autre"),
        (6, "valeur obligatoire manquante"),
    ]
    assert report.rejected == 5
    assert count(engine, models.Learner) == 0


def test_missing_required_column_rejects_everything(engine: sa.Engine) -> None:
    rows = [["Identifiant", "Matière"], ["A1", "Maths"]]
    report = import_file(engine, "c.csv", csv_of(rows), kind="copies", skip_invalid=True)
    assert report.status == "refusé" and report.rejected == 1
    assert "colonne obligatoire absente : « Date de dépôt »" in report.problems.item(0, "reason")
    assert report.problems.item(0, "row") == 1


def test_duplicates_in_one_file(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    # row 5 repeats row 2 exactly: one copy, with a note; row 6 is another copy of A1 in
    # Maths for D1 on the same day (no copy number to tell): a second copy, not a rejection
    rows = COPIES + [COPIES[1], ["A1", "Maths", "D1", "02/10/2025", "06/10/2025", "", "13"]]
    report = import_file(engine, "c.csv", csv_of(rows))
    assert (report.status, report.added, report.rejected) == ("importé", 4, 0)
    assert report.problems.is_empty()
    assert report.warnings.select("row", "reason").rows() == [
        (5, "ligne identique à la ligne 2 : comptée une fois")
    ]
    assert "1 avertissement" in report.summary()
    again = import_file(engine, "c.csv", csv_of(rows))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)


def test_copies_file_with_groups_creates_its_learners(engine: sa.Engine) -> None:
    rows = [
        ["Identifiant", "Nom", "Classe", "Discipline", "Date de dépôt"],
        ["Z1", "Roux", "BTS 1", "Anglais", "15/09/2025"],
        ["Z1", "Roux", "BTS 1", "Anglais", "22/09/2025"],
    ]
    report = import_file(engine, "c.csv", csv_of(rows))
    assert report.status == "importé" and report.created["learners"] == 1
    with engine.connect() as connection:
        entry = connection.execute(sa.text("SELECT entry_date FROM enrolment")).scalar_one()
    assert str(entry) == "2025-09-15"


def test_sessions_with_attendance(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    rows = [
        [
            "Type de séance",
            "Groupe",
            "Site",
            "Date",
            "Durée",
            "Intervenant",
            "Identifiant",
            "Présent",
        ],
        ["AP", "2nde A", "Lycée Nord", "06/10/2025", "2h30", "Paul Bernard", "A1", "oui"],
        ["AP", "2nde A", "Lycée Nord", "06/10/2025", "2h30", "Paul Bernard", "A2", "absent"],
        ["aide individualisée", "2nde A", "Lycée Nord", "07/10/2025", "60 min", "", "A1", "X"],
    ]
    report = import_file(engine, "seances.xlsx", xlsx_of(rows))
    assert (report.status, report.added) == ("importé", 3)
    with engine.connect() as connection:
        sessions = connection.execute(
            sa.text("SELECT kind, duration_hours FROM support_session ORDER BY held_on")
        ).all()
        present = connection.execute(
            sa.text("SELECT count(*) FROM attendance WHERE present")
        ).scalar_one()
    assert [tuple(s) for s in sessions] == [("AP", 2.5), ("aide individualisée", 1.0)]
    assert present == 2
    again = import_file(engine, "seances.xlsx", xlsx_of(rows))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert count(engine, models.SupportSession) == 2


def test_other_kinds(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    tutoring = [
        ["Identifiant", "Discipline", "Canal", "Reçue le", "Répondue le", "Tuteur"],
        ["A1", "Maths", "Mail", "06/10/2025 09:15", "07/10/2025 10:00", "Claire Dubois"],
    ]
    interviews = [
        [
            "Identifiant",
            "Date de l'entretien",
            "Type d'entretien",
            "Durée",
            "Objectifs fixés",
            "Objectifs atteints",
            "Niveau d'autonomie",
        ],
        ["A1", "15/09/2025", "Initial", "1h", "3", "2", "2"],
        ["A2", "16/09/2025", "SUIVI", "30 min", "1", "2", "5"],
    ]
    diagnostics = [
        ["Identifiant", "Besoin", "Niveau", "Date du diagnostic"],
        ["A1", "Lecture", "En cours", "12/09/2025"],
    ]
    staff = [
        ["Nom complet", "Fonction", "Site", "Heures disponibles par semaine"],
        ["claire dubois", "Tutrice", "Lycée Nord", "6h"],
        ["Paul Bernard", "Professeur", "", "4,5"],
    ]
    assert import_file(engine, "t.csv", csv_of(tutoring)).added == 1
    report = import_file(engine, "e.csv", csv_of(interviews), skip_invalid=True)
    assert (report.added, report.rejected) == (1, 1)
    assert report.problems.get_column("reason").to_list() == [
        "plus d'objectifs atteints que fixés (1)",
        "niveau d'autonomie attendu de 1 à 4",
    ]
    assert import_file(engine, "d.csv", csv_of(diagnostics)).added == 1
    report = import_file(engine, "s.csv", csv_of(staff))
    assert (report.added, report.updated) == (1, 1)  # Claire Dubois existed (as referent)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT name, role, weekly_hours_available FROM staff ORDER BY name")
        ).all()
        minutes = connection.execute(sa.text("SELECT duration_minutes FROM interview")).scalar_one()
        answered = connection.execute(sa.text("SELECT channel FROM tutoring_request")).scalar_one()
    assert [tuple(r) for r in rows] == [
        ("Claire Dubois", "tuteur", 6.0),
        ("Paul Bernard", "enseignant", 4.5),
    ]
    assert minutes == 60 and answered == "électronique"


def test_only_a_confirmed_mapping_is_remembered(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    rows = [["Élève", "Cours", "Remis", "Résultat"], ["A1", "Maths", "02/10/2025", "11"]]
    raw = open_sheet("moodle.csv", csv_of(rows))
    one_off = ["Élève=learner_id", "Remis=Date de dépôt", "Résultat="]  # grades left aside
    report = import_file(engine, "moodle.csv", csv_of(rows), kind="copies", overrides=one_off)
    assert report.status == "importé" and report.added == 1 and not report.remembered
    assert remembered(engine, raw.headers) is None  # a one-off --map is for this file only

    overrides = ["Élève=learner_id", "Remis=Date de dépôt"]
    report = import_file(
        engine, "moodle.csv", csv_of(rows), kind="copies", overrides=overrides, remember=True
    )
    assert (report.added, report.updated) == (0, 1)  # the grade, left aside before
    assert remembered(engine, raw.headers) == (
        "copies",
        {
            "Élève": "learner_id",
            "Cours": "discipline",
            "Remis": "submitted_on",
            "Résultat": "grade",
        },
    )
    report = import_file(
        engine, "moodle-2.csv", csv_of(rows + [["A2", "Maths", "03/10/2025", "9"]])
    )
    assert (report.kind, report.added, report.unchanged) == ("copies", 1, 1)
    assert report.remembered and report.to_dict()["mapping_remembered"]


def test_dry_run_writes_nothing(engine: sa.Engine) -> None:
    before = table_contents(engine)
    report = import_file(engine, "apprenants.csv", csv_of(LEARNERS), dry_run=True)
    assert report.status == "essai" and report.added == 3 and report.problems.is_empty()
    assert table_contents(engine) == before
    assert import_history(engine).is_empty()


def test_problems_excel_keeps_formulas_as_text(engine: sa.Engine) -> None:
    rows = [COPIES[0], ['=HYPERLINK("x")', "Maths", "D1", "02/10/2025", "", "", ""]]
    report = import_file(engine, "c.csv", csv_of(rows))
    frame = pl.read_excel(report.problems_excel())
    assert frame.item(0, "Valeur") == '=HYPERLINK("x")'  # as written, typed as text
    assert frame.columns == ["Ligne", "Colonne", "Valeur", "Problème"]


def xlsx_of(rows: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as workbook:
        sheet = workbook.add_worksheet("Feuille")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write_string(r, c, value)
    return buffer.getvalue()


def test_history_records_file_hash(engine: sa.Engine) -> None:
    content = csv_of(LEARNERS)
    import_file(engine, "apprenants.csv", content)
    with engine.connect() as connection:
        record = connection.execute(sa.select(models.ImportRecord.__table__)).one()
    import hashlib

    assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert (record.kind, record.rows_added, record.status) == ("learners", 3, "importé")
    assert isinstance(record.imported_at, datetime) and record.imported_at.date() <= date.today()


@pytest.mark.parametrize(
    "kind", ["learners", "copies", "tutoring", "interviews", "sessions", "diagnostics", "staff"]
)
def test_templates_import_with_their_example(engine: sa.Engine, kind: str) -> None:
    from data_access.importing.templates import template_bytes

    if kind not in ("learners", "staff"):
        import_file(
            engine,
            "apprenants.csv",
            csv_of(
                [LEARNERS[0], ["A0001", "", "", "2nde MELEC A", "", "", "01/09/2025", "", "", ""]]
            ),
        )
    report = import_file(engine, f"modele-{kind}.xlsx", template_bytes(kind))
    assert (report.kind, report.status, report.added, report.rejected) == (kind, "importé", 1, 0), (
        report.problems
    )


class _RollBack(Exception):
    pass


def test_the_state_read_beside_the_write_lock_is_the_state_read_within(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the import holds the write lock and has written nothing else, a SQLite file's
    state is read beside the transaction by connectorx: the very frames SQLAlchemy reads
    (PostgreSQL reads within, as before)."""
    from data_access import db
    from data_access.importing import writing

    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    import_file(engine, "copies.csv", csv_of(COPIES))
    sessions = [
        ["Type de séance", "Groupe", "Site", "Date", "Durée", "Identifiant", "Présent"],
        ["AP", "2nde A", "Lycée Nord", "06/10/2025", "2h30", "A1", "oui"],
    ]
    import_file(engine, "seances.xlsx", xlsx_of(sessions))
    rows = pl.DataFrame(
        {
            "submitted_on": [date(2025, 10, 2), date(2025, 10, 2)],
            "held_on": [date(2025, 10, 1), date(2025, 10, 9)],
            "entry_date": [date(2025, 9, 1), date(2025, 9, 8)],
            "copy_number": ["N1", None],
        }
    )
    beside_reads: list[str] = []
    read_table = writing.read_table
    monkeypatch.setattr(
        writing,
        "read_table",
        lambda engine, table, where=None: (
            beside_reads.append(table.__tablename__) or read_table(engine, table, where)
        ),
    )
    sqlite = engine.dialect.name == "sqlite"
    for kind in ("copies", "sessions", "learners", "assignments"):
        with engine.connect() as connection:
            within = writing.load_state(connection, kind, rows)
        beside_reads.clear()
        with pytest.raises(_RollBack), db.write_transaction(engine) as connection:
            assert not db.holds_write_lock_unwritten(connection)
            db.bump_data_version(connection)
            assert db.holds_write_lock_unwritten(connection)
            beside = writing.load_state(connection, kind, rows)
            connection.execute(sa.delete(models.ImportRecord.__table__))
            assert not db.holds_write_lock_unwritten(connection)
            raise _RollBack
        assert bool(beside_reads) == sqlite
        assert set(beside.frames) == set(within.frames) and beside.next_ids == within.next_ids
        for name, frame in within.frames.items():
            assert beside.frames[name].equals(frame), name
        assert within.frames["learners"].height == 3
        if kind == "copies":
            assert within.frames["copies"].height == 2  # those of 02/10/2025
        if kind == "sessions":
            assert within.frames["attendance"].height == 1
