"""Who: the groups of each site, the staff, the learners and their enrolments (with exits
and the drift of those who drop out), school year after school year.

Each school year has its own groups (the same programmes, ``school_year`` set). The staff and
the learners are shared: a learner who ends a year still enrolled goes on, most of the time,
to the next stage of their programme at the same site (2nde to 1re, CAP 1 to CAP 2, BTS 1 to
BTS 2) with a new enrolment; the others leave. Every enrolment of a past year is closed by
its last day of classes (``fin de parcours`` for those still enrolled then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from data_access.errors import PilotageError
from domain import EXIT_REASONS, MODALITIES, PUBLICS
from seed import calendar as cal
from seed import vocabulary as voc
from seed.arrays import choose, labels, rank_in_runs
from seed.scales import ScaleSpec

FIN, ABANDON, REORIENTATION, EXCLUSION, AUTRE = (EXIT_REASONS.index(r) for r in EXIT_REASONS)
NO_DAY = 1_000_000
"""A day index standing for 'never' (no drift, no exit)."""

CONTINUATION_SHARE = 0.85
"""Share of the learners still enrolled at the end of a year who go on to the next stage of
their programme at the same site (when the site teaches it)."""
CONTINUERS_PER_SEAT = 0.9
"""At most this share of a next-stage group's seats goes to continuing learners."""

# Exit probabilities over the year, by public: abandon, exclusion, autre.
EXIT_PROBABILITIES = {
    "jeunes": (0.06, 0.012, 0.015),
    "alternants": (0.10, 0.005, 0.02),
    "salariés": (0.15, 0.0, 0.03),
    "demandeurs d'emploi": (0.22, 0.0, 0.04),
}
DROPOUT_BY_MODALITY = {"présentiel": 1.0, "hybride": 1.15, "distance": 1.35}


# --- the world: sites, groups, staff ------------------------------------------------------------


@dataclass
class Groups:
    """The groups of one school year."""

    year: cal.SchoolYear
    site: np.ndarray
    programme: list[voc.Programme]
    name: list[str]
    size: np.ndarray
    public: np.ndarray
    modality: np.ndarray
    short_weeks: np.ndarray
    """Length of the programme in weeks, 0 for a school-year programme."""
    first_year: np.ndarray
    zone: np.ndarray
    tutor: np.ndarray
    pfmp: np.ndarray
    """First days of two internships (PFMP) of three weeks (lycée groups), else NO_DAY."""


def build_groups(
    spec: ScaleSpec, year: cal.SchoolYear, rng: np.random.Generator, volume: float = 1.0
) -> Groups:
    """The groups of the school year, for ``volume`` times the scale's learners."""
    learners = round(spec.learners * volume)
    weights = np.array([s.weight for s in spec.sites])
    site_learners = learners * weights / weights.sum()
    site, programmes, names = [], [], []
    for s, site_spec in enumerate(spec.sites):
        total_share = sum(p.share for p in site_spec.programmes)
        for p in site_spec.programmes:
            if total_share > 0:
                count = max(1, round(site_learners[s] * p.share / total_share / p.size))
            else:
                count = p.count
            for k in range(count):
                if count == 1:
                    names.append(p.name)
                elif count <= 26:
                    names.append(f"{p.name} {chr(65 + k)}")
                else:
                    names.append(f"{p.name} {k + 1:02d}")
                site.append(s)
                programmes.append(p)
    site = np.array(site, dtype=np.int64)
    n_groups = site.size
    nominal = np.array([p.size for p in programmes], dtype=float)
    if learners >= n_groups:
        size = 1 + rng.multinomial(learners - n_groups, nominal / nominal.sum())
    else:
        size = rng.multinomial(learners, nominal / nominal.sum())
    zone = np.array([cal.ZONES.index(spec.sites[s].zone) for s in site])
    lycee = np.array(
        [p.public == "jeunes" and p.modality == "présentiel" and "bac pro" in p.level or
         p.level.startswith("CAP") and p.public == "jeunes" and p.modality == "présentiel"
         for p in programmes]
    )  # fmt: skip
    pfmp = np.full((n_groups, 2), NO_DAY, dtype=np.int64)
    for block, first_monday in enumerate((date(2025, 11, 17), date(2026, 3, 9))):
        first = year.matching_index(first_monday)
        pfmp[lycee, block] = first + 7 * rng.integers(0, 4, lycee.sum())
    return Groups(
        year=year,
        site=site,
        programme=programmes,
        name=names,
        size=size,
        public=np.array([PUBLICS.index(p.public) for p in programmes]),
        modality=np.array([MODALITIES.index(p.modality) for p in programmes]),
        short_weeks=np.array([p.weeks or 0 for p in programmes]),
        first_year=np.array([p.first_year for p in programmes]),
        zone=zone,
        tutor=np.zeros(n_groups, dtype=np.int64),
        pfmp=pfmp,
    )


