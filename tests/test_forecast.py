"""The capacity plan (forecast/): the forecast from the same weeks a year earlier scaled by
this year's level, its interval, the weeks without history, the capacity and teams measured,
and the plan the queue makes of them. Every figure below is worked by hand in the docstrings.

The story: at Lyon, Maths copies came in 5 a week from 03/02 to 23/03/2025, then 10 in the
week of 31/03/2025, none in the Easter week of 07/04/2025 and 20 in the week of 14/04/2025.
This year, over the same 8 weeks (02/02 to 23/03/2026), 4, 8, 6, 6, 5, 7, 6 and 6 came in
(48 against 40: this year's level is 1,2). M. Un corrected them the same week, except in the
week of 23/03/2026 when Mme Deux did, and one copy of that week still waits. Anglais began
this year; Français had copies last year only in the week of 31/03/2025. Nice has Maths too.
The forecast is made on Sunday 29/03/2026: it starts on Monday 30/03/2026.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl
import pytest
from world import World

from forecast import history, plan, queue, seasonal
from indicators.common import Filters, Perimeter, Period, Scope

AS_OF = date(2026, 3, 29)
START = date(2026, 3, 30)
LAST_YEAR = date(2025, 2, 3)  # the first of the 8 reference weeks, a year earlier
THIS_YEAR = date(2026, 2, 2)
THIS_YEAR_COUNTS = [4, 8, 6, 6, 5, 7, 6, 6]
SCOPE = Scope(Period(date(2025, 9, 1), date(2026, 8, 31)))


def _copies(w: World, learner: str, discipline: str, monday: date, count: int, **kw) -> None:
    for i in range(count):
        title = f"Devoir du {monday:%d/%m/%Y} n° {i + 1}"
        w.copy(
            learner, discipline, submitted=monday + timedelta(days=i % 3), assignment=title, **kw
        )


def _world() -> World:
    w = World()
    w.group("CAP 1", site="Lyon")
    w.group("CAP 1 Nice", site="Nice")
    w.learner("A001", group="CAP 1", entered=date(2024, 9, 2))
    w.learner("B001", group="CAP 1 Nice", entered=date(2024, 9, 2))
    for week in range(8):
        monday = LAST_YEAR + timedelta(weeks=week)
        _copies(w, "A001", "Maths", monday, 5, corrected=monday + timedelta(days=4))
        _copies(w, "B001", "Maths", monday, 3, corrected=monday + timedelta(days=4))
    _copies(w, "A001", "Maths", date(2025, 3, 31), 10, corrected=date(2025, 4, 4))
    _copies(w, "A001", "Maths", date(2025, 4, 14), 20, corrected=date(2025, 4, 18))
    _copies(w, "A001", "Français", date(2025, 3, 31), 3, corrected=date(2025, 4, 4))
    for week, count in enumerate(THIS_YEAR_COUNTS):
        monday = THIS_YEAR + timedelta(weeks=week)
        corrector = "Mme Deux" if week == 7 else "M. Un"
        done = {"corrected": monday + timedelta(days=4), "corrector": corrector}
        _copies(w, "A001", "Maths", monday, count - 1 if week == 7 else count, **done)
        _copies(w, "B001", "Maths", monday, 3, corrected=monday + timedelta(days=4))
        _copies(w, "A001", "Anglais", monday, 2, corrected=monday + timedelta(days=4))
        _copies(w, "A001", "Français", monday, 1, corrected=monday + timedelta(days=4))
    w.copy("A001", "Maths", submitted=date(2026, 3, 26))  # still waiting on 29/03
    w.copy("A001", "Maths", submitted=date(2026, 1, 6))  # waiting for months: left out
    return w


@pytest.fixture(scope="module")
def dataset():
    return _world().dataset()


def _rows(frame: pl.DataFrame, site: str, discipline: str) -> list[dict]:
    return frame.filter(pl.col("site") == site, pl.col("discipline") == discipline).to_dicts()


def test_the_forecast_is_last_year_scaled_by_this_years_level(dataset):
    """Level 48 / 40 = 1,2: 10 copies last year -> 12; the Easter week had none: a true 0
    (there was history); 20 -> 24.

    Interval: this year's weeks fitted by 1,2 × 5 = 6 give ratios 4/6, 8/6, 1, 1, 5/6, 7/6,
    1, 1 (and Nice's, all 1: 3 = 1 × 3). Lyon and Nice pooled, 16 ratios sorted: 0,667,
    0,833, 1 (×12, positions 2 to 13), 1,167, 1,333; 10th percentile at position 0,1 × 15 =
    1,5: 0,833 + 0,5 × 0,167 = 0,917; 90th at position 13,5: 1 + 0,5 × 0,167 = 1,083. So
    12 -> [11, 13]."""
    inputs = plan.measure(dataset, SCOPE, as_of=AS_OF, weeks=3)
    assert inputs.start == START
    rows = _rows(inputs.forecast, "Lyon", "Maths")
    assert [r["week_start"] for r in rows] == [START + timedelta(weeks=i) for i in range(3)]
    assert [r["copies_last_year"] for r in rows] == [10, 0, 20]
    assert rows[0]["copies_level"] == pytest.approx(1.2)
    assert [r["copies_forecast"] for r in rows] == pytest.approx([12, 0, 24])
    assert rows[0]["copies_low"] == pytest.approx(12 * (0.8333333 + 0.5 * 0.1666667))
    assert rows[0]["copies_low"] == pytest.approx(11)
    assert rows[0]["copies_high"] == pytest.approx(13)
    assert (rows[1]["copies_low"], rows[1]["copies_high"]) == (0, 0)
    assert all(r["copies_note"] is None for r in rows)


def test_a_week_without_history_says_so(dataset):
    """Anglais began this year: no forecast, and why. Français had nothing last year in the
    reference weeks: its level cannot be measured, so no forecast either, though last year's
    week is known. A forecast made on 25/01/2026 starts on 26/01/2026, whose week a year
    earlier (27/01/2025) is before the data: said too; the week after has a week a year
    earlier (5 copies), but its reference weeks (the last 8 open ones, in 2025) have none
    before them: no level."""
    table = plan.measure(dataset, SCOPE, as_of=AS_OF, weeks=1).forecast
    english = _rows(table, "Lyon", "Anglais")[0]
    assert english["copies_forecast"] is None and english["copies_low"] is None
    assert english["copies_note"] == seasonal.NOTE_NEW_SERIES
    french = _rows(table, "Lyon", "Français")[0]
    assert (french["copies_last_year"], french["copies_forecast"]) == (3, None)
    assert french["copies_note"] == seasonal.NOTE_NO_LEVEL

    early = plan.measure(dataset, SCOPE, as_of=date(2026, 1, 25), weeks=2).forecast
    first, second = _rows(early, "Lyon", "Maths")
    assert (first["copies_forecast"], first["copies_note"]) == (None, seasonal.NOTE_NO_YEAR)
    assert (second["copies_last_year"], second["copies_forecast"]) == (5, None)
    assert second["copies_note"] == seasonal.NOTE_NO_LEVEL


def test_capacity_team_and_backlog(dataset):
    """Maths: M. Un and Mme Deux corrected Lyon's copies in the reference weeks (a team of 2;
    Nice's corrector is not named: a team of 0). A week's rate is its copies corrected over
    the correctors who corrected that week, Lyon and Nice together: Nice's copies have no
    named corrector, so 4+3, 8+3, ... over 1: 7, 11, 9, 9, 8, 10, 9, 8 (the last week one copy
    still waits), median 9. The backlog on the eve: the copy of 26/03 (the one of 06/01 has
    waited more than 4 weeks: left out)."""
    inputs = plan.measure(dataset, SCOPE, as_of=AS_OF, weeks=1)
    maths = inputs.capacity.filter(pl.col("discipline") == "Maths").row(0, named=True)
    assert maths["copies_per_corrector"] == 9
    assert maths["requests_per_tutor"] is None  # no request answered: not measured
    staff = {(r["site"], r["discipline"]): r["correctors"] for r in inputs.staff.to_dicts()}
    assert staff[("Lyon", "Maths")] == 2 and staff[("Nice", "Maths")] == 0
    backlog = _rows(inputs.backlog, "Lyon", "Maths")[0]
    assert backlog["copies_backlog"] == 1
    assert inputs.reference == tuple(THIS_YEAR + timedelta(weeks=i) for i in range(8))


def test_the_plan_runs_the_queue_week_by_week(dataset):
    """Lyon, Maths, 2 correctors at 9 a week: 18 a week (18/7 a day, 7,7 within 3 days).
    Week 1: 1 waiting, 12 arriving: the queue falls from 1 and is empty after 1 / (6/7) =
    1,17 days; mean queue 1 × 1,17 / 2 / 7 = 0,083, mean wait 0,083 / (18/7) = 0,032 day; all
    within 3 days; 0 left. Week 2: nothing arrives. Week 3: 24 arriving, 18 cleared: the queue
    grows by 6/7 a day, an arrival on day u waits (6/7) u / (18/7) = u/3 days: all within 3
    days; mean wait 3,5 / 3 = 1,17 days; 6 left.

    Needed, goal 80 %: week 1, 1 corrector (9 a week: the queue grows by 3/7 a day from 1, so
    the wait reaches 3 days when 1 + 3u/7 = 27/7, u = 6,67 days: 95 % within) leaving 1 + 12
    − 9 = 4; week 2, none arrives: the 4 are cleared by 1; week 3, 2 (18 a week, see above;
    1 would give 9 a week against 24: 3 × 9 / (7 × 15) = 26 %)."""
    inputs = plan.measure(dataset, SCOPE, as_of=AS_OF, weeks=3)
    rows = _rows(plan.project(inputs), "Lyon", "Maths")
    assert [r["correctors"] for r in rows] == [2, 2, 2]
    assert [r["copies_backlog_projected"] for r in rows] == pytest.approx([0, 0, 6])
    assert rows[0]["correction_wait_days_projected"] == pytest.approx(
        (1 * (7 / 6) / 2 / 7) / (18 / 7)
    )
    assert rows[1]["correction_wait_days_projected"] is None
    assert rows[2]["correction_wait_days_projected"] == pytest.approx(3.5 / 3)
    assert [r["correction_within_target_share_projected"] for r in rows] == [1, None, 1]
    assert [r["correctors_needed"] for r in rows] == [1, 1, 2]
    assert queue.week(1, 12, 9, 3).within_target_share == pytest.approx(1 - (7 - 20 / 3) / 7)


def test_what_if_more_correctors(dataset):
    """The same plan with 1 corrector at Lyon in Maths: 9 a week. Week 1: 1 + 12 − 9 = 4 left;
    week 2: 4 − 9 -> 0; week 3: 24 − 9 = 15 left. And with capacity 4 a week for 1: 1 + 12 −
    4 = 9, then 5, then 25."""
    inputs = plan.measure(dataset, SCOPE, as_of=AS_OF, weeks=3)
    fewer = inputs.staff.with_columns(
        pl.when((pl.col("site") == "Lyon") & (pl.col("discipline") == "Maths"))
        .then(1)
        .otherwise(pl.col("correctors"))
        .alias("correctors")
    )
    rows = _rows(plan.project(inputs, staff=fewer), "Lyon", "Maths")
    assert [r["copies_backlog_projected"] for r in rows] == pytest.approx([4, 0, 15])
    slower = inputs.capacity.with_columns(pl.lit(4.0).alias("copies_per_corrector"))
    rows = _rows(plan.project(inputs, staff=fewer, capacity=slower), "Lyon", "Maths")
    assert [r["copies_backlog_projected"] for r in rows] == pytest.approx([9, 5, 25])


def test_a_week_without_forecast_stops_the_projection(dataset):
    """Anglais has no forecast: nothing is projected for it, and no staff is said needed."""
    rows = _rows(plan.capacity_plan(dataset, SCOPE, as_of=AS_OF, weeks=2), "Lyon", "Anglais")
    assert all(r["copies_backlog_projected"] is None for r in rows)
    assert all(r["correctors_needed"] is None for r in rows)


def test_the_scope_and_perimeter_are_kept(dataset):
    """A site filter or a user's perimeter: only that site's rows, with the same figures."""
    whole = plan.capacity_plan(dataset, SCOPE, as_of=AS_OF, weeks=2)
    lyon = plan.capacity_plan(
        dataset, Scope(SCOPE.period, Filters(sites=("Lyon",))), as_of=AS_OF, weeks=2
    )
    assert set(lyon.get_column("site")) == {"Lyon"}
    nice = plan.capacity_plan(
        dataset, Scope(SCOPE.period, perimeter=Perimeter(sites=("Nice",))), as_of=AS_OF, weeks=2
    )
    assert set(nice.get_column("site")) == {"Nice"}
    assert _rows(whole, "Nice", "Maths")[0]["copies_forecast"] == pytest.approx(
        _rows(nice, "Nice", "Maths")[0]["copies_forecast"]
    )


def test_the_first_week_of_a_forecast():
    """A Sunday: the Monday after; any other day: the Monday of its week."""
    assert history.first_week(date(2026, 3, 29)) == date(2026, 3, 30)
    assert history.first_week(date(2026, 3, 31)) == date(2026, 3, 30)
    assert history.first_week(date(2026, 7, 7)) == date(2026, 7, 6)


def test_weeks_out_of_range_are_refused(dataset):
    with pytest.raises(ValueError, match="de 1 à 52"):
        plan.measure(dataset, SCOPE, as_of=AS_OF, weeks=0)


# --- pilotage forecast ------------------------------------------------------------------


@pytest.fixture
def forecast_database(app_database) -> str:
    return app_database(_world())


def test_cli_json(forecast_database, capsys):
    """The objects carry the week's Monday, site, discipline and the figures of the plan.
    With --site Lyon the interval's errors are Lyon's only: 8 ratios 0,667, 0,833, 1 (×4),
    1,167, 1,333; 10th percentile at position 0,7: 0,667 + 0,7 × 0,167 = 0,783; 90th at 6,3:
    1,167 + 0,3 × 0,167 = 1,217; 12 -> [9,4 ; 14,6]. Capacity, Lyon's weeks only: 4, 8, 6,
    6, 5, 7, 6, 5 over 1 corrector, median 6; 2 correctors clear 12 a week: week 1 keeps its 1
    waiting (12 in, 12 out), week 2 clears it, week 3 leaves 24 − 12 = 12. One corrector (6 a
    week) in week 1: the queue grows by 6/7 a day from 1, the wait reaches 3 days at u = 1,83:
    26 % within; so 2 are needed."""
    from cli import main

    argv = ["forecast", "--as-of", "2026-03-29", "--weeks", "3", "--site", "Lyon", "--json"]
    assert main([*argv, "--discipline", "Maths"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["week"] for r in rows] == ["2026-03-30", "2026-04-06", "2026-04-13"]
    first = rows[0]
    assert (first["site"], first["discipline"]) == ("Lyon", "Maths")
    assert (first["copies_forecast"], first["copies_low"], first["copies_high"]) == (12, 9.4, 14.6)
    assert (first["copies_per_corrector"], first["correctors"]) == (6, 2)
    assert (first["correctors_needed"], first["backlog_projected"]) == (2, 1)
    assert first["requests_forecast"] is None and first["requests_note"]
    assert [r["backlog_projected"] for r in rows] == [1, 0, 12]


def test_cli_text_and_refusals(forecast_database, capsys):
    from cli import main

    assert main(["forecast", "--as-of", "2026-03-29", "--weeks", "2", "--site", "Lyon"]) == 0
    out = capsys.readouterr().out
    assert "Prévision faite avec les données jusqu'au 29/03/2026" in out
    assert "Lyon — Maths" in out and "30/03/2026" in out and "12 (9–15)" in out
    assert "Sans prévision : pas encore d'activité" in out  # Anglais
    assert main(["forecast", "--as-of", "2027-01-01", "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["status"] == "erreur" and "après la dernière semaine des données" in error["error"]
    with pytest.raises(SystemExit):
        main(["forecast", "--weeks", "53"])


def test_cli_within_a_users_perimeter(forecast_database, capsys):
    """--user: the account's sites only; another site is refused."""
    from cli import main
    from data_access import accounts, db

    engine = db.get_engine()
    accounts.add_account(engine, login="nice", role="site", sites=("Nice",), password="x" * 12)
    assert (
        main(["forecast", "--as-of", "2026-03-29", "--weeks", "1", "--json", "--user", "nice"]) == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert {r["site"] for r in rows} == {"Nice"}
    assert main(["forecast", "--site", "Lyon", "--json", "--user", "nice"]) == 1
    assert json.loads(capsys.readouterr().out)["status"] == "refusé"


# --- the page ---------------------------------------------------------------------------


def test_the_page_shows_the_plan_worked_by_hand(forecast_database):
    """On the story's data (they end on Friday 27/03/2026), a forecast made on Sunday 29/03
    for 3 weeks: 12 + 0 + 24 copies at Lyon, 0 at Nice (nothing there a year earlier), none
    for Anglais and Français (no history): 36; the busiest week is the one of 13/04/2026;
    the week needing most correctors needs 2 (Lyon, week 3)."""
    from apptest import open_page

    app = open_page("pages/forecast.py")
    assert not app.exception, app.exception
    app.date_input(key="forecast_as_of_2026-03-27").set_value(date(2026, 3, 29)).run()
    app.number_input(key="forecast_weeks").set_value(3).run()
    assert not app.exception, app.exception
    tiles = {metric.label: metric.value for metric in app.metric}
    assert tiles["Copies prévues en 3 semaines"] == "36"
    assert tiles["Au plus fort : 13/04/2026"] == "24"
    assert tiles["Correcteurs au plus fort"] == "2"
    shown = " ".join(c.value for c in app.caption)
    assert "Prévision faite avec les données jusqu'au 29/03/2026" in shown
    assert "du 02/02/2026 au 29/03/2026" in shown  # the reference weeks


def test_what_the_chart_draws(dataset):
    """Maths, the 2 weeks before the forecast and the 3 ahead: what came in (Lyon 6 + Nice 3
    each week), the forecast summed over the sites (Lyon 12, 0, 24 and Nice 0: nothing there a
    year earlier; bounds 11 + 0 and 13 + 0, then 22 and 26), and the same weeks a year earlier
    (5 + 3, 5 + 3, then 10, 0, 20). Every discipline: Anglais and Français have no forecast,
    so 2 series are missing from each week's total."""
    inputs = plan.measure(dataset, SCOPE, as_of=AS_OF, weeks=3)
    drawn = plan.compare(inputs, "copies", disciplines=("Maths",), past_weeks=2)

    def curve(name: str, column: str = "value") -> list:
        return drawn.filter(pl.col("curve") == name).get_column(column).to_list()

    assert curve("actual") == [9, 9]
    assert curve("forecast") == pytest.approx([12, 0, 24])
    assert curve("forecast", "low") == pytest.approx([11, 0, 22])
    assert curve("forecast", "high") == pytest.approx([13, 0, 26])
    assert curve("last_year") == [8, 8, 10, 0, 20]
    every = plan.compare(inputs, "copies", past_weeks=2)
    assert every.filter(pl.col("curve") == "forecast").get_column("missing").to_list() == [2] * 3


def test_the_plan_per_discipline(dataset):
    """Week 3 in Maths, Lyon and Nice together: 24 + 0 copies, 2 + 0 correctors, 2 + 0
    needed, 6 + 0 left waiting; the mean wait is Lyon's (3,5 / 3 days: Nice expects none, so
    weighs nothing). Anglais has no forecast: no total either."""
    table = plan.capacity_plan(dataset, SCOPE, as_of=AS_OF, weeks=3)
    summary = plan.by_discipline(table)
    maths = summary.filter(pl.col("discipline") == "Maths").row(2, named=True)
    assert (maths["copies_forecast"], maths["correctors"], maths["correctors_needed"]) == (24, 2, 2)
    assert maths["copies_backlog_projected"] == pytest.approx(6)
    assert maths["correction_wait_days_projected"] == pytest.approx(3.5 / 3)
    english = summary.filter(pl.col("discipline") == "Anglais").row(0, named=True)
    assert english["copies_forecast"] is None and english["correctors_needed"] is None
    figures = plan.headline(table)
    assert (figures["copies_forecast"], figures["busiest_copies"]) == (36, 24)
    assert figures["busiest_week"] == date(2026, 4, 13)
