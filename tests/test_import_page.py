"""AppTest of the page "Importer des données": upload, mapping, report, import, quick analysis."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
from apptest import plain
from streamlit.testing.v1 import AppTest

from data_access import db
from data_access.settings import Settings

APP = Path(__file__).resolve().parent.parent / "app.py"
LEARNERS = (
    "Export ENT\n\nIdentifiant;Nom;Classe;Date d'entrée\n"
    "A1;<script>alert(1)</script>;2nde A;01/09/2025\nA2;Durand;2nde A;01/09/2025\n"
)
BAD_COPIES = "N° apprenant;Matière;Déposé le;Note\nA1;Maths;02/10/2025;12\nA1;Maths;03/10/2025;25\n"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    url = f"sqlite:///{tmp_path / 'page.db'}"
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", url)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("pages/import_data.py")
    at.run()
    yield at
    db.forget_engine(url)


def count(table: str) -> int:
    engine = db.get_engine(Settings(database_url=os.environ["PILOTAGE_DATABASE_URL"]))
    with engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def button(at: AppTest, label: str):  # noqa: ANN201
    return next(b for b in at.button if b.label == label)


def test_upload_check_and_import(app: AppTest) -> None:
    assert not app.exception
    assert app.title[0].value == "Importer des données"
    app.file_uploader(key="import_file").upload("apprenants.csv", LEARNERS.encode("cp1252")).run()
    assert not app.exception and not app.error
    assert app.selectbox[0].value == "learners"
    assert any("en-tête trouvé ligne 3" in c.value for c in app.caption)
    assert any("peut être importé" in s.value for s in app.success)
    button(app, "Importer").click().run()
    assert not app.exception
    assert any("Import réussi : 2 lignes ajoutées" in plain(s.value) for s in app.success)
    assert count("learner") == 2
    assert not any("<script>" in m.value for m in app.markdown)  # names only in dataframes


def test_bad_file_is_reported_and_nothing_written(app: AppTest) -> None:
    app.file_uploader(key="import_file").upload("apprenants.csv", LEARNERS.encode()).run()
    button(app, "Importer").click().run()
    app.file_uploader(key="import_file").set_value(
        ("copies.csv", BAD_COPIES.encode(), "text/csv")
    ).run()
    assert not app.exception
    assert any("Fichier refusé" in e.value or "serait refusé" in e.value for e in app.error)
    problems = next(
        d.value
        for d in app.dataframe
        if list(d.value.columns) == ["Ligne", "Colonne", "Valeur", "Problème"]
    )
    assert problems.to_dict("records")[0] == {
        "Ligne": 3,
        "Colonne": "Note",
        "Valeur": "25",
        "Problème": "note hors de l'échelle 0 à 20",
    }
    assert button(app, "Importer").disabled
    button(app, "Importer seulement les lignes valides").click().run()
    assert any("Import partiel" in w.value for w in app.warning)
    assert count("copy") == 1


def test_unreadable_file_gives_a_french_message(app: AppTest) -> None:
    app.file_uploader(key="import_file").upload("copies.xlsx", b"%PDF-1.4 faux").run()
    assert not app.exception
    assert "PDF" in app.error[0].value


def test_quick_analysis_writes_nothing(app: AppTest) -> None:
    app.file_uploader(key="import_file").upload("Maths.csv", BAD_COPIES.encode()).run()
    button(app, "Analyser sans enregistrer").click().run()
    assert not app.exception
    assert any("Analyse rapide prête" in s.value for s in app.success)
    name, dataset = app.session_state["quick_analysis"]
    assert name == "Maths.csv" and dataset.copies.height == 1
    assert count("copy") == 0 and count("learner") == 0


def test_the_file_is_read_and_checked_once_per_mapping_and_data(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every click reruns the page: the file is read once, and checked again only when its
    mapping changes or the data change (an import)."""
    from ui import importing

    calls = {"open_sheet": 0, "check": 0}
    for name in calls:
        real = getattr(importing, name)

        def counted(*args, _real=real, _name=name, **kwargs):  # noqa: ANN002, ANN003, ANN202
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(importing, name, counted)
    content = LEARNERS.encode("cp1252")
    app.file_uploader(key="import_file").upload("apprenants.csv", content).run()
    assert calls == {"open_sheet": 1, "check": 1}
    button(app, "Analyser sans enregistrer").click().run()
    assert calls == {"open_sheet": 1, "check": 1}
    name_column = f"map_{hashlib.sha256(content).hexdigest()}_learners_1"
    app.selectbox(key=name_column).set_value("— ignorer cette colonne —").run()
    assert calls == {"open_sheet": 1, "check": 2}
    app.selectbox(key=name_column).set_value("Nom").run()
    assert calls == {"open_sheet": 1, "check": 2}  # that mapping was checked already
    button(app, "Importer").click().run()
    assert any("Import réussi : 2 lignes ajoutées" in plain(s.value) for s in app.success)
    assert calls == {"open_sheet": 1, "check": 2}
    app.run()  # the data changed: the file is checked against them once
    assert calls == {"open_sheet": 1, "check": 3}
    assert any("Essai (rien n'est enregistré) : le fichier peut être importé. Aucune ligne "
               "à ajouter, 2 inchangées" in plain(s.value)
               for s in app.success)  # fmt: skip


COPIES_TO_KEEP = (
    "N° apprenant;Matière;Déposé le;Commentaire\n"
    "A1;Maths;02/10/2025;bien\nA2;Maths;03/10/2025;à revoir\n"
)


def test_from_quick_analysis_to_import_without_starting_again(app: AppTest) -> None:
    """The sidebar offers the analysed file at once; the file and its mapping stay when the
    user goes to another page and back (the upload box has forgotten the file by then); the
    analysed file is imported as analysed."""
    app.file_uploader(key="import_file").upload("apprenants.csv", LEARNERS.encode()).run()
    button(app, "Importer").click().run()
    content = COPIES_TO_KEEP.encode()
    sha = hashlib.sha256(content).hexdigest()
    app.file_uploader(key="import_file").set_value(("copies.csv", content, "text/csv")).run()
    assert not app.sidebar.radio  # nothing analysed yet: the database only
    # the user reads the comment as the assignment before analysing
    app.selectbox(key=f"map_{sha}_copies_3").set_value("Devoir").run()
    button(app, "Analyser sans enregistrer").click().run()
    assert not app.exception
    source = app.sidebar.radio(key="source")
    assert plain(source.options[0]) == "Fichier « copies.csv » (analyse rapide, non enregistré)"
    assert any("Analyse rapide prête" in s.value for s in app.success)

    app.switch_page("pages/delays.py").run()
    assert not app.exception
    app.switch_page("pages/import_data.py").run()
    assert not app.exception
    assert any("Fichier en cours : « copies.csv », analysé" in plain(i.value) for i in app.info)
    assert app.selectbox(key=f"map_{sha}_copies_3").value == "Devoir"
    assert count("copy") == 0
    button(app, "Importer ce fichier").click().run()
    assert not app.exception
    assert any("Import réussi : 2 lignes ajoutées" in plain(s.value) for s in app.success)
    engine = db.get_engine(Settings(database_url=os.environ["PILOTAGE_DATABASE_URL"]))
    with engine.connect() as connection:
        titles = connection.execute(sa.text("SELECT assignment FROM copy ORDER BY 1")).scalars()
        assert list(titles) == ["bien", "à revoir"]
    button(app, "Retirer ce fichier").click().run()
    assert not any("Fichier en cours" in plain(i.value) for i in app.info)
