"""Deadlines (DOMAIN.md, "Assignments"): copies handed in late and assignments not handed in.

The one rule, used by the Délais page and by the at-risk list and its score
(indicators/risk.py, indicators/risk_model.py):

- a copy counts for an assignment with a due date of the same discipline and title set to one
  of the groups the learner was enrolled in on the day they handed it in, or for the one the
  dataset matched it to (``copies_of_assignments``);
- a copy is *late* when handed in after the due date (``LATE``);
- an assignment's due date *has passed* on ``day`` when it is before ``day`` (``due_passed``:
  on its due day, a learner may still hand it in);
- the learners expected for an assignment are those enrolled in its group on its due date
  (entered on or before, not left before); one of them *missed* it when they have no copy for
  it by ``day`` (``expected``).

The Délais page measures the assignments of the scope whose due date falls in the period and has
passed on ``as_of`` (the day the data reach, never after the period's end), and the copies of
them handed in on or before ``as_of``. Shares are over what they count in (late / received,
missed / expected), null when that is 0. Assignments without a due date are not measured.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from domain import DIMENSION_LABELS
from indicators.common import Scope, safe_ratio
from indicators.dataset import Dataset
from indicators.flows import as_of

BREAKDOWNS = ("group", "discipline", "site")
COLUMN_LABELS = {
    **DIMENSION_LABELS,
    "assignments_due": "Devoirs à rendre",
    "copies_received": "Copies reçues",
    "copies_late": "Copies en retard",
    "late_share": "Part en retard",
    "learners_expected": "Copies attendues",
    "assignments_missed": "Devoirs non rendus",
    "missed_share": "Part non rendue",
    "external_id": "Identifiant apprenant",
    "learner_name": "Apprenant",
    "referent": "Référent",
    "title": "Devoir",
    "due_on": "Date limite",
    "days_overdue": "Jours depuis la date limite",
    "submitted_on": "Remise le",
    "days_late": "Jours de retard",
    "as_of": "Au",
}
_CONTEXT = ["site", "group", "discipline"]


LATE = pl.col("submitted_on") > pl.col("due_on")
"""A copy handed in after its assignment's due date."""


def due_passed(day: date | pl.Expr) -> pl.Expr:
    """The assignment's due date has passed on ``day`` (it is before ``day``)."""
    return pl.col("due_on") < day


def assignments_of(dataset: Dataset) -> pl.DataFrame:
    """The assignments with a due date: assignment_id, group_id, discipline, title, due_on."""
    return dataset.assignments.filter(pl.col("due_on").is_not_null()).select(
        pl.col("id").alias("assignment_id"), "group_id", "discipline", "title", "due_on"
    )


_LAST: list[tuple[Dataset, pl.DataFrame]] = []
"""The last dataset's copies_of_assignments: the list, its signals and its score read them
three times for one dataset."""


def copies_of_assignments(dataset: Dataset) -> pl.DataFrame:
    """The copies of an assignment with a due date: learner_id, assignment_id, group_id,
    discipline, title, due_on, submitted_on (one row per copy and assignment).

    A copy is the learner's copy of an assignment of the same discipline and title set to one
    of the groups they were enrolled in on the day they handed it in (entry <= that day <=
    exit), or the one the dataset matched it to (its group on that day): so a learner in two
    groups at once has their copies counted in the group that set the assignment, and not only
    in the group of their latest entry."""
    last = _LAST[0] if _LAST else None  # one read: another session's thread may replace it
    if last is not None and last[0] is dataset:
        return last[1]
    found = _copies_of_assignments(dataset)
    _LAST[:] = [(dataset, found)]
    return found


def _copies_of_assignments(dataset: Dataset) -> pl.DataFrame:
    assignments = assignments_of(dataset)
    columns = ["learner_id", "assignment_id", "group_id", "discipline", "title", "due_on",
               "submitted_on"]  # fmt: skip
    if assignments.is_empty():
        return pl.DataFrame(
            schema={
                "learner_id": pl.Int64, "assignment_id": pl.Int64, "group_id": pl.Int64,
                "discipline": pl.String, "title": pl.String, "due_on": pl.Date,
                "submitted_on": pl.Date,
            }
        )  # fmt: skip
    copies = dataset.copies.select(
        "learner_id", "discipline", pl.col("assignment").alias("title"), "submitted_on",
        pl.col("assignment_id").alias("matched_id"),
    )  # fmt: skip
    # the copies were matched in the group of the enrolment in force on their day (prepare:
    # the latest entered by then), the one enrolled in that day unless the learner was in
    # two groups at once: the enrolments on the day are looked up for those learners only
    several = _in_two_groups_at_once(dataset.enrolments)
    keys = ["learner_id", "assignment_id", "submitted_on"]
    enrolled = (
        copies.filter(pl.col("learner_id").is_in(several.implode()))
        .join(
            dataset.enrolments.select("learner_id", "group_id", "entry_date", "exit_date"),
            on="learner_id",
        )
        .filter(
            (pl.col("entry_date") <= pl.col("submitted_on"))
            & (pl.col("exit_date").is_null() | (pl.col("submitted_on") <= pl.col("exit_date")))
        )
        .join(assignments, on=["group_id", "discipline", "title"])
        .select(keys)
    )
    matched = copies.select(
        "learner_id", pl.col("matched_id").alias("assignment_id"), "submitted_on"
    ).drop_nulls("assignment_id")
    # one row per copy and assignment (the keys), then what the assignment is (the same for
    # every copy of it): the duplicates are dropped on three integers rather than on the texts
    return (
        pl.concat([enrolled, matched])
        .unique(keys)
        .join(assignments, on="assignment_id")
        .select(columns)
    )


