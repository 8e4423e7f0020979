"""The risk score: the probability that an active enrolment ends in ``abandon``, from a
regularised logistic regression (scikit-learn), calibrated, trained on the enrolments of the
data that have already ended.

No information from the future: each ended enrolment is described as it was at the points of
its group's life (days since the group's start, the median of its entries) the enrolments
scored now have reached: the *landmarks*, up to LANDMARKS distinct quantiles of the scored
enrolments' days since their group's start (no later than the history covers: at the end of a
school year, the learners scored are described as last year's were two weeks before their
groups ended). An ended enrolment gives one example per landmark it was active at (entry <=
group start + landmark < exit), described by
``features`` from the events on or before that cut-off only (copies handed in, grades known,
assignments due, interviews held, absences, earlier enrolments ended) and labelled by how it
ended. The enrolments scored on ``as_of`` are described by the same function at ``as_of``.

Only groups that are over teach (``history``): a group still running has only its early
leavers ended, and learning from them alone would make its examples all dropouts.

Checked and calibrated at once: the learners are split in FOLDS parts; each part's examples are
scored by the regression learnt on the other parts; those out-of-fold scores measure the model
(AUC, share of dropouts among the top 10 %) and fit its calibration (Platt: a logistic curve
from score to probability); then the regression learns on every example. Under ``risk_min_ended_enrolments`` ended
enrolments or ``risk_min_dropouts`` dropouts (or as few completions) there is no model: the
list is ranked by its signals alone and ``NoModel.reason`` says why.

Pure: frames in, frames out; no I/O, no Streamlit. The app caches the trained model
(ui/cached.py), keyed by the data version and ``as_of``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import polars as pl

from domain import COMPLETION_REASON, DROPOUT_REASON
from indicators.common import IndicatorSettings
from indicators.dataset import Dataset
from indicators.deadlines import LATE, assignments_of, copies_of_assignments
from indicators.risk import PASS_GRADE

if TYPE_CHECKING:  # scikit-learn is imported where a model is learnt, not
    # by the pages that only read a list already scored (2,4 s of imports)
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

LANDMARKS = 12
LANDMARK_MARGIN_DAYS = 14
MAX_TRAINING_EXAMPLES = 120_000
"""Examples learnt from at most (a fixed sample of the ended enrolments beyond, about this
many divided by the number of landmarks): training stays under 30 s at national scale."""
FOLDS = 3
"""Parts of the cross-validation (by learner) that checks and calibrates the model."""
REASONS_SHOWN = 3
REGULARISATION = 0.5
"""C of the logistic regression (smaller: more regularised)."""

GROUP_RELATIVE = (
    "copies_rel",
    "copies_rank",
    "missed_rel",
    "days_since_copy_rel",
    "days_since_copy_rank",
    "grade_rank",
)
"""The enrolment against the others of its group at the same cut-off (the examples of the same
group and cut-off): copies handed in minus the group's mean, their rank (0 to 1, 1 the most),
share of due assignments not handed in minus the group's mean, days since the last copy minus
the group's median and their rank, rank of the mean grade. They carry over from one year to
the next better than the raw counts: a module's workload and calendar change, the learner's
place in the group less (OULAD, README). The days enrolled, the entry's delay after the
group's start and the share of the group already gone are computed (``features``) but not read:
on OULAD they learnt the year's calendar and lowered the AUC on the next year."""

FEATURES = (
    "copies",
    "days_since_copy",
    "no_grade",
    "mean_grade",
    "grade_gap",
    "failed",
    "grade_trend",
    "missed_share",
    "missed",
    "missed_any",
    "late",
    "interviews",
    "days_since_interview",
    "absences",
    "previous_exits",
    "previous_dropouts",
    "lead_days",
    "other_groups",
    *GROUP_RELATIVE,
)
"""The columns the model reads (after ``_transformed``), each a fact known on the cut-off."""

EXAMPLE_COLUMNS = ["enrolment_id", "learner_id", "group_id", "entry_date", "cutoff"]

CATEGORICAL = {"level": "formation", "public": "public", "modality": "modalité"}
"""The group's programme, public and modality: one indicator column per value met at least
MIN_CATEGORY_EXAMPLES times in training (dropout rates differ by programme and public)."""
MIN_CATEGORY_EXAMPLES = 50
MAX_CATEGORY_VALUES = 40

CONCERN = {
    "copies": -1,
    "days_since_copy": 1,
    "no_grade": 1,
    "mean_grade": -1,
    "grade_gap": 1,
    "failed": 1,
    "grade_trend": 1,
    "missed_share": 1,
    "missed": 1,
    "missed_any": 1,
    "late": 1,
    "interviews": -1,
    "days_since_interview": 1,
    "absences": 1,
    "previous_exits": 1,
    "previous_dropouts": 1,
    "lead_days": -1,
    "other_groups": 1,
    "copies_rel": -1,
    "copies_rank": -1,
    "missed_rel": 1,
    "days_since_copy_rel": 1,
    "days_since_copy_rank": 1,
    "grade_rank": -1,
}
"""The direction in which each feature is a cause for concern a person understands (+1: the
more, the more worrying; -1: the fewer; 0: never a reason, such as the days enrolled). A feature is given as a reason only when the model
weighs it that way too and it pushes this enrolment's score up."""


