"""Planning personalised support (AP, aide individualisée): need groups from the diagnostics.

Pure Polars / Python, no I/O. The same functions serve the page "Planifier l'AP" and the
command ``pilotage plan-groups``.

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

``check_plan`` re-checks every constraint after edits and returns French problems.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from data_access.frames import Frames
from indicators.common import DEFAULT_SETTINGS, IndicatorSettings, Period, active_in

KIND_AP = "AP"
KIND_AIDE = "aide individualisée"
PLAN_KINDS = (KIND_AP, KIND_AIDE)
AP_DEFAULT_MAX_SIZE = 15
"""AP has no size quota (seed 003); groups are split above this default, which users change."""
DEFAULT_MIN_SIZE = 3
LEVEL_RANK = {"non acquis": 0, "en cours": 1}
MIXED_LEVEL = "mixte"
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi")
DEFAULT_SLOTS: tuple[str, ...] = tuple(
    f"{day} {time}"
    for day in DAYS[:5]
    for time in (("08:00", "10:30") if day == "mercredi" else ("08:00", "10:30", "13:30", "16:00"))
)
"""The weekly grid: mornings every day, afternoons except Wednesday."""
NO_GROUP = "(aucun)"
MAX_LISTED = 12

GROUP_COLUMNS = {
    "group_id": pl.Int64,
    "name": pl.String,
    "need": pl.String,
    "level": pl.String,
    "staff": pl.String,
    "hours_per_week": pl.Float64,
    "slot": pl.String,
}
MEMBER_COLUMNS = {
    "learner": pl.String,
    "name": pl.String,
    "class_group": pl.String,
    "need": pl.String,
    "level": pl.String,
    "group_id": pl.Int64,
}
UNPLACED_COLUMNS = {
    "learner": pl.String,
    "name": pl.String,
    "class_group": pl.String,
    "need": pl.String,
    "level": pl.String,
    "reason": pl.String,
}
STAFF_COLUMNS = {"staff": pl.String, "weekly_hours_available": pl.Float64}

LABELS = {
    "group_id": "N°",
    "name": "Groupe",
    "need": "Besoin",
    "level": "Niveau",
    "staff": "Intervenant",
    "hours_per_week": "Heures par semaine",
    "slot": "Créneau",
    "size": "Élèves",
    "learner": "Identifiant",
    "class_group": "Classe",
    "group": "Groupe",
    "reason": "Raison",
    "weekly_hours_available": "Heures disponibles par semaine",
    "hours_planned": "Heures planifiées par semaine",
}

UNPLACED_LABELS = {
    "learner": "Identifiant",
    "name": "Nom",
    "class_group": "Classe",
    "need": "Besoin",
    "level": "Niveau",
    "reason": "Raison",
}


@dataclass(frozen=True)
class Plan:
    """A proposal of need groups for a period (or a plan edited by the team).

    groups: GROUP_COLUMNS, one row per need group (group_id is a stable number in the plan).
    members: MEMBER_COLUMNS, one row per (learner, need) placed in a group.
    unplaced: UNPLACED_COLUMNS, one row per (learner, need) not placed, or per learner with
    no need (need null), with a French reason.
    staff: STAFF_COLUMNS, the staff available and their weekly hours.
    problems: the French problems of check_plan (empty when every constraint holds).
    """

    kind: str
    period: Period
    max_size: int
    min_size: int
    learner_budget: float
    groups: pl.DataFrame
    members: pl.DataFrame
    unplaced: pl.DataFrame
    staff: pl.DataFrame
    problems: tuple[str, ...] = ()


# --- helpers ----------------------------------------------------------------------------


def _typed(rows: list[dict] | pl.DataFrame, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows, schema=columns)
    if not frame.columns:
        return pl.DataFrame(schema=columns)
    return frame.select(
        [
            pl.col(c).cast(t).alias(c) if c in frame.columns else pl.lit(None, t).alias(c)
            for c, t in columns.items()
        ]
    )


def hours_text(value: float | None) -> str:
    """2.5 -> '2,5 h' (French, for messages)."""
    if value is None:
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + "\u00a0h"


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" et {len(items) - MAX_LISTED} autre(s)" if len(items) > MAX_LISTED else "")


def kind_settings(kind: str, settings: IndicatorSettings = DEFAULT_SETTINGS) -> tuple[float, int]:
    """(weekly hours of a learner, default group cap) of a kind of support."""
    if kind == KIND_AP:
        return settings.ap_hours_per_week, AP_DEFAULT_MAX_SIZE
    if kind == KIND_AIDE:
        return settings.aide_hours_per_week, settings.aide_max_group_size
    raise ValueError(
        f"Type d'accompagnement inconnu : « {kind} » (attendu : AP ou aide individualisée)."
    )


def parse_slot(slot: str | None) -> tuple[int, int] | None:
    """'lundi 14:00' (or 'Lundi 14h', 'lun 14h30') -> (day index, minutes); None if unreadable."""
    if not slot:
        return None
    match = re.fullmatch(
        r"\s*([a-zA-Zéû]+)\.?\s+(\d{1,2})\s*(?:[:h]\s*(\d{2})?)?\s*", slot.strip().lower()
    )
    if not match:
        return None
    word, hour, minute = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    days = [i for i, day in enumerate(DAYS) if day.startswith(word) and len(word) >= 3]
    if len(days) != 1 or hour > 23 or minute > 59:
        return None
    return days[0], hour * 60 + minute


def _interval(slot: str | None, hours: float | None) -> tuple[int, int, int] | None:
    parsed = parse_slot(slot)
    if parsed is None or hours is None or hours <= 0:
        return None
    day, start = parsed
    return day, start, start + round(hours * 60)


def _overlap(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


# --- inputs -----------------------------------------------------------------------------


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


def planning_inputs(
    frames: Frames,
    period: Period,
    *,
    sites: Sequence[str] = (),
    groups: Sequence[str] = (),
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(diagnostics, learners, staff) of the database frames for propose_plan.

    Learners in scope: those with an enrolment active in the period, in the given sites and
    class groups (all when empty); their class group is the latest such enrolment's. Staff:
    those of the given sites or of no site, with their weekly hours available.
    """
    site_names = frames.sites.select(pl.col("id").alias("site_id"), pl.col("name").alias("site"))
    enrolments = (
        frames.enrolments.filter(active_in(period))
        .join(
            frames.groups.select(
                pl.col("id").alias("group_id"), pl.col("name").alias("class_group"), "site_id"
            ),
            on="group_id",
            how="left",
        )
        .join(site_names, on="site_id", how="left")
    )
    if sites:
        enrolments = enrolments.filter(pl.col("site").is_in(list(sites)))
    if groups:
        enrolments = enrolments.filter(pl.col("class_group").is_in(list(groups)))
    learners = (
        enrolments.sort("entry_date")
        .group_by("learner_id", maintain_order=True)
        .last()
        .join(
            frames.learners.select(
                pl.col("id").alias("learner_id"), "external_id", "last_name", "first_name"
            ),
            on="learner_id",
            how="inner",
        )
        .select(
            pl.col("external_id").alias("learner"),
            pl.concat_str(
                [pl.col("last_name").fill_null(""), pl.col("first_name").fill_null("")],
                separator=" ",
            )
            .str.strip_chars()
            .alias("name"),
            "class_group",
        )
        .sort("learner")
    )
    diagnostics = (
        frames.diagnostics.join(
            frames.learners.select(pl.col("id").alias("learner_id"), "external_id"),
            on="learner_id",
            how="inner",
        )
        .filter(pl.col("external_id").is_in(learners.get_column("learner").implode()))
        .select(pl.col("external_id").alias("learner"), "need", "level", "assessed_on")
    )
    staff = frames.staff.join(site_names, on="site_id", how="left")
    if sites:
        staff = staff.filter(pl.col("site").is_null() | pl.col("site").is_in(list(sites)))
    staff = staff.select(pl.col("name").alias("staff"), "weekly_hours_available").sort("staff")
    return diagnostics, learners, staff


