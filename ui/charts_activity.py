"""Altair builders used only by the activity pages (Activité et pics, Délais de correction,
Tutorat): pure functions, aggregated frame in, chart out, French titles and tooltips."""

from __future__ import annotations

import altair as alt
import polars as pl

from ui.charts import (
    ALERT_COLOR,
    GRAIN_LABELS,
    PALETTE,
    TOOLTIP_FORMATS,
    date_axis,
    field_name,
    finish,
    value_axis,
    year_before_line,
)

WITHIN = "Dans l'objectif"
BEYOND = "Au-delà de l'objectif"
SURGE_WEEK = "Semaine de pic"
LEGEND_ROOM = 60  # pixels under a chart for its legend (Streamlit counts it in the height)


def activity(
    series: pl.DataFrame,
    marks: pl.DataFrame | None,
    *,
    y_title: str,
    grain: str,
    color: str | None = None,
    color_title: str | None = None,
    marks_title: str = "Pics",
    height: int = 320,
    year_before: pl.DataFrame | None = None,
) -> alt.TopLevelMixin:
    """Counts over time (period_start, [color], count) with the weeks of surges drawn as
    rules in the alert color (marks: week_start, surges, series; None for no marks), and the
    same series a year earlier as a grey dashed line (year_before: period_start moved onto
    this year, year_before_start, count; compare.brought_forward)."""
    tooltips = [
        alt.Tooltip("period_start:T", title=GRAIN_LABELS.get(grain, "Date"), format="%d/%m/%Y"),
        alt.Tooltip("count:Q", title=y_title, format=",.0f"),
    ]
    encoding = {
        "x": alt.X(
            "period_start:T",
            title=None,
            axis=date_axis(series.get_column("period_start").to_list(), grain),
        ),
        "y": alt.Y("count:Q", title=y_title, axis=value_axis("count")),
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color_title)
        tooltips.insert(0, alt.Tooltip(f"{color}:N", title=color_title or ""))
    points = series.height <= 80
    line = (
        alt.Chart(series.to_arrow())
        .mark_line(point=points, interpolate="monotone")
        .encode(**encoding, tooltip=tooltips)
    )
    layers = [line]
    if year_before is not None and not year_before.is_empty():
        layers.append(year_before_line(year_before, y_title=y_title, grain=grain))
    if marks is None or marks.is_empty():
        return finish(alt.layer(*layers).properties(height=height))
    rules = (
        alt.Chart(marks.to_arrow())
        .mark_rule(color=ALERT_COLOR, strokeDash=[5, 3], size=2)
        .encode(
            x="week_start:T",
            tooltip=[
                alt.Tooltip("week_start:T", title="Semaine du", format="%d/%m/%Y"),
                alt.Tooltip("surges:Q", title=marks_title, format=",.0f"),
                alt.Tooltip("series:N", title="Où"),
            ],
        )
    )
    return finish(alt.layer(*layers, rules).properties(height=height))


def surge_series(
    weekly: pl.DataFrame,
    *,
    volume_title: str,
    surge_ratio: float,
    threshold_title: str,
    height: int = 300,
) -> alt.TopLevelMixin:
    """One weekly series: its volume, the surge threshold (baseline x ratio, dashed), the same
    week a year earlier (dotted, where known) and its surges as points in the alert color,
    each named in one legend."""
    # the titles name the frame's columns: Vega reads ' . [ ] in a field name as syntax
    volume_title, threshold_title = field_name(volume_title), field_name(threshold_title)
    year_title = "Même semaine un an plus tôt"
    frame = weekly.select(
        "week_start",
        pl.col("volume").alias(volume_title),
        (pl.col("baseline_median") * surge_ratio).alias(threshold_title),
        pl.col("volume_year_before").alias(year_title),
        pl.col("ratio"),
        pl.col("is_surge"),
    )
    names = [volume_title, threshold_title, year_title]
    legend = alt.Scale(
        domain=[*names, SURGE_WEEK], range=[PALETTE[0], "#7F8C8D", "#B0B7BC", ALERT_COLOR]
    )
    axis = date_axis(frame.get_column("week_start").to_list(), "week")
    base = alt.Chart(frame.to_arrow())
    lines = (
        base.transform_fold(names, as_=["série", "valeur"])
        .transform_filter("isValid(datum.valeur)")
        .mark_line(interpolate="monotone")
        .encode(
            x=alt.X("week_start:T", title=None, axis=axis),
            y=alt.Y("valeur:Q", title=volume_title, axis=value_axis("count")),
            color=alt.Color("série:N", title=None, scale=legend),
            strokeDash=alt.StrokeDash(
                "série:N",
                legend=None,
                scale=alt.Scale(domain=names, range=[[1, 0], [6, 4], [2, 3]]),
            ),
            tooltip=[
                alt.Tooltip("week_start:T", title="Semaine du", format="%d/%m/%Y"),
                alt.Tooltip("série:N", title="Série"),
                alt.Tooltip("valeur:Q", title="Valeur", format=TOOLTIP_FORMATS["ratio"]),
            ],
        )
    )
    points = (
        base.transform_filter("datum.is_surge")
        .transform_calculate(pic=f"'{SURGE_WEEK}'")
        .mark_point(filled=True, size=110, opacity=1)
        .encode(
            x="week_start:T",
            y=f"{volume_title}:Q",
            color=alt.Color("pic:N", title=None, scale=legend),
            tooltip=[
                alt.Tooltip("week_start:T", title="Pic, semaine du", format="%d/%m/%Y"),
                alt.Tooltip(f"{volume_title}:Q", title=volume_title, format=",.0f"),
                alt.Tooltip("ratio:Q", title="Rapport à la médiane", format=",.1f"),
            ],
        )
    )
    return finish(alt.layer(lines, points).properties(height=height + LEGEND_ROOM))