@dataclass(frozen=True)
class Check:
    """How the model did on examples it had not learnt from (cross-validation by learner)."""

    examples: int
    """Examples scored out of fold (every training example, once)."""
    auc: float
    top_share_precision: float
    """Share of dropouts among the 10 % highest out-of-fold scores."""
    base_rate: float
    """Share of dropouts among the examples."""
    ended: int
    dropouts: int


@dataclass(frozen=True)
class NoModel:
    """Why there is no score (French sentence), and the history counted."""

    reason: str
    ended: int
    dropouts: int


@dataclass(frozen=True, eq=False)
class RiskModel:
    pipeline: Pipeline
    calibration: LogisticRegression
    """From the regression's decision value to a probability (Platt scaling)."""
    coefficients: np.ndarray
    """Of the logistic regression on standardised features (for the reasons)."""
    medians: np.ndarray
    means: np.ndarray
    scales: np.ndarray
    categories: Categories
    check: Check

    def probabilities(self, examples: pl.DataFrame) -> np.ndarray:
        return self._calibrated(_matrix(examples, self.categories))

    def _calibrated(self, matrix: np.ndarray) -> np.ndarray:
        decision = self.pipeline.decision_function(matrix).reshape(-1, 1)
        return self.calibration.predict_proba(decision)[:, 1]

    def score(self, dataset: Dataset, enrolments: pl.DataFrame, as_of: date) -> pl.DataFrame:
        """enrolment_id, score (0 to 1), reasons (the features weighing most towards dropout
        for this enrolment, in French, " ; ") of the enrolments (enrolment_id, learner_id,
        group_id, entry_date) on ``as_of``."""
        examples = features(
            dataset, enrolments.select(EXAMPLE_COLUMNS[:-1]).with_columns(cutoff=pl.lit(as_of))
        )
        matrix = _matrix(examples, self.categories)
        scores = self._calibrated(matrix)
        filled = np.where(np.isnan(matrix), self.medians, matrix)
        contributions = self.coefficients * (filled - self.means) / self.scales
        concern = np.array([CONCERN[name] for name in FEATURES] + [1] * len(self.categories))
        contributions = np.where(np.sign(self.coefficients) == concern, contributions, 0.0)
        order = _largest(contributions, REASONS_SHOWN)
        weights = np.take_along_axis(contributions, order, axis=1)
        # weights > 0 and a coefficient of the concerning sign: the value is on the worrying
        # side; the texts picked in Polars (a Python loop over the rows took 2 s nationally),
        # column by column (a list of every text per row took 2,7 s nationally)
        # (only the texts of the features some row shows: 0,6 s less nationally)
        shown = weights > 0.05
        texts = _reason_texts(examples, self.categories, used=set(order[shown].tolist()))
        names = _input_names(self.categories)
        picked = pl.DataFrame(
            [pl.Series(f"_o{k}", order[:, k]) for k in range(order.shape[1])]
            + [pl.Series(f"_w{k}", weights[:, k]) for k in range(order.shape[1])]
        ).hstack(texts.get_columns())  # texts may have no column: no reason anywhere

        def text_at(k: int) -> pl.Expr:
            """The text of the row's k-th feature (in ``order``), when it weighs."""
            at = pl.col(f"_o{k}")
            used = np.unique(order[:, k][shown[:, k]]).tolist()
            if not used:
                return pl.lit(None, pl.String)
            return pl.coalesce([pl.when(at == j).then(pl.col(names[j])) for j in used])

        chosen = [
            pl.when(pl.col(f"_w{k}") > 0.05).then(text_at(k)).replace("", None)
            for k in range(order.shape[1])
        ]
        reasons = picked.select(
            pl.concat_str(chosen, separator=" ; ", ignore_nulls=True).fill_null("")
        ).to_series()
        return pl.DataFrame(
            {
                "enrolment_id": examples.get_column("enrolment_id"),
                "score": scores,
                "reasons": reasons,
            },
            schema={"enrolment_id": pl.Int64, "score": pl.Float64, "reasons": pl.String},
        )


def _largest(contributions: np.ndarray, count: int) -> np.ndarray:
    """The positions of the ``count`` largest contributions of each row, largest first: those
    of ``np.argsort(-contributions, axis=1)[:, :count]`` wherever a contribution above 0.05
    (a reason shown) is concerned. Partitioned, then the ``count`` sorted (sorting every row
    took 0.5 s nationally); the full sort when two values above 0.05 tie around them (which of
    them comes first is the full sort's choice)."""
    width = contributions.shape[1]
    if count >= width or np.isnan(contributions).any():
        return np.argsort(-contributions, axis=1)[:, :count]
    top = np.argpartition(-contributions, count, axis=1)[:, : count + 1]
    values = np.take_along_axis(contributions, top, axis=1)
    ranked = np.argsort(-values, axis=1)
    top = np.take_along_axis(top, ranked, axis=1)
    values = np.take_along_axis(values, ranked, axis=1)  # the count + 1 largest, sorted
    ties = (values[:, 1:] == values[:, :-1]) & (values[:, 1:] > 0.05)
    if ties.any():
        return np.argsort(-contributions, axis=1)[:, :count]
    return top[:, :count]