def file_learners(diagnostics: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    """The learners of a diagnostics file (learner, name, class_group), their name and class
    taken from the file, else from the known learners (planning_inputs) when they are there."""
    columns = {"learner": pl.String, "name": pl.String, "class_group": pl.String}
    from_file = (
        _typed(diagnostics, columns)
        .group_by("learner", maintain_order=True)
        .agg(pl.col("name").drop_nulls().first(), pl.col("class_group").drop_nulls().first())
    )
    return (
        from_file.join(_typed(known, columns), on="learner", how="left", suffix="_known")
        .select(
            "learner",
            pl.coalesce("name", "name_known").alias("name"),
            pl.coalesce("class_group", "class_group_known").alias("class_group"),
        )
        .sort("learner")
    )


# --- the proposal -----------------------------------------------------------------------


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
) -> Plan:
    """Need groups for the period from the diagnostics (see the module docstring).

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
            f"Un groupe de {hours_text(hours)} par semaine dépasse le budget hebdomadaire "
            f"d'un élève ({hours_text(budget)})."
        )
    for slot in slots:
        if parse_slot(slot) is None:
            raise ValueError(f"Créneau illisible : « {slot} » (exemple attendu : lundi 14:00).")

    needs = latest_needs(diagnostics, period)
    people = _learner_table(learners, needs)
    info = {row["learner"]: row for row in people.iter_rows(named=True)}
    unplaced: list[dict] = []

    open_needs = needs.filter(pl.col("level").is_in(list(LEVEL_RANK)))
    with_diagnostic = set(needs.get_column("learner").to_list())
    with_need = set(open_needs.get_column("learner").to_list())
    for learner in people.get_column("learner").to_list():
        if learner not in with_diagnostic:
            reason = "aucun besoin diagnostiqué (aucun diagnostic à la date de fin de la période)"
        elif learner not in with_need:
            reason = "tous ses besoins diagnostiqués sont acquis : pas de groupe nécessaire"
        else:
            continue
        unplaced.append(_unplaced(info[learner], None, None, reason))

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
                    f"besoin partagé par trop peu d'élèves disponibles ({dropped[need]}, "
                    f"minimum {min_size} par groupe)"
                )
            else:
                reason = (
                    f"budget hebdomadaire de l'élève ({hours_text(budget)}) déjà pris par : "
                    f"{', '.join(n for n, _ in chosen)}"
                )
            unplaced.append(_unplaced(info[learner], need, level, reason))

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
                        if level == "non acquis"
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
        groups=_typed(
            [{k: v for k, v in g.items() if not k.startswith("_")} for g in groups], GROUP_COLUMNS
        ),
        members=_typed(members, MEMBER_COLUMNS).sort("group_id", "learner"),
        unplaced=_typed(unplaced, UNPLACED_COLUMNS),
        staff=_staff_table(staff),
    )
    return replace(plan, problems=tuple(check_plan(plan)))


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
    given = _typed(
        learners if learners is not None else pl.DataFrame(),
        {"learner": pl.String, "name": pl.String, "class_group": pl.String},
    )
    from_diagnostics = needs.select("learner").unique()
    return (
        pl.concat([given, _typed(from_diagnostics, given.schema)], how="vertical")
        .unique("learner", keep="first", maintain_order=True)
        .sort("learner")
    )


def _staff_table(staff: pl.DataFrame) -> pl.DataFrame:
    return (
        _typed(staff, STAFF_COLUMNS)
        .filter(pl.col("staff").is_not_null())
        .unique("staff", keep="first", maintain_order=True)
    )


def _unplaced(source: dict, need: str | None, level: str | None, reason: str) -> dict:
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
        for row in _staff_table(staff).iter_rows(named=True)
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
        interval = (day, start, start + round(hours * 60))
        if all(not _overlap(interval, other) for p in people for other in busy.get(p, ())):
            return label, interval
    return None


# --- checks and edits -------------------------------------------------------------------


def check_plan(plan: Plan) -> list[str]:
    """Every constraint re-checked on the (edited) plan, as French problems (empty: all good)."""
    problems: list[str] = []
    groups = plan.groups
    members = plan.members
    names = {row["group_id"]: row["name"] for row in groups.iter_rows(named=True)}

    duplicated = (
        groups.group_by("name").len().filter(pl.col("len") > 1).get_column("name").sort().to_list()
    )
    for name in duplicated:
        problems.append(
            f"Plusieurs groupes s'appellent « {name} » : donnez-leur des noms distincts."
        )
    for row in groups.filter(
        pl.col("name").is_null() | (pl.col("name").str.strip_chars() == "")
    ).iter_rows(named=True):
        problems.append(f"Le groupe n° {row['group_id']} n'a pas de nom.")

    sizes = dict(members.group_by("group_id").len().iter_rows())
    staff_hours = {
        row["staff"]: row["weekly_hours_available"] for row in plan.staff.iter_rows(named=True)
    }
    for row in groups.iter_rows(named=True):
        name, size = row["name"], sizes.get(row["group_id"], 0)
        if size > plan.max_size:
            problems.append(
                f"Le groupe « {name} » compte {size} élèves, plus que le maximum de {plan.max_size}."
            )
        elif size == 0:
            problems.append(f"Le groupe « {name} » n'a aucun élève.")
        elif size < plan.min_size:
            problems.append(
                f"Le groupe « {name} » ne compte que {size} élève(s) (minimum souhaité : {plan.min_size})."
            )
        if row["hours_per_week"] is None or row["hours_per_week"] <= 0:
            problems.append(f"Le groupe « {name} » n'a pas d'heures par semaine.")
        if not row["staff"]:
            problems.append(f"Le groupe « {name} » n'a pas d'intervenant.")
        elif row["staff"] not in staff_hours:
            problems.append(
                f"L'intervenant « {row['staff']} » du groupe « {name} » n'est pas dans la liste "
                "des intervenants disponibles."
            )
        if not row["slot"]:
            problems.append(f"Le groupe « {name} » n'a pas de créneau.")
        elif parse_slot(row["slot"]) is None:
            problems.append(
                f"Le créneau « {row['slot']} » du groupe « {name} » est illisible "
                "(exemple attendu : lundi 14:00)."
            )

    unknown = members.filter(~pl.col("group_id").is_in(list(names))).height
    if unknown:
        problems.append(f"{unknown} placement(s) renvoient à un groupe qui n'existe plus.")

    joined = members.join(
        groups.select(
            "group_id",
            pl.col("name").alias("group"),
            pl.col("need").alias("group_need"),
            "hours_per_week",
            "slot",
            "staff",
        ),
        on="group_id",
        how="inner",
    )
    for row in joined.filter(pl.col("need") != pl.col("group_need")).iter_rows(named=True):
        problems.append(
            f"{row['learner']} est placé pour le besoin « {row['need']} » dans le groupe "
            f"« {row['group']} », qui traite « {row['group_need']} »."
        )
    twice = (
        joined.group_by("learner", "need").len().filter(pl.col("len") > 1).sort("learner", "need")
    )
    for learner, need, count in twice.iter_rows():
        problems.append(f"{learner} est dans {count} groupes pour le même besoin « {need} ».")

    load = (
        joined.group_by("learner")
        .agg(pl.col("hours_per_week").fill_null(0).sum().alias("hours"))
        .filter(pl.col("hours") > plan.learner_budget + 1e-9)
        .sort("learner")
    )
    if load.height:
        listed = [f"{x} ({hours_text(h)})" for x, h in load.iter_rows()]
        problems.append(
            f"{load.height} élève(s) dépassent leur budget hebdomadaire de "
            f"{hours_text(plan.learner_budget)} : {_listing(listed)}."
        )

    teacher_load = (
        groups.filter(pl.col("staff").is_not_null())
        .group_by("staff")
        .agg(pl.col("hours_per_week").fill_null(0).sum().alias("hours"))
        .sort("staff")
    )
    for teacher, hours in teacher_load.iter_rows():
        available = staff_hours.get(teacher)
        if teacher in staff_hours and hours > (available or 0) + 1e-9:
            problems.append(
                f"{teacher} a {hours_text(hours)} de groupes par semaine pour "
                f"{hours_text(available or 0)} disponibles."
            )
    needed = float(groups.get_column("hours_per_week").fill_null(0).sum())
    offered = float(plan.staff.get_column("weekly_hours_available").fill_null(0).sum())
    if needed > offered + 1e-9:
        problems.append(
            f"Heures d'intervenants insuffisantes : {hours_text(needed)} de groupes par semaine "
            f"pour {hours_text(offered)} disponibles."
        )

    problems.extend(_double_bookings(groups, joined))

    uncovered = (
        plan.unplaced.filter(pl.col("need").is_not_null())
        .join(members.select("learner").unique(), on="learner", how="anti")
        .get_column("learner")
        .unique()
        .sort()
        .to_list()
    )
    if uncovered:
        problems.append(
            f"{len(uncovered)} élève(s) ayant un besoin ne sont dans aucun groupe : "
            f"{_listing(uncovered)}."
        )
    return problems


def _double_bookings(groups: pl.DataFrame, joined: pl.DataFrame) -> list[str]:
    intervals = {
        row["group_id"]: _interval(row["slot"], row["hours_per_week"])
        for row in groups.iter_rows(named=True)
    }
    names = dict(groups.select("group_id", "name").iter_rows())
    problems: list[str] = []
    seen: set[tuple[str, int, int]] = set()

    def clash(who: str, group_ids: list[int]) -> None:
        timed = [(g, intervals[g]) for g in sorted(set(group_ids)) if intervals.get(g)]
        for i, (a, ia) in enumerate(timed):
            for b, ib in timed[i + 1 :]:
                if _overlap(ia, ib) and (who, a, b) not in seen:
                    seen.add((who, a, b))
                    problems.append(
                        f"{who} est attendu à la même heure dans « {names[a]} » et « {names[b]} »."
                    )

    by_teacher = groups.filter(pl.col("staff").is_not_null()).group_by("staff").agg("group_id")
    for teacher, ids in by_teacher.sort("staff").iter_rows():
        if len(ids) > 1:
            clash(teacher, ids)
    by_learner = (
        joined.group_by("learner").agg("group_id").filter(pl.col("group_id").list.len() > 1)
    )
    for learner, ids in by_learner.sort("learner").iter_rows():
        clash(f"L'élève {learner}", ids)
    return problems


def with_checks(plan: Plan) -> Plan:
    return replace(plan, problems=tuple(check_plan(plan)))


def move_member(plan: Plan, learner: str, need: str, group_name: str | None) -> Plan:
    """Move the (learner, need) to the group named (None or NO_GROUP: out of every group).

    An unplaced (learner, need) can be placed this way too. Problems are re-checked.
    """
    target = None
    if group_name and group_name != NO_GROUP:
        found = plan.groups.filter(pl.col("name") == group_name).get_column("group_id")
        if found.is_empty():
            raise ValueError(f"Aucun groupe ne s'appelle « {group_name} ».")
        target = int(found[0])
    key = (pl.col("learner") == learner) & (pl.col("need") == need)
    current = plan.members.filter(key)
    waiting = plan.unplaced.filter(key)
    source = current if current.height else waiting
    if source.is_empty():
        raise ValueError(f"{learner} n'a pas de besoin « {need} » dans ce plan.")
    row = source.row(0, named=True)
    members = plan.members.filter(~key)
    unplaced = plan.unplaced.filter(~key)
    if target is None:
        unplaced = pl.concat(
            [
                unplaced,
                _typed([{**row, "reason": "retiré des groupes par l'équipe"}], UNPLACED_COLUMNS),
            ]
        )
    else:
        members = pl.concat([members, _typed([{**row, "group_id": target}], MEMBER_COLUMNS)])
    return with_checks(
        replace(plan, members=members.sort("group_id", "learner"), unplaced=unplaced)
    )


def edit_group(plan: Plan, group_id: int, **changes: object) -> Plan:
    """The plan with the group's name, staff, hours_per_week or slot changed; re-checked."""
    allowed = {"name", "staff", "hours_per_week", "slot"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"Colonnes non modifiables : {', '.join(sorted(unknown))}.")
    if group_id not in plan.groups.get_column("group_id").to_list():
        raise ValueError(f"Aucun groupe n° {group_id}.")
    values = dict(changes)
    for column in ("name", "staff", "slot"):
        if column in values and isinstance(values[column], str):
            values[column] = values[column].strip() or None
    groups = plan.groups.with_columns(
        [
            pl.when(pl.col("group_id") == group_id)
            .then(pl.lit(value, dtype=GROUP_COLUMNS[column]))
            .otherwise(pl.col(column))
            .alias(column)
            for column, value in values.items()
        ]
    )
    return with_checks(replace(plan, groups=groups))


