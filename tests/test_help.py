"""The page « Aide » and the one source of the definitions: every figure's « ? » is its
definition from ui/definitions.py (a figure without one fails here), the help page shows the
same texts, the thresholds in force and the freshness of each source; an old source is said
on every page."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import polars as pl
import pytest
from apptest import open_page, page_problems, plain
from test_view_url import two_years

from indicators import freshness, summary
from indicators.common import DEFAULT_SETTINGS
from ui import definitions

PAGES = [
    "pages/overview.py",
    "pages/activity.py",
    "pages/delays.py",
    "pages/tutoring.py",
    "pages/dropout.py",
    "pages/support.py",
    "pages/interviews.py",
    "pages/forecast.py",
]
"""The pages whose tiles are indicators (the audit trail's count of entries is not one)."""


def test_every_headline_indicator_has_a_definition() -> None:
    missing = [name for name in summary.HEADLINE_COLUMNS if name not in definitions.DEFINITIONS]
    assert missing == []


def test_every_definition_names_only_thresholds_that_exist() -> None:
    for key in definitions.DEFINITIONS:
        assert "{" not in definitions.text(key) and "}" not in definitions.text(key), key


def test_a_definition_is_written_with_the_thresholds_in_force() -> None:
    settings = replace(DEFAULT_SETTINGS, correction_target_days=5, surge_ratio=2.5)
    assert "au plus 5 jours" in definitions.text("correction_within_target_share", settings)
    assert "×2,5 la médiane" in definitions.text("surges", settings)
    assert "inférieures à 80\u00a0% des heures" in definitions.text("too_few_ap_hours")


def test_the_help_of_a_figure_is_its_definition_then_its_detail() -> None:
    text = definitions.help_for("dropout_rate", DEFAULT_SETTINGS, "3 abandons parmi 10.")
    assert text == definitions.text("dropout_rate") + "\n\n3 abandons parmi 10."
    with pytest.raises(KeyError):
        definitions.help_for("no_such_indicator")


@pytest.mark.parametrize("page", PAGES)
def test_every_figure_of_every_page_reads_its_definition(demo_env: str, page: str) -> None:
    texts = [definitions.text(key) for key in definitions.DEFINITIONS]
    app = open_page(page)
    assert app.main.metric, page
    without = [
        metric.label
        for metric in app.main.metric
        if not any((metric.proto.help or "").startswith(text) for text in texts)
    ]
    assert without == [], f"{page}: figures without a definition: {without}"


def test_the_help_page_shows_the_same_texts_the_thresholds_and_the_glossary(
    demo_env: str,
) -> None:
    app = open_page("pages/help.py")
    assert not page_problems(app)
    shown = "\n".join(plain(m.value) for m in app.main.markdown)
    for key, definition in definitions.DEFINITIONS.items():
        assert f"**{definition.name}** — {definitions.text(key)}" in shown, key
    thresholds, fresh, glossary = (table.value for table in app.main.dataframe)
    assert len(thresholds) == len(definitions.setting_names())
    surge = thresholds[thresholds["Réglage"] == DEFAULT_SETTINGS.labels["surge_ratio"]]
    assert (
        surge["Valeur en vigueur"].item() == "2"
        and "Panneau latéral" in surge["Où le changer"].item()
    )
    assert set(fresh["Source"]) >= {"Copies", "Entretiens", "Sollicitations de tutorat"}
    assert len(glossary) == len(definitions.GLOSSARY)


def test_freshness_of_each_source() -> None:
    """On 08/11/2025, with a threshold of 20 days: copies, last dated 20/10/2025 and imported on
    25/10/2025, are 14 days old (from the import): fresh. Enrolments were never imported; their
    last date is the entry of 01/09/2025 (after the exit of 04/07/2025): 68 days, old. The
    staff file imported is no source of dated events; nothing else holds data."""
    dataset = two_years().dataset()
    imports = pl.DataFrame(
        {
            "kind": ["copies", "staff"],
            "imported_at": [datetime(2025, 10, 25, 9), datetime(2025, 1, 1)],
        }
    )
    found = freshness.freshness(dataset, imports, date(2025, 11, 8), 20)
    rows = {row["kind"]: row for row in found.iter_rows(named=True)}
    assert set(rows) == {"learners", "copies"}
    copies = rows["copies"]
    assert (copies["label"], copies["last_event"]) == ("Copies", date(2025, 10, 20))
    assert (copies["last_import"], copies["age_days"], copies["stale"]) == (
        datetime(2025, 10, 25, 9),
        14,
        False,
    )
    learners = rows["learners"]
    assert (learners["last_import"], learners["last_event"]) == (None, date(2025, 9, 1))
    assert (learners["age_days"], learners["stale"]) == (68, True)


def test_an_old_source_is_said_on_every_page(app_database, monkeypatch) -> None:  # noqa: ANN001
    app_database(two_years())  # its last date: 20/10/2025, long before today
    app = open_page("pages/delays.py")
    said = [m.value for m in app.sidebar.markdown if "Données anciennes" in m.value]
    assert len(said) == 1 and "copies : " in said[0]
    monkeypatch.setenv("PILOTAGE_STALE_DAYS", "100000")
    app = open_page("pages/delays.py")
    assert not [m.value for m in app.sidebar.markdown if "Données anciennes" in m.value]
