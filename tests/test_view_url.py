"""Shareable views: the sidebar's selection lives in the address; a link opens the same view,
a reload keeps it, and a malformed address falls back to the defaults with one French
notice."""

from __future__ import annotations

from datetime import date

import pytest
from apptest import plain
from streamlit.testing.v1 import AppTest
from world import World

from indicators.common import DEFAULT_SETTINGS
from ui import view_url
from ui.sidebar import SETTING_WIDGETS

APP = "../app.py"
YEARS = [2025, 2024]
KNOWN = {
    "site": ["Lyon", "Nice"],
    "groupe": ["CAP 1", "BTS"],
    "discipline": ["Maths"],
    "public": ["jeunes"],
}


def parse(**params: str | list[str]) -> view_url.Requested:
    given = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    return view_url.parse(given, years=YEARS, known=KNOWN, limits=SETTING_WIDGETS)


def test_a_full_address_is_read() -> None:
    asked = parse(
        annee="2024-2025",
        du="2024-10-01",
        au="2024-12-31",
        site=["Lyon", "Nice"],
        discipline="Maths",
        pic="3",
        objectif="5",
    )
    assert asked.problems == () and asked.unknown == {}
    assert asked.year == 2024 and asked.period == (date(2024, 10, 1), date(2024, 12, 31))
    assert asked.lists == {"site": ["Lyon", "Nice"], "discipline": ["Maths"]}
    assert asked.thresholds == {"surge_ratio": 3.0, "correction_target_days": 5}


def test_dates_alone_choose_their_school_year() -> None:
    assert parse(du="2024-10-01", au="2024-12-31").year == 2024


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"du": "2026-13-01", "au": "2026-12-31"}, "la date de début « 2026-13-01 » n'existe pas"),
        ({"du": "2025-12-31", "au": "2025-10-01"}, "la fin de la période (01/10/2025) précède"),
        ({"du": "2025-10-01"}, "la période demande une date de début (du) et une date de fin (au)"),
        ({"annee": "2019-2020"}, "l'année scolaire « 2019-2020 » n'est pas dans les données"),
        ({"annee": "bientôt"}, "l'année scolaire « bientôt » n'est pas dans les données"),
        ({"pic": "7"}, "le seuil « pic » ne peut pas valoir « 7 »"),
        ({"objectif": "0"}, "le seuil « objectif » ne peut pas valoir « 0 »"),
        ({"volume": "beaucoup"}, "le seuil « volume » ne peut pas valoir « beaucoup »"),
        ({"discipline": "Latin"}, "discipline inconnue dans vos données : « Latin »"),
    ],
)
def test_a_malformed_value_is_left_at_its_default_and_said(params: dict, problem: str) -> None:
    asked = parse(**params)
    assert asked.period is None and asked.thresholds == {} and not asked.lists.get("discipline")
    assert len(asked.problems) == 1 and asked.problems[0].startswith(problem)


def test_unknown_sites_and_groups_are_set_apart_for_the_perimeter_check() -> None:
    asked = parse(site=["Lyon", "Paris"], groupe="CAP 9")
    assert asked.lists == {"site": ["Lyon"], "groupe": []}
    assert asked.unknown == {"site": ["Paris"], "groupe": ["CAP 9"]}


def test_the_address_of_a_selection_round_trips() -> None:
    from dataclasses import replace

    settings = replace(DEFAULT_SETTINGS, surge_ratio=2.5)
    params = view_url.encode(
        year=2024,
        period=(date(2024, 10, 1), date(2024, 12, 31)),
        lists={"site": ("Nice",), "groupe": ()},
        settings=settings,
    )
    assert params == {
        "annee": ["2024-2025"],
        "du": ["2024-10-01"],
        "au": ["2024-12-31"],
        "site": ["Nice"],
        "pic": ["2.5"],
    }
    asked = view_url.parse(params, years=YEARS, known=KNOWN, limits=SETTING_WIDGETS)
    assert (asked.year, asked.period, asked.lists, asked.thresholds) == (
        2024,
        (date(2024, 10, 1), date(2024, 12, 31)),
        {"site": ["Nice"]},
        {"surge_ratio": 2.5},
    )