def _daily_cumulative(
    events: pl.DataFrame, by: list[str], day: str, sums: dict[str, pl.Expr]
) -> pl.DataFrame:
    """Per ``by`` and day, the running totals of ``sums`` up to that day (``last``: the
    latest date so far), sorted by day for the asof joins."""
    return (
        events.group_by([*by, day])
        .agg(
            [
                expr.alias(name) if name == "last" else expr.cast(pl.Float64).alias(name)
                for name, expr in sums.items()
            ]
        )
        .sort([*by, day])
        .with_columns(
            [
                (pl.col(name).cum_max() if name == "last" else pl.col(name).cum_sum())
                .over(by)
                .alias(name)
                for name in sums
            ]
        )
        .sort(day)
    )


def _asof(
    examples: pl.DataFrame, totals: pl.DataFrame, by: list[str], day: str, at: str, suffix: str
) -> pl.DataFrame:
    """The running totals on or before each example's ``at`` date, columns suffixed."""
    names = [c for c in totals.columns if c not in (*by, day)]
    right = totals.rename({c: f"{c}{suffix}" for c in names}).rename({day: "_day"})
    return (
        examples.sort(at)
        .join_asof(
            right, left_on=at, right_on="_day", by=by, strategy="backward", check_sortedness=False
        )  # fmt: skip
        .drop("_day")
        .with_columns([pl.col(f"{c}{suffix}").fill_null(0) for c in names if c != "last"])
    )


class _Totals(NamedTuple):
    """Events to total: per ``by``, the ``sums`` of those dated (``day``) on or before a day."""

    events: pl.DataFrame
    by: list[str]
    day: str
    sums: dict[str, pl.Expr]


def _on(frame: pl.DataFrame, totals: _Totals | pl.DataFrame, at: str, suffix: str) -> pl.DataFrame:
    """``frame`` with the totals of the events on or before its ``at`` date, columns suffixed
    (as ``_asof`` on ``_daily_cumulative``, without a running total for every day): grouped
    once when ``at`` is one day for every row, else joined to the distinct (by, at) pairs.
    ``totals`` may also be the latest state per learner and day (``recent``: r3)."""
    if isinstance(totals, _Totals):
        by, day = totals.by, totals.day
        aggregations = [
            expr.alias(name) if name == "last" else expr.cast(pl.Float64).alias(name)
            for name, expr in totals.sums.items()
        ]
        names = list(totals.sums)
    else:
        by, day = ["learner_id"], "known_on"
        names = [c for c in totals.columns if c not in (*by, day)]
        aggregations = [pl.col(name).sort_by(day).last() for name in names]
    events = totals.events if isinstance(totals, _Totals) else totals
    days = frame.get_column(at)
    if days.n_unique() == 1 and days.null_count() == 0:
        summed = (
            events.filter(pl.col(day) <= days[0])
            .group_by(by)
            .agg(aggregations)
            .with_columns(pl.lit(days[0], pl.Date).alias(at))
        )
    else:
        pairs = frame.select(*by, at).unique()
        summed = (
            events.join(pairs, on=by)
            .filter(pl.col(day) <= pl.col(at))
            .group_by([*by, at])
            .agg(aggregations)
        )
    return frame.join(
        summed.rename({name: f"{name}{suffix}" for name in names}),
        on=[*by, at],
        how="left",
    ).with_columns([pl.col(f"{c}{suffix}").fill_null(0) for c in names if c != "last"])


