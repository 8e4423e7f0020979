"""Every chart builder speaks French: Vega's number and date locale is French (1 401 126,5 ;
81 % ; janvier), every quantity axis and tooltip has a French format (no "200000", no
"0,000000 %"), count axes have no fractional ticks, weekly axes tick on the Mondays the weeks
start on, and labels and legends are never cut."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from ui import charts, charts_activity, charts_learners

MONDAYS = [date(2025, 9, 1) + timedelta(weeks=k) for k in range(30)]


def _weekly() -> pl.DataFrame:
    return pl.DataFrame({"period_start": MONDAYS, "count": list(range(30))})


def _surge_weeks() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "week_start": MONDAYS,
            "volume": [10] * 29 + [50],
            "baseline_median": [10.0] * 30,
            "volume_year_before": [None] * 30,
            "ratio": [1.0] * 29 + [5.0],
            "is_surge": [False] * 29 + [True],
        },
        schema_overrides={"volume_year_before": pl.Int64},
    )


BUILDERS = {
    "time_series": lambda: charts.time_series(_weekly(), x="period_start", y="count", y_title="N"),
    "bars": lambda: charts.bars(
        pl.DataFrame({"site": ["Lycée professionnel Dijon-Nord"], "share": [0.8]}),
        category="site",
        value="share",
        category_title="Site",
        value_title="Part",
        kind="share",
        target=0.5,
    ),
    "activity": lambda: charts_activity.activity(
        _weekly(),
        pl.DataFrame({"week_start": [MONDAYS[3]], "surges": [1], "series": ["Lyon · Maths"]}),
        y_title="Copies",
        grain="week",
    ),
    "surge_series": lambda: charts_activity.surge_series(
        _surge_weeks(), volume_title="Copies", surge_ratio=2.0, threshold_title="Seuil d'un pic"
    ),
    "distribution": lambda: charts_activity.distribution(
        pl.DataFrame({"label": ["0 j", "1 j"], "copies": [3, 1], "within": [True, False]}),
        label="label",
        count="copies",
        within="within",
        x_title="Délai",
        y_title="Copies",
    ),
    "statistics_over_time": lambda: charts_activity.statistics_over_time(
        pl.DataFrame({"week_start": MONDAYS[:3], "median": [1.0, 2.5, 3.0]}),
        x="week_start",
        lines={"median": "Médiane"},
        y_title="Jours",
        target=3,
    ),
    "category_bars": lambda: charts_learners.category_bars(
        pl.DataFrame({"label": ["A", "B"], "rate": [0.0, 0.0]}),
        category="label",
        value="rate",
        category_title="Groupe",
        value_title="Taux",
        kind="share",
    ),
    "monthly_bars": lambda: charts_learners.monthly_bars(
        pl.DataFrame({"month": ["septembre 2025"], "exits": [1]}),
        month="month",
        value="exits",
        months=["septembre 2025", "octobre 2025"],
        value_title="Sorties",
    ),
    "curves": lambda: charts_learners.curves(
        pl.DataFrame({"weeks": [0, 1, 2], "retention": [1.0, 0.9, 0.9]}),
        x="weeks",
        y="retention",
        x_title="Semaines",
        y_title="Part",
    ),
    "ordered_bars": lambda: charts_learners.ordered_bars(
        pl.DataFrame({"type": ["initial"], "n": [200_000]}),
        category="type",
        value="n",
        category_title="Type",
        value_title="Entretiens",
        order=["initial"],
    ),
    "delivered_against_expected": lambda: charts_learners.delivered_against_expected(
        pl.DataFrame({"g": ["2nde A – AP (Lyon)"], "d": [1651.5], "e": [1700.0]}),
        category="g",
        delivered="d",
        expected="e",
        category_title="Groupe",
    ),
}


def _encodings(spec: dict) -> list[tuple[str, dict]]:
    """Every (channel, definition) of the spec and its layers."""
    found = []
    for layer in [spec, *spec.get("layer", [])]:
        for channel, definition in layer.get("encoding", {}).items():
            for item in definition if isinstance(definition, list) else [definition]:
                if isinstance(item, dict):
                    found.append((channel, item))
    return found


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_chart_writes_numbers_and_dates_in_french(name: str) -> None:
    spec = BUILDERS[name]().to_dict()
    locale = spec["config"]["locale"]
    assert locale["number"]["decimal"] == "," and locale["number"]["thousands"] == "\u202f"
    assert locale["time"]["months"][0] == "janvier"
    assert spec["config"]["legend"]["labelLimit"] == 0
    for channel, definition in _encodings(spec):
        kind = definition.get("type")
        if channel in ("x", "y") and kind == "quantitative" and "axis" in definition:
            axis = definition["axis"]
            assert axis.get("format"), (name, channel, definition)
            assert axis["format"] != "%", (name, "a bare % format writes 0,000000 %")
        if channel == "tooltip" and kind == "quantitative":
            assert definition.get("format"), (name, definition)
        if channel == "y" and kind == "nominal":
            assert definition["axis"]["labelLimit"] == 0, (name, "category names cut")


def test_count_axes_have_no_fractional_ticks() -> None:
    for name in ("time_series", "activity", "monthly_bars", "ordered_bars", "curves"):
        spec = BUILDERS[name]().to_dict()
        counts = [
            d["axis"]
            for channel, d in _encodings(spec)
            if channel in ("x", "y") and d.get("type") == "quantitative" and "axis" in d
        ]
        assert counts and all(a.get("tickMinStep") == 1 for a in counts if a["format"] == ",.0f")


def test_weekly_axes_tick_on_mondays() -> None:
    for name in ("time_series", "activity", "surge_series", "statistics_over_time"):
        spec = BUILDERS[name]().to_dict()
        (axis,) = [
            d["axis"]
            for channel, d in _encodings(spec)
            if channel == "x" and d.get("type") == "temporal" and "axis" in d
        ]
        ticks = [date(v["year"], v["month"], v["date"]) for v in axis["values"]]
        assert ticks and all(day.weekday() == 0 for day in ticks), (name, ticks)
        assert len(ticks) <= charts.MAX_DATE_TICKS


def test_the_surge_chart_has_a_legend_for_its_threshold_and_its_surges() -> None:
    spec = BUILDERS["surge_series"]().to_dict()
    colors = [d for c, d in _encodings(spec) if c == "color"]
    assert [d["field"] for d in colors] == ["série", "pic"]  # the lines and the surge points
    assert {tuple(d["scale"]["domain"]) for d in colors} == {
        ("Copies", "Seuil d\u2019un pic", "Même semaine un an plus tôt", "Semaine de pic")
    }


def _dashed_layers(spec: dict) -> list[dict]:
    return [
        layer
        for layer in spec.get("layer", [])
        if isinstance(layer.get("mark"), dict) and layer["mark"].get("strokeDash") == [6, 4]
    ]


def test_a_series_of_a_year_before_is_drawn_as_grey_dashes_over_this_years() -> None:
    """time_series and statistics_over_time layer the year before (compare.brought_forward:
    52 weeks later, its own date kept for the tooltip) as one dashed line per series."""
    from indicators.compare import brought_forward

    this_year = _weekly().with_columns(pl.lit("Reçues").alias("measure"))
    before = brought_forward(
        this_year.with_columns(pl.col("period_start").dt.offset_by("-52w")), "week"
    )
    assert before.get_column("period_start").to_list() == MONDAYS
    spec = charts.time_series(
        this_year, x="period_start", y="count", y_title="N", color="measure", year_before=before
    ).to_dict()
    (dashed,) = _dashed_layers(spec)
    assert dashed["encoding"]["detail"]["field"] == "measure"
    assert dashed["mark"]["color"] == charts.YEAR_BEFORE_COLOR
    trend = pl.DataFrame({"week_start": MONDAYS, "median": [2.0] * 30})
    spec = charts_activity.statistics_over_time(
        trend,
        x="week_start",
        lines={"median": "Délai médian"},
        y_title="Délai (jours)",
        target=3,
        year_before=brought_forward(
            trend.select("week_start", pl.col("median").alias("value")), "week", x="week_start"
        ),
        year_before_title="Délai médian un an plus tôt",
    ).to_dict()
    assert len(_dashed_layers(spec)) == 1
    without = charts.time_series(this_year, x="period_start", y="count", y_title="N").to_dict()
    assert not _dashed_layers(without)
