"""Planning AP need groups: the pure proposal, its checks and the edits, on hand-made cases."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from world import World

from data_access.frames import Frames
from domain import KIND_AIDE
from indicators import plan_followup
from indicators.common import Period
from planning import edits, printable, proposal, request
from planning.edits import edit_group, move_member
from planning.plan import NO_GROUP, Plan, group_summary, member_view, parse_slot
from planning.plan import group_hours as plan_group_hours
from planning.proposal import propose_plan

PERIOD = Period(date(2025, 11, 3), date(2025, 12, 14))
SEPT = date(2025, 9, 15)


def diagnostics(*rows: tuple[str, str, str] | tuple[str, str, str, date]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "learner": r[0],
                "need": r[1],
                "level": r[2],
                "assessed_on": r[3] if len(r) > 3 else SEPT,
            }
            for r in rows
        ],
        schema={
            "learner": pl.String,
            "need": pl.String,
            "level": pl.String,
            "assessed_on": pl.Date,
        },
    )


def staff(**hours: float | None) -> pl.DataFrame:
    return pl.DataFrame(
        {"staff": list(hours), "weekly_hours_available": list(hours.values())},
        schema={"staff": pl.String, "weekly_hours_available": pl.Float64},
    )


def learners(*ids: str, class_group: str | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {"learner": list(ids), "class_group": [class_group] * len(ids)},
        schema={"learner": pl.String, "class_group": pl.String},
    )


def groups_of(plan: Plan) -> dict[str, list[str]]:
    view = plan.members.join(
        plan.groups.select("group_id", pl.col("name").alias("group")), on="group_id"
    )
    return {
        name: sorted(members) for name, members in view.group_by("group").agg("learner").iter_rows()
    }


def reasons(plan: Plan) -> dict[tuple[str, str | None], str]:
    return {(r["learner"], r["need"]): r["reason"] for r in plan.unplaced.iter_rows(named=True)}


def intervals(plan: Plan) -> dict[int, tuple[int, int, int]]:
    out = {}
    for row in plan.groups.iter_rows(named=True):
        day, start = parse_slot(row["slot"])
        out[row["group_id"]] = (day, start, start + round(row["hours_per_week"] * 60))
    return out


def assert_no_double_booking(plan: Plan) -> None:
    spans = intervals(plan)
    people = plan.members.group_by("learner").agg("group_id").iter_rows()
    teachers = (
        plan.groups.filter(pl.col("staff").is_not_null())
        .group_by("staff")
        .agg("group_id")
        .iter_rows()
    )
    for _, ids in [*people, *teachers]:
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                sa, sb = spans[a], spans[b]
                assert not (sa[0] == sb[0] and sa[1] < sb[2] and sb[1] < sa[2]), (a, b)


def no_time(needs: int, hours: str) -> str:
    """The problem of needs left without a group for want of weekly time."""
    return (
        f"{needs} besoin(s) d'élèves déjà dans un groupe restent sans groupe : {needs} faute de "
        f"temps (le temps hebdomadaire de l'élève, {hours}, est pris par ses groupes : "
        "partagez-le entre plusieurs besoins pour en prendre plus) (voir « Non placés et "
        "raisons »)."
    )


# --- the worked example -----------------------------------------------------------------


WORKED = diagnostics(
    ("a", "maths", "non acquis"),
    ("b", "maths", "non acquis"),
    ("c", "maths", "en cours"),
    ("d", "maths", "en cours"),
    ("e", "maths", "en cours"),
    ("a", "français", "non acquis"),
    ("b", "français", "en cours"),
    ("f", "français", "en cours"),
    ("g", "français", "non acquis"),
)


def test_worked_example_places_everyone_with_a_need_and_explains_the_rest() -> None:
    plan = propose_plan(WORKED, learners(*"abcdefgh"), staff(**{"Mme X": 5.0, "M. Y": 2.5}), PERIOD)
    # maths: 5 learners, français: 4. Greedy urgency puts a and b in maths, leaving français
    # with f and g only (< 3); français recruits a (non acquis) from maths, which can spare one.
    assert groups_of(plan) == {
        "maths – mixte": ["b", "c", "d", "e"],
        "français – mixte": ["a", "f", "g"],
    }
    summary = group_summary(plan).select("name", "staff", "slot", "hours_per_week", "size")
    assert summary.rows() == [
        ("maths – mixte", "Mme X", "lundi 08:00", 2.5, 4),
        ("français – mixte", "M. Y", "lundi 10:30", 2.5, 3),
    ]
    why = reasons(plan)
    assert set(why) == {("h", None), ("a", "maths"), ("b", "français")}
    assert why[("h", None)].startswith("aucun besoin diagnostiqué")
    assert (
        why[("a", "maths")]
        == "budget hebdomadaire de l'élève (2\u00a0h\u00a030) déjà pris par : français"
    )
    assert why[("b", "français")].endswith("déjà pris par : maths")
    # a need without a group is an unmet constraint, said so with its cause
    assert plan.problems == (no_time(2, "2\u00a0h\u00a030"),)


def test_levels_are_grouped_apart_then_split_in_balanced_groups_under_the_cap() -> None:
    rows = [(f"n{i:02d}", "maths", "non acquis") for i in range(20)]
    rows += [(f"e{i:02d}", "maths", "en cours") for i in range(7)]
    plan = propose_plan(diagnostics(*rows), None, staff(P1=10.0, P2=10.0), PERIOD, kind=KIND_AIDE)
    sizes = group_summary(plan).select("name", "level", "size").rows()
    assert sizes == [
        ("maths – non acquis 1", "non acquis", 7),
        ("maths – non acquis 2", "non acquis", 7),
        ("maths – non acquis 3", "non acquis", 6),
        ("maths – en cours", "en cours", 7),
    ]
    assert plan.max_size == 8 and plan.learner_budget == 1.0
    assert plan.groups.get_column("hours_per_week").to_list() == [1.0] * 4
    assert plan.unplaced.is_empty()
    assert plan.problems == ()


def test_ap_has_a_default_cap_of_15_that_max_size_overrides() -> None:
    rows = [(f"x{i:02d}", "oral", "en cours") for i in range(31)]
    plan = propose_plan(diagnostics(*rows), None, staff(P=20.0), PERIOD)
    assert group_summary(plan).get_column("size").to_list() == [11, 10, 10]
    plan = propose_plan(diagnostics(*rows), None, staff(P=20.0), PERIOD, max_size=31)
    assert group_summary(plan).get_column("size").to_list() == [31]


def test_aide_individualisee_cannot_exceed_eight_and_sizes_must_be_coherent() -> None:
    with pytest.raises(ValueError, match="au plus 8 élèves"):
        propose_plan(WORKED, None, staff(P=5.0), PERIOD, kind=KIND_AIDE, max_size=10)
    with pytest.raises(ValueError, match="incohérentes"):
        propose_plan(WORKED, None, staff(P=5.0), PERIOD, max_size=2, min_size=3)
    with pytest.raises(ValueError, match="dépasse le budget"):
        propose_plan(WORKED, None, staff(P=5.0), PERIOD, hours_per_group=3.0)


def test_only_the_latest_diagnostic_up_to_the_period_end_counts() -> None:
    rows = [
        ("a", "maths", "non acquis", date(2025, 9, 10)),
        ("a", "maths", "acquis", date(2025, 10, 1)),  # acquired since: no group
        ("b", "maths", "acquis", date(2025, 9, 10)),
        ("b", "maths", "non acquis", date(2026, 1, 5)),  # after the period: ignored
        ("c", "maths", "acquis", date(2025, 9, 10)),
        ("c", "maths", "en cours", date(2025, 10, 2)),
    ]
    latest = proposal.latest_needs(diagnostics(*rows), PERIOD)
    assert sorted(latest.select("learner", "level").rows()) == [
        ("a", "acquis"),
        ("b", "acquis"),
        ("c", "en cours"),
    ]
    plan = propose_plan(diagnostics(*rows), None, staff(P=5.0), PERIOD, min_size=1)
    assert groups_of(plan) == {"maths – en cours": ["c"]}
    assert reasons(plan)[("a", None)].startswith("tous ses besoins diagnostiqués sont acquis")


def test_a_need_with_too_few_learners_is_explained() -> None:
    rows = [(x, "maths", "non acquis") for x in "abcd"] + [("e", "anglais", "en cours")]
    plan = propose_plan(diagnostics(*rows), None, staff(P=5.0), PERIOD)
    assert groups_of(plan) == {"maths – non acquis": ["a", "b", "c", "d"]}
    assert reasons(plan) == {
        (
            "e",
            "anglais",
        ): "besoin partagé par trop peu d'élèves disponibles (1, minimum 3 par groupe)"
    }
    assert plan.problems == ("1 élève(s) ayant un besoin ne sont dans aucun groupe : e.",)


def test_a_learner_with_three_needs_gets_the_most_urgent_within_budget() -> None:
    rows = []
    for learner in "abc":
        rows += [(learner, "maths", "en cours"), (learner, "oral", "non acquis")]
        rows += [(learner, "anglais", "non acquis")]
    rows += [("d", "maths", "en cours")]
    plan = propose_plan(
        diagnostics(*rows), None, staff(P=20.0), PERIOD, hours_per_group=1.25, min_size=1
    )
    # budget 2,5 h = two groups of 1,25 h: the two "non acquis" needs come before maths
    assert groups_of(plan) == {
        "anglais – non acquis": ["a", "b", "c"],
        "oral – non acquis": ["a", "b", "c"],
        "maths – en cours": ["d"],
    }
    why = reasons(plan)
    assert set(why) == {("a", "maths"), ("b", "maths"), ("c", "maths")}
    assert why[("a", "maths")].endswith("déjà pris par : anglais, oral")
    hours = (
        plan.members.join(plan.groups, on="group_id")
        .group_by("learner")
        .agg(pl.col("hours_per_week").sum())
    )
    assert hours.get_column("hours_per_week").max() <= 2.5
    assert_no_double_booking(plan)
    assert plan.problems == (no_time(3, "2\u00a0h\u00a030"),)


def test_nobody_is_double_booked_when_one_teacher_takes_many_groups() -> None:
    needs = ["maths", "oral", "anglais", "méthode"]
    rows = [(f"l{i}", need, "non acquis") for i in range(12) for need in needs]
    plan = propose_plan(
        diagnostics(*rows),
        None,
        staff(Seul=40.0),
        PERIOD,
        kind=KIND_AIDE,
        max_size=6,
        hours_per_group=0.5,
    )
    # 2 needs each (1 h / 0,5 h), the same two for all (ties broken by name), cap 6
    assert plan.groups.get_column("name").to_list() == [
        "anglais – non acquis 1",
        "anglais – non acquis 2",
        "maths – non acquis 1",
        "maths – non acquis 2",
    ]
    assert plan.groups.get_column("staff").to_list() == ["Seul"] * 4
    assert plan.members.group_by("learner").len().get_column("len").to_list() == [2] * 12
    assert_no_double_booking(plan)
    assert plan.problems == (no_time(24, "1\u00a0h"),)


def test_a_short_grid_never_double_books_the_teacher_but_explains() -> None:
    rows = [(f"m{i}", "maths", "non acquis") for i in range(3)]
    rows += [(f"o{i}", "oral", "non acquis") for i in range(3)]
    plan = propose_plan(diagnostics(*rows), None, staff(Seul=10.0), PERIOD, slots=("lundi 08:00",))
    assert set(plan.groups.get_column("staff").to_list()) == {"Seul", None}
    assert "n'a pas d'intervenant" in " ".join(plan.problems)


def test_missing_staff_hours_are_explained() -> None:
    rows = [(f"m{i}", "maths", "non acquis") for i in range(3)]
    rows += [(f"o{i}", "oral", "en cours") for i in range(3)]
    plan = propose_plan(diagnostics(*rows), None, staff(P=2.5, Q=None), PERIOD)
    # the "non acquis" group comes first and takes P's hours
    assert dict(plan.groups.select("name", "staff").rows()) == {
        "maths – non acquis": "P",
        "oral – en cours": None,
    }
    assert plan.problems == (
        "Le groupe « oral – en cours » n'a pas d'intervenant.",
        "Heures d'intervenants insuffisantes : 5\u00a0h de groupes par semaine pour "
        "2,5\u00a0h disponibles.",
    )


def test_needs_left_without_a_group_are_problems_and_the_weekly_time_can_be_shared() -> None:
    """a-d have maths (non acquis) and oral (en cours); e alone has anglais. With groups of
    2 h 30, each learner's weekly 2 h 30 of AP takes one need: maths, the most urgent; the 4
    oral needs wait for want of time, and e's anglais, shared by nobody, leaves e in no group.
    Shared across two needs (groups of 1 h 15), oral gets its group; e remains."""
    rows = [(x, need, level) for x in "abcd" for need, level in
            (("maths", "non acquis"), ("oral", "en cours"))]  # fmt: skip
    rows.append(("e", "anglais", "non acquis"))
    people = pl.DataFrame(
        {
            "learner": list("abcde"),
            "name": ["Dupont Léa", "Martin Noé", "Petit Inès", "Roux Sami", "Leroy Emma"],
        }
    )
    plan = propose_plan(diagnostics(*rows), people, staff(P=20.0), PERIOD)
    assert plan.problems == (
        "1 élève(s) ayant un besoin ne sont dans aucun groupe : Leroy Emma (e).",
        no_time(4, "2\u00a0h\u00a030"),
    )
    assert plan_group_hours(2.5, 1) == 2.5
    assert plan_group_hours(2.5, 2) == 1.25
    assert plan_group_hours(2.5, 3) == pytest.approx(50 / 60)
    assert plan_group_hours(1.0, 4) == 0.25
    shared = propose_plan(
        diagnostics(*rows), people, staff(P=20.0), PERIOD, hours_per_group=plan_group_hours(2.5, 2)
    )
    assert groups_of(shared) == {
        "maths – non acquis": list("abcd"),
        "oral – en cours": list("abcd"),
    }
    assert shared.problems == (
        "1 élève(s) ayant un besoin ne sont dans aucun groupe : Leroy Emma (e).",
    )
    # an edit's problems name the learner by name
    moved = move_member(shared, "a", "maths", "oral – en cours")
    assert moved.problems[0] == (
        "Dupont Léa (a) est placé pour le besoin « maths » dans le groupe « oral – en cours », "
        "qui traite « oral »."
    )


# --- edits re-checked ---------------------------------------------------------------------


def small_plan() -> Plan:
    rows = [(f"m{i}", "maths", "non acquis") for i in range(4)]
    rows += [(f"o{i}", "oral", "non acquis") for i in range(4)]
    plan = propose_plan(
        diagnostics(*rows), None, staff(P=5.0, Q=2.5), PERIOD, kind=KIND_AIDE, max_size=4
    )
    assert plan.problems == ()
    return plan


def test_moving_a_learner_is_rechecked() -> None:
    plan = small_plan()
    moved = move_member(plan, "m0", "maths", "oral – non acquis")
    assert moved.problems == (
        "Le groupe « oral – non acquis » compte 5 élèves, plus que le maximum de 4.",
        "m0 est placé pour le besoin « maths » dans le groupe « oral – non acquis », qui "
        "traite « oral ».",
    )
    back = move_member(moved, "m0", "maths", "maths – non acquis")
    assert back.problems == ()
    out = move_member(plan, "m1", "maths", NO_GROUP)
    assert out.problems == ("1 élève(s) ayant un besoin ne sont dans aucun groupe : m1.",)
    assert reasons(out)[("m1", "maths")] == "retiré des groupes par l'équipe"
    assert move_member(out, "m1", "maths", "maths – non acquis").problems == ()
    with pytest.raises(ValueError, match="Aucun groupe"):
        move_member(plan, "m1", "maths", "inconnu")


def test_editing_a_group_is_rechecked() -> None:
    plan = small_plan()
    ids = dict(plan.groups.select("name", "group_id").rows())
    maths, oral = ids["maths – non acquis"], ids["oral – non acquis"]
    slot_of_maths = plan.groups.filter(pl.col("group_id") == maths).item(0, "slot")

    same_slot = edit_group(plan, oral, staff="P", slot=slot_of_maths)
    assert any("P est attendu à la même heure" in p for p in same_slot.problems)

    overlapping = edit_group(plan, maths, staff="Q", slot="mardi 10:00")
    overlapping = edit_group(overlapping, oral, staff="Q", slot="mardi 10:30")  # 1 h groups
    assert overlapping.problems == (
        "Q est attendu à la même heure dans « maths – non acquis » et « oral – non acquis ».",
    )
    assert edit_group(overlapping, oral, slot="mardi 11:00").problems == ()

    assert edit_group(plan, maths, hours_per_week=3.0, staff="Q").problems == (
        "4 élève(s) dépassent leur budget hebdomadaire de 1\u00a0h : m0 (3\u00a0h), "
        "m1 (3\u00a0h), m2 (3\u00a0h), m3 (3\u00a0h).",
        "Q a 3\u00a0h de groupes par semaine pour 2,5\u00a0h disponibles.",
    )
    assert edit_group(plan, maths, name="oral – non acquis").problems == (
        "Plusieurs groupes s'appellent « oral – non acquis » : donnez-leur des noms distincts.",
    )
    assert edit_group(plan, maths, slot="un jour").problems == (
        "Le créneau « un jour » du groupe « maths – non acquis » est illisible (exemple "
        "attendu : lundi 14:00).",
    )
    assert (
        edit_group(plan, maths, staff="Inconnu").problems[0].startswith("L'intervenant « Inconnu »")
    )
    renamed = edit_group(plan, maths, name="Calcul mental")
    assert "Calcul mental" in member_view(renamed).get_column("group").to_list()
    assert renamed.problems == ()


def test_removing_a_group_unplaces_its_members() -> None:
    plan = small_plan()
    maths = plan.groups.filter(pl.col("need") == "maths").item(0, "group_id")
    removed = edits.remove_group(plan, maths)
    assert removed.groups.height == 1
    assert removed.problems == (
        "4 élève(s) ayant un besoin ne sont dans aucun groupe : m0, m1, m2, m3.",
    )
    added = edits.add_group(removed, "Maths bis", "maths", staff="Q", slot="jeudi 08:00")
    for learner in ("m0", "m1", "m2", "m3"):
        added = move_member(added, learner, "maths", "Maths bis")
    assert added.problems == ()


def test_slots_are_read_in_french() -> None:
    assert parse_slot("lundi 14:00") == (0, 840)
    assert parse_slot("Mercredi 9h30") == (2, 570)
    assert parse_slot("ven. 16h") == (4, 960)
    assert parse_slot("ma 10:00") is None  # too short to tell mardi from mars
    assert parse_slot("lundi 25:00") is None
    assert parse_slot(None) is None


def test_json_has_the_documented_shape() -> None:
    plan = propose_plan(WORKED, learners(*"abcdefgh"), staff(**{"Mme X": 5.0, "M. Y": 2.5}), PERIOD)
    data = printable.plan_json(plan)
    assert set(data) == {"groups", "unplaced", "problems"}
    assert data["groups"][0] == {
        "name": "maths – mixte",
        "need": "maths",
        "staff": "Mme X",
        "slot": "lundi 08:00",
        "hours_per_week": 2.5,
        "members": ["b", "c", "d", "e"],
    }
    assert {"learner": "h", "need": None, "reason": data["unplaced"][0]["reason"]} in data[
        "unplaced"
    ]
    assert all(set(u) == {"learner", "need", "reason"} for u in data["unplaced"])


def test_text_and_workbook_content() -> None:
    plan = propose_plan(WORKED, learners(*"abcdefgh"), staff(**{"Mme X": 5.0, "M. Y": 2.5}), PERIOD)
    text = printable.plan_text(plan)
    assert text.startswith("Plan AP du 03/11/2025 au 14/12/2025 : 2 groupe(s), 7 élève(s) placé(s)")
    assert "- maths – mixte (4 élèves) : Mme X, lundi 08:00, 2,5\u00a0h par semaine" in text
    content = printable.workbook_content(plan)
    assert content["summary"].columns == [
        "Groupe",
        "Besoin",
        "Niveau",
        "Intervenant",
        "Heures par semaine",
        "Créneau",
        "Élèves",
    ]
    name, lines, members = content["groups"][0]
    assert name == "maths – mixte"
    assert lines[2] == "Intervenant : Mme X"
    assert members.get_column("Identifiant").to_list() == ["b", "c", "d", "e"]
    assert content["unplaced"].columns[0] == "Identifiant"


# --- inputs from the database frames and follow-up ------------------------------------------


def demo_world() -> World:
    """Nord (P, 5 h; class 2BP1: Durand Léa, Martin, Petit Tom who left on 01/10), Sud (Q, 5 h;
    class 2BP2: A3), R of no site; everyone "non acquis" in maths."""
    w = World()
    w.staff("P", site="Nord", weekly_hours=5.0)
    w.staff("Q", site="Sud", weekly_hours=5.0)
    w.staff("R")
    w.group("2BP1", site="Nord")
    w.group("2BP2", site="Sud")
    september = date(2025, 9, 1)
    w.learner("A1", group="2BP1", entered=september, last_name="Durand", first_name="Léa")
    w.learner("A2", group="2BP1", entered=september, last_name="Martin")
    w.learner("A3", group="2BP2", entered=september)
    w.learner(
        "A4",
        group="2BP1",
        entered=september,
        left=date(2025, 10, 1),
        reason="abandon",
        last_name="Petit",
        first_name="Tom",
    )
    for learner in ("A1", "A2", "A3", "A4"):
        w.diagnostic(learner, "maths", "non acquis", SEPT)
    return w


def demo_frames() -> Frames:
    return demo_world().frames()


def test_planning_inputs_keep_learners_and_staff_in_scope() -> None:
    diag, people, team = request.planning_inputs(demo_frames(), PERIOD, sites=["Nord"])
    # A4 left on 01/10 (before the period), A3 is at site Sud
    assert people.rows() == [("A1", "Durand Léa", "2BP1"), ("A2", "Martin", "2BP1")]
    assert sorted(diag.get_column("learner").to_list()) == ["A1", "A2"]
    assert team.rows() == [("P", 5.0), ("R", None)]
    _, people, team = request.planning_inputs(demo_frames(), PERIOD, groups=["2BP2"])
    assert people.get_column("learner").to_list() == ["A3"]
    assert team.height == 3


def test_hours_followup_and_group_changes() -> None:
    first, second = (
        (date(2025, 11, 3), date(2025, 11, 16)),
        (date(2025, 11, 17), date(2025, 11, 30)),
    )
    w = demo_world()
    plan = {"need": "maths", "kind": "AP", "site": "Nord", "slot": "lundi 08:00"}
    w.need_group("G1", **plan, start=first[0], end=first[1], staff="P", hours_per_week=2.0,
                 members=["A1", "A2"])  # fmt: skip
    w.need_group("G2", **plan, start=first[0], end=first[1], staff="Q", hours_per_week=1.0,
                 members=["A3"])  # fmt: skip
    w.session("AP", date(2025, 11, 3), 2.0, need_group="G1", present=["A1", "A2"])
    w.session("AP", date(2025, 11, 10), 2.0, need_group="G1", present=["A1"], absent=["A2"])
    w.session("AP", date(2025, 11, 20), 2.0, need_group="G1")
    w.session("AP", date(2025, 11, 4), 1.0, need_group="G2", present=["A3"])
    w.need_group("G1", **plan, start=second[0], end=second[1], staff="P", hours_per_week=2.0,
                 members=["A1"])  # fmt: skip
    w.need_group("G3", **plan, start=second[0], end=second[1], staff="Q", hours_per_week=1.0,
                 members=["A2", "A4"])  # fmt: skip
    frames = w.frames()
    per_group, per_learner = plan_followup.hours_followup(
        frames, kind="AP", site="Nord", start=first[0], end=first[1]
    )
    # two weeks: G1 planned 4 h, delivered 2 sessions x 2 h (the 20/11 one is after the period)
    assert per_group.select(
        "group", "staff", "planned", "delivered", "sessions", "rate"
    ).rows() == [
        ("G1", "P", 4.0, 4.0, 2, 1.0),
        ("G2", "Q", 2.0, 1.0, 1, 0.5),
    ]
    assert per_learner.select("learner", "planned", "received", "absent_hours").rows() == [
        ("A1", 4.0, 4.0, 0.0),
        ("A2", 4.0, 2.0, 2.0),
        ("A3", 2.0, 1.0, 0.0),
    ]
    # to date (one week elapsed on 09/11)
    per_group, _ = plan_followup.hours_followup(
        frames, kind="AP", site="Nord", start=first[0], end=first[1], as_of=date(2025, 11, 9)
    )
    assert per_group.select("group", "planned", "delivered").rows() == [
        ("G1", 2.0, 2.0),
        ("G2", 1.0, 1.0),
    ]

    changes = plan_followup.group_changes(
        frames, kind="AP", site="Nord", before=first, after=second
    )
    assert changes.drop("name").rows() == [
        ("A2", "maths", "G1", "G3", "changement de groupe"),
        ("A3", "maths", "G2", None, "sortie"),
        ("A4", "maths", None, "G3", "entrée"),
    ]
    plans = plan_followup.saved_plans(frames)
    assert plans.select("period_start", "groups", "learners").rows() == [
        (second[0], 2, 3),
        (first[0], 2, 3),
    ]
