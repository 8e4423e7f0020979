"""Altair chart builders shared by the pages: pure functions, frame in, chart out.

Every chart speaks French: French number and date formats (locale), French titles and axes,
tooltips with formatted values. Frames handed to these builders are already aggregated
(never a million points sent to the browser).
"""

from __future__ import annotations

import altair as alt
import polars as pl

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


def finish(chart: alt.TopLevelMixin, title: str | None = None) -> alt.TopLevelMixin:
    """French locale, readable fonts, the palette; the title if given."""
    if title:
        chart = chart.properties(title=title)
    return (
        chart.configure(locale=FRENCH_LOCALE)
        .configure_range(category=PALETTE)
        .configure_axis(labelFontSize=12, titleFontSize=12, grid=True, gridOpacity=0.4)
        .configure_legend(labelFontSize=12, titleFontSize=12, orient="bottom")
        .configure_title(fontSize=15, anchor="start")
        .configure_view(strokeWidth=0)
    )


def _tooltip(column: str, title: str, kind: str) -> alt.Tooltip:
    formats = {"count": ",.0f", "share": ".0%", "hours": ",.1f", "days": ",.1f", "ratio": ",.1f"}
    if kind == "date":
        return alt.Tooltip(f"{column}:T", title=title, format="%d/%m/%Y")
    if kind == "text":
        return alt.Tooltip(f"{column}:N", title=title)
    return alt.Tooltip(f"{column}:Q", title=title, format=formats.get(kind, ",.1f"))


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
) -> alt.TopLevelMixin:
    """Values over time (one line or bar series per value of ``color``)."""
    tooltips = [_tooltip(x, GRAIN_LABELS.get(grain, "Date"), "date"), _tooltip(y, y_title, kind)]
    encoding = {
        "x": alt.X(f"{x}:T", title=None, axis=alt.Axis(format=GRAIN_FORMATS.get(grain))),
        "y": alt.Y(
            f"{y}:Q", title=y_title, axis=alt.Axis(format="%" if kind == "share" else ",.0f")
        ),
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color_title)
        tooltips.insert(0, _tooltip(color, color_title or "", "text"))
    base = alt.Chart(frame.to_arrow())
    marked = (
        base.mark_bar()
        if mark == "bar"
        else base.mark_line(point=frame.height <= 60, interpolate="monotone")
    )
    chart = marked.encode(**encoding, tooltip=tooltips).properties(height=height)
    return finish(chart, title)


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
    tooltips = [_tooltip(category, category_title, "text"), _tooltip(value, value_title, kind)]
    tooltips += [_tooltip(c, t, k) for c, t, k in extra_tooltips or []]
    encoding = {
        "y": alt.Y(f"{category}:N", title=None, sort="-x"),
        "x": alt.X(
            f"{value}:Q", title=value_title, axis=alt.Axis(format="%" if kind == "share" else ",")
        ),
        "tooltip": tooltips,
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color_title)
    chart = alt.Chart(shown.to_arrow()).mark_bar().encode(**encoding)
    if target is not None:
        rule = (
            alt.Chart(pl.DataFrame({"target": [target]}).to_arrow())
            .mark_rule(color=ALERT_COLOR, strokeDash=[6, 4], size=2)
            .encode(x="target:Q", tooltip=[alt.Tooltip("target:Q", title=target_title)])
        )
        chart = chart + rule
    height = max(120, min(28 * shown.height, 900))
    return finish(chart.properties(height=height), title)
