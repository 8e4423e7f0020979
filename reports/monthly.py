"""The monthly report's contents, computed from the indicators (pure: dataset in, frames out).

Every figure is the indicator of the same name over the calendar month (the first to the last
day of the month), within the scope's filters and perimeter, so that the report's headline
figures equal ``pilotage indicators --from <1st> --to <last day> --json``:

- headline: ``summary.headline`` for the month, the month before and the same month a year
  earlier (a comparison month the data do not reach has no figures rather than zeros);
- weekly: copies received and corrected per week (``flows.throughput``, days of the month
  only) and the surges of each week (``surges.surges`` by site and discipline);
- delays: ``delays.breakdown`` by discipline; tutoring: ``tutoring.response_summary`` by site;
  dropout: ``dropout.dropout_by`` by public and by group;
- at risk: ``risk.at_risk`` on the report's day (the month's end, or the data's last day when
  earlier), learners counted once by their highest level (vigilance, alerte), and how many
  of them had a follow-up contact noted in the month;
- support: ``support_hours.delivered_by_group`` (hours delivered in the month against the
  hours expected over the month's school weeks);
- summary: a few French sentences on what changed most, written from these figures.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import polars as pl

from indicators import delays, dropout, flows, risk, summary, support_hours, surges, tutoring
from indicators.common import Period, Scope
from indicators.dataset import Dataset, as_of, data_end
from indicators.dropout import MONTH_NAMES
from reports import charts
from reports.document import Document, Section, Table
from ui import format as fmt

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")

HEADLINE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("copies_received", "Copies reçues", "number"),
    ("copies_corrected", "Copies corrigées", "number"),
    ("correction_delay_days_mean", "Délai moyen de correction", "days"),
    ("correction_delay_days_median", "Délai médian de correction", "days"),
    ("correction_delay_days_p90", "Délai de correction, 90e centile", "days"),
    ("correction_within_target_share", "Part corrigée dans l'objectif", "share"),
    ("tutoring_requests", "Sollicitations de tutorat reçues", "number"),
    ("tutoring_answered_within_48h_share", "Part répondue sous 48 h", "share"),
    ("interviews", "Entretiens", "number"),
    ("learners_enrolled", "Inscriptions actives", "number"),
    ("dropouts", "Abandons", "number"),
    ("dropout_rate", "Taux d'abandon", "share"),
    ("support_hours_delivered", "Heures d'accompagnement assurées", "hours"),
)
"""The headline rows of the report: indicator column, French label, kind of value."""

HIGHER_IS_BETTER = {
    "correction_within_target_share",
    "tutoring_answered_within_48h_share",
    "support_hours_delivered",
}
"""Figures whose rise is good news; with LOWER_IS_BETTER, the summary judges only these
(a volume of copies or requests rising is neither good nor bad in itself)."""
LOWER_IS_BETTER = {
    "correction_delay_days_mean",
    "correction_delay_days_median",
    "correction_delay_days_p90",
    "dropouts",
    "dropout_rate",
}

TABLES = (
    "sites",
    "staff",
    "groups",
    "learners",
    "enrolments",
    "interviews",
    "tutoring_requests",
    "copies",
    "need_groups",
    "need_group_members",
    "support_sessions",
    "attendance",
    "assignments",
    "absences",
)
"""The tables the reports and the alerts read (all but the diagnostics, which only the risk
score reads, and the report shows no score): what the commands load. The assignments (due
dates) and the school absences feed the risk list's signals, as on the page."""


class ReportError(ValueError):
    """A report cannot be made as asked (the French message says why)."""


DELAY_COLUMNS = (
    "discipline",
    "copies_corrected",
    "correction_delay_days_mean",
    "correction_delay_days_median",
    "correction_delay_days_p90",
    "correction_within_target_share",
)
"""The correction delays section: per discipline."""

SUPPORT_COLUMNS = (
    "site",
    "group",
    "kind",
    "sessions",
    "hours_delivered",
    "hours_expected",
    "delivered_share",
)
"""The AP hours section: per group and kind of session, delivered against expected."""