def two_years() -> World:
    """Lyon and Nice over 2024-2025 and 2025-2026: at Lyon, 2 copies in October 2024 and 3 in
    October 2025; at Nice, 1 copy in November 2024."""
    w = World()
    w.group("CAP 1 (2024)", site="Lyon", school_year="2024-2025")
    w.group("CAP 1", site="Lyon")
    w.group("BTS (2024)", site="Nice", school_year="2024-2025")
    w.learner("L1", group="CAP 1 (2024)", entered=date(2024, 9, 2), left=date(2025, 7, 4),
              reason="fin de parcours")  # fmt: skip
    w.enrol("L1", "CAP 1", date(2025, 9, 1))
    w.learner("N1", group="BTS (2024)", entered=date(2024, 9, 2))
    for day in (date(2024, 10, 7), date(2024, 10, 14), date(2025, 10, 6), date(2025, 10, 13),
                date(2025, 10, 20)):  # fmt: skip
        w.copy("L1", "Maths", submitted=day, corrected=day)
    w.copy("N1", "Maths", submitted=date(2024, 11, 4), corrected=date(2024, 11, 5))
    return w


def _open(params: dict[str, str | list[str]]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    for name, value in params.items():
        app.query_params[name] = value
    return app.run()


def _values(app: AppTest, name: str) -> list[str]:
    """The values of a parameter of the address (AppTest keeps one value as a string)."""
    value = app.query_params.get(name, [])
    return [value] if isinstance(value, str) else list(value)


def _copies(app: AppTest) -> str:
    return {m.label: m.value for m in app.main.metric}["Copies reçues"]


def test_a_link_opens_the_same_view_and_a_reload_keeps_it(app_database) -> None:  # noqa: ANN001
    app_database(two_years())
    link = {"annee": "2024-2025", "du": "2024-10-01", "au": "2024-12-31", "site": "Lyon"}
    app = _open(link | {"pic": "3"})
    assert not app.exception and not app.warning
    assert app.sidebar.selectbox(key="school_year").value == 2024
    assert app.sidebar.date_input(key="period").value == (date(2024, 10, 1), date(2024, 12, 31))
    assert app.sidebar.multiselect(key="filter_sites").value == ["Lyon"]
    assert app.session_state["set_surge_ratio"] == 3.0
    assert _copies(app) == "2"
    # the user adds Nice: the address follows, and a reload (a new session) shows it again
    app.sidebar.multiselect(key="filter_sites").select("Nice").run()
    assert _copies(app) == "3"
    written = {name: _values(app, name) for name in view_url.PARAMETERS}
    assert written["site"] == ["Lyon", "Nice"] and written["pic"] == ["3"]
    again = _open({name: values for name, values in written.items() if values})
    assert again.sidebar.multiselect(key="filter_sites").value == ["Lyon", "Nice"]
    assert _copies(again) == "3" and not again.warning


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"site": "Paris"}, "site inconnu dans vos données : « Paris »"),
        ({"du": "2026-13-01", "au": "2026-12-31"}, "la date de début « 2026-13-01 » n'existe pas"),
        ({"du": "2025-12-31", "au": "2025-10-01"}, "la fin de la période (01/10/2025) précède"),
    ],
)
def test_a_malformed_link_falls_back_to_the_defaults_with_one_french_notice(
    app_database,  # noqa: ANN001
    params: dict,
    said: str,
) -> None:
    app_database(two_years())
    app = _open(params)
    assert not app.exception
    assert len(app.warning) == 1
    notice = plain(app.warning[0].value)
    assert notice.startswith("Le lien ouvert contient des valeurs inutilisables") and said in notice
    # the defaults: the latest school year, every site
    assert app.sidebar.date_input(key="period").value == (date(2025, 9, 1), date(2026, 8, 31))
    assert app.sidebar.multiselect(key="filter_sites").value == []
    assert _copies(app) == "3"
    assert _values(app, "du") == ["2025-09-01"]  # the address says what is shown
    app.run()  # the notice is said once
    assert not app.warning
