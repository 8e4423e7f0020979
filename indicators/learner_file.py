"""One learner's whole story (fiche apprenant): who they are and who follows them, their
enrolments, copies and grades against their group's, tutoring requests, interviews along the
pathway, support hours received against expected, diagnostics and need groups, and the risk
signals they show today.

Everything is read from the dataset the user may see (their part of the data: a learner
outside it is not found). The figures that need the learner's classmates (the group's
average grade, "the group keeps submitting") are computed on ``learner_slice``: the data of
the learners who share a group with them, with the whole data's calendar, so that one file
costs milliseconds even on the national data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from data_access.importing.keys import key_expr
from indicators import risk
from indicators.common import IndicatorSettings, Period, Scope
from indicators.dataset import Dataset, data_end, school_days
from indicators.support_hours import received_by_learner

SEARCH_LIMIT = 30
"""The learners a search lists at most (a longer list says to type more)."""

LEARNER_SERIES = "L'apprenant"
GROUP_SERIES = "Moyenne du groupe"

COLUMN_LABELS = {
    "external_id": "Identifiant",
    "learner_name": "Apprenant",
    "referent": "Référent",
    "group": "Groupe",
    "site": "Site",
    "school_year": "Année scolaire",
    "level": "Niveau",
    "public": "Public",
    "modality": "Modalité",
    "entry_date": "Entrée",
    "exit_date": "Sortie",
    "exit_reason": "Motif de sortie",
    "discipline": "Discipline",
    "assignment": "Devoir",
    "submitted_on": "Déposée le",
    "corrected_on": "Corrigée le",
    "delay_days": "Délai de correction (jours)",
    "waiting_days": "En attente depuis (jours)",
    "grade": "Note /20",
    "group_grade": "Moyenne du groupe /20",
    "corrector": "Correcteur",
    "channel": "Canal",
    "received_at": "Reçue le",
    "answered_at": "Répondue le",
    "response_hours": "Délai de réponse (heures)",
    "tutor": "Tuteur",
    "held_on": "Date",
    "interview_type": "Type d'entretien",
    "staff": "Intervenant",
    "duration_minutes": "Durée (minutes)",
    "objectives_set": "Objectifs fixés",
    "objectives_met": "Objectifs atteints",
    "autonomy_level": "Autonomie (1 à 4)",
    "need": "Besoin",
    "level_reached": "Niveau",
    "assessed_on": "Évalué le",
    "need_group": "Groupe de besoins",
    "kind": "Type",
    "period_start": "Du",
    "period_end": "Au",
    "planned_hours_per_week": "Heures prévues par semaine",
    "duration_hours": "Durée (heures)",
    "month": "Mois",
    "series": "Série",
}


# --- finding a learner ------------------------------------------------------------------------


def search_index(dataset: Dataset) -> pl.DataFrame:
    """One row per learner of the dataset, with their latest enrolment and a search key (name
    and identifier without case or accents, see data_access.importing.keys).

    Columns: learner_id, external_id, learner_name, group, site, school_year, key.
    """
    return (
        dataset.enrolments.sort("learner_id", "entry_date", "enrolment_id")
        .group_by("learner_id", maintain_order=True)
        .last()
        .select(
            "learner_id",
            "external_id",
            "learner_name",
            "group",
            "site",
            "school_year",
            key_expr(
                pl.concat_str(
                    [pl.col("learner_name").fill_null(""), pl.col("external_id")], separator=" "
                )
            ).alias("key"),
        )
    )


def find_learners(index: pl.DataFrame, query: str, limit: int = SEARCH_LIMIT) -> pl.DataFrame:
    """The learners of a search_index() whose name or identifier holds every word of the query,
    case and accents aside ("dupont é" finds "DUPONT Émilie"), sorted by name; at most
    ``limit`` + 1 rows (one more than shown says the list goes on)."""
    words = key_expr(pl.lit(query)).str.split(" ")
    terms = [w for w in pl.select(words).item().to_list() if w]
    if not terms:
        return index.clear()
    found = index.filter(*[pl.col("key").str.contains(term, literal=True) for term in terms])
    return found.sort("learner_name", "external_id", nulls_last=True).head(limit + 1)


def learner_id_of(dataset: Dataset, external_id: str) -> int | None:
    """The id of the learner with this identifier in the dataset (None: not in it)."""
    rows = dataset.enrolments.filter(pl.col("external_id") == external_id)
    return None if rows.is_empty() else int(rows.get_column("learner_id").item(0))


# --- the learner and their classmates ---------------------------------------------------------


def learner_slice(dataset: Dataset, learner_id: int) -> Dataset:
    """The dataset cut down to the learners who share a group with this learner (them
    included), keeping the whole data's last day and school calendar: what the figures of one
    learner that look at their group need. (Lists of the learner's own rows filter it on
    their id: it may hold one interview of someone else, see below.)"""
    own_groups = dataset.enrolments.filter(pl.col("learner_id") == learner_id).get_column(
        "group_id"
    )
    peers = (
        dataset.enrolments.filter(pl.col("group_id").is_in(own_groups.implode()))
        .get_column("learner_id")
        .unique()
        .implode()
    )
    among = pl.col("learner_id").is_in(peers)
    interviews = dataset.interviews.filter(among)
    if interviews.is_empty():
        # risk.at_risk judges "no recent interview" only on data that hold interviews at all:
        # one interview of someone else says the whole data do (it signals nobody here)
        interviews = dataset.interviews.head(1)
    attendance = dataset.attendance.filter(among)
    session_ids = attendance.get_column("session_id").unique().implode()
    frames = dataset.frames
    return replace(
        dataset,
        frames=replace(
            frames,
            learners=frames.learners.filter(pl.col("id").is_in(peers)),
            enrolments=frames.enrolments.filter(among),
            interviews=frames.interviews.filter(among),
            tutoring_requests=frames.tutoring_requests.filter(among),
            copies=frames.copies.filter(among),
            need_group_members=frames.need_group_members.filter(among),
            support_sessions=frames.support_sessions.filter(pl.col("id").is_in(session_ids)),
            attendance=frames.attendance.filter(among),
            diagnostics=frames.diagnostics.filter(among),
            absences=frames.absences.filter(among),
        ),
        enrolments=dataset.enrolments.filter(among),
        copies=dataset.copies.filter(among),
        tutoring_requests=dataset.tutoring_requests.filter(among),
        absences=dataset.absences.filter(among),
        interviews=interviews,
        support_sessions=dataset.support_sessions.filter(pl.col("id").is_in(session_ids)),
        attendance=attendance,
        last_day=data_end(dataset),
        session_days=school_days(dataset),
    )


@dataclass(frozen=True)
class LearnerFile:
    """Everything the fiche apprenant shows but the risk signals (``risk_signals``)."""

    identity: dict
    """external_id, learner_name, referent, group, site, school_year (latest enrolment)."""
    enrolments: pl.DataFrame
    """school_year, group, site, level, public, modality, entry_date, exit_date, exit_reason."""
    copies: pl.DataFrame
    """discipline, assignment, submitted_on, corrected_on, delay_days, waiting_days, grade,
    group_grade (mean grade of the group's copies that month), corrector; latest first."""
    grade_trend: pl.DataFrame
    """month (first day), series (LEARNER_SERIES or GROUP_SERIES), grade: the learner's mean
    grade per month and their group's over the same months."""
    requests: pl.DataFrame
    """discipline, channel, received_at, answered_at, response_hours, tutor; latest first."""
    interviews: pl.DataFrame
    """held_on, interview_type, staff, duration_minutes, channel, objectives_set,
    objectives_met, autonomy_level; in date order (the pathway)."""
    support: pl.DataFrame
    """Per school year of their enrolments, school_year then support_hours.received_by_learner's
    columns (no row for a year without any session attended)."""
    diagnostics: pl.DataFrame
    """need, level_reached, assessed_on; latest first."""
    need_groups: pl.DataFrame
    """need_group, need, kind, period_start, period_end, planned_hours_per_week."""
    as_of: date
    """The day the file is read on: waiting copies are aged then (the data's last day)."""


def _slice_of(dataset: Dataset, external_id: str) -> tuple[int, Dataset] | None:
    learner_id = learner_id_of(dataset, external_id)
    if learner_id is None:
        return None
    return learner_id, learner_slice(dataset, learner_id)


def _grades(copies: pl.DataFrame, learner_id: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The learner's copies with their group's mean grade that month, and the monthly trend."""
    month = pl.col("submitted_on").dt.truncate("1mo").alias("month")
    group_months = (
        copies.filter(pl.col("grade").is_not_null())
        .group_by("group_id", month)
        .agg(pl.col("grade").mean().alias("group_grade"))
    )
    own = (
        copies.filter(pl.col("learner_id") == learner_id)
        .with_columns(month)
        .join(group_months, on=["group_id", "month"], how="left")
    )
    graded = own.filter(pl.col("grade").is_not_null())
    trend = (
        graded.group_by("month")
        .agg(
            pl.col("grade").mean().alias(LEARNER_SERIES),
            # the group's mean of that month (the group the learner was in that month)
            pl.col("group_grade").mean().alias(GROUP_SERIES),
        )
        .unpivot(index="month", variable_name="series", value_name="grade")
        .sort("month", "series")
    )
    return own, trend


def today_of(dataset: Dataset) -> date:
    """The day the file is read on: the data's last day (today when the data hold no event)."""
    return data_end(dataset) or date.today()


def _support_by_year(
    part: Dataset, settings: IndicatorSettings, learner_id: int, years: list[str], as_of: date
) -> pl.DataFrame:
    """support_hours.received_by_learner's row of the learner for each school year of their
    enrolments (expected to the year's end, or to ``as_of`` in the current year), with
    school_year first."""
    rows = []
    for name in years:
        year = Period.school_year(int(name[:4]))
        scope = Scope(year, settings=settings)
        received = received_by_learner(part, scope, min(year.end, as_of))
        rows.append(
            received.filter(pl.col("learner_id") == learner_id).select(
                pl.lit(name).alias("school_year"), pl.all()
            )
        )
    return pl.concat(rows) if rows else pl.DataFrame()


def learner_file(
    dataset: Dataset, settings: IndicatorSettings, external_id: str
) -> LearnerFile | None:
    """The file of the learner with this identifier (None when the dataset, the user's part
    of the data, does not hold them). Lists hold the whole history; support hours are given
    per school year of their enrolments; waiting copies are aged on the data's last day."""
    found = _slice_of(dataset, external_id)
    if found is None:
        return None
    learner_id, part = found
    as_of = today_of(dataset)
    mine = pl.col("learner_id") == learner_id
    enrolments = part.enrolments.filter(mine).sort("entry_date", "enrolment_id")
    latest = enrolments.row(enrolments.height - 1, named=True)
    identity = {
        name: latest[name]
        for name in ("external_id", "learner_name", "referent", "group", "site", "school_year")
    }
    who = pl.lit(identity["external_id"], pl.String).alias("external_id")
    own_copies, trend = _grades(part.copies, learner_id)
    copies = own_copies.select(
        "discipline",
        "assignment",
        "submitted_on",
        "corrected_on",
        (pl.col("corrected_on") - pl.col("submitted_on")).dt.total_days().alias("delay_days"),
        pl.when(pl.col("corrected_on").is_null() & (pl.col("submitted_on") <= as_of))
        .then((pl.lit(as_of) - pl.col("submitted_on")).dt.total_days())
        .alias("waiting_days"),
        "grade",
        "group_grade",
        "corrector",
        who,
    ).sort("submitted_on", descending=True)
    requests = (
        part.tutoring_requests.filter(mine)
        .select(
            "discipline",
            "channel",
            "received_at",
            "answered_at",
            "response_hours",
            "tutor",
            who,
        )
        .sort("received_at", descending=True)
    )
    interviews = (
        part.interviews.filter(mine)
        .select(
            "held_on",
            "interview_type",
            "staff",
            "duration_minutes",
            "channel",
            "objectives_set",
            "objectives_met",
            "autonomy_level",
            who,
        )
        .sort("held_on")
    )
    years = enrolments.get_column("school_year").drop_nulls().unique().sort().to_list()
    support = _support_by_year(part, settings, learner_id, years, as_of)
    diagnostics = (
        part.frames.diagnostics.filter(mine)
        .select("need", pl.col("level").alias("level_reached"), "assessed_on")
        .sort("assessed_on", "need", descending=[True, False])
    )
    member_of = part.frames.need_group_members.filter(mine).get_column("need_group_id")
    need_groups = (
        part.frames.need_groups.filter(pl.col("id").is_in(member_of.implode()))
        .select(
            pl.col("name").alias("need_group"),
            "need",
            "kind",
            "period_start",
            "period_end",
            "planned_hours_per_week",
        )
        .sort("period_start", "need_group")
    )
    return LearnerFile(
        identity=identity,
        enrolments=enrolments.select(
            "school_year",
            "group",
            "site",
            "level",
            "public",
            "modality",
            "entry_date",
            "exit_date",
            "exit_reason",
            "external_id",
        ),
        copies=copies,
        grade_trend=trend,
        requests=requests,
        interviews=interviews,
        support=support,
        diagnostics=diagnostics,
        need_groups=need_groups,
        as_of=as_of,
    )


def risk_signals(dataset: Dataset, settings: IndicatorSettings, external_id: str) -> pl.DataFrame:
    """The learner's risk signals on the data's last day: their at-risk row of indicators.risk
    (columns of risk.at_risk), empty when they show none or are no longer enrolled. The one
    call of the fiche apprenant about risk: a new risk model replaces this function alone."""
    as_of = today_of(dataset)
    learner_id = learner_id_of(dataset, external_id)
    learner_id = -1 if learner_id is None else learner_id  # -1: nobody, an empty slice
    part = learner_slice(dataset, learner_id)
    scope = Scope(Period.school_year_of(as_of), settings=settings)
    return risk.at_risk(part, scope, as_of).filter(pl.col("learner_id") == learner_id)