def features(
    dataset: Dataset, examples: pl.DataFrame, *, single_day: bool | None = None
) -> pl.DataFrame:
    """Each example (enrolment_id, learner_id, group_id, entry_date, cutoff) described by the
    facts known on its cut-off, counted since its entry: copies handed in and the days since
    the last, grades known (mean, gap to the group, under 10/20, last 3 against the mean),
    share of the group's assignments due since entry not handed in, late copies, interviews and
    the days since the last, absences from support sessions, earlier enrolments interrupted
    (ended otherwise than by completion) and those ended in ``abandon``. Nothing dated after the cut-off is read.

    Two ways to the same frame: when every example has the same cut-off (the enrolments scored
    on one day; ``single_day`` None: chosen so), each total is the events on or before that day
    (or before the entry) grouped by learner or group; otherwise (the training examples, at
    many cut-offs) running totals per day read back by an asof join. tests/test_risk_model.py
    checks that both give the same frame."""
    if single_day is None:
        single_day = examples.get_column("cutoff").n_unique() == 1
    base = examples.select(EXAMPLE_COLUMNS).with_columns(
        (pl.col("entry_date") - timedelta(days=1)).alias("before_entry"),
        (pl.col("cutoff") - timedelta(days=1)).alias("day_before"),
    )
    learners = examples.get_column("learner_id").unique().implode()
    groups = examples.get_column("group_id").unique().implode()
    first = examples.get_column("entry_date").min() - timedelta(days=1)
    last = examples.get_column("cutoff").max()

    def mine(day: str) -> pl.Expr:
        """Only the examples' learners' events between the earliest entry and the latest cut-off
        (counts since entry, and the latest date once past the entry, do not need the others)."""
        return pl.col("learner_id").is_in(learners) & pl.col(day).is_between(first, last)

    copies = dataset.copies.filter(
        (pl.col("learner_id").is_in(learners) | pl.col("group_id").is_in(groups))
        & pl.col("submitted_on").is_between(first, last)
    )
    handed = _Totals(
        copies.filter(mine("submitted_on")).select("learner_id", "submitted_on"),
        ["learner_id"],
        "submitted_on",
        {"n": pl.len(), "last": pl.col("submitted_on").max()},
    )
    graded = copies.filter(pl.col("grade").is_not_null()).select(
        "learner_id",
        "group_id",
        "grade",
        pl.max_horizontal("submitted_on", pl.coalesce("corrected_on", "submitted_on")).alias(
            "known_on"
        ),
    )
    grades = _Totals(
        graded.filter(pl.col("learner_id").is_in(learners)),
        ["learner_id"],
        "known_on",
        {
            "g": pl.len(),
            "gsum": pl.col("grade").sum(),
            "gfail": (pl.col("grade") < PASS_GRADE).cast(pl.Int64).sum(),
        },
    )
    recent = (
        graded.filter(pl.col("learner_id").is_in(learners))
        .sort("learner_id", "known_on", maintain_order=True)
        .with_columns(pl.col("grade").rolling_mean(3, min_samples=3).over("learner_id").alias("r3"))
        .group_by("learner_id", "known_on")
        .agg(pl.col("r3").last())
        .sort("known_on")
    )
    group_grades = _Totals(
        graded.drop_nulls("group_id"),
        ["group_id"],
        "known_on",
        {"gg": pl.len(), "ggsum": pl.col("grade").sum()},
    )
    due = _Totals(assignments_of(dataset), ["group_id"], "due_on", {"due": pl.len()})
    matched = (
        copies_of_assignments(dataset)
        .filter(pl.col("learner_id").is_in(learners))
        .group_by("learner_id", "group_id", "assignment_id")
        .agg(pl.col("submitted_on").min(), pl.col("due_on").first())
    )
    done = _Totals(
        matched.with_columns(
            pl.max_horizontal("submitted_on", pl.col("due_on") + timedelta(days=1)).alias("at")
        ),
        ["learner_id", "group_id"],
        "at",
        {"done": pl.len()},
    )
    lead = _Totals(
        matched.with_columns(
            (pl.col("due_on") - pl.col("submitted_on")).dt.total_days().alias("lead")
        ),
        ["learner_id", "group_id"],
        "submitted_on",
        {"lead_n": pl.len(), "lead_sum": pl.col("lead").clip(-30, 30).sum()},
    )
    late = _Totals(
        matched.filter(LATE),
        ["learner_id", "group_id"],
        "submitted_on",
        {"late": pl.len()},
    )
    interviews = _Totals(
        dataset.interviews.filter(mine("held_on")).select("learner_id", "held_on"),
        ["learner_id"],
        "held_on",
        {"i": pl.len(), "last": pl.col("held_on").max()},
    )
    group_entries = _Totals(
        dataset.enrolments.select("group_id", "entry_date"),
        ["group_id"],
        "entry_date",
        {"entered": pl.len()},
    )
    group_dropouts = _Totals(
        dataset.enrolments.filter(pl.col("exit_reason") == DROPOUT_REASON).select(
            "group_id", "exit_date"
        ),
        ["group_id"],
        "exit_date",
        {"dropped": pl.len()},
    )
    absences = _Totals(
        dataset.attendance.filter(mine("held_on") & ~pl.col("present")).select(
            "learner_id", "held_on"
        ),
        ["learner_id"],
        "held_on",
        {"a": pl.len()},
    )
    frame = base
    for totals, suffixes in (
        (handed, ("cutoff", "before_entry")),
        (grades, ("cutoff", "before_entry")),
        (recent, ("cutoff",)),
        (group_grades, ("cutoff",)),
        (due, ("day_before", "before_entry")),
        (done, ("cutoff",)),
        (late, ("cutoff",)),
        (lead, ("cutoff",)),
        (interviews, ("cutoff", "before_entry")),
        (absences, ("cutoff", "before_entry")),
        (group_entries, ("cutoff",)),
        (group_dropouts, ("cutoff",)),
    ):
        if isinstance(totals, _Totals):
            by, day = totals.by, totals.day
            running = None if single_day else _daily_cumulative(*totals)
        else:  # recent: the state on each day already (learner_id, known_on, r3)
            by, day, running = ["learner_id"], "known_on", totals
        for at in suffixes:
            suffix = f"_{day}_{at}_{by[-1]}"
            if single_day:
                frame = _on(frame, totals, at, suffix)
            else:
                frame = _asof(frame, running, by, day, at, suffix)

    def col(name: str, day: str, at: str, by: str = "learner_id") -> pl.Expr:
        return pl.col(f"{name}_{day}_{at}_{by}")

    def since_entry(name: str, day: str, by: str = "learner_id") -> pl.Expr:
        return col(name, day, "cutoff", by) - col(name, day, "before_entry", by)

    n_grades = since_entry("g", "known_on")
    grade_sum = since_entry("gsum", "known_on")
    mean_grade = pl.when(n_grades > 0).then(grade_sum / n_grades)
    group_mean = pl.when(col("gg", "known_on", "cutoff", "group_id") > 0).then(
        col("ggsum", "known_on", "cutoff", "group_id") / col("gg", "known_on", "cutoff", "group_id")
    )
    due_since = col("due", "due_on", "day_before", "group_id") - col(
        "due", "due_on", "before_entry", "group_id"
    )
    handed_due = col("done", "at", "cutoff", "group_id")
    missed = pl.max_horizontal(due_since - handed_due, pl.lit(0))
    last_copy = col("last", "submitted_on", "cutoff")
    last_interview = col("last", "held_on", "cutoff")
    days = (pl.col("cutoff") - pl.col("entry_date")).dt.total_days()
    described = frame.with_columns(
        days.alias("days_enrolled"),
        since_entry("n", "submitted_on").alias("copies"),
        (
            pl.col("cutoff")
            - pl.max_horizontal(pl.coalesce(last_copy, pl.col("entry_date")), pl.col("entry_date"))
        )
        .dt.total_days()
        .alias("days_since_copy"),
        (n_grades == 0).cast(pl.Float64).alias("no_grade"),
        n_grades.alias("grades"),
        mean_grade.alias("mean_grade"),
        (group_mean - mean_grade).alias("grade_gap"),
        since_entry("gfail", "known_on").alias("failed"),
        pl.when(n_grades >= 3)
        .then(mean_grade - col("r3", "known_on", "cutoff"))
        .alias("grade_trend"),
        due_since.alias("due"),
        missed.alias("missed"),
        pl.when(due_since > 0).then(missed / due_since).otherwise(0.0).alias("missed_share"),
        col("late", "submitted_on", "cutoff", "group_id").alias("late"),
        since_entry("i", "held_on").alias("interviews"),
        (
            pl.col("cutoff")
            - pl.max_horizontal(
                pl.coalesce(last_interview, pl.col("entry_date")), pl.col("entry_date")
            )
        )
        .dt.total_days()
        .alias("days_since_interview")
        if not dataset.interviews.is_empty()
        else pl.lit(None, pl.Int64).alias("days_since_interview"),  # no interviews in the data
        since_entry("a", "held_on").alias("absences"),
        pl.when(col("entered", "entry_date", "cutoff", "group_id") > 0)
        .then(
            col("dropped", "exit_date", "cutoff", "group_id")
            / col("entered", "entry_date", "cutoff", "group_id")
        )
        .alias("group_dropout_share"),
        pl.when(col("lead_n", "submitted_on", "cutoff", "group_id") > 0)
        .then(
            col("lead_sum", "submitted_on", "cutoff", "group_id")
            / col("lead_n", "submitted_on", "cutoff", "group_id")
        )
        .alias("lead_days"),
    )
    earlier = (
        base.select("enrolment_id", "learner_id", "cutoff")
        .join(
            dataset.enrolments.select(
                pl.col("enrolment_id").alias("other"),
                "learner_id",
                pl.col("entry_date").alias("other_entry"),
                "exit_date",
                "exit_reason",
            ),
            on="learner_id",
        )
        .filter(
            (pl.col("other") != pl.col("enrolment_id"))
            & (pl.col("other_entry") <= pl.col("cutoff"))
        )
        .with_columns(
            (pl.col("exit_date").is_not_null() & (pl.col("exit_date") <= pl.col("cutoff"))).alias(
                "ended"
            )
        )
        .group_by("enrolment_id", "cutoff")
        .agg(
            (pl.col("ended") & (pl.col("exit_reason") != COMPLETION_REASON))
            .sum()
            .alias("previous_exits"),
            (pl.col("ended") & (pl.col("exit_reason") == DROPOUT_REASON))
            .sum()
            .alias("previous_dropouts"),
            (~pl.col("ended")).sum().alias("other_groups"),
        )
    )
    return (
        described.join(earlier, on=["enrolment_id", "cutoff"], how="left")
        .join(
            dataset.enrolments.select("enrolment_id", *CATEGORICAL), on="enrolment_id", how="left"
        )
        .join(group_starts(dataset), on="group_id", how="left")
        .with_columns(
            (pl.col("entry_date") - pl.col("group_start")).dt.total_days().alias("entry_offset")
        )
        .with_columns(
            pl.col("previous_exits").fill_null(0),
            pl.col("previous_dropouts").fill_null(0),
            pl.col("other_groups").fill_null(0),
        )
        .with_columns((pl.col("missed") > 0).cast(pl.Float64).alias("missed_any"))
        .sort("enrolment_id", "cutoff")  # the group means summed in one order, whichever path
        .with_columns(_group_relative())
        .select(
            *EXAMPLE_COLUMNS,
            "grades",
            "due",
            "days_enrolled",
            "entry_offset",
            "group_dropout_share",
            *FEATURES,
            *CATEGORICAL,
        )  # fmt: skip
        .sort("enrolment_id", "cutoff")
    )


