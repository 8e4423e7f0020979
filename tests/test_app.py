"""The whole app, from app.py: every page renders on the demo data without an exception; the
overview shows the figures worked out by hand for a small world, whole and per site."""

from __future__ import annotations

from datetime import date

import pytest
from apptest import open_page, page_problems, plain
from test_summary import hand_made_world

from seed.generate import generate
from ui import format as fmt

PAGES = [
    "pages/overview.py",
    "pages/activity.py",
    "pages/delays.py",
    "pages/tutoring.py",
    "pages/forecast.py",
    "pages/report.py",
    "pages/dropout.py",
    "pages/at_risk.py",
    "pages/support.py",
    "pages/interviews.py",
    "pages/learner.py",
    "pages/import_data.py",
    "pages/plan_ap.py",
    "pages/audit.py",
    "pages/help.py",
]
UNEXPECTED = "erreur inattendue"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_error(demo_env: str, page: str) -> None:
    app = open_page(page)
    assert not app.exception, app.exception
    assert not [e for e in page_problems(app) if UNEXPECTED in e.lower()]
    assert app.main.title, f"{page} has no title"


QUARTER = (date(2025, 10, 1), date(2025, 12, 31))


def test_overview_shows_the_hand_worked_figures(app_database) -> None:  # noqa: ANN001
    """The quarter of tests/test_summary.py, worked out by hand there: 3 copies received and 3
    corrected (delays 2, 3 and 7 days), 1 request in 3 answered within 48 h, 1 dropout among 2
    active enrolments, 2 sessions of 2,5 h (5,0 h: hours keep one decimal on every page)."""
    app_database(hand_made_world())
    app = open_page()
    app.sidebar.date_input(key="period").set_value(QUARTER).run()
    assert not app.exception
    tiles = {metric.label: metric.value for metric in app.metric}
    assert tiles["Copies reçues"] == "3"
    assert tiles["Copies corrigées"] == "3"
    assert tiles["Délai moyen de correction"] == "4,0\u00a0j"
    assert tiles["Tutorat : réponse sous 48 h"] == "33\u00a0%"
    assert tiles["Taux d'abandon"] == "50,0\u00a0%"
    assert tiles["Heures d'accompagnement assurées"] == "5,0\u00a0h"


def test_overview_compares_the_school_year_with_the_previous_one(demo_env: str) -> None:
    """The demo holds 2024-2025 and 2025-2026: the latest is chosen, the other offered, and
    the overview's changes are against the school year before (counted here from the rows)."""
    copies = generate("demo", 42)["copies"]["submitted_on"]
    now = copies.is_between(date(2025, 9, 1), date(2026, 8, 31)).sum()
    before = copies.is_between(date(2024, 9, 1), date(2025, 8, 31)).sum()
    assert 0 < before < now
    app = open_page()
    year = app.sidebar.selectbox(key="school_year")
    assert year.options == ["2025-2026", "2024-2025"] and year.value == 2025
    captions = [caption.value for caption in app.caption]
    assert "Évolutions par rapport aux 365 jours précédents (du 01/09/2024 au 31/08/2025)." in (
        captions
    )
    received = {metric.label: metric for metric in app.metric}["Copies reçues"]
    assert received.value == fmt.number(now)
    assert received.proto.delta == fmt.change(now, before) == "+" + fmt.number(now - before)
    # the earlier year has nothing before it: no change rather than a false one
    year.set_value(2024).run()
    assert not app.exception
    received = {metric.label: metric for metric in app.metric}["Copies reçues"]
    assert received.value == fmt.number(before) and not received.proto.delta
    assert any(caption.value.startswith("Pas d'évolution affichée") for caption in app.caption)


def test_filters_are_kept_when_moving_between_pages(demo_env: str) -> None:
    app = open_page()
    site = app.sidebar.multiselect(key="filter_sites").options[0]
    app.sidebar.multiselect(key="filter_sites").set_value([site]).run()
    app.switch_page("pages/delays.py").run()
    app.switch_page("pages/overview.py").run()
    assert app.sidebar.multiselect(key="filter_sites").value == [site]
    assert not app.exception


def test_a_site_filter_gives_that_site_figures(app_database) -> None:  # noqa: ANN001
    """Same quarter: Nord received 1 copy (L1's), Sud 2 (L2's), 3 in all."""
    app_database(hand_made_world())
    app = open_page()
    app.sidebar.date_input(key="period").set_value(QUARTER).run()
    received = {}
    for sites in (["Nord"], ["Sud"], []):
        app.sidebar.multiselect(key="filter_sites").set_value(sites).run()
        received[", ".join(sites)] = {m.label: m.value for m in app.metric}["Copies reçues"]
    assert received == {"Nord": "1", "Sud": "2", "": "3"}


def test_a_file_that_is_not_a_database_gives_one_french_message(tmp_path, monkeypatch) -> None:
    import streamlit as st

    path = tmp_path / "pilotage.db"
    path.write_bytes(b"PK\x03\x04 not a database, a renamed zip" * 100)
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", f"sqlite:///{path}")
    st.cache_resource.clear()
    app = open_page()
    assert not app.exception
    assert [plain(e.value) for e in app.error] == [
        f"Base de données inaccessible : sqlite:///{path} — le fichier existe mais n'est pas "
        "une base SQLite. Vérifiez la variable PILOTAGE_DATABASE_URL (adresse, utilisateur, "
        "mot de passe) ou que le serveur est démarré."
    ]


def test_an_unusable_database_url_gives_one_french_message(monkeypatch) -> None:
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", "mysql://pilote:secret@serveur/base")
    app = open_page()
    assert not app.exception
    (message,) = [plain(e.value) for e in app.error]
    assert "PILOTAGE_DATABASE_URL" in message and "secret" not in message
