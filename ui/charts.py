"""Altair chart builders shared by the pages: pure functions, frame in, chart out.

Every chart speaks French: French number and date formats (locale), French titles and axes,
tooltips with formatted values. Frames handed to these builders are already aggregated
(never a million points sent to the browser).
"""

from __future__ import annotations

import functools
import math
from datetime import date

import altair as alt
import polars as pl

# Altair checks every chart object against the Vega-Lite schema when it is made, and again when
# Streamlit turns it into a spec at each rerun: about 0,1 to 0,25 s of each rerun of a page
# with charts at national scale. The builders here are pure and each one is checked against
# the schema in the tests (tests/test_data_versions.py), so the app draws them unchecked.
alt.utils.schemapi.disable_debug_mode()

FRENCH_LOCALE = alt.Locale(
    number={
        "decimal": ",",
        "thousands": "\u202f",
        "grouping": [3],
        "currency": ["", "\u00a0€"],
        "percent": "\u202f%",
    },
    time={
        "dateTime": "%A %e %B %Y à %X",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": [
            "janvier", "février", "mars", "avril", "mai", "juin",
            "juillet", "août", "septembre", "octobre", "novembre", "décembre",
        ],
        "shortMonths": [
            "janv.", "févr.", "mars", "avr.", "mai", "juin",
            "juil.", "août", "sept.", "oct.", "nov.", "déc.",
        ],
    },
)  # fmt: skip

PALETTE = ["#2E5A88", "#E07B39", "#4E9F6E", "#B8474A", "#7A5DA8", "#C9A227", "#5AA0C8", "#8C6D46"]
ALERT_COLOR = "#C0392B"
GRAIN_FORMATS = {"day": "%d/%m/%Y", "week": "%d/%m/%Y", "month": "%B %Y"}
GRAIN_LABELS = {"day": "Jour", "week": "Semaine du", "month": "Mois"}
MAX_DATE_TICKS = 12

# d3 formats, written with FRENCH_LOCALE: 1 401 126 ; 2,5 ; 81 %
AXIS_FORMATS = {
    "count": ",.0f",
    "share": ".0%",
    "days": ",.1~f",
    "hours": ",.1~f",
    "ratio": ",.1~f",
}
TOOLTIP_FORMATS = {
    "count": ",.0f",
    "share": ".1%",
    "days": ",.1f",
    "hours": ",.1f",
    "ratio": ",.1f",
}


def finish(chart: alt.TopLevelMixin, title: str | None = None) -> alt.TopLevelMixin:
    """French locale, readable fonts, the palette, whole labels in axes and legends; the
    title if given. The chart is drawn without checking its Vega-Lite against the schema
    (``unchecked``)."""
    if title:
        chart = chart.properties(title=title)
    configured = chart.configure(  # one copy of the chart, not one per part of the config
        locale=FRENCH_LOCALE,
        range=alt.RangeConfig(category=PALETTE),
        axis=alt.AxisConfig(labelFontSize=12, titleFontSize=12, grid=True, gridOpacity=0.4),
        legend=alt.LegendConfig(labelFontSize=12, titleFontSize=12, orient="bottom", labelLimit=0),
        title=alt.TitleConfig(fontSize=15, anchor="start"),
        view=alt.ViewConfig(strokeWidth=0),
    )
    return unchecked(configured)