def _in_two_groups_at_once(enrolments: pl.DataFrame) -> pl.Series:
    """The learners with two enrolments sharing a day (entry to exit, both included; no exit:
    still enrolled). The others were enrolled on any day in one group at most: the latest
    they had entered by then."""
    spans = enrolments.select(
        "learner_id",
        "enrolment_id",
        "entry_date",
        pl.col("exit_date").fill_null(date.max).alias("until"),
    )
    several = spans.group_by("learner_id").len().filter(pl.col("len") > 1).drop("len")
    spans = spans.join(several, on="learner_id")
    return (
        spans.join(spans, on="learner_id", suffix="_other")
        .filter(
            (pl.col("enrolment_id") < pl.col("enrolment_id_other"))
            & (pl.col("entry_date") <= pl.col("until_other"))
            & (pl.col("entry_date_other") <= pl.col("until"))
        )
        .get_column("learner_id")
        .unique()
    )


def expected(
    dataset: Dataset, enrolments: pl.DataFrame, day: date, since: date | None = None
) -> pl.DataFrame:
    """One row per enrolment (enrolment_id, learner_id, group_id, entry_date, exit_date and any
    other column of ``enrolments``) and assignment of its group whose due date has passed on
    ``day`` while it was enrolled (entry <= due date, no exit before it): the enrolment's
    columns, assignment_id, discipline, title, due_on, handed_on (its first copy for it by
    ``day``, null if none) and missed (no copy by ``day``). With ``since``, only the
    assignments due on or after it (the at-risk list's recent weeks: less to join)."""
    assignments = assignments_of(dataset)
    kept = pl.col("submitted_on") <= day
    if since is not None:
        assignments = assignments.filter(pl.col("due_on") >= since)
        ids = assignments.get_column("assignment_id").implode()
        kept = pl.col("assignment_id").is_in(ids) & kept
    copies = copies_of_assignments(dataset).filter(kept)  # one pass over the copies
    handed = copies.group_by("learner_id", "assignment_id").agg(
        pl.col("submitted_on").min().alias("handed_on")
    )
    return (
        enrolments.join(assignments, on="group_id", how="inner")
        .filter(
            due_passed(day)
            & (pl.col("entry_date") <= pl.col("due_on"))
            & (pl.col("exit_date").is_null() | (pl.col("exit_date") >= pl.col("due_on")))
        )
        .join(handed, on=["learner_id", "assignment_id"], how="left")
        .with_columns(pl.col("handed_on").is_null().alias("missed"))
    )


