"""Activity surges worked by hand: weekly copies per site and discipline, the baseline being
the median of the 8 preceding open weeks (zeros included; weeks when nothing happens anywhere,
such as the summer, left out)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from world import World

from indicators import surges
from indicators.common import Filters, IndicatorSettings, Perimeter, Period, Scope
from indicators.dataset import Dataset, open_weeks, within

ALL = Filters()
FIRST_MONDAY = date(2025, 9, 1)
WEEK_8 = date(2025, 10, 27)  # the ninth week: 8 weeks of history before it
AUTUMN = Period(date(2025, 9, 1), date(2025, 11, 2))  # ends on the Sunday of WEEK_8

# (site, discipline) -> volume of each week from FIRST_MONDAY
SERIES = {
    ("Lyon", "Maths"): [10] * 8 + [50],  # x5 and 50 >= 30: a surge
    ("Lyon", "Français"): [2] * 8 + [10],  # x5 but 10 < 30: no surge
    ("Rennes", "Maths"): [1] * 8 + [3],  # 3 after 1: no surge
    ("Rennes", "Français"): [0] * 4 + [20] * 4 + [30],  # median of 0,0,0,0,20,20,20,20 = 10
}


def build(series: dict[tuple[str, str], list[int]], first_monday: date = FIRST_MONDAY) -> Dataset:
    """One group and one learner per site ("Groupe Lyon", "LLyon"), who sends the copies of the
    series, spread over the weekdays of each week."""
    w = World()
    for site in sorted({site for site, _ in series}):
        w.group(f"Groupe {site}", site=site)
        w.learner(f"L{site}", group=f"Groupe {site}", entered=date(2024, 9, 1))
    for (site, discipline), volumes in series.items():
        for week, volume in enumerate(volumes):
            monday = first_monday + timedelta(weeks=week)
            for number in range(volume):
                w.copy(
                    f"L{site}",
                    discipline,
                    submitted=monday + timedelta(days=number % 5),
                    assignment=f"{week}-{number}",
                )
    return w.dataset()


@pytest.fixture(scope="module")
def data():
    return build(SERIES)


def test_the_surges_of_the_worked_example(data):
    result = surges.surges(data, Scope(AUTUMN, settings=IndicatorSettings()))
    assert result.columns == [
        "week_start",
        "site",
        "discipline",
        "volume",
        "baseline_median",
        "ratio",
        "volume_year_before",
        "ongoing",
    ]
    assert result.rows() == [
        (WEEK_8, "Lyon", "Maths", 50, 10.0, 5.0, None, True),
        # zeros count: the baseline is 10, not 20 (which would give 1.5, no surge)
        (WEEK_8, "Rennes", "Français", 30, 10.0, 3.0, None, True),
    ]


def test_below_the_minimum_volume_is_no_surge(data):
    series = surges.weekly_series(data, Scope(AUTUMN))
    week = series.filter(pl.col("week_start") == WEEK_8)
    verdicts = {(r["site"], r["discipline"]): r for r in week.iter_rows(named=True)}
    assert verdicts[("Lyon", "Français")]["ratio"] == 5.0
    assert verdicts[("Lyon", "Français")]["is_surge"] is False
    assert verdicts[("Rennes", "Maths")]["ratio"] == 3.0
    assert verdicts[("Rennes", "Maths")]["is_surge"] is False
    # with a minimum of 3 copies, both become surges: the minimum was the reason
    low = IndicatorSettings(surge_min_volume=3)
    flagged = surges.surges(data, Scope(AUTUMN, settings=low))
    assert flagged.height == 4


def test_a_baseline_needs_eight_weeks_of_history(data):
    series = surges.weekly_series(data, Scope(AUTUMN))
    lyon_maths = series.filter((pl.col("site") == "Lyon") & (pl.col("discipline") == "Maths"))
    assert lyon_maths.height == 9
    assert lyon_maths.get_column("baseline_median").null_count() == 8
    assert lyon_maths.get_column("is_surge").to_list() == [False] * 8 + [True]


def test_an_early_burst_without_history_is_no_surge():
    data = build({("Lyon", "Maths"): [5, 5, 5, 5, 100]})
    period = Period(FIRST_MONDAY, date(2025, 10, 5))
    series = surges.weekly_series(data, Scope(period))
    assert series.get_column("volume").to_list() == [5, 5, 5, 5, 100]
    assert series.get_column("baseline_median").null_count() == 5
    assert surges.surges(data, Scope(period)).is_empty()


def test_only_the_weeks_of_the_period_are_listed(data):
    last_weeks = Period(date(2025, 10, 20), date(2025, 11, 2))
    series = surges.weekly_series(data, Scope(last_weeks))
    assert series.get_column("week_start").unique().sort().to_list() == [
        date(2025, 10, 20),
        WEEK_8,
    ]
    # the baseline still uses the 8 weeks before, outside the period
    assert surges.surges(data, Scope(last_weeks)).height == 2
    assert surges.surges(data, Scope(Period(date(2025, 9, 1), date(2025, 10, 26)))).is_empty()


def test_filters_and_other_breakdowns(data):
    rennes = surges.surges(data, Scope(AUTUMN, Filters(sites=("Rennes",))))
    assert rennes.select("site", "discipline").rows() == [("Rennes", "Français")]
    per_site = surges.surges(data, Scope(AUTUMN), by=("site",))
    # Lyon: 12 a week then 60 (x5); Rennes: 1,1,1,1,21,21,21,21 (median 11) then 33 (x3)
    assert per_site.select("site", "volume", "baseline_median").rows() == [
        ("Lyon", 60, 12.0),
        ("Rennes", 33, 11.0),
    ]
    overall = surges.weekly_series(data, Scope(AUTUMN), by=())
    assert overall.columns[:2] == ["week_start", "volume"]
    assert overall.get_column("volume").to_list()[-1] == 93
    assert surges.surges(data, Scope(AUTUMN), source="tutoring").is_empty()


def test_ongoing_marks_the_last_full_week_and_the_week_under_way(data):
    # the period ends on Wednesday 29/10: WEEK_8 is under way (counted up to Wednesday:
    # 10 + 10 + 10 of Lyon Maths), the week before is the last full one
    midweek = Period(FIRST_MONDAY, date(2025, 10, 29))
    series = surges.weekly_series(data, Scope(midweek)).filter(
        (pl.col("site") == "Lyon") & (pl.col("discipline") == "Maths")
    )
    assert series.get_column("volume").to_list()[-1] == 30
    assert series.get_column("ongoing").to_list() == [False] * 7 + [True, True]


def test_the_weeks_watched_for_ongoing_surges_are_named(data):
    """The last event of the data is on Friday 31/10/2025 (week of 27/10). A period to the end
    of the school year reaches past the data: the surges under way are seen from 31/10, the
    last full week is the one of 20/10, and the week of 27/10 is under way. A period ending
    on Sunday 26/10 has the week of 20/10 as its last full week and none under way."""
    year = Period(FIRST_MONDAY, date(2026, 8, 31))
    seen = surges.watched(data, year)
    assert seen == surges.Watched(
        last_full_week=date(2025, 10, 20),
        current_week=WEEK_8,
        day=date(2025, 10, 31),
        data_end=date(2025, 10, 31),
    )
    to_sunday = surges.watched(data, Period(FIRST_MONDAY, date(2025, 10, 26)))
    assert (to_sunday.last_full_week, to_sunday.current_week) == (date(2025, 10, 20), None)
    ongoing = surges.weekly_series(data, Scope(year)).filter(pl.col("ongoing"))
    assert sorted(set(ongoing.get_column("week_start").to_list())) == [
        date(2025, 10, 20),
        WEEK_8,
    ]


def test_the_largest_excess_over_the_baseline():
    """Lyon Maths 50 over a median of 10 (x5, +40); Rennes Français 90 over 30 (x3, +60): the
    largest excess is Rennes Français though its ratio is lower."""
    data = build({("Lyon", "Maths"): [10] * 8 + [50], ("Rennes", "Français"): [30] * 8 + [90]})
    found = surges.surges(data, Scope(AUTUMN))
    strongest = surges.largest_excess(found)
    assert (strongest["site"], strongest["excess"], strongest["ratio"]) == ("Rennes", 60.0, 3.0)
    assert surges.largest_excess(found.clear()) is None


def test_the_same_week_a_year_earlier():
    two_years = [10] * 60 + [50]
    two_years[8] = 40  # week of 28/10/2024, ISO week 44, as the week of 27/10/2025
    data = build({("Lyon", "Maths"): two_years}, first_monday=date(2024, 9, 2))
    this_year = surges.surges(data, Scope(AUTUMN))
    assert this_year.rows() == [(WEEK_8, "Lyon", "Maths", 50, 10.0, 5.0, 40, True)]
    last_year = surges.surges(data, Scope(Period(date(2024, 9, 2), date(2025, 8, 31))))
    assert last_year.rows() == [(date(2024, 10, 28), "Lyon", "Maths", 40, 10.0, 4.0, None, False)]
    series = surges.weekly_series(data, Scope(AUTUMN))
    # the data hold every week a year earlier: a number (10), not null
    assert series.get_column("volume_year_before").null_count() == 0


def test_no_copy_at_all():
    empty = World().dataset()
    result = surges.surges(empty, Scope(AUTUMN))
    assert result.is_empty()
    assert "volume_year_before" in result.columns


def test_marks_names_and_one_series_for_the_page(data):
    low = IndicatorSettings(surge_min_volume=3)
    series = surges.weekly_series(data, Scope(AUTUMN, settings=low))
    found = surges.flagged(series)
    assert found.height == 4
    marks = surges.marks(found)
    assert marks.rows() == [
        (WEEK_8, 4, "Lyon · Français, Lyon · Maths, Rennes · Français, Rennes · Maths")
    ]
    names = surges.series_names(series)
    # all four surged in the same week: the largest volumes first
    assert names == ["Lyon · Maths", "Rennes · Français", "Lyon · Français", "Rennes · Maths"]
    one = surges.one_series(series, "Rennes · Maths")
    assert one.get_column("volume").to_list() == [1] * 8 + [3]
    assert surges.marks(found.clear()).is_empty()


# A school year ends in June, nothing happens in July and August, the next one starts in
# September: 10 copies a week before the summer, then a rentrée that climbs to 12.
BEFORE_SUMMER = date(2025, 5, 5)  # 8 weeks from 05/05 to 29/06
SUMMER_WEEKS = 9  # 30/06 to 31/08: the organisation is closed
RENTREE = [4, 8, 12, 12]  # from 01/09
YEAR_START = Period(date(2025, 9, 1), date(2025, 9, 28))


def test_the_rentree_after_an_empty_summer_is_no_surge():
    """Closed weeks (nothing anywhere) are left out of the baseline: the baseline of each
    September week is the median of the 8 open weeks before it (the June weeks, then the
    rentrée's), not the zeros of the summer (which would make 12 copies after 0 a surge)."""
    volumes = [10] * 8 + [0] * SUMMER_WEEKS + RENTREE
    data = build({("Lyon", "Maths"): volumes}, first_monday=BEFORE_SUMMER)
    settings = IndicatorSettings(surge_min_volume=1)
    series = surges.weekly_series(data, Scope(YEAR_START, settings=settings))
    assert series.select("volume", "baseline_median").rows() == [
        (4, 10.0),  # 8 June weeks of 10
        (8, 10.0),  # 4 and seven 10s
        (12, 10.0),
        (12, 10.0),  # 4, 8, 12 and five 10s
    ]
    assert not series.get_column("is_surge").any()
    # Summer weeks are closed for the whole data, not only for this series
    assert date(2025, 7, 7) not in open_weeks(data).to_list()
    assert date(2025, 6, 23) in open_weeks(data).to_list()


def test_a_part_of_the_data_judges_surges_on_the_whole_calendar():
    """Lyon closes for the summer, Rennes (distance learning) goes on at 5 copies a week:
    for the whole data the summer weeks are closed (5 copies against 50 in a usual week). A
    user who sees only Rennes keeps the whole data's open weeks, so Rennes' rentrée is judged
    against its June (baseline 10, ratio 2), as the direction sees it with the site filter,
    and not against its own summer (which would give 5 and 4)."""
    volumes = {
        ("Lyon", "Maths"): [40] * 8 + [0] * SUMMER_WEEKS + [40] * 4,
        ("Rennes", "Maths"): [10] * 8 + [5] * SUMMER_WEEKS + [20] * 4,
    }
    data = build(volumes, first_monday=BEFORE_SUMMER)
    settings = IndicatorSettings(surge_min_volume=1)
    filtered = surges.weekly_series(
        data, Scope(YEAR_START, filters=Filters(sites=("Rennes",)), settings=settings)
    )
    part = within(data, Perimeter(sites=("Rennes",)))
    assert open_weeks(part).to_list() == open_weeks(data).to_list()
    series = surges.weekly_series(part, Scope(YEAR_START, settings=settings))
    assert series.equals(filtered)
    assert series.row(0, named=True)["baseline_median"] == 10.0
    assert series.row(0, named=True)["ratio"] == 2.0