@dataclass
class Staff:
    name: list[str]
    role: list[str]
    site: np.ndarray
    hours: np.ndarray
    discipline: np.ndarray
    """Index in voc.DISCIPLINES for teachers, -1 otherwise."""
    teacher_start: np.ndarray
    """[site, discipline] -> first index of its teachers (their count in teacher_count)."""
    teacher_count: np.ndarray
    tutor_start: np.ndarray
    tutor_count: np.ndarray
    counsellor_start: np.ndarray
    counsellor_count: np.ndarray
    site_teachers_start: np.ndarray
    site_teachers_count: np.ndarray


HOURS_AVAILABLE = {
    "enseignant": (3.0, 4.0, 4.5, 5.0, 6.0),
    "formateur": (6.0, 8.0, 10.0),
    "tuteur": (10.0, 15.0, 18.0, 20.0),
    "conseiller": (20.0, 25.0, 35.0),
    "CPE": (10.0, 12.0),
}


def build_staff(spec: ScaleSpec, groups: Groups, rng: np.random.Generator) -> Staff:
    n_sites, n_disc = len(spec.sites), len(voc.DISCIPLINES)
    taking = np.zeros((n_sites, n_disc))
    for g, p in enumerate(groups.programme):
        for d in p.disciplines:
            taking[groups.site[g], voc.DISCIPLINES.index(d)] += groups.size[g]
    role, site, discipline = [], [], []
    teacher_start = np.zeros((n_sites, n_disc), dtype=np.int64)
    teacher_count = np.zeros((n_sites, n_disc), dtype=np.int64)
    blocks = {k: (np.zeros(n_sites, dtype=np.int64), np.zeros(n_sites, dtype=np.int64))
              for k in ("tutor", "counsellor", "site_teachers")}  # fmt: skip
    for s, site_spec in enumerate(spec.sites):
        learners = groups.size[groups.site == s].sum()
        blocks["site_teachers"][0][s] = len(role)
        for d in range(n_disc):
            if taking[s, d] == 0:
                continue
            count = max(1, int(np.ceil(taking[s, d] / spec.learners_per_teacher)))
            teacher_start[s, d], teacher_count[s, d] = len(role), count
            role += [site_spec.teacher_role] * count
            site += [s] * count
            discipline += [d] * count
        blocks["site_teachers"][1][s] = len(role) - blocks["site_teachers"][0][s]
        for key, label, per in (
            ("tutor", "tuteur", spec.learners_per_tutor),
            ("counsellor", "conseiller", spec.learners_per_counsellor),
        ):
            count = max(1, int(np.ceil(learners / per)))
            blocks[key][0][s], blocks[key][1][s] = len(role), count
            role += [label] * count
            site += [s] * count
            discipline += [-1] * count
        role += ["CPE"] * site_spec.cpe
        site += [s] * site_spec.cpe
        discipline += [-1] * site_spec.cpe
    n_staff = len(role)
    n_first, n_last = len(voc.FIRST_NAMES), len(voc.LAST_NAMES)
    if n_staff > n_first * n_last:
        raise PilotageError("Trop d'intervenants pour les noms disponibles.")
    pick = rng.choice(n_first * n_last, n_staff, replace=False)
    names = [f"{voc.FIRST_NAMES[i // n_last]} {voc.LAST_NAMES[i % n_last]}" for i in pick]
    hours = np.array([rng.choice(HOURS_AVAILABLE[r]) for r in role], dtype=float)
    return Staff(
        name=names,
        role=role,
        site=np.array(site, dtype=np.int64),
        hours=hours,
        discipline=np.array(discipline, dtype=np.int64),
        teacher_start=teacher_start,
        teacher_count=teacher_count,
        tutor_start=blocks["tutor"][0],
        tutor_count=blocks["tutor"][1],
        counsellor_start=blocks["counsellor"][0],
        counsellor_count=blocks["counsellor"][1],
        site_teachers_start=blocks["site_teachers"][0],
        site_teachers_count=blocks["site_teachers"][1],
    )