def _group_relative() -> list[pl.Expr]:
    """GROUP_RELATIVE, over the examples of the same group and cut-off (ranks from 0 to 1:
    the average rank divided by the number ranked; null without a value)."""
    by = ["group_id", "cutoff"]

    def rank(name: str) -> pl.Expr:
        return pl.col(name).rank("average").over(by) / pl.col(name).count().over(by)

    return [
        (pl.col("copies") - pl.col("copies").mean().over(by)).alias("copies_rel"),
        rank("copies").alias("copies_rank"),
        (pl.col("missed_share") - pl.col("missed_share").mean().over(by)).alias("missed_rel"),
        (pl.col("days_since_copy") - pl.col("days_since_copy").median().over(by)).alias(
            "days_since_copy_rel"
        ),
        rank("days_since_copy").alias("days_since_copy_rank"),
        rank("mean_grade").alias("grade_rank"),
    ]


Categories = tuple[tuple[str, str], ...]


def categories_of(examples: pl.DataFrame) -> Categories:
    """The (column, value) pairs of CATEGORICAL given an indicator column: the values met at
    least MIN_CATEGORY_EXAMPLES times, the MAX_CATEGORY_VALUES most frequent of each column."""
    pairs: list[tuple[str, str]] = []
    for column in CATEGORICAL:
        counts = (
            examples.get_column(column)
            .drop_nulls()
            .value_counts(sort=True)
            .filter(pl.col("count") >= MIN_CATEGORY_EXAMPLES)
            .head(MAX_CATEGORY_VALUES)
        )
        pairs += [(column, value) for value in sorted(counts.get_column(column).to_list())]
    return tuple(pairs)


