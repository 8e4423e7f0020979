"""Copies as exports number them: the copy number is the key when the file has one;
otherwise two copies of one learner, discipline, assignment and day are two copies, told apart
by their order in the file, and a later export of the same copies adds nothing."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from data_access import db, models
from data_access.importing import import_file
from data_access.importing.pipeline import open_sheet, quick_analysis, suggest
from data_access.settings import Settings


def csv_of(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\n").writerows(rows)
    return text.getvalue().encode("utf-8")


LEARNERS = [
    ["Identifiant", "Classe", "Site", "Date d'entrée"],
    ["11391", "AAA-2014J", "Open University", "01/09/2014"],
    ["28400", "AAA-2014J", "Open University", "01/09/2014"],
]
# The Open University's shape: a copy number, no assignment title; 11391 handed in two copies
# of AAA on 12/10/2014
NUMBERED = [
    ["N° copie", "Identifiant", "Discipline", "Déposé le", "Corrigé le", "Note"],
    ["1752", "11391", "AAA", "12/10/2014", "20/10/2014", "15,5"],
    ["1753", "11391", "AAA", "12/10/2014", "20/10/2014", "14"],
    ["1754", "28400", "AAA", "12/10/2014", "21/10/2014", "13"],
    ["1760", "11391", "AAA", "16/11/2014", "", ""],
]
# The same copies as another system exports them: neither number nor assignment
UNNUMBERED = [[row[1], row[2], row[3], row[4], row[5]] for row in NUMBERED]
UNNUMBERED[0] = ["Identifiant", "Discipline", "Déposé le", "Corrigé le", "Note"]


def copies(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.text(
                    "SELECT l.external_id, c.submitted_on, c.sequence, c.copy_number, c.grade "
                    "FROM copy c JOIN learner l ON l.id = c.learner_id "
                    "ORDER BY c.submitted_on, l.external_id, c.sequence"
                )
            ).all()
        ]


def test_same_day_copies_with_a_copy_number(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    report = import_file(engine, "copies.csv", csv_of(NUMBERED))
    assert (report.status, report.added, report.rejected) == ("importé", 4, 0)
    assert report.mapping["N° copie"] == "copy_number"
    assert [(who, str(day), seq, number) for who, day, seq, number, _ in copies(engine)] == [
        ("11391", "2014-10-12", 1, "1752"),
        ("11391", "2014-10-12", 2, "1753"),
        ("28400", "2014-10-12", 1, "1754"),
        ("11391", "2014-11-16", 1, "1760"),
    ]
    # a later export, in another order, 1753 regraded and 1760 corrected since
    later = [NUMBERED[0], NUMBERED[4][:], NUMBERED[3], NUMBERED[2][:], NUMBERED[1]]
    later[3][5] = "16"
    later[1][4], later[1][5] = "20/11/2014", "11"
    again = import_file(engine, "copies.csv", csv_of(later))
    assert (again.added, again.updated, again.unchanged, again.rejected) == (0, 2, 2, 0)
    assert [(number, grade) for *_, number, grade in copies(engine)] == [
        ("1752", 15.5),
        ("1753", 16.0),
        ("1754", 13.0),
        ("1760", 11.0),
    ]


def test_a_copy_number_twice_with_other_values_or_for_another_learner(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    import_file(engine, "copies.csv", csv_of(NUMBERED))
    rows = [
        NUMBERED[0],
        ["1800", "28400", "AAA", "03/11/2014", "", ""],
        ["1800", "28400", "AAA", "04/11/2014", "", ""],  # same number, another day
        ["1752", "28400", "AAA", "12/10/2014", "", ""],  # 1752 is 11391's
    ]
    report = import_file(engine, "copies-bis.csv", csv_of(rows))
    assert report.status == "refusé"
    assert report.problems.select("row", "value", "reason").rows() == [
        (3, "1800", "en double : même n° de copie que la ligne 2 avec d'autres valeurs"),
        (
            4,
            "1752",
            "ce n° de copie est déjà enregistré pour un autre apprenant : deux copies ne "
            "peuvent pas avoir le même numéro",
        ),
    ]
    assert len(copies(engine)) == 4


def test_same_day_copies_with_neither_number_nor_assignment(engine: sa.Engine) -> None:
    """11391's two copies of 12/10/2014 are two copies (rank 1 and 2 in the file's order);
    the same export again adds nothing, and with the second one regraded updates it."""
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    report = import_file(engine, "copies.csv", csv_of(UNNUMBERED))
    assert (report.status, report.added, report.rejected) == ("importé", 4, 0)
    assert report.problems.is_empty() and report.warnings.is_empty()
    assert [(who, seq, grade) for who, _, seq, _, grade in copies(engine)] == [
        ("11391", 1, 15.5),
        ("11391", 2, 14.0),
        ("28400", 1, 13.0),
        ("11391", 1, None),
    ]
    same = import_file(engine, "copies.csv", csv_of(UNNUMBERED))
    assert (same.added, same.updated, same.unchanged) == (0, 0, 4)
    regraded = [row[:] for row in UNNUMBERED]
    regraded[2][4] = "16"
    again = import_file(engine, "copies.csv", csv_of(regraded))
    assert (again.added, again.updated, again.unchanged) == (0, 1, 3)
    assert [grade for *_, grade in copies(engine)] == [15.5, 16.0, 13.0, None]
    # one more copy the same day: ranked third, the two first untouched
    more = [*regraded, ["11391", "AAA", "12/10/2014", "", ""]]
    third = import_file(engine, "copies.csv", csv_of(more))
    assert (third.added, third.updated, third.unchanged) == (1, 0, 4)
    assert [seq for who, day, seq, *_ in copies(engine) if str(day) == "2014-10-12"] == [1, 2, 3, 1]


def test_numbers_given_later_are_filled_in_not_added(engine: sa.Engine) -> None:
    """The copies came first without numbers, then an export with them: the same copies,
    matched on learner, discipline, day and order, get their numbers."""
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    import_file(engine, "copies.csv", csv_of(UNNUMBERED))
    report = import_file(engine, "copies-numerotees.csv", csv_of(NUMBERED))
    assert (report.added, report.updated, report.unchanged) == (0, 4, 0)
    assert [number for *_, number, _ in copies(engine)] == ["1752", "1753", "1754", "1760"]
    again = import_file(engine, "copies-numerotees.csv", csv_of(NUMBERED))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)


def test_an_exact_repeat_counts_once_with_a_note(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    report = import_file(engine, "copies.csv", csv_of([*NUMBERED, NUMBERED[2]]))
    assert (report.status, report.added) == ("importé", 4)
    assert report.warnings.select("row", "column", "value", "reason").rows() == [
        (6, "N° copie", "1753", "ligne identique à la ligne 3 : comptée une fois")
    ]


def test_quick_analysis_keeps_same_day_copies() -> None:
    raw = open_sheet(
        "copies.csv", csv_of([[*NUMBERED[0], "Classe"], *[[*r, "AAA-2014J"] for r in NUMBERED[1:]]])
    )
    kind, mapping, _ = suggest(None, raw)
    frames, report = quick_analysis(raw, kind, mapping)
    assert report.rejected == 0
    assert frames.copies.sort("copy_number").get_column("sequence").to_list() == [1, 2, 1, 1]


def test_a_database_made_before_copy_numbers_is_upgraded(database_url: str) -> None:
    """The copy table of an earlier version (no number, no rank, one copy per learner,
    discipline, assignment and day) gets the new columns; its copies keep their ids."""
    url = database_url
    old = sa.create_engine(url)
    models.SQLModel.metadata.create_all(old)
    with old.begin() as connection:
        connection.exec_driver_sql('DROP TABLE "copy"')
        connection.exec_driver_sql(
            'CREATE TABLE "copy" (id INTEGER NOT NULL PRIMARY KEY, learner_id INTEGER NOT NULL '
            "REFERENCES learner (id), discipline VARCHAR NOT NULL, assignment VARCHAR NOT NULL, "
            "submitted_on DATE NOT NULL, corrected_on DATE, corrector_id INTEGER REFERENCES "
            "staff (id), grade FLOAT, CONSTRAINT uq_copy UNIQUE (learner_id, discipline, "
            "assignment, submitted_on))"
        )
        connection.exec_driver_sql('CREATE INDEX "ix_copy_learner_id" ON "copy" (learner_id)')
        connection.exec_driver_sql("INSERT INTO learner (id, external_id) VALUES (7, '11391')")
        connection.exec_driver_sql(
            "INSERT INTO copy (id, learner_id, discipline, assignment, submitted_on, grade) "
            "VALUES (41, 7, 'AAA', '', '2014-10-12', 15.5)"
        )
    old.dispose()
    engine = db.get_engine(Settings(database_url=url))
    assert [(w, str(d), s, n, g) for w, d, s, n, g in copies(engine)] == [
        ("11391", "2014-10-12", 1, None, 15.5)
    ]
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    report = import_file(engine, "copies.csv", csv_of(NUMBERED))
    assert (report.added, report.updated) == (3, 1)  # 41 is 1752, numbered now
    with engine.connect() as connection:
        numbered = connection.execute(
            sa.text("SELECT copy_number FROM copy WHERE id = 41")
        ).scalar()
    assert numbered == "1752"


@pytest.mark.parametrize("header", ["N° copie", "Numéro de copie", "Id copie", "Référence"])
def test_copy_number_headers(header: str) -> None:
    raw = open_sheet("c.csv", csv_of([[header, *NUMBERED[0][1:]], NUMBERED[1]]))
    assert suggest(None, raw)[1][header] == "copy_number"


def test_a_numbered_copy_is_found_whatever_the_day_the_export_gives(engine: sa.Engine) -> None:
    """1752 was handed in on 12/10/2014; a later export dates it 13/10 (a correction of the
    system) and regrades it: the same copy (found by its number outside the file's days),
    updated, not added; its day stays the one recorded."""
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    import_file(engine, "copies.csv", csv_of(NUMBERED))
    later = [NUMBERED[0], ["1752", "11391", "AAA", "13/10/2014", "20/10/2014", "17"]]
    report = import_file(engine, "copies-bis.csv", csv_of(later))
    assert (report.added, report.updated, report.rejected) == (0, 1, 0)
    assert [(str(day), number, grade) for _, day, _, number, grade in copies(engine)][0] == (
        "2014-10-12",
        "1752",
        17.0,
    )
    assert len(copies(engine)) == 4


def test_ranks_within_a_key_are_those_of_a_window_over_the_key() -> None:
    """_with_rank numbers only the rows whose key repeats: the same ranks as a window over
    every key, null keys alike, in the frame's order."""
    import random

    import polars as pl

    from data_access.importing.writing import _with_rank

    rng = random.Random(3)
    frame = pl.DataFrame(
        {
            "learner": [rng.choice([1, 2, 3, None]) for _ in range(2_000)],
            "day": [rng.choice(["a", "b", None]) for _ in range(2_000)],
            "value": range(2_000),
        }
    )
    window = frame.with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("learner", "day").alias("rank")
    )
    assert _with_rank(frame, ["learner", "day"], "rank").equals(window)
    assert _with_rank(frame.head(3).with_columns(learner=pl.lit(None, pl.Int64)), ["learner"], "r")[
        "r"
    ].to_list() == [1, 2, 3]
    unique = pl.DataFrame({"learner": [1, 2, 3]})
    assert _with_rank(unique, ["learner"], "r")["r"].to_list() == [1, 1, 1]
