"""A rejected file changes nothing, not even the data version that keys every user's cache:
refused rows, an unreadable file, a file of unknown kind, a dry run; an import that writes
moves it on, once."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from data_access import db
from data_access.importing import ImportRejected, import_file, import_history


def csv_of(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\n").writerows(rows)
    return text.getvalue().encode("utf-8")


LEARNERS = [
    ["Identifiant", "Classe", "Date d'entrée"],
    ["A1", "2nde A", "01/09/2025"],
]
BAD_COPIES = [
    ["Identifiant", "Matière", "Déposé le", "Note"],
    ["A1", "Maths", "02/10/2025", "25"],  # beyond 20
]


def test_a_rejected_file_leaves_the_data_version_as_it_was(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    before = db.data_version(engine)
    report = import_file(engine, "copies.csv", csv_of(BAD_COPIES))
    assert report.status == "refusé"
    assert db.data_version(engine) == before
    with pytest.raises(ImportRejected):
        import_file(engine, "vide.csv", b"")  # unreadable
    with pytest.raises(ImportRejected):
        import_file(engine, "x.csv", csv_of([["Couleur", "Taille"], ["bleu", "3"]]))
    import_file(engine, "apprenants.csv", csv_of(LEARNERS), dry_run=True)
    assert db.data_version(engine) == before
    # the attempts are in the history all the same
    assert import_history(engine).get_column("Résultat").to_list()[:3] == [
        "illisible",  # no header recognised
        "illisible",  # empty
        "refusé",
    ]
    good = [BAD_COPIES[0], ["A1", "Maths", "02/10/2025", "15"]]
    assert import_file(engine, "copies.csv", csv_of(good)).status == "importé"
    assert db.data_version(engine) > before
