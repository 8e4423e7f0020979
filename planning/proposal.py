"""The proposal of need groups for a period, from the diagnostics.

Inputs are small frames keyed by the learner's external identifier (the identifier of the
users' exports, so that a diagnostics file of learners not yet in the database can be planned):

- diagnostics: ``learner`` (str), ``need`` (str), ``level`` (non acquis, en cours, acquis),
  ``assessed_on`` (date). Only the latest diagnostic of each (learner, need) on or before the
  end of the period counts; a need assessed "acquis" needs no group.
- learners: ``learner`` (str) and optionally ``name``, ``class_group`` (the learners in scope;
  those without any diagnostic are reported).
- staff: ``staff`` (name) and ``weekly_hours_available`` (null counts as 0).

The proposal (``propose_plan``):

1. each learner's needs are ranked by urgency (non acquis before en cours, then needs shared
   by more learners, then by name) and the most urgent are kept within the learner's weekly
   budget (AP 2,5 h, aide individualisée 1 h by default); a need kept by fewer learners than
   the minimum group size is dropped (its learners fall back to their next need);
2. the learners of a need are grouped by level first (non acquis, en cours; a level with too
   few learners joins the other level of the same need, as "mixte"), then split into groups of
   balanced sizes no larger than the cap, learners of the same class together;
3. groups, most urgent first, get the teacher with the most hours left who can take them and
   a weekly slot of the grid where neither the teacher nor any member is already busy (only
   conflicts between need groups count: the learners' class timetables are unknown).

Its rules are then checked (rules.check_plan). Which learners, diagnostics and staff a plan is
for, and the one call the page and the command line make, are in request.py.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import polars as pl

from domain import KIND_AIDE, KIND_AP, LEVEL_IN_PROGRESS, LEVEL_NOT_ACQUIRED
from indicators.common import DEFAULT_SETTINGS, IndicatorSettings, Period
from planning.plan import (
    DEFAULT_MIN_SIZE,
    DEFAULT_SLOTS,
    GROUP_COLUMNS,
    LEARNER_COLUMNS,
    MEMBER_COLUMNS,
    MIXED_LEVEL,
    REASON_NO_TIME,
    REASON_TOO_FEW,
    UNPLACED_COLUMNS,
    Plan,
    kind_settings,
    overlap,
    parse_slot,
    staff_table,
    typed,
)
from planning.rules import with_checks
from ui import format as fmt

LEVEL_RANK = {LEVEL_NOT_ACQUIRED: 0, LEVEL_IN_PROGRESS: 1}
"""The levels that call for a group, most urgent first."""


def latest_needs(diagnostics: pl.DataFrame, period: Period) -> pl.DataFrame:
    """The latest diagnostic of each (learner, need) assessed on or before the period's end.

    Columns: learner, need, level, assessed_on (acquis included: callers decide).
    """
    return (
        diagnostics.filter(
            pl.col("learner").is_not_null()
            & pl.col("need").is_not_null()
            & (pl.col("assessed_on").is_null() | (pl.col("assessed_on") <= period.end))
        )
        .with_columns(pl.col("level").str.strip_chars().str.to_lowercase().alias("level"))
        .sort("assessed_on", nulls_last=False)
        .group_by("learner", "need", maintain_order=True)
        .last()
        .select("learner", "need", "level", "assessed_on")
    )


def open_needs_of(needs: pl.DataFrame) -> pl.DataFrame:
    """The needs of latest_needs that call for a group (non acquis, en cours)."""
    return needs.filter(pl.col("level").is_in(list(LEVEL_RANK)))


def learners_without_need(people: pl.DataFrame, needs: pl.DataFrame) -> list[dict]:
    """UNPLACED rows (need null) for the learners with no diagnostic or only acquired needs."""
    with_diagnostic = set(needs.get_column("learner").to_list())
    with_need = set(open_needs_of(needs).get_column("learner").to_list())
    rows = []
    for person in people.iter_rows(named=True):
        if person["learner"] not in with_diagnostic:
            reason = "aucun besoin diagnostiqué (aucun diagnostic à la date de fin de la période)"
        elif person["learner"] not in with_need:
            reason = "tous ses besoins diagnostiqués sont acquis : pas de groupe nécessaire"
        else:
            continue
        rows.append(unplaced_row(person, None, None, reason))
    return rows


def propose_plan(
    diagnostics: pl.DataFrame,
    learners: pl.DataFrame | None,
    staff: pl.DataFrame,
    period: Period,
    *,
    kind: str = KIND_AP,
    max_size: int | None = None,
    min_size: int = DEFAULT_MIN_SIZE,
    hours_per_group: float | None = None,
    settings: IndicatorSettings = DEFAULT_SETTINGS,
    slots: Sequence[str] = DEFAULT_SLOTS,
    site: str | None = None,
) -> Plan:
    """Need groups for the period from the diagnostics (see the module docstring), for the
    site given (None: no site).

    max_size defaults to 15 for AP (no quota) and to the aide individualisée cap (8), which it
    cannot exceed; hours_per_group defaults to the learner's weekly budget of the kind.
    Raises ValueError (French) on impossible parameters.
    """
    budget, default_cap = kind_settings(kind, settings)
    cap = max_size or default_cap
    if kind == KIND_AIDE and cap > settings.aide_max_group_size:
        raise ValueError(
            f"L'aide individualisée accueille au plus {settings.aide_max_group_size} élèves "
            f"par groupe (taille demandée : {cap})."
        )
    if cap < 1 or min_size < 1 or min_size > cap:
        raise ValueError(
            f"Tailles de groupe incohérentes : minimum {min_size}, maximum {cap} "
            "(il faut 1 ≤ minimum ≤ maximum)."
        )
    hours = hours_per_group or budget
    per_learner = math.floor(budget / hours + 1e-9)
    if per_learner < 1:
        raise ValueError(
            f"Un groupe de {fmt.hours(hours, None)} par semaine dépasse le budget hebdomadaire "
            f"d'un élève ({fmt.hours(budget, None)})."
        )
    for slot in slots:
        if parse_slot(slot) is None:
            raise ValueError(f"Créneau illisible : « {slot} » (exemple attendu : lundi 14:00).")

    needs = latest_needs(diagnostics, period)
    people = _learner_table(learners, needs)
    info = {row["learner"]: row for row in people.iter_rows(named=True)}
    open_needs = open_needs_of(needs)
    unplaced = learners_without_need(people, needs)

    # 1. needs kept for each learner, within budget, needs shared by enough learners
    demand = Counter(open_needs.get_column("need").to_list())
    requests: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for learner, need, level in open_needs.select("learner", "need", "level").iter_rows():
        requests[learner].append((need, level))
    for learner in requests:
        requests[learner].sort(key=lambda r: (LEVEL_RANK[r[1]], -demand[r[0]], r[0]))
    kept, dropped = _choose_needs(requests, per_learner, min_size)
    for learner in sorted(requests):
        chosen = kept[learner]
        for need, level in requests[learner]:
            if (need, level) in chosen:
                continue
            if need in dropped:
                reason = (
                    f"{REASON_TOO_FEW} disponibles ({dropped[need]}, minimum {min_size} par groupe)"
                )
            else:
                reason = (
                    f"{REASON_NO_TIME} ({fmt.duration(budget)}) déjà pris par : "
                    f"{', '.join(n for n, _ in chosen)}"
                )
            unplaced.append(unplaced_row(info[learner], need, level, reason))

    # 2. groups per need, homogeneous in level, balanced sizes
    by_need: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for learner, chosen in kept.items():
        for need, level in chosen:
            by_need[need][level].append(learner)
    groups: list[dict] = []
    members: list[dict] = []
    for need in sorted(by_need, key=lambda n: (-sum(map(len, by_need[n].values())), n)):
        buckets = _level_buckets(by_need[need], min_size)
        for level, learners_of_level in buckets:
            ordered = sorted(learners_of_level, key=lambda x: (info[x]["class_group"] or "", x))
            count = math.ceil(len(ordered) / cap)
            sizes = [
                len(ordered) // count + (1 if i < len(ordered) % count else 0) for i in range(count)
            ]
            start = 0
            for number, size in enumerate(sizes, start=1):
                group_id = len(groups) + 1
                suffix = f" {number}" if count > 1 else ""
                groups.append(
                    {
                        "group_id": group_id,
                        "name": f"{need} – {level}{suffix}",
                        "need": need,
                        "level": level,
                        "staff": None,
                        "hours_per_week": hours,
                        "slot": None,
                        "_urgency": 0
                        if level == LEVEL_NOT_ACQUIRED
                        else 1
                        if level == MIXED_LEVEL
                        else 2,
                        "_members": ordered[start : start + size],
                    }
                )
                for learner in ordered[start : start + size]:
                    source = info[learner]
                    members.append(
                        {
                            "learner": learner,
                            "name": source["name"],
                            "class_group": source["class_group"],
                            "need": need,
                            "level": next(lv for n, lv in kept[learner] if n == need),
                            "group_id": group_id,
                        }
                    )
                start += size

    # 3. teacher and slot, most urgent groups first
    _assign_staff_and_slots(groups, staff, slots)
    plan = Plan(
        kind=kind,
        period=period,
        max_size=cap,
        min_size=min_size,
        learner_budget=budget,
        site=site,
        groups=typed(
            [{k: v for k, v in g.items() if not k.startswith("_")} for g in groups], GROUP_COLUMNS
        ),
        members=typed(members, MEMBER_COLUMNS).sort("group_id", "learner"),
        unplaced=typed(unplaced, UNPLACED_COLUMNS),
        staff=staff_table(staff),
    )
    return with_checks(plan)


def _choose_needs(
    requests: dict[str, list[tuple[str, str]]], per_learner: int, min_size: int
) -> tuple[dict[str, list[tuple[str, str]]], dict[str, int]]:
    """The needs kept for each learner (most urgent first, within budget) and the needs dropped
    for too few learners (need -> learners it had).

    A need kept by fewer than min_size learners first recruits learners who also have it and
    whose kept need can spare them (more than min_size learners); failing that it is dropped
    and its learners fall back to their next need. Needs that reach min_size stay viable.
    """
    kept = {learner: wanted[:per_learner] for learner, wanted in requests.items()}
    having: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for learner, wanted in requests.items():
        for need, level in wanted:
            having[need].append((LEVEL_RANK[level], learner, level))
    for need in having:
        having[need].sort()
    dropped: dict[str, int] = {}
    while True:
        counts = Counter(need for chosen in kept.values() for need, _ in chosen)
        small = sorted(
            (need for need, n in counts.items() if n < min_size), key=lambda n: (-counts[n], n)
        )
        if not small:
            return kept, dropped
        need = small[0]
        swaps: list[tuple[str, tuple[str, str], tuple[str, str]]] = []
        spare = Counter(counts)
        for _, learner, level in having[need]:
            if counts[need] + len(swaps) >= min_size:
                break
            chosen = kept[learner]
            if any(n == need for n, _ in chosen):
                continue
            givers = [r for r in chosen if spare[r[0]] > min_size]
            if givers:
                giver = max(givers, key=lambda r: (LEVEL_RANK[r[1]], spare[r[0]]))
                spare[giver[0]] -= 1
                swaps.append((learner, giver, (need, level)))
        if counts[need] + len(swaps) >= min_size:
            for learner, giver, taken in swaps:
                kept[learner] = [taken if r == giver else r for r in kept[learner]]
            continue
        dropped[need] = counts[need]
        for learner, chosen in kept.items():
            if any(n == need for n, _ in chosen):
                rest = [r for r in chosen if r[0] != need]
                names = {n for n, _ in rest}
                extra = [r for r in requests[learner] if r[0] not in dropped and r[0] not in names]
                kept[learner] = rest + extra[: per_learner - len(rest)]


def _learner_table(learners: pl.DataFrame | None, needs: pl.DataFrame) -> pl.DataFrame:
    given = typed(learners if learners is not None else pl.DataFrame(), LEARNER_COLUMNS)
    from_diagnostics = needs.select("learner").unique()
    return (
        pl.concat([given, typed(from_diagnostics, given.schema)], how="vertical")
        .unique("learner", keep="first", maintain_order=True)
        .sort("learner")
    )


def unplaced_row(source: dict, need: str | None, level: str | None, reason: str) -> dict:
    return {
        "learner": source["learner"],
        "name": source["name"],
        "class_group": source["class_group"],
        "need": need,
        "level": level,
        "reason": reason,
    }


def _level_buckets(levels: dict[str, list[str]], min_size: int) -> list[tuple[str, list[str]]]:
    present = [(lv, levels[lv]) for lv in LEVEL_RANK if levels.get(lv)]
    if len(present) == 2 and any(len(ls) < min_size for _, ls in present):
        return [(MIXED_LEVEL, present[0][1] + present[1][1])]
    return present


def _assign_staff_and_slots(groups: list[dict], staff: pl.DataFrame, slots: Sequence[str]) -> None:
    grid = [(slot, parse_slot(slot)) for slot in slots]
    left = {
        row["staff"]: float(row["weekly_hours_available"] or 0.0)
        for row in staff_table(staff).iter_rows(named=True)
    }
    busy: dict[str, list[tuple[int, int, int]]] = defaultdict(list)  # person -> intervals
    use = Counter()
    order = sorted(groups, key=lambda g: (g["_urgency"], -len(g["_members"]), g["group_id"]))
    for group in order:
        hours = group["hours_per_week"]
        people = [f"l:{x}" for x in group["_members"]]
        ranked = sorted(
            (s for s, h in left.items() if h + 1e-9 >= hours), key=lambda s: (-left[s], s)
        )
        chosen = None
        for teacher in [*ranked, None]:
            who = people if teacher is None else [f"s:{teacher}", *people]
            slot = _free_slot(grid, hours, who, busy, use)
            if slot is not None:
                chosen = (teacher, slot)
                break
        if chosen is None:
            continue
        teacher, (label, interval) = chosen
        group["staff"], group["slot"] = teacher, label
        use[label] += 1
        for person in ([f"s:{teacher}"] if teacher else []) + people:
            busy[person].append(interval)
        if teacher is not None:
            left[teacher] -= hours


def _free_slot(
    grid: list[tuple[str, tuple[int, int]]],
    hours: float,
    people: list[str],
    busy: dict[str, list[tuple[int, int, int]]],
    use: Counter,
) -> tuple[str, tuple[int, int, int]] | None:
    candidates = sorted(range(len(grid)), key=lambda i: (use[grid[i][0]], i))
    for i in candidates:
        label, (day, start) = grid[i]
        span = (day, start, start + round(hours * 60))
        if all(not overlap(span, other) for p in people for other in busy.get(p, ())):
            return label, span
    return None