def month_period(text: str) -> Period:
    """'2026-03' -> the period from 01/03/2026 to 31/03/2026; ReportError otherwise."""
    found = MONTH_PATTERN.match(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1900:
        raise ReportError(f"Mois invalide : « {text} » (format attendu AAAA-MM, ex. 2026-03).")
    start = date(int(found.group(1)), int(found.group(2)), 1)
    return Period(start, _next_month(start) - timedelta(days=1))


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def shifted_month(period: Period, months: int) -> Period:
    """The calendar month ``months`` before (negative) or after the month of ``period``."""
    index = period.start.year * 12 + period.start.month - 1 + months
    start = date(index // 12, index % 12 + 1, 1)
    return Period(start, _next_month(start) - timedelta(days=1))


def month_name(period: Period) -> str:
    """'mars 2026'."""
    return f"{MONTH_NAMES[period.start.month - 1]} {period.start.year}"


@dataclass(frozen=True)
class MonthlyReport:
    """Everything the monthly report shows; every frame's columns are named in its docstring."""

    period: Period
    scope_label: str
    """'Tous les sites' or 'Site : Lyon' (the sites and groups the report covers)."""
    data_end: date | None
    """The last day of the data."""
    day: date
    """The day states (learners at risk) are measured on: the month's end or the data's end."""
    has_data: bool
    """False when no event of the scope falls in the month: the report says so."""
    previous_period: Period
    year_before_period: Period
    headline: pl.DataFrame
    """key, label, kind, current, previous_month, year_before (null: not covered)."""
    weekly: pl.DataFrame
    """week_start, copies_received, copies_corrected, surges, surge_series."""
    surges: pl.DataFrame
    """week_start, site, discipline, volume, baseline_median, ratio, volume_year_before."""
    delays: pl.DataFrame
    """discipline, copies_corrected, correction_delay_days_mean, _median, _p90,
    correction_within_target_share."""
    tutoring: pl.DataFrame
    """site, requests_received, requests_answered, answered_within_target,
    answered_within_target_share."""
    dropout_public: pl.DataFrame
    """public, learners_enrolled, dropouts, dropout_rate."""
    dropout_group: pl.DataFrame
    """site, group, public, learners_enrolled, dropouts, dropout_rate."""
    at_risk: pl.DataFrame
    """level (alerte, vigilance), learners, contacted (null when the contacts are unknown)."""
    support: pl.DataFrame
    """site, group, kind, sessions, hours_delivered, hours_expected, delivered_share."""
    summary: tuple[str, ...]
    """French sentences on what changed most."""
    correction_target_days: int
    tutoring_target_hours: int

    @property
    def title(self) -> str:
        return f"Rapport mensuel — {month_name(self.period)}"


def _covered(dataset: Dataset, scope: Scope, period: Period) -> bool:
    covered = summary.data_period(dataset, scope.filters)
    return covered is not None and period.end >= covered.start and period.start <= covered.end


def _headline_row(dataset: Dataset, scope: Scope, period: Period) -> dict | None:
    if not _covered(dataset, scope, period):
        return None
    return summary.headline(dataset, scope.with_period(period)).row(0, named=True)


def headline_table(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """The month's headline figures beside the previous month's and the same month's a year
    earlier: key, label, kind, current, previous_month, year_before."""
    current = summary.headline(dataset, scope).row(0, named=True)
    previous = _headline_row(dataset, scope, shifted_month(scope.period, -1))
    year_before = _headline_row(dataset, scope, shifted_month(scope.period, -12))
    return pl.DataFrame(
        [
            {
                "key": key,
                "label": label,
                "kind": kind,
                "current": _float(current[key]),
                "previous_month": _float(previous[key]) if previous else None,
                "year_before": _float(year_before[key]) if year_before else None,
            }
            for key, label, kind in HEADLINE_ROWS
        ],
        schema={
            "key": pl.String,
            "label": pl.String,
            "kind": pl.String,
            "current": pl.Float64,
            "previous_month": pl.Float64,
            "year_before": pl.Float64,
        },
    )


def _float(value: float | int | None) -> float | None:
    return None if value is None else float(value)


SERIES_NAMED = 3
"""Surge series named per week in the weekly table (the strongest); all are in ``surges``."""


def weekly_copies(
    dataset: Dataset, scope: Scope, found: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Copies received and corrected per week of the month (days of the month only) and the
    surges of the week by site and discipline: week_start, copies_received,
    copies_corrected, surges (how many series), surge_series (the SERIES_NAMED strongest,
    "Lyon · Maths (×3,2), … et 4 autres"). ``found``: surges.surges of the scope, when
    already computed."""
    counts = flows.throughput(
        dataset, scope, grain="week", measures=("copies_received", "copies_corrected")
    )
    wide = (
        counts.pivot(on="measure", index="period_start", values="count").rename(
            {"period_start": "week_start"}
        )
        if not counts.is_empty()
        else pl.DataFrame(
            schema={
                "week_start": pl.Date,
                "copies_received": pl.Int64,
                "copies_corrected": pl.Int64,
            }
        )
    )
    found = surges.surges(dataset, scope) if found is None else found
    named = (
        found.sort("ratio", descending=True)
        .with_columns(
            pl.format(
                "{} · {} (×{})",
                pl.col("site").fill_null(surges.NO_VALUE),
                pl.col("discipline").fill_null(surges.NO_VALUE),
                pl.col("ratio").round(1).cast(pl.String).str.replace(".", ",", literal=True),
            ).alias("name")
        )
        .group_by("week_start", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("surges"),
            pl.col("name").head(SERIES_NAMED).str.join(", ").alias("series"),
        )
        .with_columns(
            pl.when(pl.col("surges") > SERIES_NAMED)
            .then(
                pl.format(
                    "{} et {} {}",
                    pl.col("series"),
                    pl.col("surges") - SERIES_NAMED,
                    pl.when(pl.col("surges") - SERIES_NAMED == 1)
                    .then(pl.lit("autre"))
                    .otherwise(pl.lit("autres")),
                )
            )
            .otherwise(pl.col("series"))
            .alias("series")
        )
    )
    return (
        wide.join(named, on="week_start", how="left")
        .select(
            "week_start",
            pl.col("copies_received").fill_null(0).cast(pl.Int64),
            pl.col("copies_corrected").fill_null(0).cast(pl.Int64),
            pl.col("surges").fill_null(0).cast(pl.Int64),
            pl.col("series").fill_null("").alias("surge_series"),
        )
        .sort("week_start")
    )


def surges_of_month(found: pl.DataFrame) -> pl.DataFrame:
    """Every surge of the month's weeks, strongest first: week_start, site, discipline,
    volume, baseline_median, ratio, volume_year_before."""
    return found.sort(["ratio", "week_start"], descending=[True, False], nulls_last=True).select(
        "week_start",
        "site",
        "discipline",
        "volume",
        "baseline_median",
        "ratio",
        "volume_year_before",
    )


def risk_levels(
    at_risk: pl.DataFrame, contacts: tuple[tuple[int, date], ...] | None, period: Period
) -> pl.DataFrame:
    """Learners at risk per level: level, learners, contacted. A learner in two groups counts
    once, at their highest level (risk.by_learner); ``contacted``: those of them with a
    follow-up contact noted in ``period`` (``contacts``: (learner_id, contacted_on) pairs),
    null when the contacts are not known (a file analysed without saving it)."""
    learners = risk.levels_by_learner(at_risk)
    contacted = (
        pl.DataFrame(
            list(contacts), schema={"learner_id": pl.Int64, "contacted_on": pl.Date}, orient="row"
        )
        .filter(period.contains("contacted_on"))
        .select("learner_id")
        .unique()
        .with_columns(pl.lit(True).alias("contacted"))
        if contacts is not None
        else pl.DataFrame(schema={"learner_id": pl.Int64, "contacted": pl.Boolean})
    )
    counts = (
        learners.join(contacted, on="learner_id", how="left")
        .group_by("level")
        .agg(
            pl.len().cast(pl.Int64).alias("learners"),
            pl.col("contacted").fill_null(False).sum().cast(pl.Int64).alias("contacted"),
        )
    )
    levels = pl.DataFrame({"level": [risk.ALERT, risk.VIGILANCE]})
    return (
        levels.join(counts, on="level", how="left")
        .with_columns(
            pl.col("learners").fill_null(0),
            pl.col("contacted").fill_null(0)
            if contacts is not None
            else pl.lit(None, pl.Int64).alias("contacted"),
        )
        .select("level", "learners", "contacted")
    )


def narrowed_for_risk(dataset: Dataset, scope: Scope, *days: date) -> Dataset:
    """The dataset without what the risk lists of ``days`` (risk.at_risk) never read, for the
    same lists from a fraction of the rows: copies and interviews of learners with no
    enrolment active on any of ``days`` within the scope (every signal joins the events to
    those enrolments by learner, and compares a learner only with the other listed ones), and
    copies handed in after the latest day (every signal reads the copies up to its day). A
    frame that would become empty is kept whole (a signal is not computed at all on data
    without interviews). One narrowed dataset for several days (the alerts' day and a week
    before) is read once: the copies' assignments (deadlines.copies_of_assignments) are
    matched once for both lists."""
    active = [risk.active_enrolments(dataset, scope, day) for day in days]
    learners = pl.concat([frame.get_column("learner_id") for frame in active]).unique()
    kept = pl.col("learner_id").is_in(learners.implode())
    copies = dataset.copies.filter(kept & (pl.col("submitted_on") <= max(days)))
    interviews = dataset.interviews.filter(kept)
    return replace(
        dataset,
        copies=copies if not copies.is_empty() else dataset.copies,
        interviews=interviews if not interviews.is_empty() else dataset.interviews,
    )


def _has_events(dataset: Dataset, scope: Scope) -> bool:
    period = scope.period
    checks = (
        (dataset.copies, "submitted_on"),
        (dataset.copies, "corrected_on"),
        (dataset.tutoring_requests, "received_at"),
        (dataset.interviews, "held_on"),
        (dataset.support_sessions, "held_on"),
    )
    for frame, column in checks:
        if not scope.keep(frame, disciplines=False).filter(period.contains(column)).is_empty():
            return True
    enrolments = scope.keep(dataset.enrolments, disciplines=False)
    moves = enrolments.filter(period.contains("entry_date") | period.contains("exit_date"))
    return not moves.is_empty()


def scope_label(scope: Scope) -> str:
    """The sites and groups the report covers, in French."""
    parts = []
    if scope.sites:
        parts.append(("Site : " if len(scope.sites) == 1 else "Sites : ") + ", ".join(scope.sites))
    if scope.groups:
        parts.append(
            ("Groupe : " if len(scope.groups) == 1 else "Groupes : ") + ", ".join(scope.groups)
        )
    return " — ".join(parts) or "Tous les sites"


def contact_pairs(contacts: pl.DataFrame) -> tuple[tuple[int, date], ...]:
    """The follow-up contacts (any frame with learner_id and contacted_on) as the hashable
    (learner_id, contacted_on) pairs monthly_report takes."""
    return tuple(contacts.select("learner_id", "contacted_on").unique().sort("*").iter_rows())


def monthly_report(
    dataset: Dataset, scope: Scope, contacts: tuple[tuple[int, date], ...] | None = None
) -> MonthlyReport:
    """The report of the month ``scope.period`` (a calendar month, see month_period);
    ``contacts``: the follow-up contacts as (learner_id, contacted_on) pairs, None when they
    are not known (a hashable argument, so that the page memoises the report)."""
    period = scope.period
    day = as_of(dataset, period)
    has_data = _has_events(dataset, scope)

    def risk_list() -> pl.DataFrame:
        return risk.at_risk(narrowed_for_risk(dataset, scope, day), scope, day)

    with ThreadPoolExecutor(max_workers=1) as pool:
        # the risk list (the longest figure) while the others are computed: Polars works
        # outside Python's lock, so the two cores share them
        listing = pool.submit(risk_list) if has_data else None
        headline = headline_table(dataset, scope)
        found = surges.surges(dataset, scope) if has_data else None
        support = support_hours.delivered_by_group(dataset, scope, day).select(SUPPORT_COLUMNS)
        report = MonthlyReport(
            period=period,
            scope_label=scope_label(scope),
            data_end=data_end(dataset),
            day=day,
            has_data=has_data,
            previous_period=shifted_month(period, -1),
            year_before_period=shifted_month(period, -12),
            headline=headline,
            weekly=weekly_copies(dataset, scope, found) if has_data else _no_weeks(),
            surges=surges_of_month(found) if has_data else _no_surges(),
            delays=delays.breakdown(dataset, scope, "discipline").select(DELAY_COLUMNS),
            tutoring=tutoring.response_summary(dataset, scope, by="site")
            .select(
                "site",
                "requests_received",
                "requests_answered",
                "answered_within_target",
                "answered_within_target_share",
            )
            .sort("site", nulls_last=True),
            dropout_public=dropout.dropout_by(dataset, scope, "public")
            .select("public", "learners_enrolled", "dropouts", "dropout_rate")
            .sort("public", nulls_last=True),
            dropout_group=dropout.dropout_by(dataset, scope, "group")
            .select("site", "group", "public", "learners_enrolled", "dropouts", "dropout_rate")
            .sort("site", "group", nulls_last=True),
            at_risk=risk_levels(
                listing.result() if listing is not None else _no_risk(), contacts, period
            ),
            support=support,
            summary=(),
            correction_target_days=scope.settings.correction_target_days,
            tutoring_target_hours=scope.settings.tutoring_target_hours,
        )
    return _with_summary(report)


def _no_risk() -> pl.DataFrame:
    return pl.DataFrame(schema={"learner_id": pl.Int64, "level": pl.String})


def _no_surges() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "week_start": pl.Date,
            "site": pl.String,
            "discipline": pl.String,
            "volume": pl.Int64,
            "baseline_median": pl.Float64,
            "ratio": pl.Float64,
            "volume_year_before": pl.Int64,
        }
    )


def _no_weeks() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "week_start": pl.Date,
            "copies_received": pl.Int64,
            "copies_corrected": pl.Int64,
            "surges": pl.Int64,
            "surge_series": pl.String,
        }
    )


# --- the summary: what changed most -------------------------------------------------------

_SHOWN = {
    "number": lambda v: fmt.number(v),
    "days": lambda v: fmt.days(v),
    "share": lambda v: fmt.share(v, 1),
    "hours": lambda v: fmt.hours(v, 0),
}


def value_text(kind: str, value: float | None) -> str:
    """A headline value in French ('1 401', '3,2 j', '81,0 %', '120 h')."""
    return _SHOWN[kind](value)


def _weight(kind: str, current: float, previous: float) -> float:
    """How large a change is, comparably across kinds: twice the relative change for counts
    and hours (+50 % weighs 1), a share's change per 10 points, a delay's per 3 days."""
    if kind == "share":
        return abs(current - previous) * 10
    if kind == "days":
        return abs(current - previous) / 3
    if previous == 0:
        return 1.0 if current else 0.0
    return 2 * abs(current - previous) / abs(previous)


def summary_sentences(report: MonthlyReport, limit: int = 4) -> tuple[str, ...]:
    """Up to ``limit`` sentences on the largest changes against the previous month, then the
    surges of the month and the group with the highest dropout rate."""
    name = month_name(report.period)
    if not report.has_data:
        return (f"Aucune donnée pour {name} dans ce périmètre : le rapport est vide.",)
    sentences = []
    changes = []
    for row in report.headline.iter_rows(named=True):
        current, previous = row["current"], row["previous_month"]
        if current is None or previous is None or row["key"] == "dropouts":
            continue
        weight = _weight(row["kind"], current, previous)
        if weight >= 0.05:
            changes.append((weight, row))
    changes.sort(key=lambda pair: pair[0], reverse=True)
    previous_name = month_name(report.previous_period)
    for _weight_value, row in changes[:limit]:
        kind, current, previous = row["kind"], row["current"], row["previous_month"]
        rising = current > previous
        if row["key"] in LOWER_IS_BETTER:
            verdict = " — à surveiller." if rising else " — une amélioration."
        elif row["key"] in HIGHER_IS_BETTER:
            verdict = " — une amélioration." if rising else " — à surveiller."
        else:
            verdict = "."
        verb = "en hausse" if rising else "en baisse"
        change = fmt.change(current, previous, kind)
        relative = (
            f", {fmt.change(100 * current / previous, 100.0)}{fmt.NBSP}%"
            if kind in ("number", "hours") and previous
            else ""
        )
        sentences.append(
            f"{row['label']} {verb} : {value_text(kind, current)} contre "
            f"{value_text(kind, previous)} en {previous_name} ({change}{relative})" + verdict
        )
    if not changes and report.headline.get_column("previous_month").is_null().all():
        sentences.append(f"Pas de comparaison : les données ne couvrent pas {previous_name}.")
    elif not changes:
        sentences.append(f"Aucun changement notable par rapport à {previous_name}.")
    weeks = report.weekly.filter(pl.col("surges") > 0)
    if not weeks.is_empty():
        top = weeks.sort("surges", descending=True).row(0, named=True)
        sentences.append(
            f"Pics d'activité : {fmt.number(weeks.get_column('surges').sum())} série(s) en pic "
            f"sur {fmt.number(weeks.height)} semaine(s), dont {fmt.number(top['surges'])} la "
            f"semaine du {fmt.day(top['week_start'])}."
        )
    worst = report.dropout_group.filter(pl.col("dropouts") > 0)
    if not worst.is_empty():
        row = worst.sort(["dropout_rate", "dropouts"], descending=True).row(0, named=True)
        sentences.append(
            f"Taux d'abandon le plus élevé : {row['group']} ({row['site']}), "
            f"{fmt.share(row['dropout_rate'], 1)} ({fmt.number(row['dropouts'])} sur "
            f"{fmt.number(row['learners_enrolled'])} inscriptions)."
        )
    return tuple(sentences)


def _with_summary(report: MonthlyReport) -> MonthlyReport:
    return replace(report, summary=summary_sentences(report))


# --- the document ---------------------------------------------------------------------------

PDF_ROWS = 25
"""Rows of a long table (groups) printed in the PDF; the workbook has them all."""

CONTACTS_UNKNOWN = (
    "Les contacts de suivi ne sont pas connus pour ces données (un fichier analysé sans être "
    "enregistré) : le nombre d'apprenants à risque contactés ne peut pas être donné."
)
CONTACTS_COUNTED = (
    "Contactés : apprenants à risque avec au moins un contact de suivi noté dans le mois "
    "(page Apprenants à risque)."
)


def _rows(frame: pl.DataFrame, columns: list[str]) -> tuple[tuple, ...]:
    return tuple(frame.select(columns).iter_rows())


def headline_section(report: MonthlyReport) -> Section:
    table = report.headline
    previous_name = month_name(report.previous_period)
    year_name = month_name(report.year_before_period)
    return Section(
        title="Chiffres clés du mois",
        sheet="Chiffres clés",
        paragraphs=report.summary,
        tables=(
            Table(
                columns=(
                    "Indicateur",
                    month_name(report.period).capitalize(),
                    f"{previous_name.capitalize()} (mois précédent)",
                    f"{year_name.capitalize()} (un an plus tôt)",
                ),
                kinds=("text", "row", "row", "row"),
                rows=_rows(table, ["label", "current", "previous_month", "year_before"]),
                row_kinds=tuple(
                    "share1" if kind == "share" else kind for kind in table.get_column("kind")
                ),
            ),
        ),
    )


def document(report: MonthlyReport, generated: datetime) -> Document:
    """The report as a Document (see document.py), ready for the PDF and the workbook."""
    context = (
        f"Période : du {fmt.day(report.period.start)} au {fmt.day(report.period.end)}",
        f"Périmètre : {report.scope_label}",
        f"Données au {fmt.day(report.data_end)} ; établi le {generated:%d/%m/%Y à %H:%M}",
    )
    stem = f"rapport-{report.period.start:%Y-%m}"
    if not report.has_data:
        covered = (
            f"Les données vont jusqu'au {fmt.day(report.data_end)}."
            if report.data_end
            else "La base ne contient encore aucune donnée."
        )
        empty = Section(
            title="Aucune donnée pour ce mois",
            sheet="Chiffres clés",
            paragraphs=(*report.summary, covered),
        )
        return Document(report.title, context, (empty,), stem)
    target = report.correction_target_days
    hours = report.tutoring_target_hours
    weekly = report.weekly
    groups = report.dropout_group.sort(
        ["dropout_rate", "dropouts", "site", "group"],
        descending=[True, True, False, False],
        nulls_last=True,
    )
    support = report.support.sort(
        ["delivered_share", "site", "group"], descending=[False, False, False], nulls_last=True
    )
    sections = (
        headline_section(report),
        Section(
            title="Copies reçues et corrigées par semaine",
            sheet="Copies par semaine",
            paragraphs=(
                "Semaines du lundi au dimanche ; seuls les jours du mois sont comptés. Un pic : "
                "une série (site et discipline) dont les copies reçues de la semaine atteignent "
                "le seuil de la page Activité et pics (au moins deux fois la médiane des huit "
                "semaines d'activité précédentes).",
            ),
            tables=(
                Table(
                    columns=(
                        "Semaine du",
                        "Copies reçues",
                        "Copies corrigées",
                        "Séries en pic",
                        "Pics les plus forts (site · discipline)",
                    ),
                    kinds=("date", "number", "number", "number", "text"),
                    rows=_rows(
                        weekly,
                        [
                            "week_start",
                            "copies_received",
                            "copies_corrected",
                            "surges",
                            "surge_series",
                        ],
                    ),
                ),
                Table(
                    title="Les pics du mois, les plus forts d'abord (semaines entières)",
                    columns=(
                        "Semaine du",
                        "Site",
                        "Discipline",
                        "Copies reçues",
                        "Médiane des semaines précédentes",
                        "Rapport",
                        "Un an plus tôt",
                    ),
                    kinds=("date", "text", "text", "number", "decimal", "ratio", "number"),
                    rows=_rows(
                        report.surges,
                        [
                            "week_start",
                            "site",
                            "discipline",
                            "volume",
                            "baseline_median",
                            "ratio",
                            "volume_year_before",
                        ],
                    ),
                    pdf_rows=15,
                ),
            ),
            chart=charts.weekly_copies(weekly),
        ),
        Section(
            title="Délais de correction par discipline",
            sheet="Délais de correction",
            paragraphs=(
                f"Sur les copies corrigées dans le mois ; délai en jours calendaires ; objectif : "
                f"{target} jours ou moins.",
            ),
            tables=(
                Table(
                    columns=(
                        "Discipline",
                        "Copies corrigées",
                        "Délai moyen",
                        "Délai médian",
                        "90e centile",
                        "Part dans l'objectif",
                    ),
                    kinds=("text", "number", "days", "days", "days", "share1"),
                    rows=_rows(report.delays, list(DELAY_COLUMNS)),
                ),
            ),
            chart=charts.delays_by_discipline(report.delays, target),
        ),
        Section(
            title=f"Tutorat : réponse sous {hours} h par site",
            sheet="Tutorat",
            paragraphs=(
                "Sur toutes les sollicitations reçues dans le mois, répondues ou non : une "
                "sollicitation sans réponse compte comme hors délai.",
            ),
            tables=(
                Table(
                    columns=(
                        "Site",
                        "Sollicitations reçues",
                        "Répondues",
                        f"Répondues sous {hours} h",
                        f"Part sous {hours} h",
                    ),
                    kinds=("text", "number", "number", "number", "share1"),
                    rows=_rows(
                        report.tutoring,
                        [
                            "site",
                            "requests_received",
                            "requests_answered",
                            "answered_within_target",
                            "answered_within_target_share",
                        ],
                    ),
                ),
            ),
        ),
        Section(
            title="Décrochage",
            sheet="Décrochage",
            paragraphs=(
                "Taux d'abandon : parmi les inscriptions actives dans le mois, la part sorties "
                "pour abandon pendant le mois.",
            ),
            tables=(
                Table(
                    title="Par public",
                    columns=("Public", "Inscriptions actives", "Abandons", "Taux d'abandon"),
                    kinds=("text", "number", "number", "share1"),
                    rows=_rows(
                        report.dropout_public,
                        ["public", "learners_enrolled", "dropouts", "dropout_rate"],
                    ),
                ),
                Table(
                    title="Par groupe (les taux les plus élevés d'abord)",
                    columns=(
                        "Site",
                        "Groupe",
                        "Public",
                        "Inscriptions actives",
                        "Abandons",
                        "Taux d'abandon",
                    ),
                    kinds=("text", "text", "text", "number", "number", "share1"),
                    rows=_rows(
                        groups,
                        [
                            "site",
                            "group",
                            "public",
                            "learners_enrolled",
                            "dropouts",
                            "dropout_rate",
                        ],
                    ),
                    pdf_rows=PDF_ROWS,
                ),
            ),
        ),
        Section(
            title="Apprenants à risque de décrochage",
            sheet="Apprenants à risque",
            paragraphs=(
                f"Apprenants encore inscrits le {fmt.day(report.day)} au niveau vigilance ou "
                "alerte dans au moins un de leurs groupes (page Apprenants à risque : devoirs "
                "non rendus ou en retard, pas de copie récente, pas d'entretien récent, suivi en "
                "retard, tutorat sans réponse, notes en baisse ou faibles, absences), comptés une "
                "fois à leur niveau le plus haut ; le score de risque n'entre pas dans le "
                "rapport.",
                CONTACTS_UNKNOWN if report.at_risk["contacted"].null_count() else CONTACTS_COUNTED,
            ),
            tables=(
                Table(
                    columns=("Niveau", "Apprenants", "Contactés"),
                    kinds=("text", "number", "number"),
                    rows=_rows(report.at_risk, ["level", "learners", "contacted"]),
                ),
            ),
        ),
        Section(
            title="Heures d'accompagnement assurées et attendues",
            sheet="Accompagnement",
            paragraphs=(
                "Heures des séances tenues dans le mois, chaque séance comptée une fois, par "
                "groupe (classe ou groupe de besoins) et type ; attendues : la référence annuelle "
                "(AP 70 h, aide individualisée 30 h) répartie sur les semaines de cours du mois. "
                "Les groupes les moins servis d'abord ; soutien et tutorat n'ont pas de référence.",
            ),
            tables=(
                Table(
                    columns=(
                        "Site",
                        "Groupe",
                        "Type",
                        "Séances",
                        "Heures assurées",
                        "Heures attendues",
                        "Part assurée",
                    ),
                    kinds=("text", "text", "text", "number", "hours", "hours", "share"),
                    rows=_rows(support, list(SUPPORT_COLUMNS)),
                    pdf_rows=PDF_ROWS,
                ),
            ),
        ),
    )
    return Document(report.title, context, sections, stem)


def months_between(first: date, last: date) -> list[Period]:
    """The calendar months from the one holding ``first`` to the one holding ``last``, most
    recent first."""
    months = []
    month = month_period(f"{last:%Y-%m}")
    while month.end >= first:
        months.append(month)
        month = shifted_month(month, -1)
    return months
