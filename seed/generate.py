"""Deterministic, realistic demo data: `pilotage seed --scale demo|national [--seed N]`.

``generate(scale, seed)`` is pure: it returns one typed Polars frame per table (the keys and
columns of ``data_access.frames.Frames``), the same rows byte for byte for the same seed.
``seed_database(...)`` writes them in one all-or-nothing transaction.

Everything is drawn with one seeded numpy Generator and built column-wise (no Python loop
per row). The story the data tell, one school year (2025-2026, zone calendars):

- groups of a lycée professionnel / CFA (demo) or of eight distance-learning sites
  (national), by public (jeunes, alternants, salariés, demandeurs d'emploi) and modality;
- copies follow the school calendar (quiet holidays and weekends, slow September) and surge
  x5 to x8 in three general-education disciplines from mid-April to May; correction takes
  about three days with a long tail that worsens with the surge;
- about 81 % of tutoring requests are answered within 48 h; weekends and the surge delay
  answers; a few are never answered;
- dropouts (``abandon``) differ by public, modality and group; before leaving, a learner
  drifts: fewer copies, falling grades, missed interviews, absences. Some learners still
  enrolled drift at the end of the year (the at-risk list). Other exits: réorientation
  (often followed by a second enrolment), exclusion, autre, and ``fin de parcours`` for the
  short programmes with continuous entries;
- interviews follow the phases (initial, diagnostic, co-élaboration, contractualisation,
  suivi every few weeks, bilan); a few lack objectives, a few learners lack a diagnostic;
- support: AP 2.5 h a week per lycée class (none during the internships, PFMP), support
  sessions every other week in the CFA, virtual classes for hybrid groups, "soutien" need
  groups rebuilt each period from the diagnostics, and aide individualisée (1 h a week,
  at most 8 learners) for CAP 1; attendance for every session.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import SQLModel

from data_access import models
from data_access.db import ensure_schema, get_engine, write_transaction
from data_access.errors import PilotageError
from data_access.frames import FRAME_TABLES, conform
from data_access.writes import bulk_insert, reset_sequences
from seed import calendar as cal
from seed import vocabulary as voc

# --- scales -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleSpec:
    """How much of everything; ``replace(SCALES['national'], learners=...)`` shrinks it."""

    name: str
    sites: tuple[voc.SiteSpec, ...]
    learners: int
    copies_per_learner: float
    requests_per_learner: float
    full_pathway_share: float
    """Share of enrolments followed through every interview phase (others: accueil + bilan)."""
    suivi_gap_days: tuple[int, int]
    needs_assessed: int
    """Needs positioned per learner at the diagnostic."""
    support_groups_per_need: int
    """"Soutien" need groups per site, period and need."""
    learners_per_tutor: int
    learners_per_teacher: int
    learners_per_counsellor: int
    external_prefix: str


SCALES: dict[str, ScaleSpec] = {
    "demo": ScaleSpec(
        name="demo",
        sites=voc.DEMO_SITES,
        learners=600,
        copies_per_learner=24.0,
        requests_per_learner=2.5,
        full_pathway_share=1.0,
        suivi_gap_days=(21, 42),
        needs_assessed=len(voc.NEEDS),
        support_groups_per_need=1,
        learners_per_tutor=45,
        learners_per_teacher=70,
        learners_per_counsellor=200,
        external_prefix="LP",
    ),
    "national": ScaleSpec(
        name="national",
        sites=voc.NATIONAL_SITES,
        learners=200_000,
        copies_per_learner=1_401_126 / 200_000,
        requests_per_learner=120_896 / 200_000,
        full_pathway_share=0.2,
        suivi_gap_days=(35, 70),
        needs_assessed=2,
        support_groups_per_need=4,
        learners_per_tutor=130,
        learners_per_teacher=450,
        learners_per_counsellor=1500,
        external_prefix="CN",
    ),
}

PUBLICS = models.PUBLICS
MODALITIES = models.MODALITIES
EXIT_REASONS = models.EXIT_REASONS
FIN, ABANDON, REORIENTATION, EXCLUSION, AUTRE = (EXIT_REASONS.index(r) for r in EXIT_REASONS)
NO_DAY = 1_000_000
"""A day index standing for 'never' (no drift, no exit)."""

# Exit probabilities over the year, by public: abandon, exclusion, autre.
EXIT_PROBABILITIES = {
    "jeunes": (0.06, 0.012, 0.015),
    "alternants": (0.10, 0.005, 0.02),
    "salariés": (0.15, 0.0, 0.03),
    "demandeurs d'emploi": (0.22, 0.0, 0.04),
}
DROPOUT_BY_MODALITY = {"présentiel": 1.0, "hybride": 1.15, "distance": 1.35}
WEEKEND_WEIGHT = {"présentiel": (0.12, 0.08), "hybride": (0.3, 0.2), "distance": (0.55, 0.45)}
HOLIDAY_WEIGHT = {"présentiel": 0.03, "hybride": 0.08, "distance": 0.15}
SURGE_DISCIPLINES = 3


def _spec(scale: str | ScaleSpec) -> ScaleSpec:
    if isinstance(scale, ScaleSpec):
        return scale
    if scale not in SCALES:
        choices = ", ".join(SCALES)
        raise PilotageError(f"Échelle inconnue : « {scale} ». Échelles possibles : {choices}.")
    return SCALES[scale]


# --- small helpers ---------------------------------------------------------------------------


def _labels(values: tuple[str, ...] | list[str], index: np.ndarray, null=None) -> pl.Series:
    """The labels at the given positions; null where ``null`` is true."""
    series = pl.Series(list(values), dtype=pl.String).gather(np.asarray(index, dtype=np.int64))
    if null is not None and np.any(null):
        series = series.scatter(np.flatnonzero(null), None)
    return series


def _nullable(values: np.ndarray, null: np.ndarray, dtype: pl.DataType) -> pl.Series:
    series = pl.Series(values).cast(dtype)
    if np.any(null):
        series = series.scatter(np.flatnonzero(null), None)
    return series


def _dates(days: np.ndarray, null=None) -> pl.Series:
    series = cal.to_dates(np.where(null, 0, days) if null is not None else days)
    if null is not None and np.any(null):
        series = series.scatter(np.flatnonzero(null), None)
    return series


def _rank_in_runs(*keys: np.ndarray) -> np.ndarray:
    """For rows already sorted by ``keys``, the 0-based rank of each row within its run."""
    n = keys[0].size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for key in keys:
        change[1:] |= key[1:] != key[:-1]
    starts = np.flatnonzero(change)
    run_start = np.repeat(starts, np.diff(np.append(starts, n)))
    return np.arange(n) - run_start


def _choose(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category per row, drawn from each row's probabilities (rows sum to 1)."""
    cumulative = np.cumsum(probabilities, axis=1)
    draws = rng.random(probabilities.shape[0])[:, None]
    return np.minimum((draws > cumulative).sum(axis=1), probabilities.shape[1] - 1)