def _matrix(examples: pl.DataFrame, categories: Categories) -> np.ndarray:
    """The model's input: FEATURES as floats, days and counts on a log scale (nulls NaN), then
    one 0/1 column per category."""
    logged = {"days_enrolled", "copies", "days_since_copy", "failed", "late", "interviews",
              "days_since_interview", "absences", "missed"}  # fmt: skip
    numeric = [
        (
            pl.col(name).cast(pl.Float64).clip(lower_bound=0).log1p()
            if name in logged
            else pl.col(name).cast(pl.Float64)
        ).alias(name)
        for name in FEATURES
    ]
    indicators = [
        (pl.col(column) == value).fill_null(False).cast(pl.Float64).alias(f"{column}={value}")
        for column, value in categories
    ]
    return examples.select(numeric + indicators).fill_nan(None).to_numpy().astype(float)


def _input_names(categories: Categories) -> list[str]:
    """The model's input columns, in order (``_matrix``): FEATURES, then the categories."""
    return [*FEATURES, *(f"{column}={value}" for column, value in categories)]


def _reason_texts(
    examples: pl.DataFrame, categories: Categories, used: set[int] | None = None
) -> pl.DataFrame:
    """For each feature and category, what it says of the enrolment in French (a column
    each, in the order of the model's input; with ``used``, only the inputs of these
    positions)."""

    def number(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.Int64).cast(pl.String)

    def decimal(expr: pl.Expr) -> pl.Expr:
        return expr.round(1).cast(pl.String).str.replace(".", ",", literal=True)

    def plural(expr: pl.Expr, one: str, many: str) -> pl.Expr:
        return pl.when(expr.abs() <= 1).then(pl.lit(one)).otherwise(pl.lit(many))

    texts = {
        "days_enrolled": pl.format("inscrit depuis {} jours seulement", number("days_enrolled")),
        "copies": pl.format(
            "seulement {} {} depuis l'entrée",
            number("copies"),
            plural(pl.col("copies"), "copie rendue", "copies rendues"),
        ),
        "days_since_copy": pl.format("aucune copie depuis {} jours", number("days_since_copy")),
        "no_grade": pl.when(pl.col("no_grade") > 0).then(pl.lit("aucune note encore")),
        "mean_grade": pl.format("moyenne {}/20", decimal(pl.col("mean_grade"))),
        "grade_gap": pl.when(pl.col("grade_gap") > 0).then(
            pl.format("{} points sous la moyenne du groupe", decimal(pl.col("grade_gap")))
        ),
        "failed": pl.format(
            "{} {} sous 10/20", number("failed"), plural(pl.col("failed"), "copie", "copies")
        ),
        "grade_trend": pl.when(pl.col("grade_trend") > 0).then(
            pl.format("3 dernières notes {} points sous sa moyenne", decimal(pl.col("grade_trend")))
        ),
        "missed_any": pl.lit(None, pl.String),  # said by missed_share
        "missed": pl.lit(None, pl.String),
        "missed_share": pl.when(pl.col("missed") > 0).then(
            pl.format(
                "{} {} sur {}",
                number("missed"),
                plural(pl.col("missed"), "devoir non rendu", "devoirs non rendus"),
                number("due"),
            )
        ),
        "late": pl.format(
            "{} {} en retard", number("late"), plural(pl.col("late"), "copie", "copies")
        ),
        "interviews": pl.format(
            "seulement {} {} depuis l'entrée",
            number("interviews"),
            plural(pl.col("interviews"), "entretien", "entretiens"),
        ),  # shown only when few (CONCERN)
        "days_since_interview": pl.format(
            "aucun entretien depuis {} jours", number("days_since_interview")
        ),
        "absences": pl.format(
            "{} {} aux séances",
            number("absences"),
            plural(pl.col("absences"), "absence", "absences"),
        ),
        "previous_exits": pl.when(pl.col("previous_exits") > 0).then(
            pl.format(
                "{} {}",
                number("previous_exits"),
                plural(
                    pl.col("previous_exits"),
                    "parcours précédent interrompu",
                    "parcours précédents interrompus",
                ),
            )
        ),
        "previous_dropouts": pl.when(pl.col("previous_dropouts") > 0).then(
            pl.format(
                "{} {}",
                number("previous_dropouts"),
                plural(pl.col("previous_dropouts"), "abandon précédent", "abandons précédents"),
            )
        ),
    }
    texts["group_dropout_share"] = pl.when(pl.col("group_dropout_share") > 0).then(
        pl.format(
            "{} % d'abandons déjà dans son groupe",
            (pl.col("group_dropout_share") * 100).round(0).cast(pl.Int64),
        )
    )
    texts["entry_offset"] = pl.when(pl.col("entry_offset") > 0).then(
        pl.format("entré {} jours après le début de son groupe", number("entry_offset"))
    )
    texts["lead_days"] = pl.format(
        "copies rendues en moyenne {} jours avant la date limite", decimal(pl.col("lead_days"))
    )
    texts["other_groups"] = pl.when(pl.col("other_groups") > 0).then(
        pl.format(
            "inscrit dans {} {} en même temps",
            number("other_groups"),
            plural(pl.col("other_groups"), "autre groupe", "autres groupes"),
        )
    )
    texts["copies_rel"] = pl.when(pl.col("copies_rel") <= -0.5).then(
        pl.format(
            "{} {} de moins que la moyenne de son groupe",
            decimal(-pl.col("copies_rel")),
            plural(-pl.col("copies_rel"), "copie", "copies"),
        )
    )
    texts["missed_rel"] = pl.when(pl.col("missed_rel") > 0).then(
        pl.format(
            "{} % de devoirs non rendus de plus que la moyenne de son groupe",
            (pl.col("missed_rel") * 100).round(0).cast(pl.Int64),
        )
    )
    texts["days_since_copy_rel"] = pl.when(pl.col("days_since_copy_rel") > 0).then(
        pl.format(
            "sans copie depuis {} jours de plus que la moitié de son groupe",
            number("days_since_copy_rel"),
        )
    )
    for name in ("copies_rank", "days_since_copy_rank", "grade_rank"):
        texts[name] = pl.lit(None, pl.String)  # said by copies_rel, days_since_copy_rel, grade_gap
    for column, value in categories:
        texts[f"{column}={value}"] = pl.when(pl.col(column) == value).then(
            pl.lit(f"{CATEGORICAL[column]} « {value} » : des abandons plus fréquents")
        )
    order = _input_names(categories)
    return examples.select(
        [texts[name].alias(name) for j, name in enumerate(order) if used is None or j in used]
    )