def _due(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """The scope's assignments due in the period whose due date has passed on as_of."""
    day = as_of(dataset, scope.period)
    return (
        scope.keep(dataset.assignments)
        .filter(pl.col("due_on").is_not_null() & scope.period.contains("due_on") & due_passed(day))
        .select(pl.col("id").alias("assignment_id"), "title", "due_on", *_CONTEXT, "group_id")
    )


def _received(dataset: Dataset, due: pl.DataFrame, day: date) -> pl.DataFrame:
    """The copies of the due assignments handed in on or before ``day``, with ``late``."""
    return (
        copies_of_assignments(dataset)
        .filter(pl.col("submitted_on") <= day)
        .select("assignment_id", "learner_id", "submitted_on")
        .join(due, on="assignment_id", how="inner")
        .with_columns(LATE.alias("late"))
    )


def _expected(dataset: Dataset, due: pl.DataFrame, day: date) -> pl.DataFrame:
    """One row per due assignment and learner enrolled in its group on its due date, with
    ``missed`` (no copy for it by ``day``)."""
    enrolled = dataset.enrolments.select(
        "enrolment_id", "group_id", "learner_id", "entry_date", "exit_date", "external_id",
        "learner_name", "referent",
    )  # fmt: skip
    return (
        expected(dataset, enrolled, day)
        .select("assignment_id", "learner_id", "external_id", "learner_name", "referent", "missed")
        .join(due, on="assignment_id", how="inner")
        .unique(["assignment_id", "learner_id"], keep="first", maintain_order=True)
    )


def _figures(
    due: pl.DataFrame, received: pl.DataFrame, expected: pl.DataFrame, by: list[str]
) -> pl.DataFrame:
    """The counts and shares by ``by`` (none: one row)."""
    counted = [
        due.group_by(by).agg(pl.len().alias("assignments_due"))
        if by
        else due.select(pl.len().alias("assignments_due")),
        received.group_by(by).agg(
            pl.len().alias("copies_received"), pl.col("late").sum().alias("copies_late")
        )
        if by
        else received.select(
            pl.len().alias("copies_received"), pl.col("late").sum().alias("copies_late")
        ),
        expected.group_by(by).agg(
            pl.len().alias("learners_expected"), pl.col("missed").sum().alias("assignments_missed")
        )
        if by
        else expected.select(
            pl.len().alias("learners_expected"),
            pl.col("missed").sum().alias("assignments_missed"),
        ),
    ]
    if by:
        frame = (
            counted[0]
            .join(counted[1], on=by, how="left", nulls_equal=True)
            .join(counted[2], on=by, how="left", nulls_equal=True)
        )
    else:
        frame = pl.concat(counted, how="horizontal")
    counts = ["assignments_due", "copies_received", "copies_late", "learners_expected"]
    counts.append("assignments_missed")
    return frame.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in counts).select(
        *by,
        "assignments_due",
        "copies_received",
        "copies_late",
        safe_ratio(pl.col("copies_late"), pl.col("copies_received")).alias("late_share"),
        "learners_expected",
        "assignments_missed",
        safe_ratio(pl.col("assignments_missed"), pl.col("learners_expected")).alias("missed_share"),
    )


def summary(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """One row: as_of, assignments_dated (assignments with a due date in the whole dataset,
    whatever the scope), assignments_due, copies_received, copies_late, late_share,
    learners_expected (learner x assignment pairs), assignments_missed, missed_share."""
    day = as_of(dataset, scope.period)
    due = _due(dataset, scope)
    figures = _figures(due, _received(dataset, due, day), _expected(dataset, due, day), [])
    dated = dataset.assignments.get_column("due_on").is_not_null().sum()
    return figures.select(
        pl.lit(day).alias("as_of"), pl.lit(dated, pl.Int64).alias("assignments_dated"), pl.all()
    )


def breakdown(
    dataset: Dataset, scope: Scope, by: tuple[str, ...] = ("group", "discipline")
) -> pl.DataFrame:
    """The figures of ``summary`` per value of ``by`` (site, group, discipline), the largest
    share not handed in first."""
    unknown = [b for b in by if b not in BREAKDOWNS]
    if unknown:
        raise ValueError(f"ventilation inconnue : {', '.join(unknown)}")
    day = as_of(dataset, scope.period)
    due = _due(dataset, scope)
    columns = list(by)
    if "group" in columns and "site" not in columns:
        columns.insert(0, "site")  # a group name is not unique across sites
    figures = _figures(due, _received(dataset, due, day), _expected(dataset, due, day), columns)
    return figures.sort(
        ["missed_share", "late_share", *columns],
        descending=[True, True, *[False] * len(columns)],
        nulls_last=True,
    )


def missed(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """The assignments not handed in: one row per learner and assignment, the oldest due date
    first: external_id, learner_name, group, site, discipline, title, due_on, days_overdue
    (as_of - due_on), referent."""
    day = as_of(dataset, scope.period)
    due = _due(dataset, scope)
    return (
        _expected(dataset, due, day)
        .filter(pl.col("missed"))
        .with_columns((pl.lit(day) - pl.col("due_on")).dt.total_days().alias("days_overdue"))
        .sort(["due_on", "group", "discipline", "title", "external_id"])
        .select(
            "external_id",
            "learner_name",
            "group",
            "site",
            "discipline",
            "title",
            "due_on",
            "days_overdue",
            "referent",
        )
    )


def late(dataset: Dataset, scope: Scope) -> pl.DataFrame:
    """The copies handed in late, the latest first: external_id, learner_name, group, site,
    discipline, title, due_on, submitted_on, days_late (submitted_on - due_on)."""
    day = as_of(dataset, scope.period)
    due = _due(dataset, scope)
    names = dataset.enrolments.select("learner_id", "external_id", "learner_name").unique(
        "learner_id", keep="first"
    )
    return (
        _received(dataset, due, day)
        .filter(pl.col("late"))
        .join(names, on="learner_id", how="left")
        .with_columns(
            (pl.col("submitted_on") - pl.col("due_on")).dt.total_days().alias("days_late")
        )
        .sort(["days_late", "submitted_on", "external_id"], descending=[True, True, False])
        .select(
            "external_id",
            "learner_name",
            "group",
            "site",
            "discipline",
            "title",
            "due_on",
            "submitted_on",
            "days_late",
        )
    )
