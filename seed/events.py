"""What learners do over a school year: copies, tutoring requests (inhomogeneous Poisson
events over the school calendar), interviews along the phases, and the first diagnostics.

Every function works on one school year (``groups.year``, ``enrolments.year``); day indices
count from its 1 September."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from data_access.frames import in_force_on
from domain import INTERVIEW_CHANNELS, INTERVIEW_TYPES, MODALITIES, TUTORING_CHANNELS
from seed import calendar as cal
from seed import vocabulary as voc
from seed.arrays import choose, dates, labels, nullable, rank_in_runs
from seed.population import (
    FIN,
    NO_DAY,
    REORIENTATION,
    Enrolments,
    Groups,
    Learners,
    Staff,
    shift_to_open,
)
from seed.scales import ScaleSpec

WEEKEND_WEIGHT = {"présentiel": (0.12, 0.08), "hybride": (0.3, 0.2), "distance": (0.55, 0.45)}
HOLIDAY_WEIGHT = {"présentiel": 0.03, "hybride": 0.08, "distance": 0.15}
SURGE_DISCIPLINES = 3

# --- copies and tutoring requests: inhomogeneous Poisson events over the calendar ---------------


@dataclass
class Activity:
    """The (enrolment, discipline) pairs and the daily intensity profile of each."""

    enrolment: np.ndarray
    discipline: np.ndarray
    site: np.ndarray
    profile_key: np.ndarray
    surge: np.ndarray
    """[site, discipline] -> peak factor of the spring surge (1 for a quiet discipline)."""


def surge_factors(spec: ScaleSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """[site, discipline] -> peak factor of the spring surge, for the previous year and the
    current one: the same disciplines surge both years (x5 to x8 at the peak, seed 002), a
    little less the year before."""
    n_disc = len(voc.DISCIPLINES)
    surging = rng.choice(len(voc.SURGE_CANDIDATES), SURGE_DISCIPLINES, replace=False)
    current = np.ones((len(spec.sites), n_disc))
    for c in surging:
        column = voc.DISCIPLINES.index(voc.SURGE_CANDIDATES[c])
        current[:, column] = rng.uniform(5.0, 8.0, len(spec.sites))
    previous = np.where(
        current > 1.0, 5.0 + (current - 5.0) * rng.uniform(0.5, 1.0, current.shape), 1.0
    )
    return previous, current


def build_activity(groups: Groups, enrolments: Enrolments, surge: np.ndarray) -> Activity:
    n_disc = len(voc.DISCIPLINES)
    width = max(len(p.disciplines) for p in groups.programme)
    table = np.full((groups.size.size, width), -1, dtype=np.int64)
    for g, p in enumerate(groups.programme):
        table[g, : len(p.disciplines)] = [voc.DISCIPLINES.index(d) for d in p.disciplines]
    disciplines = table[enrolments.group]
    e, k = np.nonzero(disciplines >= 0)
    d = disciplines[e, k]
    site = groups.site[enrolments.group[e]]
    modality = groups.modality[enrolments.group[e]]
    key = (site * n_disc + d) * len(MODALITIES) + modality
    return Activity(enrolment=e, discipline=d, site=site, profile_key=key, surge=surge)


def _cumulative_profiles(
    spec: ScaleSpec, year: cal.SchoolYear, keys: np.ndarray, surge: np.ndarray, surge_scale: float
) -> np.ndarray:
    """Cumulated daily intensity (shape [len(keys), days + 1]) of each profile key."""
    n_disc, n_mod = len(voc.DISCIPLINES), len(MODALITIES)
    cumulative = np.zeros((keys.size, year.days + 1))
    for row, key in enumerate(keys.tolist()):
        site, rest = divmod(key, n_disc * n_mod)
        d, m = divmod(rest, n_mod)
        modality = MODALITIES[m]
        calendar = year.calendars[spec.sites[site].zone]
        weight = np.ones(year.days)
        saturday, sunday = WEEKEND_WEIGHT[modality]
        weight[year.weekday == 5] = saturday
        weight[year.weekday == 6] = sunday
        weight[calendar.holiday] = HOLIDAY_WEIGHT[modality]
        weight[year.public_holiday] = np.minimum(weight[year.public_holiday], 0.1)
        peak = 1.0 + (surge[site, d] - 1.0) * surge_scale
        weight *= year.season * (1.0 + (peak - 1.0) * year.surge_shape)
        cumulative[row, 1:] = np.cumsum(weight)
    return cumulative


def _sample_events(
    spec: ScaleSpec,
    activity: Activity,
    enrolments: Enrolments,
    learners: Learners,
    per_learner: float,
    surge_scale: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Events (pair index, day) of an inhomogeneous Poisson process per pair, with the
    total expected count set by ``per_learner``, thinned as learners drift away."""
    year = enrolments.year
    keys, profile = np.unique(activity.profile_key, return_inverse=True)
    cumulative = _cumulative_profiles(spec, year, keys, activity.surge, surge_scale)
    e = activity.enrolment
    low = np.minimum(enrolments.entry[e], year.days)
    high = np.maximum(np.minimum(enrolments.end[e], year.days), low)
    mass = cumulative[profile, high] - cumulative[profile, low]
    rate = (
        learners.engagement[enrolments.learner[e]]
        * np.array([voc.DISCIPLINE_WEIGHT[d] for d in voc.DISCIPLINES])[activity.discipline]
    )
    # the mass left after the drift's thinning (mean keep probability over the drift, on 16
    # points), so that the total after thinning is the one asked for
    kept = mass.copy()
    drifting = np.flatnonzero(enrolments.drift_start[e] < high)
    if drifting.size:
        de, dp = e[drifting], profile[drifting]
        start = np.clip(enrolments.drift_start[de], low[drifting], high[drifting])
        before = cumulative[dp, start] - cumulative[dp, low[drifting]]
        points = start[:, None] + (high[drifting] - start)[:, None] * (np.arange(16) + 0.5) / 16
        keep = enrolments.keep_probability(de[:, None], points).mean(axis=1)
        kept[drifting] = before + (mass[drifting] - before) * keep
    total = per_learner * np.unique(enrolments.learner).size
    wanted = (rate * kept).sum()
    expected = rate * mass * (total / wanted) if wanted > 0 else rate * mass
    counts = rng.poisson(expected)
    pair = np.repeat(np.arange(e.size), counts)
    p = profile[pair]
    start, stop = cumulative[p, low[pair]], cumulative[p, high[pair]]
    target = start + rng.random(pair.size) * (stop - start)
    spacing = cumulative.max() + 1.0
    flat = (cumulative + np.arange(keys.size)[:, None] * spacing).ravel()
    position = np.searchsorted(flat, target + p * spacing, side="right") - 1
    day = np.clip(position - p * (year.days + 1), low[pair], high[pair] - 1)
    keep = rng.random(pair.size) < enrolments.keep_probability(e[pair], day)
    return pair[keep], day[keep]