def add_group(
    plan: Plan, name: str, need: str, staff: str | None = None, slot: str | None = None
) -> Plan:
    """A new empty group (the team then moves learners into it); re-checked."""
    next_id = int(plan.groups.get_column("group_id").max() or 0) + 1
    hours = (
        plan.learner_budget
        if plan.groups.is_empty()
        else plan.groups.get_column("hours_per_week").median()
    )
    row = {
        "group_id": next_id,
        "name": name.strip(),
        "need": need,
        "level": None,
        "staff": staff,
        "hours_per_week": hours,
        "slot": slot,
    }
    return with_checks(replace(plan, groups=pl.concat([plan.groups, _typed([row], GROUP_COLUMNS)])))


def remove_group(plan: Plan, group_id: int) -> Plan:
    """The plan without the group; its members become unplaced ("groupe supprimé")."""
    leaving = plan.members.filter(pl.col("group_id") == group_id)
    unplaced = pl.concat(
        [
            plan.unplaced,
            _typed(
                leaving.with_columns(pl.lit("groupe supprimé par l'équipe").alias("reason")),
                UNPLACED_COLUMNS,
            ),
        ]
    )
    return with_checks(
        replace(
            plan,
            groups=plan.groups.filter(pl.col("group_id") != group_id),
            members=plan.members.filter(pl.col("group_id") != group_id),
            unplaced=unplaced,
        )
    )


