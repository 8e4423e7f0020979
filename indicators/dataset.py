"""The prepared dataset every indicator reads: the canonical frames plus, once, the joins
that every filter needs (site, group, public, modality of each event; staff names).

Built once per data version and cached by the app; everything after it is in-memory Polars.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from data_access.frames import Frames
from indicators.common import Perimeter, Period, attribute_to_enrolment, enrolment_context


@dataclass(frozen=True)
class Dataset:
    frames: Frames
    enrolments: pl.DataFrame
    """enrolment_context(): one row per enrolment with group, site, public, learner, referent."""
    copies: pl.DataFrame
    """copies + enrolment_id, group_id, group, site, public, modality, corrector (name),
    assignment_id and due_on (of the assignment of the copy's group, discipline and title;
    null when the copy names none or its assignment is not known)."""
    tutoring_requests: pl.DataFrame
    """requests + context columns + tutor (name) + response_hours (null while unanswered)."""
    interviews: pl.DataFrame
    """interviews + context columns + staff (name)."""
    support_sessions: pl.DataFrame
    """sessions + group (class or need group name), site, public, modality, staff (name)."""
    attendance: pl.DataFrame
    """attendance + the session's kind, held_on, duration_hours, group, site, public, modality."""
    assignments: pl.DataFrame
    """assignments (id, group_id, discipline, title, due_on) + group, site, public, modality,
    school_year."""
    absences: pl.DataFrame
    """absences + the context columns of the enrolment in force on their day."""
    last_day: date | None = None
    """Set on a user's part of the data (``within``): the last day of the whole data, so that
    states (waiting copies, learners at risk) are measured on the day the data reach, as for
    the whole, and not on the last day this part happens to have an event."""
    session_days: pl.Series | None = None
    """Set on a user's part of the data: the days of every support session of the whole data
    (the school calendar: a week with a session anywhere is a school week)."""
    active_weeks: pl.Series | None = None
    """Set on a user's part of the data: the weeks the whole data is active in (see
    ``open_weeks``), so that a part's surges are judged on the same calendar as the whole's."""

    @functools.cached_property
    def events_end(self) -> date | None:
        """The last date an event of these frames falls on (None: no event), computed once
        (seven maxima over millions of rows: pages ask at every rerun); see ``data_end``."""
        return _events_end(self)

    @property
    def disciplines(self) -> list[str]:
        names = pl.concat(
            [self.copies.get_column("discipline"), self.tutoring_requests.get_column("discipline")]
        )
        return sorted(names.drop_nulls().unique().to_list())


def _staff_names(frames: Frames, alias: str) -> pl.DataFrame:
    return frames.staff.select(pl.col("id").alias(f"{alias}_id"), pl.col("name").alias(alias))


_CONTEXT = frozenset({"enrolments", "groups", "sites", "learners", "staff"})
_SESSIONS = frozenset({"support_sessions", "groups", "sites", "need_groups", "staff"})
DERIVED_FROM: dict[str, frozenset[str]] = {
    "enrolments": _CONTEXT,
    "copies": _CONTEXT | {"copies", "assignments"},
    "tutoring_requests": _CONTEXT | {"tutoring_requests"},
    "interviews": _CONTEXT | {"interviews"},
    "support_sessions": _SESSIONS,
    "attendance": _SESSIONS | {"attendance"},
    "assignments": frozenset({"assignments", "groups", "sites"}),
    "absences": _CONTEXT | {"absences"},
}
"""The frames each prepared frame of Dataset is made from: it stays the same as long as they
do (``prepare``'s ``known``)."""