def copies(
    spec: ScaleSpec,
    groups: Groups,
    staff: Staff,
    learners: Learners,
    enrolments: Enrolments,
    activity: Activity,
    rng: np.random.Generator,
    rate: float = 1.0,
) -> pl.DataFrame:
    """The copies of the year, ``rate`` times the scale's copies per learner."""
    year = enrolments.year
    pair, day = _sample_events(
        spec, activity, enrolments, learners, spec.copies_per_learner * rate, 1.0, rng
    )
    n = pair.size
    e = activity.enrolment[pair]
    d = activity.discipline[pair]
    site = activity.site[pair]
    group = enrolments.group[e]
    learner = enrolments.learner[e]
    corrector = (
        staff.teacher_start[site, d] + (group * 7919 + d * 31) % staff.teacher_count[site, d]
    )
    slowness = rng.lognormal(0.0, 0.25, len(staff.name))
    load = 1.0 + 0.4 * (activity.surge[site, d] - 1.0) * year.surge_shape[day]
    delay = np.rint(rng.gamma(1.6, 1.05, n) * slowness[corrector] * load).astype(np.int64)
    delay += (rng.random(n) < 0.04) * rng.integers(5, 22, n)
    corrected = day + delay
    waiting = (corrected > year.as_of_day) | (rng.random(n) < 0.0015)
    effect = np.array([voc.DISCIPLINE_GRADE_EFFECT[x] for x in voc.DISCIPLINES])[d]
    grade = (
        learners.ability[learner]
        + effect
        + rng.normal(0.0, 2.0, n)
        - enrolments.grade_penalty(e, day)
    )
    grade = np.clip(np.rint(grade * 2.0) / 2.0, 0.0, 20.0)
    order = np.lexsort((day, d, learner))
    number = rank_in_runs(learner[order], d[order]) + 1
    assignment = np.empty(n, dtype=np.int64)
    assignment[order] = number
    frame = pl.DataFrame(
        {
            "learner_id": learner + 1,
            "discipline": labels(voc.DISCIPLINES, d),
            "assignment_number": assignment,
            "submitted_on": dates(year, day),
            "corrected_on": dates(year, corrected, waiting),
            "corrector_id": corrector + 1,
            "grade": nullable(grade, waiting, pl.Float64),
        }
    )
    return (
        frame.sort("submitted_on", "learner_id", "discipline", "assignment_number")
        .with_columns(pl.format("Devoir {}", "assignment_number").alias("assignment"))
        .drop("assignment_number")
        .with_row_index("id", offset=1)
    )