def group_starts(dataset: Dataset) -> pl.DataFrame:
    """group_id, group_start: the day a group starts, the median of its enrolments' entries (a
    class's rentrée; a distance course's usual registration day), late and early entries
    aside."""
    return dataset.enrolments.group_by("group_id").agg(
        pl.col("entry_date")
        .cast(pl.Int32)
        .median()
        .round(0)
        .cast(pl.Int32)
        .cast(pl.Date)
        .alias("group_start")
    )


def landmarks(days_in_group: pl.Series, longest: int | None = None) -> list[int]:
    """Up to LANDMARKS distinct days since the group's start: quantiles of those of the scored
    enrolments, none beyond ``longest`` (the last point the history covers: at the end of a
    school year, last year's groups ended a few days before the day the current ones reach)."""
    if days_in_group.is_empty():
        return []
    quantiles = np.linspace(0.02, 0.98, LANDMARKS)
    values = np.quantile(days_in_group.to_numpy(), quantiles, method="nearest")
    if longest is not None:
        values = np.minimum(values, longest)
    return sorted({int(v) for v in values})


def _days_text(points: list[int]) -> str:
    if not points:
        return "aucun jour"
    if points[0] == points[-1]:
        return f"{points[0]} jours"
    return f"de {points[0]} à {points[-1]} jours"


def _longest_landmark(ended: pl.DataFrame) -> int | None:
    """The day since their start that half of the ended groups were still running, minus
    LANDMARK_MARGIN_DAYS: beyond it, too few ended enrolments were still active to learn from."""
    if ended.is_empty():
        return None
    spans = (
        ended.group_by("group_id")
        .agg(
            pl.col("entry_date").cast(pl.Int32).median().alias("start"),
            pl.col("exit_date").cast(pl.Int32).max().alias("end"),
        )
        .select((pl.col("end") - pl.col("start")).median())
        .item()
    )
    return None if spans is None else max(int(spans) - LANDMARK_MARGIN_DAYS, 1)


def history(dataset: Dataset, as_of: date) -> pl.DataFrame:
    """The enrolments learnt from: those ended by ``as_of`` in groups that are over (no
    enrolment of the group still active on ``as_of``). The early leavers of a group still
    running are left out: with them, and without their classmates still there, the group's
    examples would all be dropouts."""
    ended = pl.col("exit_date").is_not_null() & (pl.col("exit_date") <= as_of)
    running = dataset.enrolments.filter(~ended & (pl.col("entry_date") <= as_of)).get_column(
        "group_id"
    )
    return dataset.enrolments.filter(ended & ~pl.col("group_id").is_in(running.implode()))


def training_examples(dataset: Dataset, as_of: date, points: list[int]) -> pl.DataFrame:
    """The ended enrolments (exit on or before ``as_of``) at each landmark (days since their
    group's start) they were active at: EXAMPLE_COLUMNS + dropout (the label), described by
    ``features``."""
    ended = history(dataset, as_of)
    most = MAX_TRAINING_EXAMPLES // max(1, len(points))
    if ended.height > most:
        ended = ended.sample(most, seed=0)
    examples = (
        ended.select(
            "enrolment_id",
            "learner_id",
            "group_id",
            "entry_date",
            "exit_date",
            (pl.col("exit_reason") == DROPOUT_REASON).alias("dropout"),
        )
        .join(group_starts(dataset), on="group_id")
        .join(pl.DataFrame({"landmark": points}, schema={"landmark": pl.Int64}), how="cross")
        .with_columns(
            (pl.col("group_start") + pl.duration(days=pl.col("landmark"))).alias("cutoff")
        )
        .filter(
            (pl.col("entry_date") <= pl.col("cutoff")) & (pl.col("cutoff") < pl.col("exit_date"))
        )
    )
    described = features(dataset, examples.select(EXAMPLE_COLUMNS))
    return described.join(
        examples.select("enrolment_id", "cutoff", "dropout"), on=["enrolment_id", "cutoff"]
    )


