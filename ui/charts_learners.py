"""Altair builders used only by the learner pages (Décrochage, Accompagnement, Entretiens):
pure functions, aggregated frame in, chart out, French titles and tooltips."""

from __future__ import annotations

import altair as alt
import polars as pl

from ui.charts import ALERT_COLOR, TOOLTIP_FORMATS, finish, value_axis

LABEL_LIMIT = 0  # no limit: a category is named whole ("2nde MELEC A (Lycée professionnel ...)")
ROW_HEIGHT = 28
# Streamlit counts the axes, the legend and the title in the chart height: they are added to
# the rows so that the bars keep their room.
AXIS_HEIGHT = 60
LEGEND_HEIGHT = 80
TITLE_HEIGHT = 40


def _height(rows: int, *, legend: bool = False, title: str | None = None) -> int:
    return (
        ROW_HEIGHT * max(rows, 3)
        + AXIS_HEIGHT
        + (LEGEND_HEIGHT if legend else 0)
        + (TITLE_HEIGHT if title else 0)
    )


def _tooltips(extra: list[tuple[str, str, str]] | None) -> list[alt.Tooltip]:
    return [
        alt.Tooltip(f"{c}:Q", title=t, format=TOOLTIP_FORMATS.get(k, ",.1f"))
        for c, t, k in extra or []
    ]