def prepare(frames: Frames, *, known: Mapping[str, pl.DataFrame] | None = None) -> Dataset:
    """Join once what every indicator needs; see the attribute docs of Dataset.

    ``known``: prepared frames (by attribute name) that the caller already has for these
    frames, taken as they are instead of joined again: after an import of copies, the caller
    (ui/cache.py) gives those whose frames (DERIVED_FROM) did not change, so only the copies are
    joined again, not the interviews."""
    reused = (known or {}).get
    context = reused("enrolments")
    if context is None:
        context = enrolment_context(frames)
    copies = reused("copies")
    if copies is None:
        copies = (
            attribute_to_enrolment(frames.copies, "submitted_on", context)
            .join(_staff_names(frames, "corrector"), on="corrector_id", how="left")
            .join(
                frames.assignments.select(
                    pl.col("id").alias("assignment_id"),
                    "group_id",
                    "discipline",
                    pl.col("title").alias("assignment"),
                    "due_on",
                ),
                on=["group_id", "discipline", "assignment"],
                how="left",
                maintain_order="left",
            )
        )
    tutoring = reused("tutoring_requests")
    if tutoring is None:
        tutoring = (
            attribute_to_enrolment(frames.tutoring_requests, "received_at", context)
            .join(
                _staff_names(frames, "tutor"), left_on="staff_id", right_on="tutor_id", how="left"
            )
            .with_columns(
                ((pl.col("answered_at") - pl.col("received_at")).dt.total_seconds() / 3600.0).alias(
                    "response_hours"
                )
            )
        )
    interviews = reused("interviews")
    if interviews is None:
        interviews = attribute_to_enrolment(frames.interviews, "held_on", context).join(
            _staff_names(frames, "staff"), on="staff_id", how="left"
        )
    sessions = reused("support_sessions")
    if sessions is None:
        sessions = _sessions_with_groups(frames)
    attendance = reused("attendance")
    if attendance is None:
        attendance = frames.attendance.join(
            sessions.select(
                pl.col("id").alias("session_id"),
                "kind",
                "held_on",
                "duration_hours",
                "group",
                "site",
                "public",
                "modality",
            ),
            on="session_id",
            how="left",
        )
    assignments = reused("assignments")
    if assignments is None:
        assignments = _assignments_with_groups(frames)
    absences = reused("absences")
    if absences is None:
        absences = attribute_to_enrolment(frames.absences, "absent_on", context)
    return Dataset(
        frames=frames,
        enrolments=context,
        copies=copies,
        tutoring_requests=tutoring,
        interviews=interviews,
        support_sessions=sessions,
        attendance=attendance,
        assignments=assignments,
        absences=absences,
    )


def _assignments_with_groups(frames: Frames) -> pl.DataFrame:
    sites = frames.sites.select(pl.col("id").alias("site_id"), pl.col("name").alias("site"))
    groups = frames.groups.join(sites, on="site_id", how="left").select(
        pl.col("id").alias("group_id"),
        pl.col("name").alias("group"),
        "site",
        "public",
        "modality",
        "school_year",
    )
    return frames.assignments.join(groups, on="group_id", how="left", maintain_order="left")


def _sessions_with_groups(frames: Frames) -> pl.DataFrame:
    sites = frames.sites.select(pl.col("id").alias("site_id"), pl.col("name").alias("site"))
    class_groups = frames.groups.join(sites, on="site_id", how="left").select(
        pl.col("id").alias("group_id"),
        pl.col("name").alias("class_group"),
        pl.col("site").alias("class_site"),
        "public",
        "modality",
    )
    need_groups = frames.need_groups.join(sites, on="site_id", how="left").select(
        pl.col("id").alias("need_group_id"),
        pl.col("name").alias("need_group"),
        pl.col("site").alias("need_site"),
    )
    return (
        frames.support_sessions.join(class_groups, on="group_id", how="left")
        .join(need_groups, on="need_group_id", how="left")
        .join(_staff_names(frames, "staff"), on="staff_id", how="left")
        .with_columns(
            pl.coalesce("class_group", "need_group").alias("group"),
            pl.coalesce("class_site", "need_site").alias("site"),
        )
        .drop("class_group", "need_group", "class_site", "need_site")
    )