# --- the world: sites, groups, staff ------------------------------------------------------------


@dataclass
class _Groups:
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


def _build_groups(spec: ScaleSpec, rng: np.random.Generator) -> _Groups:
    weights = np.array([s.weight for s in spec.sites])
    site_learners = spec.learners * weights / weights.sum()
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
    if spec.learners >= n_groups:
        size = 1 + rng.multinomial(spec.learners - n_groups, nominal / nominal.sum())
    else:
        size = rng.multinomial(spec.learners, nominal / nominal.sum())
    zone = np.array([cal.ZONES.index(spec.sites[s].zone) for s in site])
    lycee = np.array(
        [p.public == "jeunes" and p.modality == "présentiel" and "bac pro" in p.level or
         p.level.startswith("CAP") and p.public == "jeunes" and p.modality == "présentiel"
         for p in programmes]
    )  # fmt: skip
    pfmp = np.full((n_groups, 2), NO_DAY, dtype=np.int64)
    pfmp[lycee, 0] = cal.day_index(date(2025, 11, 17)) + 7 * rng.integers(0, 4, lycee.sum())
    pfmp[lycee, 1] = cal.day_index(date(2026, 3, 9)) + 7 * rng.integers(0, 4, lycee.sum())
    return _Groups(
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
class _Staff:
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


def _build_staff(spec: ScaleSpec, groups: _Groups, rng: np.random.Generator) -> _Staff:
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
    # each group gets a tutor of its site, in turn
    for s in range(n_sites):
        members = np.flatnonzero(groups.site == s)
        start, count = blocks["tutor"][0][s], blocks["tutor"][1][s]
        groups.tutor[members] = start + rng.permutation(members.size) % count
    return _Staff(
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


# --- learners and enrolments -------------------------------------------------------------------


@dataclass
class _Enrolments:
    """One row per enrolment, ordered by learner then entry."""

    learner: np.ndarray
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
        return np.minimum(self.exit + 1, cal.ACTIVITY_END_DAY + 1)

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
class _Learners:
    external_id: list[str]
    first_name: pl.Series
    last_name: pl.Series
    ability: np.ndarray
    engagement: np.ndarray
    attendance: np.ndarray
    referent: np.ndarray


def _entries(groups: _Groups, group: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = group.size
    distance = groups.modality[group] == MODALITIES.index("distance")
    short = groups.short_weeks[group] > 0
    entry = np.where(rng.random(n) < 0.9, 1, rng.integers(1, 45, n))
    late = rng.random(n) < 0.4
    entry = np.where(distance & late, rng.integers(1, 90, n), entry)
    entry = np.where(short, rng.integers(1, 200, n), entry)
    calendars = [cal.CALENDARS[z] for z in cal.ZONES]
    zone = groups.zone[group]
    shifted = entry.copy()
    for z, calendar in enumerate(calendars):
        mask = zone == z
        shifted[mask] = calendar.shift_to_open(entry[mask])
    return shifted


def _shift(groups: _Groups, group: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Each day moved to the next open day of its group's zone."""
    out = np.asarray(days, dtype=np.int64).copy()
    zone = groups.zone[group]
    for z, name in enumerate(cal.ZONES):
        mask = zone == z
        out[mask] = cal.CALENDARS[name].shift_to_open(out[mask])
    return out


def _draw_exits(
    groups: _Groups,
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
    drawn = _choose(rng, table)  # 0 abandon, 1 exclusion, 2 autre, 3 réorientation, 4 none
    weeks = groups.short_weeks[group]
    planned_end = np.where(weeks > 0, entry + weeks * 7 - 3, NO_DAY)
    horizon = np.minimum(planned_end, cal.ACTIVITY_END_DAY - 10)
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
        _shift(groups, group[has_exit], exit_day[has_exit]), horizon[has_exit]
    )
    completed = (reason < 0) & (planned_end <= cal.ACTIVITY_END_DAY)
    exit_day[completed] = planned_end[completed]
    reason[completed] = FIN
    return exit_day, reason


def _build_learners_and_enrolments(
    spec: ScaleSpec, groups: _Groups, rng: np.random.Generator
) -> tuple[_Learners, _Enrolments]:
    n = int(groups.size.sum())
    group = np.repeat(np.arange(groups.size.size), groups.size)
    order = rng.permutation(n)  # learner ids are not grouped by class
    group = group[order]
    numbers = rng.choice(900_000, n, replace=False) + 100_000
    external = [f"{spec.external_prefix}25{x:06d}" for x in numbers.tolist()]
    first = _labels(voc.FIRST_NAMES, rng.integers(0, len(voc.FIRST_NAMES), n))
    last = _labels(voc.LAST_NAMES, rng.integers(0, len(voc.LAST_NAMES), n))
    ability = np.clip(rng.normal(11.0, 2.6, n), 2.0, 19.0)
    engagement = rng.lognormal(0.0, 0.35, n)
    attendance = rng.beta(12.0, 1.3, n)
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
    new_entry = _shift(groups, new_group, exit_day[moving] + rng.integers(1, 15, moving.size))
    ok = new_entry < cal.ACTIVITY_END_DAY - 20
    moving, new_group, new_entry = moving[ok], new_group[ok], new_entry[ok]
    new_exit, new_reason = _draw_exits(groups, new_group, new_entry, group_effect, rng, False)

    learner = np.concatenate([np.arange(n), moving])
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
    # some learners still enrolled drift at the end of the year: the at-risk list
    silent = (all_reason < 0) & (groups.short_weeks[all_group] == 0) & (rng.random(m) < 0.035)
    drift_start[silent] = rng.integers(
        cal.day_index(date(2026, 3, 1)), cal.day_index(date(2026, 5, 15)), silent.sum()
    )
    drift_end[silent] = drift_start[silent] + rng.integers(42, 85, silent.sum())

    last_row = np.flatnonzero(np.append(learner[1:] != learner[:-1], True))
    latest = np.zeros(n, dtype=np.int64)
    latest[learner[last_row]] = all_group[last_row]  # each learner's latest enrolment
    learners = _Learners(
        external_id=external,
        first_name=first,
        last_name=last,
        ability=ability,
        engagement=engagement,
        attendance=attendance,
        referent=groups.tutor[latest],
    )
    enrolments = _Enrolments(
        learner=learner,
        group=all_group,
        entry=all_entry,
        exit=all_exit,
        reason=all_reason,
        drift_start=drift_start,
        drift_end=drift_end,
    )
    return learners, enrolments


# --- copies and tutoring requests: inhomogeneous Poisson events over the calendar ---------------


@dataclass
class _Activity:
    """The (enrolment, discipline) pairs and the daily intensity profile of each."""

    enrolment: np.ndarray
    discipline: np.ndarray
    site: np.ndarray
    profile_key: np.ndarray
    surge: np.ndarray
    """[site, discipline] -> peak factor of the spring surge (1 for a quiet discipline)."""


def _activity(
    spec: ScaleSpec, groups: _Groups, enrolments: _Enrolments, rng: np.random.Generator
) -> _Activity:
    n_disc = len(voc.DISCIPLINES)
    width = max(len(p.disciplines) for p in groups.programme)
    table = np.full((groups.size.size, width), -1, dtype=np.int64)
    for g, p in enumerate(groups.programme):
        table[g, : len(p.disciplines)] = [voc.DISCIPLINES.index(d) for d in p.disciplines]
    disciplines = table[enrolments.group]
    e, k = np.nonzero(disciplines >= 0)
    d = disciplines[e, k]
    surging = rng.choice(len(voc.SURGE_CANDIDATES), SURGE_DISCIPLINES, replace=False)
    surge = np.ones((len(spec.sites), n_disc))
    for c in surging:
        column = voc.DISCIPLINES.index(voc.SURGE_CANDIDATES[c])
        surge[:, column] = rng.uniform(5.0, 8.0, len(spec.sites))
    site = groups.site[enrolments.group[e]]
    modality = groups.modality[enrolments.group[e]]
    key = (site * n_disc + d) * len(MODALITIES) + modality
    return _Activity(enrolment=e, discipline=d, site=site, profile_key=key, surge=surge)


def _cumulative_profiles(
    spec: ScaleSpec, keys: np.ndarray, surge: np.ndarray, surge_scale: float
) -> np.ndarray:
    """Cumulated daily intensity (shape [len(keys), days + 1]) of each profile key."""
    n_disc, n_mod = len(voc.DISCIPLINES), len(MODALITIES)
    cumulative = np.zeros((keys.size, cal.YEAR_DAYS + 1))
    for row, key in enumerate(keys.tolist()):
        site, rest = divmod(key, n_disc * n_mod)
        d, m = divmod(rest, n_mod)
        modality = MODALITIES[m]
        calendar = cal.CALENDARS[spec.sites[site].zone]
        weight = np.ones(cal.YEAR_DAYS)
        saturday, sunday = WEEKEND_WEIGHT[modality]
        weight[cal.WEEKDAY == 5] = saturday
        weight[cal.WEEKDAY == 6] = sunday
        weight[calendar.holiday] = HOLIDAY_WEIGHT[modality]
        weight[cal.PUBLIC_HOLIDAY] = np.minimum(weight[cal.PUBLIC_HOLIDAY], 0.1)
        peak = 1.0 + (surge[site, d] - 1.0) * surge_scale
        weight *= cal.SEASON * (1.0 + (peak - 1.0) * cal.SURGE_SHAPE)
        cumulative[row, 1:] = np.cumsum(weight)
    return cumulative


def _sample_events(
    spec: ScaleSpec,
    activity: _Activity,
    enrolments: _Enrolments,
    learners: _Learners,
    per_learner: float,
    surge_scale: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Events (pair index, day) of an inhomogeneous Poisson process per pair, with the
    total expected count set by ``per_learner``, thinned as learners drift away."""
    keys, profile = np.unique(activity.profile_key, return_inverse=True)
    cumulative = _cumulative_profiles(spec, keys, activity.surge, surge_scale)
    e = activity.enrolment
    low = np.minimum(enrolments.entry[e], cal.YEAR_DAYS)
    high = np.maximum(np.minimum(enrolments.end[e], cal.YEAR_DAYS), low)
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
    total = per_learner * learners.ability.size
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
    day = np.clip(position - p * (cal.YEAR_DAYS + 1), low[pair], high[pair] - 1)
    keep = rng.random(pair.size) < enrolments.keep_probability(e[pair], day)
    return pair[keep], day[keep]


def _copies(
    spec: ScaleSpec,
    groups: _Groups,
    staff: _Staff,
    learners: _Learners,
    enrolments: _Enrolments,
    activity: _Activity,
    rng: np.random.Generator,
) -> pl.DataFrame:
    pair, day = _sample_events(
        spec, activity, enrolments, learners, spec.copies_per_learner, 1.0, rng
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
    load = 1.0 + 0.4 * (activity.surge[site, d] - 1.0) * cal.SURGE_SHAPE[day]
    delay = np.rint(rng.gamma(1.6, 1.05, n) * slowness[corrector] * load).astype(np.int64)
    delay += (rng.random(n) < 0.04) * rng.integers(5, 22, n)
    corrected = day + delay
    waiting = (corrected > cal.AS_OF_DAY) | (rng.random(n) < 0.0015)
    effect = np.array([voc.DISCIPLINE_GRADE_EFFECT[x] for x in voc.DISCIPLINES])[d]
    grade = (
        learners.ability[learner]
        + effect
        + rng.normal(0.0, 2.0, n)
        - enrolments.grade_penalty(e, day)
    )
    grade = np.clip(np.rint(grade * 2.0) / 2.0, 0.0, 20.0)
    order = np.lexsort((day, d, learner))
    number = _rank_in_runs(learner[order], d[order]) + 1
    assignment = np.empty(n, dtype=np.int64)
    assignment[order] = number
    frame = pl.DataFrame(
        {
            "learner_id": learner + 1,
            "discipline": _labels(voc.DISCIPLINES, d),
            "assignment_number": assignment,
            "submitted_on": _dates(day),
            "corrected_on": _dates(corrected, waiting),
            "corrector_id": corrector + 1,
            "grade": _nullable(grade, waiting, pl.Float64),
        }
    )
    return (
        frame.sort("submitted_on", "learner_id", "discipline", "assignment_number")
        .with_columns(pl.format("Devoir {}", "assignment_number").alias("assignment"))
        .drop("assignment_number")
        .with_row_index("id", offset=1)
    )


def _tutoring_requests(
    spec: ScaleSpec,
    groups: _Groups,
    staff: _Staff,
    learners: _Learners,
    enrolments: _Enrolments,
    activity: _Activity,
    rng: np.random.Generator,
) -> pl.DataFrame:
    pair, day = _sample_events(
        spec, activity, enrolments, learners, spec.requests_per_learner, 0.35, rng
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
    weekday = cal.WEEKDAY[day]
    hours = rng.lognormal(np.log(10.0), 1.2, n)
    hours *= 1.0 + 0.3 * (activity.surge[site, d] - 1.0) * cal.SURGE_SHAPE[day]
    # requests of the weekend (or Friday evening) often wait for Monday 8:00
    to_monday = ((7 - weekday) % 7) * 86_400 + 8 * 3600 - second
    deferral = np.array([0.7, 0.5, 0.6])[groups.modality[group]]  # distance tutors work weekends
    weekend = (weekday >= 5) | ((weekday == 4) & (second >= 18 * 3600))
    deferred = weekend & (rng.random(n) < deferral)
    answer = received + np.where(deferred, to_monday, 0) + (hours * 3600).astype(np.int64)
    never = rng.random(n) < np.where(enrolments.drift_progress(e, day) > 0, 0.15, 0.03)
    pending = never | (answer >= (cal.AS_OF_DAY + 1) * 86_400)
    referent = rng.random(n) < 0.8
    teacher = staff.teacher_start[site, d] + (group * 7919 + d * 31) % staff.teacher_count[site, d]
    tutor = np.where(referent, learners.referent[learner], teacher)
    modality = groups.modality[group]
    # rows: présentiel, distance, hybride; columns: électronique, téléphone, forum
    channel_odds = np.array([[0.5, 0.35, 0.15], [0.65, 0.2, 0.15], [0.6, 0.2, 0.2]])
    channel = _choose(rng, channel_odds[modality])
    frame = pl.DataFrame(
        {
            "learner_id": learner + 1,
            "discipline": _labels(voc.DISCIPLINES, d),
            "channel": _labels(models.TUTORING_CHANNELS, channel),
            "received_at": cal.to_datetimes(received),
            "answered_at": _nullable(
                cal.to_datetimes(np.where(pending, received, answer)), pending, pl.Datetime("us")
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


def _interviews(
    spec: ScaleSpec,
    groups: _Groups,
    staff: _Staff,
    learners: _Learners,
    enrolments: _Enrolments,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, np.ndarray]:
    """The interviews, and the day of each enrolment's diagnostic (NO_DAY when missing)."""
    m = enrolments.learner.size
    entry, exit_day, reason = enrolments.entry, enrolments.exit, enrolments.reason
    low, high = spec.suivi_gap_days
    k = int(np.ceil(cal.YEAR_DAYS / low)) + 1
    full = rng.random(m) < spec.full_pathway_share
    suivi_forgotten = rng.random(m) < 0.04  # contractualised, then never followed up
    initial = entry + rng.integers(0, 8, m)
    diagnostic = initial + rng.integers(3, 22, m)
    co_design = diagnostic + rng.integers(7, 22, m)
    contract = co_design + rng.integers(5, 19, m)
    suivi = contract[:, None] + np.cumsum(rng.integers(low, high + 1, (m, k)), axis=1)
    stop = np.minimum(exit_day, cal.ACTIVITY_END_DAY)
    leaving = (reason == FIN) | (reason == REORIENTATION)
    bilan = np.where(
        leaving,
        exit_day - rng.integers(0, 6, m),
        rng.integers(cal.day_index(date(2026, 6, 8)), cal.day_index(date(2026, 7, 1)), m),
    )
    has_bilan = (leaving | (reason < 0)) & (rng.random(m) < 0.9)
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
    day = _shift(groups, enrolments.group[e], days[row, column])
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
    channel = _choose(rng, INTERVIEW_CHANNEL_ODDS[groups.modality[group]])
    low_high = np.array(OBJECTIVES_RANGE)[kind]
    objectives = rng.integers(low_high[:, 0], low_high[:, 1] + 1)
    no_objectives = rng.random(n) < 0.03
    drift = enrolments.drift_progress(e, day)
    success = np.clip(0.45 + 0.05 * (learners.ability[learner] - 11.0) - 0.5 * drift, 0.05, 0.95)
    met = np.where(kind >= 4, rng.binomial(objectives, success), 0)
    autonomy = 1.0 + np.clip((learners.ability[learner] - 6.0) / 4.0, 0.0, 2.5)
    autonomy += 0.8 * day / cal.YEAR_DAYS - 2.0 * drift + rng.normal(0.0, 0.4, n)
    autonomy = np.clip(np.rint(autonomy), 1, 4).astype(np.int64)
    notes_by_kind = [voc.INTERVIEW_NOTES[t] for t in models.INTERVIEW_TYPES]
    offsets = np.cumsum([0] + [len(x) for x in notes_by_kind])
    note = offsets[kind] + (rng.random(n) * np.diff(offsets)[kind]).astype(np.int64)
    sentences = [s for x in notes_by_kind for s in x]
    frame = pl.DataFrame(
        {
            "learner_id": learner + 1,
            "staff_id": interviewer + 1,
            "held_on": _dates(day),
            "interview_type": _labels(models.INTERVIEW_TYPES, kind),
            "duration_minutes": minutes,
            "channel": _labels(models.INTERVIEW_CHANNELS, channel),
            "objectives_set": _nullable(objectives, no_objectives, pl.Int64),
            "objectives_met": _nullable(met, no_objectives, pl.Int64),
            "autonomy_level": _nullable(autonomy, rng.random(n) < 0.05, pl.Int64),
            "notes": _labels(sentences, note, no_objectives | (rng.random(n) < 0.4)),
        }
    )
    frame = (
        frame.unique(["learner_id", "held_on", "interview_type"], keep="first", maintain_order=True)
        .sort("held_on", "learner_id", "interview_type")
        .with_row_index("id", offset=1)
    )
    return frame, diagnostic_day


@dataclass
class _Diagnosed:
    """The first positioning of each diagnosed enrolment on each need assessed."""

    enrolment: np.ndarray
    need: np.ndarray
    level: np.ndarray
    day: np.ndarray


def _first_diagnostics(
    spec: ScaleSpec,
    learners: _Learners,
    enrolments: _Enrolments,
    diagnostic_day: np.ndarray,
    rng: np.random.Generator,
) -> _Diagnosed:
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
    return _Diagnosed(enrolment=e, need=need, level=level, day=diagnostic_day[e])


# --- need groups, support sessions, attendance ----------------------------------------------------

SUPPORT_GROUP_SIZE = 10
AIDE_GROUP_SIZE = 8
FIRST_SUPPORT_DAY = cal.day_index(date(2025, 9, 29))
AP_LAST_DAY = cal.day_index(date(2026, 6, 19))
PFMP_DAYS = 21
"""Each lycée class leaves for two internships (PFMP) of three weeks: no AP then."""


@dataclass
class _NeedGroups:
    site: np.ndarray
    kind: list[str]
    name: list[str]
    need: np.ndarray
    start: np.ndarray
    end: np.ndarray
    staff: np.ndarray
    hours: np.ndarray
    weekday: np.ndarray
    hour: np.ndarray
    member_group: np.ndarray
    member_enrolment: np.ndarray


def _need_staff(staff: _Staff, site: np.ndarray, need: np.ndarray, turn: np.ndarray) -> np.ndarray:
    out = np.empty(site.size, dtype=np.int64)
    for i, (s, n, t) in enumerate(zip(site.tolist(), need.tolist(), turn.tolist(), strict=True)):
        discipline = voc.NEED_DISCIPLINE[n]
        d = voc.DISCIPLINES.index(discipline) if discipline else -1
        if voc.NEEDS[n] == "Projet professionnel":
            start, count = staff.counsellor_start[s], staff.counsellor_count[s]
        elif d >= 0 and staff.teacher_count[s, d] > 0:
            start, count = staff.teacher_start[s, d], staff.teacher_count[s, d]
        else:
            start, count = staff.site_teachers_start[s], staff.site_teachers_count[s]
        out[i] = start + t % count
    return out


def _need_groups(
    spec: ScaleSpec,
    groups: _Groups,
    staff: _Staff,
    learners: _Learners,
    enrolments: _Enrolments,
    diagnosed: _Diagnosed,
    rng: np.random.Generator,
) -> _NeedGroups:
    end = enrolments.end
    # "soutien" groups, rebuilt each period from the needs not (yet) acquired
    group = enrolments.group[diagnosed.enrolment]
    present = (groups.modality[group] != MODALITIES.index("distance")) & (diagnosed.level <= 1)
    rows = np.flatnonzero(present)
    n_periods = 5
    row = np.repeat(rows, n_periods)
    period = np.tile(np.arange(n_periods), rows.size)
    e = diagnosed.enrolment[row]
    site = groups.site[enrolments.group[e]]
    zone = groups.zone[enrolments.group[e]]
    bounds = np.array(
        [[cal.CALENDARS[z].periods[p] for p in range(n_periods)] for z in cal.ZONES]
    )  # [zone, period, (first, last)]
    start = np.maximum(bounds[zone, period, 0], FIRST_SUPPORT_DAY)
    stop = np.minimum(bounds[zone, period, 1], AP_LAST_DAY)
    eligible = (
        (diagnosed.day[row] <= start) & (enrolments.entry[e] <= start) & (end[e] > start + 14)
    )
    row, period, e, site, start, stop = (a[eligible] for a in (row, period, e, site, start, stop))
    need = diagnosed.need[row]
    order = np.lexsort((rng.random(row.size), diagnosed.level[row], need, period, site))
    row, period, e, site, start, stop, need = (
        a[order] for a in (row, period, e, site, start, stop, need)
    )
    rank = _rank_in_runs(site, period, need)
    taken = rank < spec.support_groups_per_need * SUPPORT_GROUP_SIZE
    slot = rank[taken] // SUPPORT_GROUP_SIZE
    key = np.column_stack([site[taken], period[taken], need[taken], slot])
    keys, member_group = np.unique(key, axis=0, return_inverse=True)
    member_group = member_group.ravel()
    first_rows = np.unique(member_group, return_index=True)[1]
    support_start = start[taken][first_rows]
    support_stop = stop[taken][first_rows]
    support_site, support_need, support_slot = keys[:, 0], keys[:, 2], keys[:, 3]
    support_names = [
        f"{voc.NEEDS[n]} – groupe {k + 1} ({spec.sites[s].short})"
        for s, n, k in zip(support_site.tolist(), support_need.tolist(), support_slot.tolist(),
                           strict=True)
    ]  # fmt: skip
    support_staff = _need_staff(staff, support_site, support_need, support_slot + keys[:, 1])
    support_members = e[taken]

    # aide individualisée: the weakest learners of each CAP 1 group, at most 8 a group
    aided = np.array([p.aide_individualisee for p in groups.programme])[enrolments.group]
    active = (enrolments.entry <= FIRST_SUPPORT_DAY) & (end > FIRST_SUPPORT_DAY + 14)
    candidates = np.flatnonzero(aided & active)
    class_group = enrolments.group[candidates]
    order = np.lexsort((learners.ability[enrolments.learner[candidates]], class_group))
    candidates, class_group = candidates[order], class_group[order]
    rank = _rank_in_runs(class_group)
    class_size = np.bincount(class_group, minlength=groups.size.size)[class_group]
    taken = rank < np.minimum(2 * AIDE_GROUP_SIZE, np.ceil(0.4 * class_size))
    aide_key = np.column_stack([class_group[taken], rank[taken] // AIDE_GROUP_SIZE])
    aide_keys, aide_member_group = np.unique(aide_key, axis=0, return_inverse=True)
    aide_member_group = aide_member_group.ravel()
    aide_site = groups.site[aide_keys[:, 0]]
    aide_need = np.where(aide_keys[:, 1] % 2 == 0, voc.NEEDS.index("Compréhension écrite"),
                         voc.NEEDS.index("Calcul"))  # fmt: skip
    aide_names = [
        f"{groups.name[g]} – aide individualisée {k + 1} ({spec.sites[s].short})"
        for g, k, s in zip(aide_keys[:, 0].tolist(), aide_keys[:, 1].tolist(),
                           aide_site.tolist(), strict=True)
    ]  # fmt: skip
    aide_staff = _need_staff(staff, aide_site, aide_need, aide_keys[:, 0])

    n_support, n_aide = len(support_names), len(aide_names)
    total = n_support + n_aide
    return _NeedGroups(
        site=np.concatenate([support_site, aide_site]),
        kind=["soutien"] * n_support + ["aide individualisée"] * n_aide,
        name=support_names + aide_names,
        need=np.concatenate([support_need, aide_need]),
        start=np.concatenate([support_start, np.full(n_aide, FIRST_SUPPORT_DAY)]),
        end=np.concatenate([support_stop, np.full(n_aide, AP_LAST_DAY)]),
        staff=np.concatenate([support_staff, aide_staff]),
        hours=np.concatenate([np.full(n_support, 1.5), np.full(n_aide, 1.0)]),
        weekday=rng.integers(0, 5, total),
        hour=rng.choice(np.array([8, 10, 13, 14, 15, 16]), total),
        member_group=np.concatenate([member_group, aide_member_group + n_support]),
        member_enrolment=np.concatenate([support_members, candidates[taken]]),
    )


def _weekly(
    first: np.ndarray, last: np.ndarray, weekday: np.ndarray, zone: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(owner index, day) of a weekly slot on open days between first and last (inclusive)."""
    mondays = np.arange(cal.day_index(date(2025, 9, 1)), cal.YEAR_DAYS, 7)
    owner = np.repeat(np.arange(first.size), mondays.size)
    day = np.tile(mondays, first.size) + weekday[owner]
    open_day = np.stack([cal.CALENDARS[z].open_day for z in cal.ZONES])
    inside = (day >= first[owner]) & (day <= last[owner]) & (day < cal.YEAR_DAYS)
    owner, day = owner[inside], day[inside]
    is_open = open_day[zone[owner], day]
    return owner[is_open], day[is_open]


def _sessions(
    spec: ScaleSpec,
    groups: _Groups,
    staff: _Staff,
    need_groups: _NeedGroups,
    rng: np.random.Generator,
) -> pl.DataFrame:
    # class-level sessions: AP, soutien (CFA, every other week), tutorat (virtual classes)
    owners = [(g, spec) for g, p in enumerate(groups.programme) for spec in p.sessions]
    group = np.array([g for g, _ in owners], dtype=np.int64)
    kind = [spec[0] for _, spec in owners]
    hours = np.array([spec[1] for _, spec in owners], dtype=float)
    every = np.array([spec[2] for _, spec in owners], dtype=np.int64)
    is_ap = np.array([k == "AP" for k in kind], dtype=bool)
    weekday = rng.integers(0, 5, group.size)
    parity = rng.integers(0, 2, group.size)
    last = np.where(is_ap, AP_LAST_DAY, cal.ACTIVITY_END_DAY)
    owner, day = _weekly(np.full(group.size, 14), last, weekday, groups.zone[group])
    g = group[owner]
    week = day // 7
    internship = np.zeros(owner.size, dtype=bool)
    for block in range(groups.pfmp.shape[1]):
        first_day = groups.pfmp[g, block]
        internship |= (day >= first_day) & (day < first_day + PFMP_DAYS)
    keep = (
        ~internship & ((week + parity[owner]) % every[owner] == 0) & (rng.random(owner.size) > 0.04)
    )
    owner, day, g = owner[keep], day[keep], g[keep]
    duration = hours[owner].copy()
    ap = is_ap[owner]
    varied = rng.choice(np.array([2.5, 2.0, 3.0]), owner.size, p=[0.9, 0.07, 0.03])
    duration[ap] = varied[ap]
    site = groups.site[g]
    teacher = staff.site_teachers_start[site] + (g * 13) % staff.site_teachers_count[site]
    session_staff = np.where(np.array(kind)[owner] == "tutorat", groups.tutor[g], teacher)
    class_sessions = pl.DataFrame(
        {
            "kind": _labels(kind, owner),
            "group_id": pl.Series(g + 1, dtype=pl.Int64),
            "need_group_id": pl.Series([None] * owner.size, dtype=pl.Int64),
            "held_on": _dates(day),
            "duration_hours": duration,
            "staff_id": session_staff + 1,
            "discipline": pl.Series([None] * owner.size, dtype=pl.String),
        }
    )
    # need-group sessions, weekly over each group's period
    site_zone = np.array([cal.ZONES.index(s.zone) for s in spec.sites])
    owner, day = _weekly(
        need_groups.start, need_groups.end, need_groups.weekday, site_zone[need_groups.site]
    )
    keep = rng.random(owner.size) > 0.04
    owner, day = owner[keep], day[keep]
    need_discipline = [voc.NEED_DISCIPLINE[n] for n in range(len(voc.NEEDS))]
    need_sessions = pl.DataFrame(
        {
            "kind": _labels(need_groups.kind, owner),
            "group_id": pl.Series([None] * owner.size, dtype=pl.Int64),
            "need_group_id": pl.Series(owner + 1, dtype=pl.Int64),
            "held_on": _dates(day),
            "duration_hours": need_groups.hours[owner],
            "staff_id": need_groups.staff[owner] + 1,
            "discipline": _labels(
                [d or "" for d in need_discipline],
                need_groups.need[owner],
                np.array([d is None for d in need_discipline])[need_groups.need[owner]],
            ),
        }
    )
    return (
        pl.concat([class_sessions, need_sessions])
        .sort("held_on", "kind", "group_id", "need_group_id", nulls_last=True)
        .with_row_index("id", offset=1)
    )


def _session_days(sessions: pl.DataFrame) -> pl.Expr:
    return (pl.col("held_on").cast(pl.Int32) - cal.EPOCH_OFFSET).alias("day")


def _attendance(
    sessions: pl.DataFrame,
    need_groups: _NeedGroups,
    learners: _Learners,
    enrolments: _Enrolments,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Who was expected at each session (members active that day), and who came."""
    enrolled = pl.DataFrame(
        {
            "e": np.arange(enrolments.learner.size),
            "group_id": enrolments.group + 1,
            "learner_id": enrolments.learner + 1,
            "entry": enrolments.entry,
            "end": enrolments.end,
        }
    )
    held = sessions.select("id", "group_id", "need_group_id", _session_days(sessions))
    by_class = held.filter(pl.col("group_id").is_not_null()).join(
        enrolled, on="group_id", how="inner"
    )
    members = pl.DataFrame(
        {"need_group_id": need_groups.member_group + 1, "e": need_groups.member_enrolment}
    ).join(enrolled.drop("group_id"), on="e", how="inner")
    by_need = held.filter(pl.col("need_group_id").is_not_null()).join(
        members, on="need_group_id", how="inner"
    )
    columns = ["id", "learner_id", "e", "day", "entry", "end"]
    expected = (
        pl.concat([by_class.select(columns), by_need.select(columns)])
        .filter((pl.col("day") >= pl.col("entry")) & (pl.col("day") < pl.col("end")))
        .unique(["id", "learner_id"], keep="first", maintain_order=False)
        .sort("id", "learner_id")
    )
    e = expected.get_column("e").to_numpy()
    day = expected.get_column("day").to_numpy()
    learner = expected.get_column("learner_id").to_numpy() - 1
    chance = learners.attendance[learner] * (0.25 + 0.75 * enrolments.keep_probability(e, day))
    return expected.select(
        pl.col("id").alias("session_id"),
        "learner_id",
        pl.Series("present", rng.random(e.size) < chance),
    )


def _diagnostics(
    diagnosed: _Diagnosed,
    need_groups: _NeedGroups,
    enrolments: _Enrolments,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """The first positioning, then a new one on the need worked on at the end of each support
    group's period (a level gained about one time in two)."""
    first = pl.DataFrame(
        {
            "e": diagnosed.enrolment,
            "need": diagnosed.need,
            "level": diagnosed.level,
            "day": diagnosed.day,
        }
    )
    g = need_groups.member_group
    e = need_groups.member_enrolment
    again = pl.DataFrame({"e": e, "need": need_groups.need[g], "day": need_groups.end[g]}).filter(
        pl.col("day") < pl.Series(enrolments.end[e])
    )
    again = again.join(first.select("e", "need", "level"), on=["e", "need"], how="left").sort(
        "e", "need", "day"
    )
    gained = rng.random(again.height) < 0.55
    again = again.with_columns(
        (pl.col("level").fill_null(0) + pl.Series(gained.astype(np.int64))).clip(0, 2)
    )
    rows = pl.concat([first, again.select(first.columns)])
    learner = enrolments.learner[rows.get_column("e").to_numpy()]
    frame = pl.DataFrame(
        {
            "learner_id": learner + 1,
            "need": _labels(voc.NEEDS, rows.get_column("need").to_numpy()),
            "level": _labels(models.DIAGNOSTIC_LEVELS, rows.get_column("level").to_numpy()),
            "assessed_on": _dates(rows.get_column("day").to_numpy()),
        }
    )
    return (
        frame.unique(["learner_id", "need", "assessed_on"], keep="first", maintain_order=True)
        .sort("assessed_on", "learner_id", "need")
        .with_row_index("id", offset=1)
    )


# --- the whole data set ----------------------------------------------------------------------------


def generate(scale: str | ScaleSpec = "demo", seed: int = 42) -> dict[str, pl.DataFrame]:
    """Every table's rows for the scale and seed, keyed by the Frames field names.

    Pure and deterministic: the same (scale, seed) gives the same frames, byte for byte.
    Ids are explicit (1..n per table) and every row satisfies the models' checks.
    """
    spec = _spec(scale)
    rng = np.random.default_rng(seed)
    groups = _build_groups(spec, rng)
    staff = _build_staff(spec, groups, rng)
    learners, enrolments = _build_learners_and_enrolments(spec, groups, rng)
    activity = _activity(spec, groups, enrolments, rng)
    copies = _copies(spec, groups, staff, learners, enrolments, activity, rng)
    requests = _tutoring_requests(spec, groups, staff, learners, enrolments, activity, rng)
    interviews, diagnostic_day = _interviews(spec, groups, staff, learners, enrolments, rng)
    diagnosed = _first_diagnostics(spec, learners, enrolments, diagnostic_day, rng)
    need_groups = _need_groups(spec, groups, staff, learners, enrolments, diagnosed, rng)
    sessions = _sessions(spec, groups, staff, need_groups, rng)
    attendance = _attendance(sessions, need_groups, learners, enrolments, rng)
    diagnostics = _diagnostics(diagnosed, need_groups, enrolments, rng)

    n_groups, n_staff, n_learners = groups.size.size, len(staff.name), learners.ability.size
    has_exit = enrolments.reason >= 0
    frames = {
        "sites": pl.DataFrame(
            {"id": np.arange(1, len(spec.sites) + 1), "name": [s.name for s in spec.sites]}
        ),
        "staff": pl.DataFrame(
            {
                "id": np.arange(1, n_staff + 1),
                "name": staff.name,
                "role": staff.role,
                "site_id": staff.site + 1,
                "weekly_hours_available": staff.hours,
            }
        ),
        "groups": pl.DataFrame(
            {
                "id": np.arange(1, n_groups + 1),
                "site_id": groups.site + 1,
                "name": groups.name,
                "level": [p.level for p in groups.programme],
                "public": [p.public for p in groups.programme],
                "modality": [p.modality for p in groups.programme],
                "school_year": [cal.SCHOOL_YEAR] * n_groups,
            }
        ),
        "learners": pl.DataFrame(
            {
                "id": np.arange(1, n_learners + 1),
                "external_id": learners.external_id,
                "last_name": learners.last_name,
                "first_name": learners.first_name,
                "referent_id": learners.referent + 1,
            }
        ),
        "enrolments": pl.DataFrame(
            {
                "id": np.arange(1, enrolments.learner.size + 1),
                "learner_id": enrolments.learner + 1,
                "group_id": enrolments.group + 1,
                "entry_date": _dates(enrolments.entry),
                "exit_date": _dates(enrolments.exit, ~has_exit),
                "exit_reason": _labels(EXIT_REASONS, np.maximum(enrolments.reason, 0), ~has_exit),
            }
        ),
        "interviews": interviews,
        "tutoring_requests": requests,
        "copies": copies,
        "need_groups": pl.DataFrame(
            {
                "id": np.arange(1, len(need_groups.name) + 1),
                "name": need_groups.name,
                "need": _labels(voc.NEEDS, need_groups.need),
                "kind": need_groups.kind,
                "site_id": need_groups.site + 1,
                "period_start": _dates(need_groups.start),
                "period_end": _dates(need_groups.end),
                "staff_id": need_groups.staff + 1,
                "planned_hours_per_week": need_groups.hours,
                "slot": [
                    f"{cal.WEEKDAYS_FR[d]} {h:02d}:00"
                    for d, h in zip(
                        need_groups.weekday.tolist(), need_groups.hour.tolist(), strict=True
                    )
                ],  # fmt: skip
            }
        ),
        "need_group_members": pl.DataFrame(
            {
                "need_group_id": need_groups.member_group + 1,
                "learner_id": enrolments.learner[need_groups.member_enrolment] + 1,
            }
        )
        .unique(maintain_order=True)
        .sort("need_group_id", "learner_id"),
        "support_sessions": sessions,
        "attendance": attendance,
        "diagnostics": diagnostics,
    }
    return {name: conform(FRAME_TABLES[name], frames[name]) for name in FRAME_TABLES}


# --- writing ----------------------------------------------------------------------------------------

TABLE_LABELS = {
    "sites": "sites",
    "staff": "intervenants",
    "groups": "groupes",
    "learners": "apprenants",
    "enrolments": "inscriptions",
    "interviews": "entretiens",
    "tutoring_requests": "sollicitations de tutorat",
    "copies": "copies",
    "need_groups": "groupes de besoins",
    "need_group_members": "membres des groupes de besoins",
    "support_sessions": "séances d'accompagnement",
    "attendance": "présences",
    "diagnostics": "diagnostics",
}


def _count(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def _seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " s"


SQLITE_CACHE_KB = 256 * 1024


def _filled_tables(engine: Engine) -> list[str]:
    """The entity tables that hold at least one row."""
    filled = []
    with engine.connect() as connection:
        for name, table in FRAME_TABLES.items():
            sql_table = table.__table__
            if connection.execute(sa.select(sa.literal(1)).select_from(sql_table).limit(1)).first():
                filled.append(name)
    return filled


def _recreate_schema(connection: sa.Connection) -> None:
    """Drop and recreate every table inside the caller's transaction (so a failed seed leaves
    the database as it was), keeping the data version moving forward so that no cache
    outlives the reset."""
    version = models.DataVersion.__table__
    previous = connection.execute(sa.select(version.c.version)).scalar_one_or_none() or 0
    # pysqlite opens its transaction at the first write: make it one, so the DDL is inside
    connection.execute(sa.update(version).values(version=version.c.version))
    SQLModel.metadata.drop_all(connection)
    SQLModel.metadata.create_all(connection)
    connection.execute(sa.insert(version).values(id=1, version=previous))


def seed_database(
    *,
    scale: str = "demo",
    seed: int = 42,
    reset: bool = False,
    if_empty: bool = False,
    engine: Engine | None = None,
) -> str:
    """Fill the database with ``generate(scale, seed)`` in one transaction; a French report.

    ``if_empty``: do nothing when the database already has learners (checked first, so it
    never destroys anything). ``reset``: drop and recreate the schema first, in the same
    transaction as the writes. Otherwise a database that already holds data is refused
    with a PilotageError.
    """
    spec = _spec(scale)
    engine = engine or get_engine()
    ensure_schema(engine)
    started = time.perf_counter()
    filled = _filled_tables(engine)
    if if_empty and "learners" in filled:
        return "La base contient déjà des apprenants : aucune donnée de démonstration ajoutée."
    if filled and not reset:
        names = ", ".join(TABLE_LABELS[name] for name in filled[:3])
        names += ", …" if len(filled) > 3 else ""
        raise PilotageError(
            f"La base contient déjà des données ({names}) : rien n'a été écrit. "
            "Relancez avec --reset pour la vider et la remplir à nouveau "
            "(toutes les données actuelles seront perdues)."
        )
    frames = generate(spec, seed)
    generated = time.perf_counter()
    sqlite = engine.dialect.name == "sqlite"
    with write_transaction(engine) as connection:
        if reset:
            _recreate_schema(connection)
        if sqlite:  # indexes of millions of rows: keep their pages in memory while writing
            connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
        try:
            for name, table in FRAME_TABLES.items():
                bulk_insert(connection, table, frames[name])
            reset_sequences(connection, list(FRAME_TABLES.values()))
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA cache_size=-2000")  # SQLite's default
    written = time.perf_counter()
    width = max(len(label) for label in TABLE_LABELS.values())
    lines = [
        f"Données de démonstration « {spec.name} » (graine {seed}) enregistrées"
        f"{' après remise à zéro de la base' if reset else ''} :",
        *(
            f"  {TABLE_LABELS[name]:<{width}}  {_count(frame.height):>10}"
            for name, frame in frames.items()
        ),
        f"  {'total':<{width}}  {_count(sum(f.height for f in frames.values())):>10}",
        f"Durée : {_seconds(written - started)} (génération {_seconds(generated - started)}, "
        f"écriture {_seconds(written - generated)}).",
    ]
    return "\n".join(lines)
