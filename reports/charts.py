"""The reports' charts: Vega-Lite specifications built with the app's chart helpers
(``ui/charts.py``: French locale, palette), drawn as vector graphics (SVG) for the PDF."""

from __future__ import annotations

import altair as alt
import polars as pl

from ui.charts import ALERT_COLOR, PALETTE, bars, finish, value_axis

WIDTH = 470
"""Pixels: the charts fill the A4 text width at the PDF's scale."""


def weekly_copies(weekly: pl.DataFrame) -> dict | None:
    """Copies received (bars) and corrected (line) per week; the weeks holding a surge are
    bars in the alert colour, with the number of series in surge above them. None without
    weeks."""
    if weekly.is_empty():
        return None
    frame = weekly.with_columns(
        pl.when(pl.col("surges") > 0)
        .then(pl.lit("Semaine avec pic"))
        .otherwise(pl.lit("Copies reçues"))
        .alias("kind"),
        pl.when(pl.col("surges") > 0)
        .then(pl.format("{} pic(s)", pl.col("surges")))
        .otherwise(pl.lit(""))
        .alias("mark"),
        pl.col("week_start").dt.strftime("%d/%m/%Y").alias("week"),
    )
    axis = alt.Axis(title="Semaine du", labelAngle=0)
    base = alt.Chart(frame.to_arrow())
    received = base.mark_bar(opacity=0.85).encode(
        x=alt.X("week:O", axis=axis, sort=None),
        y=alt.Y("copies_received:Q", title="Copies", axis=value_axis("count")),
        color=alt.Color(
            "kind:N",
            title=None,
            scale=alt.Scale(
                domain=["Copies reçues", "Semaine avec pic", "Copies corrigées"],
                range=[PALETTE[0], ALERT_COLOR, PALETTE[1]],
            ),
        ),
    )
    corrected = (
        base.mark_line(point=True, color=PALETTE[1])
        .transform_calculate(line="'Copies corrigées'")
        .encode(
            x=alt.X("week:O", sort=None),
            y="copies_corrected:Q",
            color=alt.Color("line:N", title=None),
        )
    )
    labels = base.mark_text(dy=-8, color=ALERT_COLOR, fontSize=11).encode(
        x=alt.X("week:O", sort=None), y="copies_received:Q", text="mark:N"
    )
    chart = (received + corrected + labels).properties(width=WIDTH, height=200)
    return finish(chart).to_dict(validate=False)


def delays_by_discipline(delays: pl.DataFrame, target_days: int) -> dict | None:
    """The 90th percentile of the correction delay per discipline, against the target."""
    if delays.is_empty():
        return None
    chart = bars(
        delays.select("discipline", "correction_delay_days_p90"),
        category="discipline",
        value="correction_delay_days_p90",
        category_title="Discipline",
        value_title="Délai de correction, 90e centile (jours)",
        kind="days",
        target=float(target_days),
        target_title="Objectif (jours)",
        max_categories=15,
    )
    return chart.properties(width=WIDTH - 170).to_dict(validate=False)


def to_svg(spec: dict) -> str:
    """The chart as an SVG document (vl-convert: no browser)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(spec)
