"""Personalised support: need groups (soutien by period, aide individualisée for CAP 1),
class and need-group sessions, attendance, and the new diagnostics after support, for one
school year (``groups.year``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from domain import DIAGNOSTIC_LEVELS, KIND_AIDE, KIND_AP, MODALITIES
from seed import calendar as cal
from seed import vocabulary as voc
from seed.arrays import dates, labels, rank_in_runs
from seed.events import Diagnosed
from seed.population import Enrolments, Groups, Learners, Staff
from seed.scales import ScaleSpec

# --- need groups, support sessions, attendance ----------------------------------------------------

SUPPORT_GROUP_SIZE = 10
AIDE_GROUP_SIZE = 8
FIRST_SUPPORT_DAY = date(2025, 9, 29)
FIRST_CLASS_SESSION_DAY = date(2025, 9, 15)
AP_LAST_DAY = date(2026, 6, 19)
"""On the 2025-2026 calendar; the same weeks in another year (SchoolYear.matching)."""
PFMP_DAYS = 21
"""Each lycée class leaves for two internships (PFMP) of three weeks: no AP then."""


@dataclass
class NeedGroups:
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


def _need_staff(staff: Staff, site: np.ndarray, need: np.ndarray, turn: np.ndarray) -> np.ndarray:
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


def need_groups(
    spec: ScaleSpec,
    groups: Groups,
    staff: Staff,
    learners: Learners,
    enrolments: Enrolments,
    diagnosed: Diagnosed,
    rng: np.random.Generator,
) -> NeedGroups:
    year = groups.year
    first_support_day = year.matching_index(FIRST_SUPPORT_DAY)
    ap_last_day = year.matching_index(AP_LAST_DAY)
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
        [[year.calendars[z].periods[p] for p in range(n_periods)] for z in cal.ZONES]
    )  # [zone, period, (first, last)]
    start = np.maximum(bounds[zone, period, 0], first_support_day)
    stop = np.minimum(bounds[zone, period, 1], ap_last_day)
    eligible = (
        (diagnosed.day[row] <= start) & (enrolments.entry[e] <= start) & (end[e] > start + 14)
    )
    row, period, e, site, start, stop = (a[eligible] for a in (row, period, e, site, start, stop))
    need = diagnosed.need[row]
    order = np.lexsort((rng.random(row.size), diagnosed.level[row], need, period, site))
    row, period, e, site, start, stop, need = (
        a[order] for a in (row, period, e, site, start, stop, need)
    )
    rank = rank_in_runs(site, period, need)
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
    active = (enrolments.entry <= first_support_day) & (end > first_support_day + 14)
    candidates = np.flatnonzero(aided & active)
    class_group = enrolments.group[candidates]
    order = np.lexsort((learners.ability[enrolments.learner[candidates]], class_group))
    candidates, class_group = candidates[order], class_group[order]
    rank = rank_in_runs(class_group)
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
    return NeedGroups(
        site=np.concatenate([support_site, aide_site]),
        kind=["soutien"] * n_support + [KIND_AIDE] * n_aide,
        name=support_names + aide_names,
        need=np.concatenate([support_need, aide_need]),
        start=np.concatenate([support_start, np.full(n_aide, first_support_day)]),
        end=np.concatenate([support_stop, np.full(n_aide, ap_last_day)]),
        staff=np.concatenate([support_staff, aide_staff]),
        hours=np.concatenate([np.full(n_support, 1.5), np.full(n_aide, 1.0)]),
        weekday=rng.integers(0, 5, total),
        hour=rng.choice(np.array([8, 10, 13, 14, 15, 16]), total),
        member_group=np.concatenate([member_group, aide_member_group + n_support]),
        member_enrolment=np.concatenate([support_members, candidates[taken]]),
    )


def _weekly(
    year: cal.SchoolYear,
    first: np.ndarray,
    last: np.ndarray,
    weekday: np.ndarray,
    zone: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(owner index, day) of a weekly slot on open days between first and last (inclusive)."""
    mondays = np.arange(year.first_monday, year.days, 7)
    owner = np.repeat(np.arange(first.size), mondays.size)
    day = np.tile(mondays, first.size) + weekday[owner]
    open_day = np.stack([year.calendars[z].open_day for z in cal.ZONES])
    inside = (day >= first[owner]) & (day <= last[owner]) & (day < year.days)
    owner, day = owner[inside], day[inside]
    is_open = open_day[zone[owner], day]
    return owner[is_open], day[is_open]