def assign_tutors(staff: Staff, groups: Groups, rng: np.random.Generator) -> None:
    """Each group gets a tutor of its site, in turn."""
    for s in range(staff.tutor_start.size):
        members = np.flatnonzero(groups.site == s)
        start, count = staff.tutor_start[s], staff.tutor_count[s]
        groups.tutor[members] = start + rng.permutation(members.size) % count


# --- learners and enrolments -------------------------------------------------------------------


@dataclass
class Enrolments:
    """The enrolments of one school year, one row each, ordered by learner then entry."""

    year: cal.SchoolYear
    learner: np.ndarray
    """Index in the Learners (shared by every year)."""
    group: np.ndarray
    entry: np.ndarray
    exit: np.ndarray
    """Exit day, NO_DAY while enrolled."""
    reason: np.ndarray
    """Index in EXIT_REASONS, -1 while enrolled."""
    drift_start: np.ndarray
    drift_end: np.ndarray

    @property
    def end(self) -> np.ndarray:
        """First day after the enrolment's activity (exclusive bound)."""
        return np.minimum(self.exit + 1, self.year.activity_end_day + 1)

    def keep_probability(self, e: np.ndarray, day: np.ndarray) -> np.ndarray:
        """1 before the drift of a learner who is dropping out, falling to about 0 after."""
        start, stop = self.drift_start[e], self.drift_end[e]
        progress = (day - start) / np.maximum(0.7 * (stop - start), 1.0)
        return np.clip(1.0 - progress, 0.03, 1.0)

    def grade_penalty(self, e: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Points lost by the copies of a drifting learner: 2.5 at once, up to 8.5."""
        drifting = day >= self.drift_start[e]
        return np.where(drifting, 2.5 + 6.0 * self.drift_progress(e, day), 0.0)

    def drift_progress(self, e: np.ndarray, day: np.ndarray) -> np.ndarray:
        start, stop = self.drift_start[e], self.drift_end[e]
        return np.clip((day - start) / np.maximum(stop - start, 1), 0.0, 1.0)


@dataclass
class Learners:
    """Every learner of every year (index 0 .. count - 1), with the traits drawn once."""

    external_id: list[str]
    first_name: pl.Series
    last_name: pl.Series
    ability: np.ndarray
    engagement: np.ndarray
    attendance: np.ndarray
    referent: np.ndarray
    """Staff index: the tutor of the learner's latest group."""

    @property
    def count(self) -> int:
        return self.ability.size

    def extended(self, other: Learners) -> Learners:
        """These learners followed by ``other`` (the newcomers of a later year)."""
        return Learners(
            external_id=self.external_id + other.external_id,
            first_name=pl.concat([self.first_name, other.first_name]),
            last_name=pl.concat([self.last_name, other.last_name]),
            ability=np.concatenate([self.ability, other.ability]),
            engagement=np.concatenate([self.engagement, other.engagement]),
            attendance=np.concatenate([self.attendance, other.attendance]),
            referent=np.concatenate([self.referent, other.referent]),
        )


def _new_learners(
    spec: ScaleSpec, year: cal.SchoolYear, n: int, rng: np.random.Generator
) -> Learners:
    """``n`` learners first enrolled in ``year``: their identifier carries the year."""
    numbers = rng.choice(900_000, n, replace=False) + 100_000
    prefix = f"{spec.external_prefix}{year.first_year % 100:02d}"
    return Learners(
        external_id=[f"{prefix}{x:06d}" for x in numbers.tolist()],
        first_name=labels(voc.FIRST_NAMES, rng.integers(0, len(voc.FIRST_NAMES), n)),
        last_name=labels(voc.LAST_NAMES, rng.integers(0, len(voc.LAST_NAMES), n)),
        ability=np.clip(rng.normal(11.0, 2.6, n), 2.0, 19.0),
        engagement=rng.lognormal(0.0, 0.35, n),
        attendance=rng.beta(12.0, 1.3, n),
        referent=np.zeros(n, dtype=np.int64),
    )


def _entries(groups: Groups, group: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = group.size
    distance = groups.modality[group] == MODALITIES.index("distance")
    short = groups.short_weeks[group] > 0
    entry = np.where(rng.random(n) < 0.9, 1, rng.integers(1, 45, n))
    late = rng.random(n) < 0.4
    entry = np.where(distance & late, rng.integers(1, 90, n), entry)
    latest = np.full(n, 200)
    if not groups.year.current:  # a past year's short programmes all end by its summer
        latest = np.minimum(latest, groups.year.activity_end_day - 7 * groups.short_weeks[group])
    entry = np.where(short, rng.integers(1, np.maximum(latest, 2)), entry)
    return shift_to_open(groups, group, entry)


def shift_to_open(groups: Groups, group: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Each day moved to the next open day of its group's zone."""
    out = np.asarray(days, dtype=np.int64).copy()
    zone = groups.zone[group]
    for z, name in enumerate(cal.ZONES):
        mask = zone == z
        out[mask] = groups.year.calendars[name].shift_to_open(out[mask])
    return out


def _draw_exits(
    groups: Groups,
    group: np.ndarray,
    entry: np.ndarray,
    group_effect: np.ndarray,
    rng: np.random.Generator,
    allow_reorientation: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Exit day (NO_DAY if none) and reason index (-1) of each enrolment."""
    n = group.size
    probabilities = np.array([EXIT_PROBABILITIES[p] for p in PUBLICS])[groups.public[group]]
    modality = np.array([DROPOUT_BY_MODALITY[m] for m in MODALITIES])[groups.modality[group]]
    abandon = probabilities[:, 0] * modality * group_effect[group]
    first_year = groups.first_year[group] & (groups.public[group] <= 1)
    reorientation = np.where(first_year, 0.045, 0.008) if allow_reorientation else np.zeros(n)
    table = np.column_stack([abandon, probabilities[:, 1], probabilities[:, 2], reorientation])
    table = np.column_stack([table, np.clip(1.0 - table.sum(axis=1), 0.0, None)])
    table /= table.sum(axis=1, keepdims=True)
    drawn = choose(rng, table)  # 0 abandon, 1 exclusion, 2 autre, 3 réorientation, 4 none
    weeks = groups.short_weeks[group]
    planned_end = np.where(weeks > 0, entry + weeks * 7 - 3, NO_DAY)
    last_day = groups.year.activity_end_day
    horizon = np.minimum(planned_end, last_day - 10)
    span = horizon - entry
    u = rng.random(n)
    offsets = [
        21 + rng.beta(1.5, 2.0, n) * (span - 21),
        30 + rng.beta(2.0, 2.0, n) * (span - 30),
        7 + u * (span - 7),
        20 + u * np.minimum(130, span - 20),
    ]
    minimum_span = np.array([28, 40, 14, 30])
    exit_day = np.full(n, NO_DAY, dtype=np.int64)
    reason = np.full(n, -1, dtype=np.int64)
    for k, code in enumerate((ABANDON, EXCLUSION, AUTRE, REORIENTATION)):
        mask = (drawn == k) & (span >= minimum_span[k])
        exit_day[mask] = entry[mask] + offsets[k][mask].astype(np.int64)
        reason[mask] = code
    has_exit = reason >= 0
    exit_day[has_exit] = np.minimum(
        shift_to_open(groups, group[has_exit], exit_day[has_exit]), horizon[has_exit]
    )
    completed = (reason < 0) & (planned_end <= last_day)
    exit_day[completed] = planned_end[completed]
    reason[completed] = FIN
    return exit_day, reason


@dataclass
class PastYear:
    """What a school year hands over to the next: its groups and enrolments."""

    groups: Groups
    enrolments: Enrolments


def _continuers(
    past: PastYear, groups: Groups, seat_group: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(learner, seat) of the learners of ``past`` who go on to the next stage of their
    programme at the same site, in a seat of one of its groups this year."""
    before, enrolments = past.groups, past.enrolments
    stages: dict[tuple[int, str], int] = {}
    group_stage = np.array(
        [stages.setdefault((s, p.name), len(stages))
         for s, p in zip(groups.site.tolist(), groups.programme, strict=True)]
    )  # fmt: skip
    next_stage = np.array(
        [stages.get((s, voc.next_stage(p.name) or ""), -1)
         for s, p in zip(before.site.tolist(), before.programme, strict=True)]
    )  # fmt: skip
    # the learners still enrolled on the last day of the past year
    last_day = before.year.activity_end_day
    stayed = np.flatnonzero(
        (enrolments.reason == FIN)
        & (enrolments.exit == last_day)
        & (before.short_weeks[enrolments.group] == 0)
    )
    stage = next_stage[enrolments.group[stayed]]
    going = (stage >= 0) & (rng.random(stayed.size) < CONTINUATION_SHARE)
    learner, stage = enrolments.learner[stayed[going]], stage[going]
    shuffle = rng.permutation(learner.size)
    learner, stage = learner[shuffle], stage[shuffle]
    order = np.argsort(stage, kind="stable")
    learner, stage = learner[order], stage[order]
    # the seats of each stage, in the (random) seat order; continuers take the first ones
    seat_stage = group_stage[seat_group]
    seats = np.argsort(seat_stage, kind="stable")
    first_seat = np.searchsorted(seat_stage[seats], np.arange(len(stages)))
    capacity = np.floor(
        CONTINUERS_PER_SEAT * np.bincount(seat_stage, minlength=len(stages))
    ).astype(np.int64)
    rank = rank_in_runs(stage)
    kept = rank < capacity[stage]
    return learner[kept], seats[first_seat[stage[kept]] + rank[kept]]


def build_learners_and_enrolments(
    spec: ScaleSpec,
    groups: Groups,
    rng: np.random.Generator,
    learners: Learners | None = None,
    past: PastYear | None = None,
) -> tuple[Learners, Enrolments]:
    """The enrolments of ``groups``' school year, one per seat and a second one for some
    reoriented learners; ``learners`` (those of earlier years) extended with the newcomers.

    With ``past``, most learners still enrolled at its end take a seat of the next stage.
    A past year's enrolments are all closed on its last day of classes at the latest.
    """
    year = groups.year
    n = int(groups.size.sum())
    group = np.repeat(np.arange(groups.size.size), groups.size)
    order = rng.permutation(n)  # learner ids are not grouped by class
    group = group[order]
    seat_learner = np.full(n, -1, dtype=np.int64)
    known = 0 if learners is None else learners.count
    if past is not None:
        continuing, seat = _continuers(past, groups, group, rng)
        seat_learner[seat] = continuing
    new = np.flatnonzero(seat_learner < 0)
    seat_learner[new] = known + np.arange(new.size)
    newcomers = _new_learners(spec, year, new.size, rng)
    learners = newcomers if learners is None else learners.extended(newcomers)
    group_effect = rng.lognormal(0.0, 0.35, groups.size.size)

    entry = _entries(groups, group, rng)
    exit_day, reason = _draw_exits(groups, group, entry, group_effect, rng, True)

    # about three in four learners who are reoriented start again in another group of the site
    moving = np.flatnonzero((reason == REORIENTATION) & (rng.random(n) < 0.75))
    site = groups.site[group[moving]]
    site_groups = [np.flatnonzero(groups.site == s) for s in range(len(spec.sites))]
    counts = np.array([g.size for g in site_groups])[site]
    moving, site, counts = moving[counts > 1], site[counts > 1], counts[counts > 1]
    pick = (rng.random(moving.size) * (counts - 1)).astype(np.int64)
    starts = np.cumsum([0] + [g.size for g in site_groups])[site]
    flat = np.concatenate(site_groups)
    new_group = flat[starts + pick]
    same = new_group == group[moving]
    new_group[same] = flat[starts[same] + counts[same] - 1]
    new_entry = shift_to_open(
        groups, new_group, exit_day[moving] + rng.integers(1, 15, moving.size)
    )
    ok = new_entry < year.activity_end_day - 20
    moving, new_group, new_entry = moving[ok], new_group[ok], new_entry[ok]
    new_exit, new_reason = _draw_exits(groups, new_group, new_entry, group_effect, rng, False)

    learner = np.concatenate([seat_learner, seat_learner[moving]])
    all_group = np.concatenate([group, new_group])
    all_entry = np.concatenate([entry, new_entry])
    all_exit = np.concatenate([exit_day, new_exit])
    all_reason = np.concatenate([reason, new_reason])
    order = np.lexsort((all_entry, learner))
    learner, all_group, all_entry, all_exit, all_reason = (
        a[order] for a in (learner, all_group, all_entry, all_exit, all_reason)
    )
    m = learner.size
    drift_start = np.full(m, NO_DAY, dtype=np.int64)
    drift_end = np.full(m, NO_DAY + 1, dtype=np.int64)
    dropout = all_reason == ABANDON
    drift_start[dropout] = np.maximum(
        all_entry[dropout] + 5, all_exit[dropout] - rng.integers(28, 71, dropout.sum())
    )
    drift_end[dropout] = all_exit[dropout]
    if year.current:  # some learners still enrolled drift at the end of the year: the at-risk list
        silent = (all_reason < 0) & (groups.short_weeks[all_group] == 0) & (rng.random(m) < 0.035)
        drift_start[silent] = rng.integers(
            year.matching_index(date(2026, 3, 1)),
            year.matching_index(date(2026, 5, 15)),
            silent.sum(),
        )
        drift_end[silent] = drift_start[silent] + rng.integers(42, 85, silent.sum())
    else:  # a past year is over: whoever was still enrolled completed it
        still = all_reason < 0
        all_exit[still] = year.activity_end_day
        all_reason[still] = FIN

    # each learner's referent: the tutor of their latest group (this year's, for those here)
    last_row = np.flatnonzero(np.append(learner[1:] != learner[:-1], True))
    learners.referent[learner[last_row]] = groups.tutor[all_group[last_row]]
    enrolments = Enrolments(
        year=year,
        learner=learner,
        group=all_group,
        entry=all_entry,
        exit=all_exit,
        reason=all_reason,
        drift_start=drift_start,
        drift_end=drift_end,
    )
    return learners, enrolments