# --- views and outputs -------------------------------------------------------------------


def group_summary(plan: Plan) -> pl.DataFrame:
    """One row per group: name, need, level, staff, hours_per_week, slot, size."""
    sizes = plan.members.group_by("group_id").agg(pl.len().cast(pl.Int64).alias("size"))
    return (
        plan.groups.join(sizes, on="group_id", how="left")
        .with_columns(pl.col("size").fill_null(0).alias("size"))
        .select("group_id", "name", "need", "level", "staff", "hours_per_week", "slot", "size")
        .sort("group_id")
    )


def member_view(plan: Plan) -> pl.DataFrame:
    """Every (learner, need) of the plan, placed or not, with its group name (NO_GROUP if none)."""
    names = plan.groups.select("group_id", pl.col("name").alias("group"))
    placed = plan.members.join(names, on="group_id", how="left").select(
        "learner", "name", "class_group", "need", "level", pl.col("group").fill_null(NO_GROUP)
    )
    waiting = plan.unplaced.filter(pl.col("need").is_not_null()).select(
        "learner", "name", "class_group", "need", "level", pl.lit(NO_GROUP).alias("group")
    )
    return pl.concat([placed, waiting]).sort("learner", "need")


def staff_load(plan: Plan) -> pl.DataFrame:
    """Staff with their weekly hours available and planned."""
    planned = (
        plan.groups.filter(pl.col("staff").is_not_null())
        .group_by("staff")
        .agg(pl.col("hours_per_week").sum().alias("hours_planned"))
    )
    return (
        plan.staff.join(planned, on="staff", how="full", coalesce=True)
        .select(
            "staff",
            pl.col("weekly_hours_available").fill_null(0.0).alias("weekly_hours_available"),
            pl.col("hours_planned").fill_null(0.0).alias("hours_planned"),
        )
        .sort("staff")
    )