ASSIGNMENT_ON_TIME_SHARE = 0.8
"""The due date of a seeded assignment: the day by which this share of its group's copies were
handed in (so about a fifth are late, more in a surge)."""
ASSIGNMENT_SET_SHARE = 0.6
"""A title is an assignment set to the whole group when at least this share of the learners
enrolled on its due date answered it; the others are a few learners' own extra work."""


def assignments(copies: pl.DataFrame, enrolments: pl.DataFrame) -> pl.DataFrame:
    """The assignments (devoirs) the copies answer: one per group (the enrolment in force on
    the day a copy was handed in), discipline and title that most of the group answered
    (ASSIGNMENT_SET_SHARE), due on the day by which ASSIGNMENT_ON_TIME_SHARE of its copies
    were handed in. Learners who fall behind hand in fewer copies and miss the later ones."""
    attributed = in_force_on(
        copies.select("learner_id", "discipline", "assignment", "submitted_on"),
        "submitted_on",
        enrolments,
        ["group_id"],
    )
    key = ["group_id", "discipline", "assignment"]
    set_ = attributed.group_by(key).agg(
        pl.col("submitted_on")
        .cast(pl.Int32)
        .quantile(ASSIGNMENT_ON_TIME_SHARE, "lower")
        .cast(pl.Int32)
        .cast(pl.Date)
        .alias("due_on"),
        pl.col("learner_id").n_unique().alias("answered"),
    )
    enrolled = (
        set_.join(
            enrolments.select("group_id", "learner_id", "entry_date", "exit_date"), on="group_id"
        )
        .filter(
            (pl.col("entry_date") <= pl.col("due_on"))
            & (pl.col("exit_date").is_null() | (pl.col("exit_date") >= pl.col("due_on")))
        )
        .group_by(key)
        .agg(pl.col("learner_id").n_unique().alias("enrolled"))
    )
    return (
        set_.join(enrolled, on=key, how="left")
        .filter(pl.col("answered") >= ASSIGNMENT_SET_SHARE * pl.col("enrolled").fill_null(0))
        .sort("group_id", "discipline", "due_on", "assignment")
        .select("group_id", "discipline", pl.col("assignment").alias("title"), "due_on")
        .with_row_index("id", offset=1)
        .with_columns(pl.col("id").cast(pl.Int64))
    )


