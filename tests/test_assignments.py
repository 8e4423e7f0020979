"""Assignments (devoirs): their import kind, the due date an export of copies may carry, the
link of each copy to its assignment (group, discipline, title) and their checks."""

from __future__ import annotations

import csv
import io
from datetime import date

import polars as pl
import sqlalchemy as sa
from world import World

from data_access import models
from data_access.frames import load_frames
from data_access.importing import import_file
from data_access.importing.mapping import guess_kind, guess_mapping
from indicators.dataset import prepare


def csv_of(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\n").writerows(rows)
    return text.getvalue().encode("utf-8")


LEARNERS = [
    ["Identifiant", "Nom", "Classe", "Site", "Date d'entrée"],
    ["A1", "Martin", "2nde A", "Lycée Nord", "01/09/2025"],
    ["A2", "Durand", "2nde A", "Lycée Nord", "01/09/2025"],
    ["B1", "Petit", "CAP 1", "Lycée Nord", "15/09/2025"],
]
ASSIGNMENTS = [
    ["Classe", "Matière", "Intitulé", "À rendre le"],
    ["2nde A", "Maths", "Devoir 1", "10/10/2025"],
    ["2nde A", "Maths", "Devoir 2", "07/11/2025"],
    ["CAP 1", "Français", "Rédaction", "17/10/2025"],
]


def assignments_of(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.text(
                    "SELECT g.name, a.discipline, a.title, a.due_on FROM assignment a "
                    "JOIN study_group g ON g.id = a.group_id ORDER BY g.name, a.title"
                )
            ).all()
        ]


def test_the_headers_of_an_assignments_export_are_recognised() -> None:
    headers = ["Classe", "Matière", "Devoir", "Date limite"]
    assert guess_kind(headers) == "assignments"
    assert guess_mapping(headers, "assignments") == {
        "Classe": "group",
        "Matière": "discipline",
        "Devoir": "title",
        "Date limite": "due_on",
    }
    assert guess_kind(ASSIGNMENTS[0]) == "assignments"
    copies = ["N° apprenant", "Matière", "Devoir", "Date limite", "Déposé le", "Note"]
    assert guess_kind(copies) == "copies"
    assert guess_mapping(copies, "copies")["Date limite"] == "due_on"