def plan_json(plan: Plan) -> dict:
    """{"groups": [{name, need, staff, slot, hours_per_week, members}], "unplaced": [...],
    "problems": [...]} for schools' own scripts."""
    members = plan.members.group_by("group_id").agg(pl.col("learner").sort().alias("members"))
    groups = plan.groups.join(members, on="group_id", how="left").sort("group_id")
    return {
        "groups": [
            {
                "name": row["name"],
                "need": row["need"],
                "staff": row["staff"],
                "slot": row["slot"],
                "hours_per_week": row["hours_per_week"],
                "members": row["members"] or [],
            }
            for row in groups.iter_rows(named=True)
        ],
        "unplaced": [
            {"learner": row["learner"], "need": row["need"], "reason": row["reason"]}
            for row in plan.unplaced.iter_rows(named=True)
        ],
        "problems": list(plan.problems),
    }


def plan_figures(plan: Plan) -> dict[str, int]:
    """groups, placed (learners in a group), waiting (needs without a group), problems."""
    return {
        "groups": plan.groups.height,
        "placed": plan.members.get_column("learner").n_unique(),
        "waiting": plan.unplaced.filter(pl.col("need").is_not_null()).height,
        "problems": len(plan.problems),
    }


def plan_needs(plan: Plan) -> list[str]:
    """The needs of the plan's learners (placed or not), sorted."""
    return sorted(set(member_view(plan).get_column("need").to_list()))


