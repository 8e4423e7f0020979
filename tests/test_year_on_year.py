"""Year on year: with « Comparer à la même période un an plus tôt », the figures, the tables
per site and the activity chart show 2024-2025 beside 2025-2026, on a hand-made world; where
the data do not reach back, the pages say so."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from apptest import open_page, page_problems, plain
from world import World

from domain import KIND_AP
from indicators import compare, dropout
from indicators.common import Period, Scope
from ui import format as fmt

THIS_YEAR = Period(date(2025, 9, 1), date(2026, 8, 31))


def two_years() -> World:
    """Lyon, 2024-2025: L1 to L4 from 02/09/2024, L1 gives up on 15/11/2024 (1 in 4, 25 %);
    2025-2026: L5 to L9 from 01/09/2025, L5 and L6 give up on 14/11/2025 (2 in 5, 40 %):
    +15 points. Nice: N1, N2 in 2024-2025, nobody gives up (0 %); N3, N4 in 2025-2026, N3 gives
    up on 01/12/2025 (50 %): +50 points. In all, 1 in 6 (16,7 %) then 3 in 7 (42,9 %).
    Copies: 4 handed in on 07/10/2024, 6 on 06/10/2025 (+2, +50 %)."""
    w = World()
    w.group("CAP (2024)", site="Lyon", school_year="2024-2025")
    w.group("CAP", site="Lyon")
    w.group("BTS (2024)", site="Nice", school_year="2024-2025")
    w.group("BTS", site="Nice")
    before, now = date(2024, 9, 2), date(2025, 9, 1)
    for n in range(1, 5):
        gave_up = n == 1
        w.learner(f"L{n}", group="CAP (2024)", entered=before,
                  left=date(2024, 11, 15) if gave_up else date(2025, 7, 4),
                  reason="abandon" if gave_up else "fin de parcours")  # fmt: skip
    for n in range(5, 10):
        gave_up = n in (5, 6)
        w.learner(f"L{n}", group="CAP", entered=now, left=date(2025, 11, 14) if gave_up else None,
                  reason="abandon" if gave_up else None)  # fmt: skip
    for n in (1, 2):
        w.learner(f"N{n}", group="BTS (2024)", entered=before, left=date(2025, 7, 4),
                  reason="fin de parcours")  # fmt: skip
    w.learner("N3", group="BTS", entered=now, left=date(2025, 12, 1), reason="abandon")
    w.learner("N4", group="BTS", entered=now)
    for n in range(4):
        w.copy("L2", "Maths", assignment=f"D{n}", submitted=date(2024, 10, 7),
               corrected=date(2024, 10, 8))  # fmt: skip
    for n in range(6):
        w.copy("L7", "Maths", assignment=f"D{n}", submitted=date(2025, 10, 6),
               corrected=date(2025, 10, 7))  # fmt: skip
    return w


def test_the_same_period_a_year_earlier() -> None:
    assert compare.year_before(THIS_YEAR) == Period(date(2024, 9, 1), date(2025, 8, 31))
    leap = Period(date(2024, 2, 29), date(2024, 3, 31))
    assert compare.year_before(leap) == Period(date(2023, 2, 28), date(2023, 3, 31))


def test_rates_per_site_beside_the_year_before() -> None:
    dataset = two_years().dataset()
    now = dropout.dropout_by(dataset, Scope(THIS_YEAR), "site").drop("label")
    before = dropout.dropout_by(dataset, Scope(compare.year_before(THIS_YEAR)), "site")
    values = {"dropout_rate": "rate", "learners_enrolled": "count"}
    both = compare.beside(now, before.drop("label"), ["site"], values).sort("site")
    assert both.select(
        "site",
        "dropout_rate",
        "dropout_rate_year_before",
        "learners_enrolled_year_before",
    ).rows() == [("Lyon", 0.4, 0.25, 4), ("Nice", 0.5, 0.0, 2)]
    assert both.get_column("dropout_rate_change").to_list() == pytest.approx([15.0, 50.0])
    assert both.get_column("learners_enrolled_change").to_list() == pytest.approx([0.25, 0.0])
    # a site absent a year before: empty cells, no change
    alone = compare.beside(
        now, before.drop("label").filter(pl.col("site") == "Lyon"), ["site"], values
    )
    nice = alone.filter(pl.col("site") == "Nice").row(0, named=True)
    assert nice["dropout_rate_year_before"] is None and nice["dropout_rate_change"] is None


def _compared(page: str) -> object:
    app = open_page(page)
    app.sidebar.toggle(key="compare_year").set_value(True).run()
    assert not page_problems(app)
    return app


def test_the_overview_compares_with_the_same_period_a_year_earlier(app_database) -> None:  # noqa: ANN001
    app_database(two_years())
    app = _compared("pages/overview.py")
    tiles = {metric.label: metric for metric in app.main.metric}
    assert (tiles["Copies reçues"].value, tiles["Copies reçues"].proto.delta) == ("6", "+2")
    assert (
        tiles["Taux d'abandon"].proto.delta == fmt.change(3 / 7, 1 / 6, "share") == "+26,2\u00a0pt"
    )
    captions = [c.value for c in app.caption]
    assert (
        "Évolutions par rapport à la même période un an plus tôt (du 01/09/2024 au 31/08/2025)."
        in captions
    )
    assert app.query_params["comparer"] == "1"  # the link says it too


def test_the_dropout_tables_per_site_show_the_year_before(app_database) -> None:  # noqa: ANN001
    app_database(two_years())
    app = _compared("pages/dropout.py")
    tiles = {metric.label: metric.proto.delta for metric in app.main.metric}
    assert tiles["Abandons"] == "+2" and tiles["Inscriptions actives"] == "+1"
    per_site = next(
        t.value
        for t in app.main.dataframe
        if "Site" in t.value.columns and "Groupe" not in t.value.columns
    )
    rows = per_site.set_index("Site")
    assert rows.loc["Lyon", "Taux d'abandon, un an plus tôt"] == pytest.approx(0.25)
    assert rows.loc["Lyon", "Taux d'abandon : évolution (points)"] == pytest.approx(15.0)
    assert rows.loc["Nice", "Taux d'abandon : évolution (points)"] == pytest.approx(50.0)


def test_the_activity_chart_draws_the_year_before(app_database) -> None:  # noqa: ANN001
    app_database(two_years())
    app = _compared("pages/activity.py")
    assert any("Tirets gris : la même période un an plus tôt" in c.value for c in app.caption)
    tiles = {metric.label: metric.proto.delta for metric in app.main.metric}
    assert tiles["Copies reçues"] == "+2" and tiles["Copies corrigées"] == "+2"


def test_the_delays_and_tutoring_figures_compare_too(app_database) -> None:  # noqa: ANN001
    """Delays: 6 copies corrected in a day against 4 a year before (+2, the same 1,0 j: 0);
    both weekly charts draw the year before in grey dashes (tutoring: one request each year)."""
    world = two_years()
    world.request(
        "L2", "Maths", received=datetime(2024, 10, 7, 9), answered=datetime(2024, 10, 7, 17)
    )
    world.request(
        "L7", "Maths", received=datetime(2025, 10, 6, 9), answered=datetime(2025, 10, 6, 12)
    )
    app_database(world)
    app = _compared("pages/delays.py")
    tiles = {metric.label: metric.proto.delta for metric in app.main.metric}
    assert tiles["Copies corrigées"] == "+2" and tiles["Délai moyen"] == "0,0 j"
    assert any(
        "Tirets gris : le délai médian de la même période un an plus tôt" in c.value
        for c in app.caption
    )
    app.switch_page("pages/tutoring.py").run()
    assert not page_problems(app)
    assert any("Tirets gris : la même période un an plus tôt" in c.value for c in app.caption)


def test_where_the_data_do_not_reach_back_the_pages_say_so(app_database) -> None:  # noqa: ANN001
    app_database(two_years())
    app = _compared("pages/dropout.py")
    app.sidebar.selectbox(key="school_year").set_value(2024).run()
    assert not page_problems(app)
    assert any(
        plain(i.value).startswith("Pas de comparaison avec l'année précédente : les données ne "
                                  "remontent pas") for i in app.info
    )  # fmt: skip
    assert all(metric.proto.delta == "" for metric in app.main.metric)
    app.switch_page("pages/overview.py").run()
    assert any(c.value.startswith("Pas d'évolution affichée") for c in app.caption)


def with_support_and_interviews() -> World:
    """two_years, and: the class "AP Lyon" of 2024-2025 had 2 AP sessions of 1,5 h (3 h), the
    class of the same name in 2025-2026 has 3 (4,5 h): +1,5 h, +50 %. Interviews: 2 held in
    2024-2025 (L2, L3), 3 in 2025-2026 (L7, L8, L9): +1."""
    w = two_years()
    w.group("AP Lyon", site="Lyon", school_year="2024-2025")
    for day in (date(2024, 10, 8), date(2024, 10, 15)):
        w.session(KIND_AP, day, 1.5, group="AP Lyon")
    w.group("AP Lyon", site="Lyon")  # the same name, this year: a group of its own
    for day in (date(2025, 10, 7), date(2025, 10, 14), date(2025, 10, 21)):
        w.session(KIND_AP, day, 1.5, group="AP Lyon")
    for learner in ("L2", "L3"):
        w.interview(learner, date(2024, 9, 10), "initial")
    for learner in ("L7", "L8", "L9"):
        w.interview(learner, date(2025, 9, 10), "initial")
    return w


def test_the_ap_hours_compare_tiles_and_groups(app_database) -> None:  # noqa: ANN001
    app_database(with_support_and_interviews())
    app = _compared("pages/support.py")
    tiles = {metric.label: metric.proto.delta for metric in app.main.metric}
    assert tiles["Heures assurées"] == fmt.change(4.5, 3.0, "hours") == "+1,5\u00a0h"
    assert tiles["AP"] == "+1,5\u00a0h"  # the tile of the kind of session
    per_group = next(
        t.value for t in app.main.dataframe if "Heures assurées, un an plus tôt" in t.value.columns
    )
    row = per_group.iloc[0]
    assert row["Heures assurées, un an plus tôt"] == pytest.approx(3.0)
    assert row["Heures assurées : évolution (%)"] == pytest.approx(0.5)


def test_the_interviews_compare_with_the_year_before(app_database) -> None:  # noqa: ANN001
    app_database(with_support_and_interviews())
    app = _compared("pages/interviews.py")
    tiles = {metric.label: metric.proto.delta for metric in app.main.metric}
    assert tiles["Entretiens tenus"] == "+1"
    assert any(
        c.value.startswith("Évolutions : par rapport à la même période") for c in app.caption
    )


def test_the_delays_per_discipline_show_the_year_before(app_database) -> None:  # noqa: ANN001
    """Maths: 6 copies corrected against 4 (+50 %), median 1 day both years (0 %), all within
    the target both years (0 point)."""
    app_database(two_years())
    app = _compared("pages/delays.py")
    per_discipline = next(
        t.value
        for t in app.main.dataframe
        if "Copies corrigées, un an plus tôt" in t.value.columns and "Discipline" in t.value.columns
    )
    maths = per_discipline.set_index("Discipline").loc["Maths"]
    assert maths["Copies corrigées, un an plus tôt"] == 4
    assert maths["Copies corrigées : évolution (%)"] == pytest.approx(0.5)
    assert maths["Délai médian (jours) : évolution (%)"] == pytest.approx(0.0)
    app.switch_page("pages/tutoring.py").run()
    assert not page_problems(app)