def test_assignments_import_then_reimport_with_a_new_due_date(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    report = import_file(engine, "devoirs.csv", csv_of(ASSIGNMENTS))
    assert (report.kind, report.status, report.added, report.rejected) == (
        "assignments",
        "importé",
        3,
        0,
    )
    assert report.created == {}  # both groups were there
    assert [(g, d, t, str(due)) for g, d, t, due in assignments_of(engine)] == [
        ("2nde A", "Maths", "Devoir 1", "2025-10-10"),
        ("2nde A", "Maths", "Devoir 2", "2025-11-07"),
        ("CAP 1", "Français", "Rédaction", "2025-10-17"),
    ]
    later = [row[:] for row in ASSIGNMENTS]
    later[2][3] = "14/11/2025"  # Devoir 2 postponed by a week
    later[1][2] = "DEVOIR  1"  # the same assignment, spelled otherwise
    again = import_file(engine, "devoirs.csv", csv_of(later))
    assert (again.added, again.updated, again.unchanged) == (0, 1, 2)
    assert [str(due) for *_, due in assignments_of(engine)] == [
        "2025-10-10",
        "2025-11-14",
        "2025-10-17",
    ]


def test_an_assignment_due_before_its_groups_first_day_is_refused(engine: sa.Engine) -> None:
    """CAP 1's first learner entered on 15/09/2025: an assignment due on 12/09/2025 is a date
    typed wrong (or another year's group); the whole file is refused, nothing written."""
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    rows = [*ASSIGNMENTS, ["CAP 1", "Maths", "Test", "12/09/2025"]]
    report = import_file(engine, "devoirs.csv", csv_of(rows))
    assert report.status == "refusé"
    assert report.problems.select("row", "column", "value", "reason").rows() == [
        (
            5,
            "À rendre le",
            "12/09/2025",
            "date limite antérieure au premier jour du groupe (15/09/2025)",
        )
    ]
    assert assignments_of(engine) == []


def test_copies_with_a_due_date_create_their_assignments(engine: sa.Engine) -> None:
    """A copy whose assignment is unknown creates it (group: the learner's enrolment on the day
    of the copy), with the due date of the export when it gives one; an assignment already
    known keeps its due date, and one without a date gets the export's."""
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    import_file(engine, "devoirs.csv", csv_of(ASSIGNMENTS[:2]))  # 2nde A, Devoir 1, 10/10
    copies = [
        ["N° apprenant", "Matière", "Devoir", "Date limite", "Déposé le", "Note"],
        ["A1", "Maths", "Devoir 1", "03/10/2025", "09/10/2025", "12"],  # date not the known one
        ["A2", "Maths", "Devoir 1", "", "13/10/2025", "9"],
        ["A1", "Maths", "Devoir 3", "", "20/11/2025", ""],  # new, no date
        ["B1", "Français", "Rédaction", "17/10/2025", "16/10/2025", "14"],  # new, dated
        ["B1", "Français", "", "", "18/10/2025", ""],  # names no assignment
    ]
    report = import_file(engine, "copies.csv", csv_of(copies))
    assert (report.status, report.added, report.rejected) == ("importé", 5, 0)
    assert report.created == {"assignments": 2}
    assert "créés au passage : 2 devoirs" in report.summary()
    assert [
        (g, t, None if due is None else str(due)) for g, _, t, due in assignments_of(engine)
    ] == [
        ("2nde A", "Devoir 1", "2025-10-10"),
        ("2nde A", "Devoir 3", None),
        ("CAP 1", "Rédaction", "2025-10-17"),
    ]
    dated = [row[:] for row in copies]
    dated[3][3] = "21/11/2025"
    import_file(engine, "copies.csv", csv_of(dated))
    assert [str(due) for *_, due in assignments_of(engine)] == [
        "2025-10-10",
        "2025-11-21",
        "2025-10-17",
    ]
    with engine.connect() as connection:
        assert (
            connection.execute(
                sa.select(sa.func.count()).select_from(models.Assignment.__table__)
            ).scalar_one()
            == 3
        )

    # the dataset links each copy to its assignment (group, discipline, title)
    data = prepare(load_frames(engine))
    assert data.frames.assignments.height == 3
    linked = (
        data.copies.sort("submitted_on")
        .select("assignment", "group", pl.col("due_on").dt.strftime("%d/%m/%Y"))
        .rows()
    )
    assert linked == [
        ("Devoir 1", "2nde A", "10/10/2025"),
        ("Devoir 1", "2nde A", "10/10/2025"),
        ("Rédaction", "CAP 1", "17/10/2025"),
        ("", "CAP 1", None),
        ("Devoir 3", "2nde A", "21/11/2025"),
    ]
    assert data.assignments.select("group", "site").unique().sort("group").rows() == [
        ("2nde A", "Lycée Nord"),
        ("CAP 1", "Lycée Nord"),
    ]


def test_a_copy_belongs_to_the_assignment_of_its_group_on_the_day_it_was_handed_in() -> None:
    """A001 moved from 2nde A to 2nde B on 03/11/2025: their Devoir 1 copy (handed in on
    20/10) is 2nde A's Devoir 1 (due 17/10), their Devoir 2 copy (handed in on 14/11) is
    2nde B's (due 21/11), not 2nde A's (due 07/11)."""
    world = World()
    world.group("2nde A", site="Lyon")
    world.group("2nde B", site="Lyon")
    world.learner(
        "A001",
        group="2nde A",
        entered=date(2025, 9, 1),
        left=date(2025, 11, 2),
        reason="réorientation",
    )
    world.enrol("A001", "2nde B", date(2025, 11, 3))
    world.assignment("2nde A", "Maths", "Devoir 1", due=date(2025, 10, 17))
    world.assignment("2nde A", "Maths", "Devoir 2", due=date(2025, 11, 7))
    world.assignment("2nde B", "Maths", "Devoir 2", due=date(2025, 11, 21))
    world.copy("A001", "Maths", submitted=date(2025, 10, 20), assignment="Devoir 1")
    world.copy("A001", "Maths", submitted=date(2025, 11, 14), assignment="Devoir 2")
    copies = world.dataset().copies.sort("submitted_on")
    assert copies.select("group", "assignment_id", "due_on").rows() == [
        ("2nde A", 1, date(2025, 10, 17)),
        ("2nde B", 3, date(2025, 11, 21)),
    ]