def group_ids_by_name(plan: Plan) -> dict[str, int]:
    return dict(plan.groups.select("name", "group_id").iter_rows())


def plan_text(plan: Plan, limit: int = 30) -> str:
    """A French summary of the plan for the command line."""
    figures = plan_figures(plan)
    placed, waiting = figures["placed"], figures["waiting"]
    out = [
        f"{plan_title(plan)} : {plan.groups.height} groupe(s), {placed} élève(s) placé(s), "
        f"{waiting} besoin(s) sans groupe (groupes de {plan.max_size} élèves au plus, "
        f"{hours_text(plan.learner_budget)} par semaine et par élève).",
        "",
        "Groupes :",
    ]
    for row in group_summary(plan).iter_rows(named=True):
        out.append(
            f"- {row['name']} ({row['size']} élèves) : {row['staff'] or 'sans intervenant'}, "
            f"{row['slot'] or 'sans créneau'}, {hours_text(row['hours_per_week'])} par semaine"
        )
    if plan.unplaced.height:
        out += ["", "Non placés :"]
        for row in unplaced_view(plan).head(limit).iter_rows(named=True):
            need = f" — {row['need']}" if row["need"] else ""
            out.append(f"- {row['learner']}{need} : {row['reason']}")
        if plan.unplaced.height > limit:
            out.append(f"… et {plan.unplaced.height - limit} autre(s) (voir --out ou --json).")
    if plan.problems:
        out += ["", "Points à revoir :", *[f"- {p}" for p in plan.problems[:limit]]]
        if len(plan.problems) > limit:
            out.append(f"… et {len(plan.problems) - limit} autre(s).")
    else:
        out += ["", "Toutes les contraintes sont respectées."]
    return "\n".join(out)