def unchecked(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The chart, whose ``to_dict()`` (what st.altair_chart calls at every rerun) no longer
    checks the spec against the Vega-Lite schema: that check took about 80 % of the time of
    drawing a chart (0,24 s of the 0,29 s of the five charts of "Délais de correction" at each
    rerun). The builders are pure and every one is checked against the schema in the tests
    (``to_dict(validate=True)``, tests/test_data_versions.py)."""
    object.__setattr__(
        chart, "to_dict", functools.partial(type(chart).to_dict, chart, validate=False)
    )
    return chart


def field_name(title: str) -> str:
    """A French title usable as a Vega field name (a chart that folds columns into a legend
    names them by their titles): the typographic apostrophe, no dot or bracket, which Vega
    would read as syntax and then draw nothing."""
    return title.replace("'", "\u2019").replace(".", "\u2024").replace("[", "(").replace("]", ")")


def value_axis(kind: str, **options: object) -> alt.Axis:
    """The axis of a quantity in French: counts without fractional ticks (1 401 126), shares
    in percent (81 %), hours, days and ratios with at most one decimal (2,5)."""
    if kind == "count":
        options.setdefault("tickMinStep", 1)
    return alt.Axis(format=AXIS_FORMATS.get(kind, ",.1~f"), **options)


def _day(day: date) -> alt.DateTime:
    return alt.DateTime(year=day.year, month=day.month, date=day.day, utc=True)


def date_axis(days: pl.Series | list[date], grain: str, **options: object) -> alt.Axis:
    """The axis of dates at the grain of the data: for weeks, ticks on the Mondays the data
    start their weeks on (at most MAX_DATE_TICKS, evenly spaced), not on Sundays; for months,
    on the months of the data (Vega would otherwise name some months twice)."""
    axis_format = GRAIN_FORMATS.get(grain, "%d/%m/%Y")
    if grain not in ("week", "month"):
        return alt.Axis(format=axis_format, **options)
    mondays = sorted({d for d in days if d is not None})  # or first days of months
    step = max(1, math.ceil(len(mondays) / MAX_DATE_TICKS))
    values = [_day(d) for d in mondays[::step]]
    return alt.Axis(format=axis_format, values=values, **options)


def tooltip(column: str, title: str, kind: str) -> alt.Tooltip:
    """A tooltip line in French: a date dd/mm/yyyy, a text, or a quantity of the kind."""
    if kind == "date":
        return alt.Tooltip(f"{column}:T", title=title, format="%d/%m/%Y")
    if kind == "text":
        return alt.Tooltip(f"{column}:N", title=title)
    return alt.Tooltip(f"{column}:Q", title=title, format=TOOLTIP_FORMATS.get(kind, ",.1f"))


YEAR_BEFORE_COLOR = "#9A9A9A"
"""The series of the year before, drawn dashed under this year's."""


def year_before_line(
    frame: pl.DataFrame,
    *,
    y_title: str,
    grain: str = "week",
    x: str = "period_start",
    y: str = "count",
    kind: str = "count",
    detail: str | None = None,
) -> alt.Chart:
    """The same series a year earlier as grey dashes, to be layered over this year's: ``frame``
    comes from ``compare.brought_forward`` (``x`` moved onto this year's dates,
    ``year_before_start`` its own date); ``detail`` keeps one line per value of a column."""
    encoding = {
        "x": f"{x}:T",
        "y": f"{y}:Q",
        "tooltip": [
            alt.Tooltip(
                "year_before_start:T",
                title=f"Un an plus tôt : {GRAIN_LABELS.get(grain, 'Date').lower()}",
                format="%d/%m/%Y",
            ),
            tooltip(y, y_title, kind),
        ],
    }
    if detail:
        encoding["detail"] = f"{detail}:N"
        encoding["tooltip"].insert(0, alt.Tooltip(f"{detail}:N", title=""))
    return (
        alt.Chart(frame.to_arrow())
        .mark_line(color=YEAR_BEFORE_COLOR, strokeDash=[6, 4], interpolate="monotone")
        .encode(**encoding)
    )


def time_series(
    frame: pl.DataFrame,
    *,
    x: str,
    y: str,
    y_title: str,
    color: str | None = None,
    color_title: str | None = None,
    grain: str = "week",
    kind: str = "count",
    mark: str = "line",
    title: str | None = None,
    height: int = 300,
    year_before: pl.DataFrame | None = None,
) -> alt.TopLevelMixin:
    """Values over time (one line or bar series per value of ``color``); ``year_before``: the
    same series a year earlier, drawn as grey dashes (``year_before_line``)."""
    tooltips = [tooltip(x, GRAIN_LABELS.get(grain, "Date"), "date"), tooltip(y, y_title, kind)]
    encoding = {
        "x": alt.X(f"{x}:T", title=None, axis=date_axis(frame.get_column(x).to_list(), grain)),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=value_axis(kind)),
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color_title)
        tooltips.insert(0, tooltip(color, color_title or "", "text"))
    base = alt.Chart(frame.to_arrow())
    marked = (
        base.mark_bar()
        if mark == "bar"
        else base.mark_line(point=frame.height <= 60, interpolate="monotone")
    )
    chart = marked.encode(**encoding, tooltip=tooltips)
    if year_before is not None and not year_before.is_empty():
        before = year_before_line(
            year_before, y_title=y_title, grain=grain, x=x, y=y, kind=kind, detail=color
        )
        chart = alt.layer(chart, before)
    return finish(chart.properties(height=height), title)


def bars(
    frame: pl.DataFrame,
    *,
    category: str,
    value: str,
    category_title: str,
    value_title: str,
    kind: str = "count",
    color: str | None = None,
    color_title: str | None = None,
    target: float | None = None,
    target_title: str = "Objectif",
    title: str | None = None,
    extra_tooltips: list[tuple[str, str, str]] | None = None,
    max_categories: int = 40,
) -> alt.TopLevelMixin:
    """Horizontal bars per category, sorted by value, with an optional target rule."""
    shown = frame.sort(value, descending=True, nulls_last=True).head(max_categories)
    tooltips = [tooltip(category, category_title, "text"), tooltip(value, value_title, kind)]
    tooltips += [tooltip(c, t, k) for c, t, k in extra_tooltips or []]
    encoding = {
        "y": alt.Y(f"{category}:N", title=None, sort="-x", axis=alt.Axis(labelLimit=0)),
        "x": alt.X(f"{value}:Q", title=value_title, axis=value_axis(kind)),
        "tooltip": tooltips,
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color_title)
    chart = alt.Chart(shown.to_arrow()).mark_bar().encode(**encoding)
    if target is not None:
        rule = (
            alt.Chart(pl.DataFrame({"target": [target]}).to_arrow())
            .mark_rule(color=ALERT_COLOR, strokeDash=[6, 4], size=2)
            .encode(x="target:Q", tooltip=[tooltip("target", target_title, kind)])
        )
        chart = chart + rule
    height = max(120, min(28 * shown.height, 900))
    return finish(chart.properties(height=height), title)