def distribution(
    frame: pl.DataFrame,
    *,
    label: str,
    count: str,
    within: str,
    x_title: str,
    y_title: str,
    height: int = 280,
) -> alt.TopLevelMixin:
    """Bars already binned, in the frame's order, blue within the target and in the alert
    color beyond it."""
    shown = frame.select(
        pl.col(label),
        pl.col(count),
        pl.when(pl.col(within)).then(pl.lit(WITHIN)).otherwise(pl.lit(BEYOND)).alias("objectif"),
    )
    chart = (
        alt.Chart(shown.to_arrow())
        .mark_bar()
        .encode(
            x=alt.X(f"{label}:N", title=x_title, sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{count}:Q", title=y_title, axis=value_axis("count")),
            color=alt.Color(
                "objectif:N",
                title=None,
                scale=alt.Scale(domain=[WITHIN, BEYOND], range=[PALETTE[0], ALERT_COLOR]),
            ),
            tooltip=[
                alt.Tooltip(f"{label}:N", title=x_title),
                alt.Tooltip(f"{count}:Q", title=y_title, format=",.0f"),
                alt.Tooltip("objectif:N", title="Objectif"),
            ],
        )
    )
    return finish(chart.properties(height=height))


def statistics_over_time(
    frame: pl.DataFrame,
    *,
    x: str,
    lines: dict[str, str],
    y_title: str,
    kind: str = "days",
    target: float | None = None,
    target_title: str = "Objectif",
    height: int = 300,
    year_before: pl.DataFrame | None = None,
    year_before_title: str = "",
) -> alt.TopLevelMixin:
    """Several statistics of one frame over time (columns named in ``lines``, with their
    French titles), and an optional target as a horizontal rule in the alert color;
    ``year_before``: one statistic a year earlier (``x``, ``year_before_start``, ``value``,
    ``compare.brought_forward``), grey dashes titled ``year_before_title``."""
    lines = {column: field_name(title) for column, title in lines.items()}
    shown = frame.select(x, *[pl.col(c).alias(t) for c, t in lines.items()])
    titles = list(lines.values())
    chart = (
        alt.Chart(shown.to_arrow())
        .transform_fold(titles, as_=["statistique", "valeur"])
        .mark_line(point=shown.height <= 60, interpolate="monotone")
        .encode(
            x=alt.X(f"{x}:T", title=None, axis=date_axis(shown.get_column(x).to_list(), "week")),
            y=alt.Y("valeur:Q", title=y_title, axis=value_axis(kind)),
            color=alt.Color("statistique:N", title=None, scale=alt.Scale(domain=titles)),
            tooltip=[
                alt.Tooltip(f"{x}:T", title="Semaine du", format="%d/%m/%Y"),
                alt.Tooltip("statistique:N", title="Statistique"),
                alt.Tooltip("valeur:Q", title=y_title, format=TOOLTIP_FORMATS.get(kind, ",.1f")),
            ],
        )
    )
    if year_before is not None and not year_before.is_empty():
        chart = alt.layer(
            chart,
            year_before_line(year_before, y_title=year_before_title, x=x, y="value", kind=kind),
        )
    if target is None:
        return finish(chart.properties(height=height))
    rule = (
        alt.Chart(pl.DataFrame({"target": [target]}).to_arrow())
        .mark_rule(color=ALERT_COLOR, strokeDash=[6, 4], size=2)
        .encode(
            y="target:Q",
            tooltip=[alt.Tooltip("target:Q", title=target_title, format=",.1f")],
        )
    )
    return finish(alt.layer(chart, rule).properties(height=height))