def within(dataset: Dataset, perimeter: Perimeter) -> Dataset:
    """The part of the dataset inside a user's perimeter, built once per data version: what
    every page, table, download and figure of that user reads.

    Events keep the enrolment they were attributed to on the whole data (a learner who moved
    from Lyon to Marseille has their Lyon copies in Lyon's part and their Marseille copies in
    Marseille's), so a site's figures are the same as with the site filter on the whole data.
    The raw frames follow: learners with an enrolment inside, their diagnostics and the
    attendance of sessions inside, groups and sites inside, staff of those sites or of none,
    need groups of those sites (with a member inside, for a perimeter of groups) and their
    members inside.
    """
    if perimeter.is_everything:
        return dataset
    enrolments = perimeter.keep(dataset.enrolments)
    learner_ids = enrolments.get_column("learner_id").unique().implode()
    sessions = perimeter.keep(dataset.support_sessions)
    inside = {
        "absences": perimeter.keep(dataset.absences),
        "copies": perimeter.keep(dataset.copies),
        "tutoring_requests": perimeter.keep(dataset.tutoring_requests),
        "interviews": perimeter.keep(dataset.interviews),
    }
    attendance = perimeter.keep(dataset.attendance).filter(pl.col("learner_id").is_in(learner_ids))
    assignments = perimeter.keep(dataset.assignments)
    frames = dataset.frames
    sites = frames.sites.rename({"id": "site_id", "name": "site"})
    groups = perimeter.keep(
        frames.groups.rename({"name": "group"}).join(sites, on="site_id", how="left")
    )
    site_ids = (
        sites.filter(pl.col("site").is_in(list(perimeter.sites)))
        if perimeter.sites
        else sites.filter(pl.col("site_id").is_in(groups.get_column("site_id").implode()))
    ).get_column("site_id")
    members = frames.need_group_members.filter(pl.col("learner_id").is_in(learner_ids))
    need_groups = frames.need_groups.filter(pl.col("site_id").is_in(site_ids.implode()))
    if perimeter.groups:
        need_groups = need_groups.filter(
            pl.col("id").is_in(members.get_column("need_group_id").implode())
        )

    def ids_of(frame: pl.DataFrame, column: str = "id") -> pl.Expr:
        return pl.col("id").is_in(frame.get_column(column).implode())

    scoped = Frames(
        sites=frames.sites.filter(pl.col("id").is_in(site_ids.implode())),
        staff=frames.staff.filter(
            pl.col("site_id").is_null() | pl.col("site_id").is_in(site_ids.implode())
        ),
        groups=frames.groups.filter(ids_of(groups)),
        learners=frames.learners.filter(pl.col("id").is_in(learner_ids)),
        enrolments=frames.enrolments.filter(ids_of(enrolments, "enrolment_id")),
        interviews=frames.interviews.filter(ids_of(inside["interviews"])),
        tutoring_requests=frames.tutoring_requests.filter(ids_of(inside["tutoring_requests"])),
        copies=frames.copies.filter(ids_of(inside["copies"])),
        need_groups=need_groups,
        need_group_members=members.filter(
            pl.col("need_group_id").is_in(need_groups.get_column("id").implode())
        ),
        support_sessions=frames.support_sessions.filter(ids_of(sessions)),
        attendance=frames.attendance.filter(
            pl.col("session_id").is_in(sessions.get_column("id").implode())
            & pl.col("learner_id").is_in(learner_ids)
        ),
        diagnostics=frames.diagnostics.filter(pl.col("learner_id").is_in(learner_ids)),
        assignments=frames.assignments.filter(ids_of(assignments)),
        absences=frames.absences.filter(ids_of(inside["absences"])),
    )
    return Dataset(
        frames=scoped,
        enrolments=enrolments,
        support_sessions=sessions,
        attendance=attendance,
        assignments=assignments,
        last_day=data_end(dataset),
        session_days=school_days(dataset),
        active_weeks=open_weeks(dataset),
        **inside,
    )