def category_bars(
    frame: pl.DataFrame,
    *,
    category: str,
    value: str,
    category_title: str,
    value_title: str,
    kind: str = "count",
    color: str | None = None,
    color_title: str | None = None,
    extra_tooltips: list[tuple[str, str, str]] | None = None,
    title: str | None = None,
    max_categories: int = 40,
) -> alt.TopLevelMixin:
    """Horizontal bars per category (stacked by ``color`` if given), largest total first, the
    ``max_categories`` largest only; category labels shown whole (up to LABEL_LIMIT pixels)."""
    totals = (
        frame.group_by(category)
        .agg(pl.col(value).sum().alias("_total"))
        .sort("_total", category, descending=[True, False], nulls_last=True)
        .head(max_categories)
    )
    order = totals.get_column(category).to_list()
    shown = frame.filter(pl.col(category).is_in(order))
    tooltips = [
        alt.Tooltip(f"{category}:N", title=category_title),
        alt.Tooltip(f"{value}:Q", title=value_title, format=TOOLTIP_FORMATS.get(kind, ",.1f")),
        *_tooltips(extra_tooltips),
    ]
    encoding = {
        "y": alt.Y(f"{category}:N", title=None, sort=order, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        "x": alt.X(f"{value}:Q", title=value_title, axis=value_axis(kind)),
        "tooltip": tooltips,
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color_title)
        tooltips.insert(1, alt.Tooltip(f"{color}:N", title=color_title or ""))
    height = _height(len(order), legend=color is not None, title=title)
    chart = alt.Chart(shown.to_arrow()).mark_bar().encode(**encoding)
    return finish(chart.properties(height=height), title)


def monthly_bars(
    frame: pl.DataFrame,
    *,
    month: str,
    value: str,
    months: list[str],
    value_title: str,
    color: str | None = None,
    color_title: str | None = None,
    title: str | None = None,
) -> alt.TopLevelMixin:
    """One month-wide bar per month (stacked by ``color``), ``month`` a French label
    ("septembre 2025") and ``months`` every month of the period in order: a month with
    nothing shows as an empty place, not as a missing one."""
    tooltips = [
        alt.Tooltip(f"{month}:N", title="Mois"),
        alt.Tooltip(f"{value}:Q", title=value_title, format=",.0f"),
    ]
    encoding = {
        "x": alt.X(
            f"{month}:O",
            title=None,
            sort=months,
            scale=alt.Scale(domain=months),
            axis=alt.Axis(labelAngle=-40 if len(months) > 8 else 0, labelLimit=160),
        ),
        "y": alt.Y(f"{value}:Q", title=value_title, axis=value_axis("count")),
        "tooltip": tooltips,
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color_title)
        tooltips.insert(1, alt.Tooltip(f"{color}:N", title=color_title or ""))
    chart = alt.Chart(frame.to_arrow()).mark_bar().encode(**encoding)
    return finish(chart.properties(height=340), title)


def curves(
    frame: pl.DataFrame,
    *,
    x: str,
    y: str,
    x_title: str,
    y_title: str,
    color: str | None = None,
    color_title: str | None = None,
    kind: str = "share",
    extra_tooltips: list[tuple[str, str, str]] | None = None,
    title: str | None = None,
) -> alt.TopLevelMixin:
    """Lines over a quantitative x (e.g. weeks since entry), one per value of ``color``."""
    tooltips = [
        alt.Tooltip(f"{x}:Q", title=x_title, format=",.0f"),
        alt.Tooltip(f"{y}:Q", title=y_title, format=TOOLTIP_FORMATS.get(kind, ",.1f")),
    ]
    tooltips += _tooltips(extra_tooltips)
    encoding = {
        "x": alt.X(f"{x}:Q", title=x_title, axis=value_axis("count")),
        "y": alt.Y(
            f"{y}:Q",
            title=y_title,
            axis=value_axis(kind),
            scale=alt.Scale(domain=[0, 1]) if kind == "share" else alt.Undefined,
        ),
        "tooltip": tooltips,
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color_title)
        tooltips.insert(0, alt.Tooltip(f"{color}:N", title=color_title or ""))
    chart = alt.Chart(frame.to_arrow()).mark_line(point=frame.height <= 120).encode(**encoding)
    return finish(chart.properties(height=300), title)


def ordered_bars(
    frame: pl.DataFrame,
    *,
    category: str,
    value: str,
    category_title: str,
    value_title: str,
    order: list[str],
    extra_tooltips: list[tuple[str, str, str]] | None = None,
    title: str | None = None,
) -> alt.TopLevelMixin:
    """Vertical bars in a fixed category order (e.g. the phases of the interviews)."""
    tooltips = [
        alt.Tooltip(f"{category}:N", title=category_title),
        alt.Tooltip(f"{value}:Q", title=value_title, format=",.0f"),
    ]
    tooltips += _tooltips(extra_tooltips)
    chart = (
        alt.Chart(frame.to_arrow())
        .mark_bar()
        .encode(
            x=alt.X(f"{category}:N", title=None, sort=order, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{value}:Q", title=value_title, axis=value_axis("count")),
            tooltip=tooltips,
        )
    )
    return finish(chart.properties(height=280), title)


def delivered_against_expected(
    frame: pl.DataFrame,
    *,
    category: str,
    delivered: str,
    expected: str,
    category_title: str,
    title: str | None = None,
    max_categories: int = 40,
) -> alt.TopLevelMixin:
    """Horizontal bars of hours delivered with a red tick at the hours expected to date."""
    shown = frame.sort(expected, delivered, descending=True, nulls_last=True).head(max_categories)
    tooltips = [
        alt.Tooltip(f"{category}:N", title=category_title),
        alt.Tooltip(f"{delivered}:Q", title="Heures assurées", format=",.1f"),
        alt.Tooltip(f"{expected}:Q", title="Heures attendues à date", format=",.1f"),
    ]
    base = alt.Chart(shown.to_arrow()).encode(
        y=alt.Y(f"{category}:N", title=None, sort="-x", axis=alt.Axis(labelLimit=LABEL_LIMIT))
    )
    bars = base.mark_bar().encode(
        x=alt.X(f"{delivered}:Q", title="Heures", axis=value_axis("hours")), tooltip=tooltips
    )
    ticks = base.mark_tick(color=ALERT_COLOR, thickness=3, size=18).encode(
        x=alt.X(f"{expected}:Q"), tooltip=tooltips
    )
    height = _height(shown.height, title=title)
    return finish((bars + ticks).properties(height=height), title)