def tutoring_requests(
    spec: ScaleSpec,
    groups: Groups,
    staff: Staff,
    learners: Learners,
    enrolments: Enrolments,
    activity: Activity,
    rng: np.random.Generator,
    rate: float = 1.0,
) -> pl.DataFrame:
    """The tutoring requests of the year, ``rate`` times the scale's requests per learner."""
    year = enrolments.year
    pair, day = _sample_events(
        spec, activity, enrolments, learners, spec.requests_per_learner * rate, 0.35, rng
    )
    n = pair.size
    e = activity.enrolment[pair]
    d = activity.discipline[pair]
    site = activity.site[pair]
    group = enrolments.group[e]
    learner = enrolments.learner[e]
    evening = rng.random(n) < 0.3
    second = np.where(
        evening, rng.integers(18 * 3600, 23 * 3600, n), rng.integers(8 * 3600, 18 * 3600, n)
    )
    received = day * 86_400 + second
    weekday = year.weekday[day]
    hours = rng.lognormal(np.log(10.0), 1.2, n)
    hours *= 1.0 + 0.3 * (activity.surge[site, d] - 1.0) * year.surge_shape[day]
    # requests of the weekend (or Friday evening) often wait for Monday 8:00
    to_monday = ((7 - weekday) % 7) * 86_400 + 8 * 3600 - second
    deferral = np.array([0.7, 0.5, 0.6])[groups.modality[group]]  # distance tutors work weekends
    weekend = (weekday >= 5) | ((weekday == 4) & (second >= 18 * 3600))
    deferred = weekend & (rng.random(n) < deferral)
    answer = received + np.where(deferred, to_monday, 0) + (hours * 3600).astype(np.int64)
    never = rng.random(n) < np.where(enrolments.drift_progress(e, day) > 0, 0.15, 0.03)
    pending = never | (answer >= (year.as_of_day + 1) * 86_400)
    referent = rng.random(n) < 0.8
    teacher = staff.teacher_start[site, d] + (group * 7919 + d * 31) % staff.teacher_count[site, d]
    tutor = np.where(referent, learners.referent[learner], teacher)
    modality = groups.modality[group]
    # rows: présentiel, distance, hybride; columns: électronique, téléphone, forum
    channel_odds = np.array([[0.5, 0.35, 0.15], [0.65, 0.2, 0.15], [0.6, 0.2, 0.2]])
    channel = choose(rng, channel_odds[modality])
    frame = pl.DataFrame(
        {
            "learner_id": learner + 1,
            "discipline": labels(voc.DISCIPLINES, d),
            "channel": labels(TUTORING_CHANNELS, channel),
            "received_at": year.to_datetimes(received),
            "answered_at": nullable(
                year.to_datetimes(np.where(pending, received, answer)), pending, pl.Datetime("us")
            ),
            "staff_id": tutor + 1,
        }
    )
    return (
        frame.unique(["learner_id", "discipline", "received_at"], keep="first", maintain_order=True)
        .sort("received_at", "learner_id", "discipline")
        .with_row_index("id", offset=1)
    )


# --- interviews and diagnostics -----------------------------------------------------------------

INTERVIEW_MINUTES = (30, 45, 45, 30, 20, 40)
OBJECTIVES_RANGE = ((1, 2), (1, 3), (2, 4), (2, 4), (1, 3), (2, 4))
# rows: présentiel, distance, hybride; columns: présentiel, téléphone, visio
INTERVIEW_CHANNEL_ODDS = np.array([[0.85, 0.1, 0.05], [0.0, 0.6, 0.4], [0.4, 0.25, 0.35]])