def without_names(dataset: Dataset, pseudonyms: Callable[[pl.Series], pl.Series]) -> Dataset:
    """The dataset with no learner's name, no interview note, no reason of absence, and each
    learner's identifier replaced by its pseudonym (``pseudonyms``: identifiers ->
    pseudonyms): what the lecture role reads."""
    frames = dataset.frames
    learners = frames.learners.with_columns(
        pseudonyms(frames.learners.get_column("external_id")).alias("external_id"),
        pl.lit(None, pl.String).alias("last_name"),
        pl.lit(None, pl.String).alias("first_name"),
    )
    hidden = learners.select(pl.col("id").alias("learner_id"), pl.col("external_id").alias("_p"))
    enrolments = (
        dataset.enrolments.join(hidden, on="learner_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("_p").alias("external_id"), pl.lit(None, pl.String).alias("learner_name")
        )
        .drop("_p")
    )
    silent = pl.lit(None, pl.String).alias("notes")
    no_reason = pl.lit(None, pl.String).alias("reason")  # of an absence: health, family...
    return replace(
        dataset,
        frames=replace(
            frames,
            learners=learners,
            interviews=frames.interviews.with_columns(silent),
            absences=frames.absences.with_columns(no_reason),
        ),
        enrolments=enrolments,
        interviews=dataset.interviews.with_columns(silent),
        absences=dataset.absences.with_columns(no_reason),
    )


def school_days(dataset: Dataset) -> pl.Series:
    """The days support sessions are held on, in the whole data (the school calendar)."""
    if dataset.session_days is not None:
        return dataset.session_days
    return dataset.support_sessions.get_column("held_on").unique().sort()


OPEN_WEEK_SHARE = 0.3
"""A week is open when the whole data's events that week reach this share of a usual week."""


def open_weeks(dataset: Dataset) -> pl.Series:
    """The Mondays of the weeks the organisation is at work: weeks whose events (copies handed
    in, tutoring requests received, interviews and support sessions held), counted over the
    whole data, reach OPEN_WEEK_SHARE of the median of the weeks holding any event. Summer and
    other holidays, when almost nothing happens, are closed weeks; for a user's part of the
    data, the weeks of the whole data."""
    if dataset.active_weeks is not None:
        return dataset.active_weeks
    days = pl.concat(
        [
            dataset.copies.select(pl.col("submitted_on").alias("day")),
            dataset.tutoring_requests.select(pl.col("received_at").cast(pl.Date).alias("day")),
            dataset.interviews.select(pl.col("held_on").alias("day")),
            dataset.support_sessions.select(pl.col("held_on").alias("day")),
        ]
    ).drop_nulls()
    weekly = days.group_by(pl.col("day").dt.truncate("1w").alias("week_start")).len("events")
    usual = weekly.get_column("events").median()
    if usual is None:
        return pl.Series("week_start", [], pl.Date)
    return (
        weekly.filter(pl.col("events") >= OPEN_WEEK_SHARE * usual).get_column("week_start").sort()
    )


def data_end(dataset: Dataset) -> date | None:
    """The last date any event of the data falls on (None when there is no event); for a
    user's part of the data, that of the whole data."""
    if dataset.last_day is not None:
        return dataset.last_day
    return dataset.events_end


def _events_end(dataset: Dataset) -> date | None:
    candidates = [
        dataset.copies.get_column("submitted_on").max(),
        dataset.copies.get_column("corrected_on").max(),
        dataset.tutoring_requests.get_column("received_at").max(),
        dataset.tutoring_requests.get_column("answered_at").max(),
        dataset.interviews.get_column("held_on").max(),
        dataset.support_sessions.get_column("held_on").max(),
        dataset.absences.get_column("absent_on").max(),
    ]
    days = [value.date() if hasattr(value, "date") else value for value in candidates]
    days = [value for value in days if value is not None]
    return max(days) if days else None


def as_of(dataset: Dataset, period: Period) -> date:
    """The day a state (backlog, waiting copies, ongoing surges) is measured on.

    min(period end, last date in the data), but never before the period start.
    """
    end = data_end(dataset)
    if end is None:
        return period.end
    return max(period.start, min(period.end, end))


def with_learners(dataset: Dataset, events: pl.DataFrame) -> pl.DataFrame:
    """The events (with learner_id) with the learner's external_id and learner_name."""
    names = dataset.enrolments.select("learner_id", "external_id", "learner_name").unique(
        "learner_id"
    )
    return events.join(names, on="learner_id", how="left")
