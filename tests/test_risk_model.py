"""The risk score: no information from after a cut-off, a ranking whose answer is known, and
the histories too short to learn from.

The synthetic history (``history``): group "G 2024" (Lyon, 2024-2025) with a Maths
assignment due every Monday from 09/09/2024; 300 learners entered 02/09/2024. Learner i
hands in every assignment on time when i % 5 != 0; when i % 5 == 0 (60 learners) they hand in
the first three only and leave in ``abandon`` on 15/01/2025. Everyone else leaves in ``fin de
parcours`` on 04/07/2025. In 2025-2026, group "G 2025" has the same weekly assignments from
08/09/2025; three learners entered 01/09/2025 are scored on 01/12/2025: SERIEUX hands in
everything, MOYEN every other assignment, ABSENT nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from world import World

from indicators import risk, risk_model
from indicators.common import DEFAULT_SETTINGS, Period, Scope

D = date
AS_OF = D(2025, 12, 1)


def _weekly(first: date, until: date) -> list[date]:
    days, day = [], first
    while day <= until:
        days.append(day)
        day += timedelta(weeks=1)
    return days


def history(learners: int = 300, dropout_every: int = 5, referent: str | None = "Mme R"):
    w = World()
    w.group("G 2024", site="Lyon")
    w.group("G 2025", site="Lyon")
    old_due = _weekly(D(2024, 9, 9), D(2025, 6, 30))
    new_due = _weekly(D(2025, 9, 8), D(2026, 6, 29))
    for k, due in enumerate(old_due):
        w.assignment("G 2024", "Maths", f"S{k}", due=due)
    for k, due in enumerate(new_due):
        w.assignment("G 2025", "Maths", f"S{k}", due=due)
    for i in range(learners):
        leaves = dropout_every and i % dropout_every == 0
        name = f"L{i:03d}"
        w.learner(
            name,
            group="G 2024",
            entered=D(2024, 9, 2),
            left=D(2025, 1, 15) if leaves else D(2025, 7, 4),
            reason="abandon" if leaves else "fin de parcours",
            referent=referent,
        )
        for k, due in enumerate(old_due[:3] if leaves else old_due):
            w.copy(name, "Maths", submitted=due - timedelta(days=1), assignment=f"S{k}",
                   grade=12.0)  # fmt: skip
    for name, share in (("SERIEUX", 1), ("MOYEN", 2), ("ABSENT", 0)):
        w.learner(name, group="G 2025", entered=D(2025, 9, 1), referent=referent)
        for k, due in enumerate(new_due):
            if share and k % share == 0 and due <= AS_OF:
                w.copy(name, "Maths", submitted=due - timedelta(days=1), assignment=f"S{k}",
                       grade=12.0)  # fmt: skip
    return w


@pytest.fixture(scope="module")
def trained():
    data = history().dataset()
    return data, risk_model.train(data, AS_OF, DEFAULT_SETTINGS)


def test_the_score_ranks_the_learner_who_hands_in_nothing_first(trained):
    data, model = trained
    assert isinstance(model, risk_model.RiskModel)
    listed = risk.at_risk(data, Scope(Period.school_year_of(AS_OF)), AS_OF, model, everyone=True)
    assert listed.get_column("external_id").to_list() == ["ABSENT", "MOYEN", "SERIEUX"]
    scores = dict(zip(listed["external_id"], listed["score"], strict=True))
    assert scores["ABSENT"] > 0.5 > scores["SERIEUX"]
    assert all(0.0 <= s <= 1.0 for s in scores.values())
    absent = listed.row(0, named=True)
    assert absent["level"] == "alerte"
    assert "devoirs non rendus sur" in absent["reasons"]
    assert absent["referent"] == "Mme R"


def test_the_check_scores_each_learner_by_a_model_learnt_without_them(trained):
    _, model = trained
    check = model.check
    assert check.ended == 300 and check.dropouts == 60
    assert check.examples >= 300  # every ended enrolment at least at one landmark
    assert check.auc > 0.9
    assert 0.0 < check.base_rate < 1.0


def test_no_training_example_sees_an_event_after_its_cutoff():
    """Features of the ended enrolments at their landmarks are the same whether or not the
    data hold what happened after each cut-off: copies, grades, interviews, later exits."""
    w = history(learners=40, dropout_every=4)
    full = w.dataset()
    points = [20, 60, 100]
    examples = risk_model.training_examples(full, AS_OF, points)
    assert examples.height > 0
    assert (examples.get_column("cutoff") < D(2025, 7, 4)).all()
    for cutoff in examples.get_column("cutoff").unique().to_list():
        frames = full.frames
        cut = World()  # the same world, keeping only what happened on or before the cut-off
        cut._rows = {k: [dict(r) for r in v] for k, v in w._rows.items()}
        cut._rows["copies"] = [r for r in cut._rows["copies"] if r["submitted_on"] <= cutoff]
        for row in cut._rows["enrolments"]:
            if row["exit_date"] is not None and row["exit_date"] > cutoff:
                row["exit_date"], row["exit_reason"] = None, None
        past = cut.dataset()
        assert past.frames.copies.height <= frames.copies.height
        at = examples.filter(pl.col("cutoff") == cutoff).select(risk_model.EXAMPLE_COLUMNS)
        seen_then = risk_model.features(past, at).drop("cutoff")
        seen_now = risk_model.features(full, at).drop("cutoff")
        assert seen_now.equals(seen_then), cutoff


def _scored_and_ended_on(data, day: date) -> pl.DataFrame:
    """The enrolments active on ``day`` and the ended ones entered by then, at ``day``."""
    return data.enrolments.filter(pl.col("entry_date") <= day).select(
        "enrolment_id", "learner_id", "group_id", "entry_date", cutoff=pl.lit(day)
    )


def _assert_same_both_ways(data, day: date) -> None:
    examples = _scored_and_ended_on(data, day)
    assert examples.height > 0
    fast = risk_model.features(data, examples, single_day=True)
    general = risk_model.features(data, examples, single_day=False)
    assert fast.height == examples.height
    assert_frame_equal(fast, general, check_exact=True)


@pytest.mark.parametrize("day", [D(2024, 9, 2), D(2024, 11, 4), D(2025, 1, 15), D(2025, 12, 1)])
def test_the_single_day_path_gives_the_general_frame(day):
    """The enrolments scored on one day are described without running totals per day
    (``single_day``): exactly the frame the general path (the training examples') gives, on
    the entry day, mid-year, the dropouts' exit day and next year's scoring day."""
    w = history(learners=40, dropout_every=4)
    w.interview("L001", D(2024, 10, 1), "initial")
    w.interview("L001", D(2024, 12, 2), "suivi")
    w.copy("L002", "Maths", submitted=D(2024, 9, 20), corrected=D(2024, 10, 3),
           assignment="S1", grade=7.5)  # fmt: skip
    _assert_same_both_ways(w.dataset(), day)


@pytest.fixture(scope="module")
def demo():
    from data_access.frames import Frames
    from indicators.dataset import prepare
    from seed.generate import generate

    return prepare(Frames.empty(**generate("demo", 42)))


@pytest.mark.parametrize("day", [D(2025, 10, 6), D(2026, 1, 20), D(2026, 4, 1)])
def test_the_single_day_path_gives_the_general_frame_on_the_demo_seed(demo, day):
    _assert_same_both_ways(demo, day)


def test_features_at_a_cutoff_hand_worked():
    """X entered 01/09/2025 in G (assignments due 08/09, 15/09, 22/09, 29/09); by the cut-off
    22/09: handed in S0 on 07/09 (graded 8 on 10/09) and S1 on 20/09 (late: due 15/09; graded
    14 on 25/09, after the cut-off); S2 due 22/09 is not yet due (due before the cut-off
    only). Y in G handed S0 (grade 16 on 09/09). So: 21 days enrolled, 2 copies, the last 2
    days before (20/09), 1 grade known (8), group mean (8 + 16) / 2 = 12 so a gap of 4, 1
    copy under 10/20, 2 assignments due, none missed, 1 late; the initial interview of 03/09
    was 19 days before."""
    w = World()
    w.group("G", site="Lyon")
    for k, day in enumerate((D(2025, 9, 8), D(2025, 9, 15), D(2025, 9, 22), D(2025, 9, 29))):
        w.assignment("G", "Maths", f"S{k}", due=day)
    w.learner("X", group="G", entered=D(2025, 9, 1))
    w.learner("Y", group="G", entered=D(2025, 9, 1))
    w.copy("X", "Maths", submitted=D(2025, 9, 7), corrected=D(2025, 9, 10), assignment="S0",
           grade=8.0)  # fmt: skip
    w.copy("X", "Maths", submitted=D(2025, 9, 20), corrected=D(2025, 9, 25), assignment="S1",
           grade=14.0)  # fmt: skip
    w.copy("Y", "Maths", submitted=D(2025, 9, 6), corrected=D(2025, 9, 9), assignment="S0",
           grade=16.0)  # fmt: skip
    w.interview("X", D(2025, 9, 3), "initial")
    data = w.dataset()
    examples = data.enrolments.filter(pl.col("external_id") == "X").select(
        "enrolment_id", "learner_id", "group_id", "entry_date", cutoff=pl.lit(D(2025, 9, 22))
    )
    fast, general = (risk_model.features(data, examples, single_day=one) for one in (True, False))
    assert fast.equals(general)
    row = fast.row(0, named=True)
    assert row["days_enrolled"] == 21
    assert row["copies"] == 2
    assert row["days_since_copy"] == 2
    assert row["grades"] == 1 and row["mean_grade"] == 8.0
    assert row["grade_gap"] == pytest.approx(4.0)
    assert row["failed"] == 1
    assert row["due"] == 2 and row["missed"] == 0 and row["missed_share"] == 0.0
    assert row["late"] == 1
    assert row["interviews"] == 1 and row["days_since_interview"] == 19


def test_no_history_means_no_score_and_says_why():
    w = World()
    w.group("G", site="Lyon")
    w.learner("A", group="G", entered=D(2025, 9, 1))
    data = w.dataset()
    model = risk_model.train(data, AS_OF, DEFAULT_SETTINGS)
    assert isinstance(model, risk_model.NoModel)
    assert model.reason.startswith(
        "Pas de score de risque : l'historique compte 0 inscription(s) terminée(s) dans des "
        "groupes terminés, dont 0 abandon(s) ; il en faut au moins 200"
    )
    listed = risk.at_risk(data, Scope(Period.school_year_of(AS_OF)), AS_OF, None, everyone=True)
    assert listed.get_column("score").to_list() == [None]
    assert listed.get_column("level").to_list() == ["aucun"]


def test_one_class_only_means_no_score():
    data = history(learners=250, dropout_every=0).dataset()  # nobody ever dropped out
    model = risk_model.train(data, AS_OF, DEFAULT_SETTINGS)
    assert isinstance(model, risk_model.NoModel)
    assert "dont 0 abandon(s)" in model.reason


def test_bad_input_group_of_one_no_copy_no_referent():
    """A group of one (no classmates to compare with), a learner with no copy at all and no
    referent: every signal that can be computed is, nothing crashes."""
    w = World()
    w.group("Seul", site="Lyon")
    w.learner("UN", group="Seul", entered=D(2025, 9, 1))
    data = w.dataset()
    listed = risk.at_risk(data, Scope(Period.school_year_of(AS_OF)), AS_OF, everyone=True)
    row = listed.row(0, named=True)
    assert row["referent"] is None and row["below_group"] is None
    assert risk.referents(listed) == [risk.NO_REFERENT]
    model = risk_model.train(history(referent=None).dataset(), AS_OF, DEFAULT_SETTINGS)
    scored = model.score(data, risk.active_enrolments(data, Scope(Period.school_year_of(AS_OF)),
                                                      AS_OF), AS_OF)  # fmt: skip
    assert scored.height == 1 and 0.0 <= scored.get_column("score").item() <= 1.0


def test_only_groups_that_are_over_teach():
    """An early leaver of G 2025, still running on 01/12/2025, is not learnt from: without their
    classmates still there, G 2025's examples would all be dropouts."""
    w = history(learners=20)
    w.learner("PARTI", group="G 2025", entered=D(2025, 9, 1), left=D(2025, 11, 1),
              reason="abandon")  # fmt: skip
    learnt = risk_model.history(w.dataset(), AS_OF)
    assert learnt.height == 20
    assert "PARTI" not in learnt.get_column("external_id").to_list()


def test_features_against_the_group_at_the_same_cutoff():
    """The world of test_features_at_a_cutoff_hand_worked, X and Y both described on 22/09:
    copies X 2, Y 1 (mean 1,5: +0,5 and -0,5; ranks 1 and 0,5); share of due assignments
    not handed in X 0 (S0, S1 handed), Y 1/2 (S1 missed) (mean 0,25: -0,25 and +0,25); days
    since the last copy X 2 (20/09), Y 16 (06/09) (median 9: -7 and +7; ranks 0,5 and 1);
    mean grade known X 8 (14 comes on 25/09), Y 16 (ranks 0,5 and 1)."""
    w = World()
    w.group("G", site="Lyon")
    for k, day in enumerate((D(2025, 9, 8), D(2025, 9, 15), D(2025, 9, 22), D(2025, 9, 29))):
        w.assignment("G", "Maths", f"S{k}", due=day)
    w.learner("X", group="G", entered=D(2025, 9, 1))
    w.learner("Y", group="G", entered=D(2025, 9, 1))
    w.copy("X", "Maths", submitted=D(2025, 9, 7), corrected=D(2025, 9, 10), assignment="S0",
           grade=8.0)  # fmt: skip
    w.copy("X", "Maths", submitted=D(2025, 9, 20), corrected=D(2025, 9, 25), assignment="S1",
           grade=14.0)  # fmt: skip
    w.copy("Y", "Maths", submitted=D(2025, 9, 6), corrected=D(2025, 9, 9), assignment="S0",
           grade=16.0)  # fmt: skip
    data = w.dataset()
    examples = data.enrolments.sort("external_id").select(
        "enrolment_id", "learner_id", "group_id", "entry_date", cutoff=pl.lit(D(2025, 9, 22))
    )
    described = risk_model.features(data, examples).join(
        data.enrolments.select("enrolment_id", "external_id"), on="enrolment_id"
    )
    rows = {r["external_id"]: r for r in described.iter_rows(named=True)}
    x, y = rows["X"], rows["Y"]
    assert (x["copies_rel"], y["copies_rel"]) == (0.5, -0.5)
    assert (x["copies_rank"], y["copies_rank"]) == (1.0, 0.5)
    assert (x["missed_share"], y["missed_share"]) == (0.0, 0.5)
    assert (x["missed_rel"], y["missed_rel"]) == (-0.25, 0.25)
    assert (x["days_since_copy_rel"], y["days_since_copy_rel"]) == (-7, 7)
    assert (x["days_since_copy_rank"], y["days_since_copy_rank"]) == (0.5, 1.0)
    assert (x["grade_rank"], y["grade_rank"]) == (0.5, 1.0)


def test_the_reasons_are_the_texts_of_the_inputs_weighing_most(demo):
    """The reasons picked column by column (RiskModel.score) equal those read row by row:
    for each enrolment scored on the demo seed, the French texts of its REASONS_SHOWN inputs
    of largest contribution (on the worrying side, above 0.05), empty texts left out."""
    import numpy as np

    day = D(2026, 1, 20)
    model = risk_model.train(demo, day, DEFAULT_SETTINGS)
    assert isinstance(model, risk_model.RiskModel)
    enrolments = risk.active_enrolments(demo, Scope(Period(day, day)), day)
    scored = model.score(demo, enrolments, day)
    examples = risk_model.features(
        demo, enrolments.select(risk_model.EXAMPLE_COLUMNS[:-1]).with_columns(cutoff=pl.lit(day))
    )
    matrix = risk_model._matrix(examples, model.categories)
    filled = np.where(np.isnan(matrix), model.medians, matrix)
    contributions = model.coefficients * (filled - model.means) / model.scales
    concern = [risk_model.CONCERN[n] for n in risk_model.FEATURES] + [1] * len(model.categories)
    contributions = np.where(np.sign(model.coefficients) == concern, contributions, 0.0)
    texts = risk_model._reason_texts(examples, model.categories).rows()
    expected = []
    for row, weights in zip(texts, contributions, strict=True):
        top = np.argsort(-weights)[: risk_model.REASONS_SHOWN]
        expected.append(" ; ".join(row[j] for j in top if weights[j] > 0.05 and row[j]))
    assert scored.get_column("enrolment_id").to_list() == examples["enrolment_id"].to_list()
    assert scored.get_column("reasons").to_list() == expected
    assert sum(1 for reason in expected if reason) > scored.height / 2


def test_the_largest_contributions_are_those_of_the_full_sort():
    """_largest gives the positions of the full sort wherever a reason is shown (above 0.05):
    on rows with zeros tying (never shown), and on a matrix where two shown values tie (the
    full sort then decides)."""
    import numpy as np

    rows = np.array(
        [
            [0.0, 0.3, 0.0, 0.9, 0.0, 0.1],
            [0.0, 0.0, 0.0, 0.0, 0.2, 0.0],
            [0.5, 0.4, 0.3, 0.2, 0.1, 0.06],
            [-1.0, 0.0, 0.07, 0.0, 0.0, 2.0],
        ]
    )
    order = risk_model._largest(rows, 3)
    full = np.argsort(-rows, axis=1)[:, :3]
    shown = np.take_along_axis(rows, full, axis=1) > 0.05
    assert (order[shown] == full[shown]).all()
    assert (np.take_along_axis(rows, order, axis=1) == np.take_along_axis(rows, full, axis=1)).all()
    tied = np.array([[0.2, 0.7, 0.7, 0.1], [0.4, 0.3, 0.2, 0.1]])
    assert (risk_model._largest(tied, 3) == np.argsort(-tied, axis=1)[:, :3]).all()
