"""Altair builders of the page « Prévoir la charge »: pure functions, small frames in, chart
out, French titles, axes and tooltips."""

from __future__ import annotations

import altair as alt
import polars as pl

from ui.charts import ALERT_COLOR, PALETTE, date_axis, finish, tooltip, value_axis
from ui.charts_activity import LEGEND_ROOM

CURVE_LABELS = {
    "actual": "Cette année (réel)",
    "forecast": "Prévision",
    "last_year": "Même semaine un an plus tôt",
}
CURVE_COLORS = {"actual": PALETTE[0], "forecast": PALETTE[1], "last_year": "#9A9A9A"}
BAND = "Intervalle à 80 %"


def forecast_against_last_year(
    frame: pl.DataFrame, *, y_title: str, height: int = 340
) -> alt.TopLevelMixin:
    """The weeks before the forecast as they happened, the forecast with its interval (a
    band), and the same weeks a year earlier (grey): ``plan.compare`` output."""
    shown = frame.with_columns(
        pl.col("curve").replace_strict(CURVE_LABELS, default=pl.col("curve")).alias("Courbe")
    )
    axis = date_axis(shown.get_column("week_start").unique().sort().to_list(), "week")
    x = alt.X("week_start:T", title=None, axis=axis)
    order = [CURVE_LABELS[c] for c in CURVE_LABELS]
    color = alt.Color(
        "Courbe:N",
        title=None,
        scale=alt.Scale(domain=order, range=[CURVE_COLORS[c] for c in CURVE_LABELS]),
    )
    base = alt.Chart(shown.to_arrow())
    band = (
        base.transform_filter(alt.datum.curve == "forecast")
        .mark_area(opacity=0.2, color=CURVE_COLORS["forecast"])
        .encode(
            x=x,
            y=alt.Y("low:Q", axis=None),  # the lines' axis serves both
            y2="high:Q",
            tooltip=[
                tooltip("week_start", "Semaine du", "date"),
                tooltip("low", "Bas de l'intervalle", "count"),
                tooltip("high", "Haut de l'intervalle", "count"),
            ],
        )
    )
    lines = base.mark_line(point=True, interpolate="monotone").encode(
        x=x,
        y=alt.Y("value:Q", title=y_title, axis=value_axis("count")),
        color=color,
        strokeDash=alt.condition(
            alt.datum.curve == "forecast", alt.value([6, 3]), alt.value([1, 0])
        ),
        tooltip=[
            tooltip("Courbe", "Courbe", "text"),
            tooltip("week_start", "Semaine du", "date"),
            tooltip("value", y_title, "count"),
        ],
    )
    return finish((band + lines).properties(height=height + LEGEND_ROOM))


def projected_waits(
    frame: pl.DataFrame,
    *,
    value: str,
    y_title: str,
    target: float,
    target_title: str,
    kind: str = "days",
    height: int = 320,
) -> alt.TopLevelMixin:
    """The mean wait projected with the staff shown, per week and discipline (``value``:
    its column in ``plan.by_discipline``), against the target (a red dashed rule)."""
    shown = frame.filter(pl.col(value).is_not_null())
    axis = date_axis(shown.get_column("week_start").unique().sort().to_list(), "week")
    lines = (
        alt.Chart(shown.to_arrow())
        .mark_line(point=True)
        .encode(
            x=alt.X("week_start:T", title=None, axis=axis),
            y=alt.Y(f"{value}:Q", title=y_title, axis=value_axis(kind)),
            color=alt.Color("discipline:N", title="Discipline", legend=alt.Legend(columns=4)),
            tooltip=[
                tooltip("discipline", "Discipline", "text"),
                tooltip("week_start", "Semaine du", "date"),
                tooltip(value, y_title, kind),
            ],
        )
    )
    rule = (
        alt.Chart(pl.DataFrame({"target": [float(target)]}).to_arrow())
        .mark_rule(color=ALERT_COLOR, strokeDash=[6, 4], size=2)
        .encode(y="target:Q", tooltip=[tooltip("target", target_title, kind)])
    )
    rows = -(-shown.get_column("discipline").n_unique() // 4)  # legend rows, 4 a row
    return finish((lines + rule).properties(height=height + LEGEND_ROOM + 20 * rows))