def _pipeline() -> Pipeline:
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(C=REGULARISATION, max_iter=2_000)),
        ]
    )


def _fit(
    examples: pl.DataFrame, categories: Categories
) -> tuple[Pipeline, LogisticRegression, np.ndarray]:
    """The regression learnt on every example, its calibration (Platt: a logistic curve from
    its out-of-fold scores to the outcome) and those out-of-fold scores: FOLDS parts, each
    learner's examples in one part only, each part scored by the regression learnt on the
    others."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_predict

    matrix = _matrix(examples, categories)
    labels = examples.get_column("dropout").to_numpy()
    learners = examples.get_column("learner_id").to_numpy()
    folds = min(FOLDS, len(np.unique(learners)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out_of_fold = cross_val_predict(
            _pipeline(),
            matrix,
            labels,
            groups=learners,
            cv=GroupKFold(n_splits=folds),
            method="decision_function",
        )
        calibration = LogisticRegression(C=1e6).fit(out_of_fold.reshape(-1, 1), labels)
        pipeline = _pipeline().fit(matrix, labels)
    return pipeline, calibration, calibration.predict_proba(out_of_fold.reshape(-1, 1))[:, 1]


def _top_share_precision(labels: np.ndarray, scores: np.ndarray, share: float = 0.1) -> float:
    count = max(1, int(round(len(scores) * share)))
    top = np.argsort(-scores, kind="stable")[:count]
    return float(labels[top].mean())


def train(dataset: Dataset, as_of: date, settings: IndicatorSettings) -> RiskModel | NoModel:
    """The model of the dropout risk of the enrolments active on ``as_of`` (see the module
    docstring), or NoModel and why when the history is too short or has one outcome only."""
    ended = history(dataset, as_of)
    dropouts = int((ended.get_column("exit_reason") == DROPOUT_REASON).sum())
    others = ended.height - dropouts
    minimum_ended, minimum_dropouts = (
        settings.risk_min_ended_enrolments,
        settings.risk_min_dropouts,
    )
    if ended.height < minimum_ended or dropouts < minimum_dropouts or others < minimum_dropouts:
        return NoModel(
            reason=(
                f"Pas de score de risque : l'historique compte {ended.height} inscription(s) "
                f"terminée(s) dans des groupes terminés, dont {dropouts} abandon(s) ; il en faut au moins {minimum_ended}, "
                f"dont {minimum_dropouts} abandons et {minimum_dropouts} autres sorties. La "
                "liste est classée par ses signaux seuls."
            ),
            ended=ended.height,
            dropouts=dropouts,
        )
    active = dataset.enrolments.filter(
        (pl.col("entry_date") <= as_of)
        & (pl.col("exit_date").is_null() | (pl.col("exit_date") > as_of))
    )
    days = (
        active.join(group_starts(dataset), on="group_id")
        .select((pl.lit(as_of) - pl.col("group_start")).dt.total_days())
        .to_series()
    )
    points = landmarks(days, longest=_longest_landmark(ended))
    examples = training_examples(dataset, as_of, points)
    labels = examples.get_column("dropout")
    if examples.is_empty() or labels.n_unique() < 2:
        still = examples.get_column("enrolment_id").n_unique()
        later = int(labels.sum()) if not examples.is_empty() else 0
        return NoModel(
            reason=(
                f"Pas de score de risque : des inscriptions terminées, {still} étaient encore "
                f"actives au même moment de la vie de leur groupe ({_days_text(points)} après son "
                f"début), dont {later} "
                "ont ensuite abandonné : il faut des deux pour apprendre. La liste est classée "
                "par ses signaux seuls."
            ),
            ended=ended.height,
            dropouts=dropouts,
        )
    categories = categories_of(examples)
    labels_seen = examples.get_column("dropout").to_numpy()
    if len(np.unique(examples.get_column("learner_id"))) < 2:
        return NoModel(reason="Pas de score de risque : un seul apprenant dans l'historique.",
                       ended=ended.height, dropouts=dropouts)  # fmt: skip
    pipeline, calibration, checked = _fit(examples, categories)
    from sklearn.metrics import roc_auc_score

    check = Check(
        examples=examples.height,
        auc=float(roc_auc_score(labels_seen, checked)),
        top_share_precision=_top_share_precision(labels_seen, checked),
        base_rate=float(labels_seen.mean()),
        ended=ended.height,
        dropouts=dropouts,
    )
    return RiskModel(
        pipeline=pipeline,
        calibration=calibration,
        coefficients=pipeline.named_steps["model"].coef_[0],
        medians=pipeline.named_steps["impute"].statistics_,
        means=pipeline.named_steps["scale"].mean_,
        scales=np.where(
            pipeline.named_steps["scale"].scale_ > 0, pipeline.named_steps["scale"].scale_, 1.0
        ),
        categories=categories,
        check=check,
    )