def sessions(
    spec: ScaleSpec,
    groups: Groups,
    staff: Staff,
    need_groups: NeedGroups,
    rng: np.random.Generator,
) -> pl.DataFrame:
    year = groups.year
    # class-level sessions: AP, soutien (CFA, every other week), tutorat (virtual classes)
    owners = [(g, spec) for g, p in enumerate(groups.programme) for spec in p.sessions]
    group = np.array([g for g, _ in owners], dtype=np.int64)
    kind = [spec[0] for _, spec in owners]
    hours = np.array([spec[1] for _, spec in owners], dtype=float)
    every = np.array([spec[2] for _, spec in owners], dtype=np.int64)
    is_ap = np.array([k == KIND_AP for k in kind], dtype=bool)
    weekday = rng.integers(0, 5, group.size)
    parity = rng.integers(0, 2, group.size)
    last = np.where(is_ap, year.matching_index(AP_LAST_DAY), year.activity_end_day)
    first = np.full(group.size, year.matching_index(FIRST_CLASS_SESSION_DAY))
    owner, day = _weekly(year, first, last, weekday, groups.zone[group])
    g = group[owner]
    week = (day - year.first_monday) // 7
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
            "kind": labels(kind, owner),
            "group_id": pl.Series(g + 1, dtype=pl.Int64),
            "need_group_id": pl.Series([None] * owner.size, dtype=pl.Int64),
            "held_on": dates(year, day),
            "duration_hours": duration,
            "staff_id": session_staff + 1,
            "discipline": pl.Series([None] * owner.size, dtype=pl.String),
        }
    )
    # need-group sessions, weekly over each group's period
    site_zone = np.array([cal.ZONES.index(s.zone) for s in spec.sites])
    owner, day = _weekly(
        year, need_groups.start, need_groups.end, need_groups.weekday, site_zone[need_groups.site]
    )
    keep = rng.random(owner.size) > 0.04
    owner, day = owner[keep], day[keep]
    need_discipline = [voc.NEED_DISCIPLINE[n] for n in range(len(voc.NEEDS))]
    need_sessions = pl.DataFrame(
        {
            "kind": labels(need_groups.kind, owner),
            "group_id": pl.Series([None] * owner.size, dtype=pl.Int64),
            "need_group_id": pl.Series(owner + 1, dtype=pl.Int64),
            "held_on": dates(year, day),
            "duration_hours": need_groups.hours[owner],
            "staff_id": need_groups.staff[owner] + 1,
            "discipline": labels(
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


def _session_days(year: cal.SchoolYear) -> pl.Expr:
    return (pl.col("held_on").cast(pl.Int32) - year.epoch_offset).alias("day")


def attendance(
    sessions: pl.DataFrame,
    need_groups: NeedGroups,
    learners: Learners,
    enrolments: Enrolments,
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
    held = sessions.select("id", "group_id", "need_group_id", _session_days(enrolments.year))
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
        .unique(["id", "learner_id"], keep="first", maintain_order=True)
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


def diagnostics(
    diagnosed: Diagnosed,
    need_groups: NeedGroups,
    enrolments: Enrolments,
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
            "need": labels(voc.NEEDS, rows.get_column("need").to_numpy()),
            "level": labels(DIAGNOSTIC_LEVELS, rows.get_column("level").to_numpy()),
            "assessed_on": dates(enrolments.year, rows.get_column("day").to_numpy()),
        }
    )
    return (
        frame.unique(["learner_id", "need", "assessed_on"], keep="first", maintain_order=True)
        .sort("assessed_on", "learner_id", "need")
        .with_row_index("id", offset=1)
    )