def plan_title(plan: Plan) -> str:
    return f"Plan {plan.kind} du {plan.period.start:%d/%m/%Y} au {plan.period.end:%d/%m/%Y}"


def workbook_content(plan: Plan) -> dict:
    """The keyword arguments of data_access.plans.plan_workbook_bytes for the plan: title,
    summary (one row per group, French labels), groups [(name, header lines, members)],
    unplaced (with reasons) and problems."""
    summary = (
        group_summary(plan)
        .drop("group_id")
        .rename(
            {
                k: v
                for k, v in LABELS.items()
                if k in ("name", "need", "level", "staff", "hours_per_week", "slot", "size")
            }
        )
    )
    sheets = []
    for row in plan.groups.sort("group_id").iter_rows(named=True):
        lines = [
            f"Groupe : {row['name']}",
            f"Besoin : {row['need']} ({row['level'] or 'niveau libre'})",
            f"Intervenant : {row['staff'] or 'à désigner'}",
            f"Créneau : {row['slot'] or 'à fixer'}, {hours_text(row['hours_per_week'])} par semaine",
            f"Période : du {plan.period.start:%d/%m/%Y} au {plan.period.end:%d/%m/%Y}",
        ]
        people = (
            plan.members.filter(pl.col("group_id") == row["group_id"])
            .sort("class_group", "learner", nulls_last=True)
            .select(
                pl.col("learner").alias("Identifiant"),
                pl.col("name").alias("Nom"),
                pl.col("class_group").alias("Classe"),
                pl.col("level").alias("Niveau"),
            )
        )
        sheets.append((row["name"], lines, people))
    unplaced = unplaced_view(plan).rename(UNPLACED_LABELS)
    return {
        "title": plan_title(plan),
        "summary": summary,
        "groups": sheets,
        "unplaced": unplaced,
        "problems": list(plan.problems),
    }


def unplaced_view(plan: Plan) -> pl.DataFrame:
    """The needs without a group and the learners without a need, with their reason."""
    return plan.unplaced.sort("learner", "need", nulls_last=True)


# --- follow-up of saved plans -----------------------------------------------------------


def saved_plans(frames: Frames) -> pl.DataFrame:
    """The saved plans: kind, site, period_start, period_end, groups, learners (one row each)."""
    sites = frames.sites.select(pl.col("id").alias("site_id"), pl.col("name").alias("site"))
    return (
        frames.need_groups.join(sites, on="site_id", how="left")
        .join(frames.need_group_members, left_on="id", right_on="need_group_id", how="left")
        .group_by("kind", "site", "period_start", "period_end")
        .agg(
            pl.col("id").n_unique().cast(pl.Int64).alias("groups"),
            pl.col("learner_id").drop_nulls().n_unique().cast(pl.Int64).alias("learners"),
        )
        .sort("period_start", "kind", "site", descending=[True, False, False], nulls_last=True)
    )


def _plan_groups(
    frames: Frames, kind: str, site: str | None, start: date, end: date
) -> pl.DataFrame:
    sites = frames.sites.select(pl.col("id").alias("site_id"), pl.col("name").alias("site"))
    condition = (
        (pl.col("kind") == kind) & (pl.col("period_start") == start) & (pl.col("period_end") == end)
    )
    condition &= pl.col("site").is_null() if site is None else pl.col("site") == site
    return frames.need_groups.join(sites, on="site_id", how="left").filter(condition)


def _plan_members(frames: Frames, groups: pl.DataFrame) -> pl.DataFrame:
    return frames.need_group_members.join(
        groups.select(
            pl.col("id").alias("need_group_id"),
            pl.col("name").alias("group"),
            "need",
            "planned_hours_per_week",
        ),
        on="need_group_id",
        how="inner",
    ).join(
        frames.learners.select(
            pl.col("id").alias("learner_id"), pl.col("external_id").alias("learner")
        ),
        on="learner_id",
        how="left",
    )


def _weeks(period: Period, as_of: date | None) -> float:
    last = period.end if as_of is None else min(period.end, as_of)
    if last < period.start:
        return 0.0
    return ((last - period.start).days + 1) / 7.0