def interviews(
    spec: ScaleSpec,
    groups: Groups,
    staff: Staff,
    learners: Learners,
    enrolments: Enrolments,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, np.ndarray]:
    """The interviews, and the day of each enrolment's diagnostic (NO_DAY when missing)."""
    year = enrolments.year
    m = enrolments.learner.size
    entry, exit_day, reason = enrolments.entry, enrolments.exit, enrolments.reason
    low, high = spec.suivi_gap_days
    k = int(np.ceil(year.days / low)) + 1
    full = rng.random(m) < spec.full_pathway_share
    suivi_forgotten = rng.random(m) < 0.04  # contractualised, then never followed up
    initial = entry + rng.integers(0, 8, m)
    diagnostic = initial + rng.integers(3, 22, m)
    co_design = diagnostic + rng.integers(7, 22, m)
    contract = co_design + rng.integers(5, 19, m)
    suivi = contract[:, None] + np.cumsum(rng.integers(low, high + 1, (m, k)), axis=1)
    stop = np.minimum(exit_day, year.activity_end_day)
    end_of_year = (year.matching_index(date(2026, 6, 8)), year.matching_index(date(2026, 7, 1)))
    # a bilan just before leaving, or in June for whoever is enrolled to the end of the year
    to_the_end = (reason < 0) | ((reason == FIN) & (exit_day == year.activity_end_day))
    leaving = ((reason == FIN) | (reason == REORIENTATION)) & ~to_the_end
    bilan = np.where(leaving, exit_day - rng.integers(0, 6, m), rng.integers(*end_of_year, m))
    has_bilan = (leaving | to_the_end) & (rng.random(m) < 0.9)
    days = np.column_stack([initial, diagnostic, co_design, contract, suivi, bilan])
    kinds = np.array([0, 1, 2, 3] + [4] * k + [5])
    valid = np.column_stack(
        [
            rng.random(m) < 0.97,
            rng.random(m) < 0.95,  # a few learners never get their diagnostic
            full,
            full,
            (full & ~suivi_forgotten)[:, None]
            & (suivi < np.minimum(stop, np.where(has_bilan, bilan, NO_DAY))[:, None] - 5),
            has_bilan,
        ]
    )
    row, column = np.nonzero(valid)
    e = row
    day = shift_to_open(groups, enrolments.group[e], days[row, column])
    kind = kinds[column]
    drifting = day >= enrolments.drift_start[e]
    missed = drifting & (kind >= 2) & (rng.random(e.size) < 0.7)
    keep = (day >= entry[e]) & (day <= stop[e]) & ~missed
    e, day, kind = e[keep], day[keep], kind[keep]
    n = e.size

    diagnostic_day = np.full(m, NO_DAY, dtype=np.int64)
    is_diagnostic = kind == 1
    diagnostic_day[e[is_diagnostic]] = day[is_diagnostic]

    group = enrolments.group[e]
    learner = enrolments.learner[e]
    site = groups.site[group]
    counsellor = staff.counsellor_start[site] + (
        rng.random(n) * staff.counsellor_count[site]
    ).astype(np.int64)
    by_counsellor = ((kind == 0) & (rng.random(n) < 0.6)) | ((kind == 1) & (rng.random(n) < 0.5))
    interviewer = np.where(by_counsellor, counsellor, groups.tutor[group])
    minutes = np.maximum(np.array(INTERVIEW_MINUTES)[kind] + 5 * rng.integers(-2, 3, n), 10)
    channel = choose(rng, INTERVIEW_CHANNEL_ODDS[groups.modality[group]])
    low_high = np.array(OBJECTIVES_RANGE)[kind]
    objectives = rng.integers(low_high[:, 0], low_high[:, 1] + 1)
    no_objectives = rng.random(n) < 0.03
    drift = enrolments.drift_progress(e, day)
    success = np.clip(0.45 + 0.05 * (learners.ability[learner] - 11.0) - 0.5 * drift, 0.05, 0.95)
    met = np.where(kind >= 4, rng.binomial(objectives, success), 0)
    autonomy = 1.0 + np.clip((learners.ability[learner] - 6.0) / 4.0, 0.0, 2.5)
    autonomy += 0.8 * day / year.days - 2.0 * drift + rng.normal(0.0, 0.4, n)
    autonomy = np.clip(np.rint(autonomy), 1, 4).astype(np.int64)
    notes_by_kind = [voc.INTERVIEW_NOTES[t] for t in INTERVIEW_TYPES]
    offsets = np.cumsum([0] + [len(x) for x in notes_by_kind])
    note = offsets[kind] + (rng.random(n) * np.diff(offsets)[kind]).astype(np.int64)
    sentences = [s for x in notes_by_kind for s in x]
    frame = pl.DataFrame(
        {
            "learner_id": learner + 1,
            "staff_id": interviewer + 1,
            "held_on": dates(year, day),
            "interview_type": labels(INTERVIEW_TYPES, kind),
            "duration_minutes": minutes,
            "channel": labels(INTERVIEW_CHANNELS, channel),
            "objectives_set": nullable(objectives, no_objectives, pl.Int64),
            "objectives_met": nullable(met, no_objectives, pl.Int64),
            "autonomy_level": nullable(autonomy, rng.random(n) < 0.05, pl.Int64),
            "notes": labels(sentences, note, no_objectives | (rng.random(n) < 0.4)),
        }
    )
    frame = (
        frame.unique(["learner_id", "held_on", "interview_type"], keep="first", maintain_order=True)
        .sort("held_on", "learner_id", "interview_type")
        .with_row_index("id", offset=1)
    )
    return frame, diagnostic_day


@dataclass
class Diagnosed:
    """The first positioning of each diagnosed enrolment on each need assessed."""

    enrolment: np.ndarray
    need: np.ndarray
    level: np.ndarray
    day: np.ndarray


def first_diagnostics(
    spec: ScaleSpec,
    learners: Learners,
    enrolments: Enrolments,
    diagnostic_day: np.ndarray,
    rng: np.random.Generator,
) -> Diagnosed:
    diagnosed = np.flatnonzero(diagnostic_day < NO_DAY)
    n_needs = len(voc.NEEDS)
    count = min(spec.needs_assessed, n_needs)
    needs = np.argsort(rng.random((diagnosed.size, n_needs)), axis=1)[:, :count]
    e = np.repeat(diagnosed, count)
    need = needs.ravel()
    score = (
        learners.ability[enrolments.learner[e]]
        - 2.0 * np.array(voc.NEED_DIFFICULTY)[need]
        + rng.normal(0.0, 2.5, e.size)
    )
    level = np.where(score < 8.5, 0, np.where(score < 12.0, 1, 2))
    return Diagnosed(enrolment=e, need=need, level=level, day=diagnostic_day[e])
