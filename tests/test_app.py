"""The whole app, from app.py: every page renders on the demo data without an exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")

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


def _start() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    return app


def _errors(app: AppTest) -> list[str]:
    return [e.value for e in app.error] + [str(e.value) for e in app.exception]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_error(demo_env: str, page: str) -> None:
    app = _start()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    assert not [e for e in _errors(app) if UNEXPECTED in e.lower()]
    assert app.title, f"{page} has no title"


def test_overview_shows_true_figures_of_the_demo(demo_env: str) -> None:
    app = _start()
    assert not app.exception
    labels = {metric.label: metric.value for metric in app.metric}
    assert labels["Copies reçues"] not in ("0", "—")
    assert labels["Délai moyen de correction"].endswith("j")
    assert labels["Tutorat : réponse sous 48 h"].endswith("%")


def test_filters_are_kept_when_moving_between_pages(demo_env: str) -> None:
    app = _start()
    site = app.sidebar.multiselect(key="filter_sites").options[0]
    app.sidebar.multiselect(key="filter_sites").set_value([site]).run()
    app.switch_page("pages/delays.py").run()
    app.switch_page("pages/overview.py").run()
    assert app.sidebar.multiselect(key="filter_sites").value == [site]
    assert not app.exception


def test_a_site_filter_changes_the_overview(demo_env: str) -> None:
    app = _start()
    everything = {m.label: m.value for m in app.metric}["Copies reçues"]
    site = app.sidebar.multiselect(key="filter_sites").options[0]
    app.sidebar.multiselect(key="filter_sites").set_value([site]).run()
    one_site = {m.label: m.value for m in app.metric}["Copies reçues"]
    assert one_site != everything