def hours_followup(
    frames: Frames,
    *,
    kind: str,
    site: str | None,
    start: date,
    end: date,
    as_of: date | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(per group, per learner) hours planned against delivered for a saved plan.

    Planned to date = planned hours per week x weeks elapsed from the period's start to
    min(end, as_of) (calendar weeks, days / 7). Delivered per group = durations of the support
    sessions of the need group held in the period (each once, whatever the attendance);
    received per learner = durations of those sessions the learner attended (present).

    Groups: group, need, staff, planned_hours_per_week, planned, delivered, sessions, rate.
    Learners: learner, planned, received, absent_hours, rate.
    """
    period = Period(start, end)
    weeks = _weeks(period, as_of)
    groups = _plan_groups(frames, kind, site, start, end).join(
        frames.staff.select(pl.col("id").alias("staff_id"), pl.col("name").alias("staff")),
        on="staff_id",
        how="left",
    )
    last = end if as_of is None else min(end, as_of)
    sessions = frames.support_sessions.filter(
        pl.col("need_group_id").is_in(groups.get_column("id").implode())
        & pl.col("held_on").is_between(start, last, closed="both")
    )
    delivered = sessions.group_by("need_group_id").agg(
        pl.col("duration_hours").sum().alias("delivered"),
        pl.len().cast(pl.Int64).alias("sessions"),
    )
    per_group = (
        groups.join(delivered, left_on="id", right_on="need_group_id", how="left")
        .select(
            pl.col("name").alias("group"),
            "need",
            "staff",
            "planned_hours_per_week",
            (pl.col("planned_hours_per_week") * weeks).alias("planned"),
            pl.col("delivered").fill_null(0.0).alias("delivered"),
            pl.col("sessions").fill_null(0).alias("sessions"),
        )
        .with_columns(
            pl.when(pl.col("planned") > 0)
            .then(pl.col("delivered") / pl.col("planned"))
            .otherwise(None)
            .alias("rate")
        )
        .sort("group")
    )
    members = _plan_members(frames, groups)
    attended = (
        frames.attendance.join(
            sessions.select(pl.col("id").alias("session_id"), "need_group_id", "duration_hours"),
            on="session_id",
            how="inner",
        )
        .join(
            members.select("need_group_id", "learner_id"),
            on=["need_group_id", "learner_id"],
            how="inner",
        )
        .group_by("learner_id")
        .agg(
            pl.col("duration_hours").filter(pl.col("present")).sum().alias("received"),
            pl.col("duration_hours").filter(~pl.col("present")).sum().alias("absent_hours"),
        )
    )
    per_learner = (
        members.group_by("learner_id", "learner")
        .agg(
            (pl.col("planned_hours_per_week").sum() * weeks).alias("planned"),
            pl.col("group").sort().str.join(", ").alias("groups"),
        )
        .join(attended, on="learner_id", how="left")
        .select(
            "learner",
            "groups",
            "planned",
            pl.col("received").fill_null(0.0).alias("received"),
            pl.col("absent_hours").fill_null(0.0).alias("absent_hours"),
        )
        .with_columns(
            pl.when(pl.col("planned") > 0)
            .then(pl.col("received") / pl.col("planned"))
            .otherwise(None)
            .alias("rate")
        )
        .sort("learner")
    )
    return per_group, per_learner


def group_changes(
    frames: Frames,
    *,
    kind: str,
    site: str | None,
    before: tuple[date, date],
    after: tuple[date, date],
) -> pl.DataFrame:
    """Learners whose group changed between two saved plans, need by need.

    Columns: learner, need, group_before, group_after, change ("changement de groupe",
    "entrée", "sortie"). Learners in the same group (same name) in both are left out.
    """
    sides = []
    for suffix, (start, end) in (("before", before), ("after", after)):
        groups = _plan_groups(frames, kind, site, start, end)
        sides.append(
            _plan_members(frames, groups).select(
                "learner", "need", pl.col("group").alias(f"group_{suffix}")
            )
        )
    return (
        sides[0]
        .join(sides[1], on=["learner", "need"], how="full", coalesce=True)
        .filter(
            pl.col("group_before").is_null()
            | pl.col("group_after").is_null()
            | (pl.col("group_before") != pl.col("group_after"))
        )
        .with_columns(
            pl.when(pl.col("group_before").is_null())
            .then(pl.lit("entrée"))
            .when(pl.col("group_after").is_null())
            .then(pl.lit("sortie"))
            .otherwise(pl.lit("changement de groupe"))
            .alias("change")
        )
        .select("learner", "need", "group_before", "group_after", "change")
        .sort("learner", "need")
    )
