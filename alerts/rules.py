"""Alert rules: each one an indicator read on a day and compared with a threshold of the
settings (``IndicatorSettings``, the same as the app's). Pure: dataset in, frame out.

On a day D (``as_of``: the day the alerts are read, at most the data's last day):

- ``pic``: a surge under way: a series (site, discipline) in surge the last full week before D
  or the week under way (the rule and the weeks of the Activité page, ``surges.surges``,
  ``ongoing``);
- ``delai``: the 90th percentile of the correction delay of the copies corrected in the last
  full week (Monday to Sunday, ending on or before D), per site and discipline, above the
  target (``correction_target_days``), when at least ``alert_min_volume`` copies were
  corrected;
- ``tutorat``: the share of the requests received in the last full week that ended at least
  48 h before the end of D (so that every request of the week had its 48 h), answered within
  48 h, per site, below ``alert_tutoring_min_share``, over at least ``alert_min_volume``
  requests;
- ``stock``: more than ``alert_backlog_copies`` copies waiting on D at a site (submitted on
  or before D and not corrected by D, as the backlog of the Activité page);
- ``attente``: a copy of the current school year (submitted from 1 September) waiting on D at
  a site for more than ``alert_backlog_age_days`` days (copies of earlier years left
  uncorrected, often of learners who left, are on the Délais page but would raise the same
  alert every week);
- ``risque``: learners newly at the alert level on D at a site: the risk list's ``alerte``
  level when it has levels, otherwise at least ``RISK_ALERT_SIGNALS`` signals (the learners
  to call first on the overview), who were not so seven days earlier.

Each alert has a week (the Monday of the week it is about): the same alert of the same week
is the same alert (``key``), which the sending never repeats.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta

import polars as pl

from indicators import delays, risk, surges
from indicators.common import Period, Scope
from indicators.dataset import Dataset, data_end
from indicators.deadlines import copies_of_assignments
from ui import format as fmt

RULES = {
    "pic": "Pic d'activité",
    "delai": "Délai de correction (90e centile)",
    "tutorat": "Tutorat : réponse sous 48 h",
    "stock": "Copies en attente",
    "attente": "Copie en attente depuis longtemps",
    "risque": "Apprenants à risque",
}
"""Each rule and its French name."""

PAGES = {
    "pic": "activite",
    "delai": "delais",
    "tutorat": "tutorat",
    "stock": "delais",
    "attente": "delais",
    "risque": "decrochage",
}
"""The app page (URL path) that shows the figure of each rule."""

RISK_ALERT_SIGNALS = 2
"""Without risk levels, a learner is at the alert level from this many signals."""

SCHEMA = {
    "rule": pl.String,
    "site": pl.String,
    "discipline": pl.String,
    "week": pl.Date,
    "figure": pl.Float64,
    "threshold": pl.Float64,
    "message": pl.String,
    "page": pl.String,
    "key": pl.String,
}
"""The columns of an alert frame."""


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_full_week(day: date) -> Period:
    """The last week (Monday to Sunday) that ends on or before ``day``."""
    sunday = day if day.weekday() == 6 else _monday(day) - timedelta(days=1)
    return Period(sunday - timedelta(days=6), sunday)


def answered_week(day: date, hours: int) -> Period:
    """The last full week whose every request had ``hours`` hours by the end of ``day``."""
    end_of_day = datetime.combine(day + timedelta(days=1), time())
    latest = (end_of_day - timedelta(hours=hours)).date() - timedelta(days=1)
    return last_full_week(latest)


def reading_day(dataset: Dataset, as_of: date | None = None) -> date | None:
    """The day alerts are read on: ``as_of`` (today by default), but never after the data's
    last day; None when the data are empty."""
    end = data_end(dataset)
    if end is None:
        return None
    return min(as_of or date.today(), end)


def _fr(value: float, decimals: int = 0) -> str:
    return fmt.number(value, decimals)


def _frame(rows: list[dict]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema=SCHEMA) if rows else pl.DataFrame(schema=SCHEMA)
    return frame.with_columns(
        pl.concat_str(
            [
                pl.col("rule"),
                pl.col("site").fill_null(""),
                pl.col("discipline").fill_null(""),
                pl.col("week").dt.strftime("%Y-%m-%d"),
            ],
            separator="|",
        ).alias("key")
    )


def _surges(dataset: Dataset, scope: Scope, day: date) -> list[dict]:
    window = Period(day - timedelta(weeks=2), day)
    found = surges.surges(dataset, scope.with_period(window))
    rows = []
    settings = scope.settings
    for row in found.filter(pl.col("ongoing")).iter_rows(named=True):
        rows.append(
            {
                "rule": "pic",
                "site": row["site"],
                "discipline": row["discipline"],
                "week": row["week_start"],
                "figure": row["ratio"],
                "threshold": settings.surge_ratio,
                "message": (
                    f"Pic d'activité : {row['discipline']} à {row['site']}, "
                    f"{_fr(row['volume'])} copies reçues la semaine du "
                    f"{row['week_start']:%d/%m/%Y}, ×{_fr(row['ratio'], 1)} la médiane des "
                    f"{settings.surge_baseline_weeks} semaines d'activité précédentes (seuil "
                    f"×{_fr(settings.surge_ratio, 1)})."
                ),
            }
        )
    return rows


def _delays(dataset: Dataset, scope: Scope, day: date) -> list[dict]:
    week = last_full_week(day)
    target = scope.settings.correction_target_days
    corrected = delays.corrected_in(dataset, scope.with_period(week))
    per_series = (
        corrected.group_by("site", "discipline")
        .agg(
            pl.len().alias("copies"),
            pl.col("delay_days").quantile(0.9, interpolation="linear").alias("p90"),
        )
        .filter((pl.col("copies") >= scope.settings.alert_min_volume) & (pl.col("p90") > target))
        .sort("site", "discipline")
    )
    return [
        {
            "rule": "delai",
            "site": row["site"],
            "discipline": row["discipline"],
            "week": week.start,
            "figure": row["p90"],
            "threshold": float(target),
            "message": (
                f"Délai de correction : {row['discipline']} à {row['site']}, 90e centile de "
                f"{_fr(row['p90'], 1)} jours sur les {_fr(row['copies'])} copies corrigées la "
                f"semaine du {week.start:%d/%m/%Y} (objectif : {target} jours ou moins)."
            ),
        }
        for row in per_series.iter_rows(named=True)
    ]


def _tutoring(dataset: Dataset, scope: Scope, day: date) -> list[dict]:
    settings = scope.settings
    hours = settings.tutoring_target_hours
    week = answered_week(day, hours)
    received = (
        scope.keep(dataset.tutoring_requests)
        .filter(week.contains("received_at"))
        .group_by("site")
        .agg(
            pl.len().alias("requests"),
            (pl.col("response_hours") <= hours).fill_null(False).mean().alias("share"),
        )
        .filter(
            (pl.col("requests") >= settings.alert_min_volume)
            & (pl.col("share") < settings.alert_tutoring_min_share)
        )
        .sort("site")
    )
    return [
        {
            "rule": "tutorat",
            "site": row["site"],
            "discipline": None,
            "week": week.start,
            "figure": row["share"],
            "threshold": settings.alert_tutoring_min_share,
            "message": (
                f"Tutorat : à {row['site']}, {_fr(100 * row['share'], 0)} % des "
                f"{_fr(row['requests'])} sollicitations reçues la semaine du "
                f"{week.start:%d/%m/%Y} ont eu une réponse sous {hours} h (objectif : "
                f"{_fr(100 * settings.alert_tutoring_min_share, 0)} % au moins)."
            ),
        }
        for row in received.iter_rows(named=True)
    ]


def _backlog(dataset: Dataset, scope: Scope, day: date) -> list[dict]:
    settings = scope.settings
    year_start = Period.school_year_of(day).start
    this_year = pl.col("submitted_on") >= year_start
    waiting = (
        scope.keep(dataset.copies)
        .filter(
            (pl.col("submitted_on") <= day)
            & (pl.col("corrected_on").is_null() | (pl.col("corrected_on") > day))
        )
        .group_by("site")
        .agg(
            pl.len().alias("waiting"),
            (pl.lit(day) - pl.col("submitted_on").filter(this_year).min())
            .dt.total_days()
            .alias("oldest"),
        )
        .sort("site")
    )
    week = _monday(day)
    rows = []
    for row in waiting.iter_rows(named=True):
        if row["waiting"] > settings.alert_backlog_copies:
            rows.append(
                {
                    "rule": "stock",
                    "site": row["site"],
                    "discipline": None,
                    "week": week,
                    "figure": float(row["waiting"]),
                    "threshold": float(settings.alert_backlog_copies),
                    "message": (
                        f"Copies en attente : {_fr(row['waiting'])} à {row['site']} le "
                        f"{day:%d/%m/%Y} (seuil : {_fr(settings.alert_backlog_copies)})."
                    ),
                }
            )
        if row["oldest"] is not None and row["oldest"] > settings.alert_backlog_age_days:
            rows.append(
                {
                    "rule": "attente",
                    "site": row["site"],
                    "discipline": None,
                    "week": week,
                    "figure": float(row["oldest"]),
                    "threshold": float(settings.alert_backlog_age_days),
                    "message": (
                        f"Copie en attente depuis {_fr(row['oldest'])} jours à {row['site']} le "
                        f"{day:%d/%m/%Y} (seuil : {settings.alert_backlog_age_days} jours)."
                    ),
                }
            )
    return rows


def at_alert_level(at_risk: pl.DataFrame) -> pl.DataFrame:
    """The learners of a risk list at the alert level: level "alerte" when the list has
    levels, else RISK_ALERT_SIGNALS signals or more."""
    if "level" in at_risk.columns:
        return at_risk.filter(pl.col("level") == "alerte")
    return at_risk.filter(pl.col("signal_count") >= RISK_ALERT_SIGNALS)


def risk_alerts(now: pl.DataFrame, week_before: pl.DataFrame, day: date) -> pl.DataFrame:
    """The ``risque`` alerts from the risk lists (risk.at_risk) of ``day`` and of seven days
    earlier: per site, the learners at the alert level now who were not then."""
    current = at_alert_level(now)
    new = current.join(
        at_alert_level(week_before).select("learner_id"), on="learner_id", how="anti"
    )
    counts = new.group_by("site").agg(pl.len().alias("learners")).sort("site")
    level = (
        "au niveau alerte"
        if "level" in now.columns
        else f"avec {RISK_ALERT_SIGNALS} signaux ou plus"
    )
    rows = [
        {
            "rule": "risque",
            "site": row["site"],
            "discipline": None,
            "week": _monday(day),
            "figure": float(row["learners"]),
            "threshold": float(RISK_ALERT_SIGNALS),
            "message": (
                f"Apprenants à risque : {_fr(row['learners'])} apprenant(s) de {row['site']} "
                f"passé(s) {level} entre le {day - timedelta(days=7):%d/%m/%Y} et le "
                f"{day:%d/%m/%Y} : à appeler (liste et référents sur la page Décrochage)."
            ),
            "page": PAGES["risque"],
        }
        for row in counts.iter_rows(named=True)
    ]
    return _frame(rows)


def event_alerts(dataset: Dataset, scope: Scope, as_of: date) -> pl.DataFrame:
    """The alerts of every rule but ``risque`` (see evaluate)."""
    rows = [
        *_surges(dataset, scope, as_of),
        *_delays(dataset, scope, as_of),
        *_tutoring(dataset, scope, as_of),
        *_backlog(dataset, scope, as_of),
    ]
    for row in rows:
        row["page"] = PAGES[row["rule"]]
    return _frame(rows)


def combined(*parts: pl.DataFrame) -> pl.DataFrame:
    """Alert frames as one, in the order of RULES then site."""
    order = {rule: index for index, rule in enumerate(RULES)}
    return (
        pl.concat(parts)
        .with_columns(pl.col("rule").replace_strict(order, return_dtype=pl.Int64).alias("_order"))
        .sort("_order", "site", "discipline", "week", nulls_last=True, maintain_order=True)
        .drop("_order")
    )


def evaluate(dataset: Dataset, scope: Scope, as_of: date) -> pl.DataFrame:
    """Every alert on ``as_of`` within the scope's filters and perimeter (its period is not
    used: each rule reads its own week). Columns: rule, site, discipline, week, figure,
    threshold, message, page, key; in the order of RULES, then by site."""
    from reports.monthly import narrowed_for_risk  # with the report's charts: not for pages

    week_before = as_of - timedelta(days=7)
    narrowed = narrowed_for_risk(dataset, scope, as_of, week_before)  # one for both lists
    copies_of_assignments(narrowed)  # matched once, before both lists read it
    with ThreadPoolExecutor(max_workers=1) as pool:  # two lists at once on the two cores
        before = pool.submit(risk.at_risk, narrowed, scope, week_before)
        now = risk.at_risk(narrowed, scope, as_of)
        events = event_alerts(dataset, scope, as_of)
        return combined(events, risk_alerts(now, before.result(), as_of))


def as_json(alerts: pl.DataFrame, app_url: str) -> list[dict]:
    """The alerts as JSON objects: rule, site, discipline, week (AAAA-MM-JJ), figure,
    threshold, message, link (the page's address), key."""
    return [
        {
            "rule": row["rule"],
            "site": row["site"],
            "discipline": row["discipline"],
            "week": row["week"].isoformat(),
            "figure": row["figure"],
            "threshold": row["threshold"],
            "message": row["message"],
            "link": page_link(app_url, row["page"]),
            "key": row["key"],
        }
        for row in alerts.iter_rows(named=True)
    ]


def page_link(app_url: str, page: str) -> str:
    """The address of an app page."""
    return f"{app_url.rstrip('/')}/{page}"


def messages_by_rule(
    events: pl.DataFrame, now: pl.DataFrame, week_before: pl.DataFrame, day: date
) -> dict[str, list[str]]:
    """The messages of the alerts of ``day`` (the event alerts and the risk alerts of the
    risk lists of ``day`` and seven days earlier, ``combined``), per rule in the order of
    RULES; the rules without alert left out."""
    alerts = combined(events, risk_alerts(now, week_before, day))
    return {
        rule: messages
        for rule in RULES
        if (messages := alerts.filter(pl.col("rule") == rule).get_column("message").to_list())
    }
