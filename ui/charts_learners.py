"""Altair builders used only by the learner pages (Décrochage, Accompagnement, Entretiens):
pure functions, aggregated frame in, chart out, French titles and tooltips."""

from __future__ import annotations

import altair as alt
import polars as pl

from ui.charts import ALERT_COLOR, finish

_FORMATS = {"count": ",.0f", "share": ".0%", "hours": ",.1f"}


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
        alt.Tooltip(f"{y}:Q", title=y_title, format=_FORMATS.get(kind, ",.1f")),
    ]
    tooltips += [
        alt.Tooltip(f"{c}:Q", title=t, format=_FORMATS.get(k, ",.1f"))
        for c, t, k in extra_tooltips or []
    ]
    encoding = {
        "x": alt.X(f"{x}:Q", title=x_title),
        "y": alt.Y(
            f"{y}:Q",
            title=y_title,
            axis=alt.Axis(format="%" if kind == "share" else ",.0f"),
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
    tooltips += [
        alt.Tooltip(f"{c}:Q", title=t, format=_FORMATS.get(k, ",.1f"))
        for c, t, k in extra_tooltips or []
    ]
    chart = (
        alt.Chart(frame.to_arrow())
        .mark_bar()
        .encode(
            x=alt.X(f"{category}:N", title=None, sort=order, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{value}:Q", title=value_title, axis=alt.Axis(format=",.0f")),
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
    base = alt.Chart(shown.to_arrow()).encode(y=alt.Y(f"{category}:N", title=None, sort="-x"))
    bars = base.mark_bar().encode(x=alt.X(f"{delivered}:Q", title="Heures"), tooltip=tooltips)
    ticks = base.mark_tick(color=ALERT_COLOR, thickness=3, size=18).encode(
        x=alt.X(f"{expected}:Q"), tooltip=tooltips
    )
    height = max(120, min(28 * shown.height, 900))
    return finish((bars + ticks).properties(height=height), title)
