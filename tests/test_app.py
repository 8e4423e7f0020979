"""The whole app, from app.py: every page renders on the demo data without an exception."""

from __future__ import annotations

import pytest
from apptest import open_page, page_problems

PAGES = [
    "pages/overview.py",
    "pages/activity.py",
    "pages/delays.py",
    "pages/tutoring.py",
    "pages/dropout.py",
    "pages/support.py",
    "pages/interviews.py",
    "pages/import_data.py",
    "pages/plan_ap.py",
]
UNEXPECTED = "erreur inattendue"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_error(demo_env: str, page: str) -> None:
    app = open_page(page)
    assert not app.exception, app.exception
    assert not [e for e in page_problems(app) if UNEXPECTED in e.lower()]
    assert app.main.title, f"{page} has no title"


def test_overview_shows_true_figures_of_the_demo(demo_env: str) -> None:
    app = open_page()
    assert not app.exception
    labels = {metric.label: metric.value for metric in app.metric}
    assert labels["Copies reçues"] not in ("0", "—")
    assert labels["Délai moyen de correction"].endswith("j")
    assert labels["Tutorat : réponse sous 48 h"].endswith("%")


def test_filters_are_kept_when_moving_between_pages(demo_env: str) -> None:
    app = open_page()
    site = app.sidebar.multiselect(key="filter_sites").options[0]
    app.sidebar.multiselect(key="filter_sites").set_value([site]).run()
    app.switch_page("pages/delays.py").run()
    app.switch_page("pages/overview.py").run()
    assert app.sidebar.multiselect(key="filter_sites").value == [site]
    assert not app.exception


def test_a_site_filter_changes_the_overview(demo_env: str) -> None:
    app = open_page()
    everything = {m.label: m.value for m in app.metric}["Copies reçues"]
    site = app.sidebar.multiselect(key="filter_sites").options[0]
    app.sidebar.multiselect(key="filter_sites").set_value([site]).run()
    one_site = {m.label: m.value for m in app.metric}["Copies reçues"]
    assert one_site != everything


def test_a_file_that_is_not_a_database_gives_one_french_message(tmp_path, monkeypatch) -> None:
    import streamlit as st

    path = tmp_path / "pilotage.db"
    path.write_bytes(b"PK\x03\x04 not a database, a renamed zip" * 100)
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", f"sqlite:///{path}")
    st.cache_resource.clear()
    app = open_page()
    assert not app.exception
    assert [e.value for e in app.error] == [
        f"Base de données inaccessible : sqlite:///{path} — le fichier existe mais n'est pas "
        "une base SQLite. Vérifiez la variable PILOTAGE_DATABASE_URL (adresse, utilisateur, "
        "mot de passe) ou que le serveur est démarré."
    ]


def test_an_unusable_database_url_gives_one_french_message(monkeypatch) -> None:
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", "mysql://pilote:secret@serveur/base")
    app = open_page()
    assert not app.exception
    (message,) = [e.value for e in app.error]
    assert "PILOTAGE_DATABASE_URL" in message and "secret" not in message
