"""The page "Planifier l'AP" on a small SQLite database made here.

The page is run on its own (it draws the shared sidebar itself through ui.sidebar.selection()),
so that it is tested whatever the state of the other pages app.py routes to; test_app.py
covers the routing from app.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from apptest import open_page, plain
from streamlit.testing.v1 import AppTest
from test_planning_data import class_2bp1, fill

from data_access import db
from data_access.plans import load_plan
from data_access.settings import Settings
from planning import edits
from planning.plan import NO_GROUP, group_summary

PAGE = Path(__file__).resolve().parent.parent / "pages" / "plan_ap.py"


@pytest.fixture
def plan_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    fill(db.get_engine(Settings(database_url=url)))
    db.forget_engine(url)  # the app opens its own connections
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", url)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    st.cache_data.clear()
    st.cache_resource.clear()
    db.forget_engine(url)


def _open() -> AppTest:
    app = AppTest.from_file(str(PAGE), default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def _metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def test_the_page_proposes_groups_and_saves_the_plan(plan_database: str) -> None:
    app = _open()
    assert app.title[0].value == "Planifier l'AP"
    assert not app.metric  # nothing proposed yet
    assert [i.value for i in app.info] == ["Aucun plan enregistré pour l'instant."]

    app.button(key="plan_ap_propose").click().run()
    assert not app.exception, app.exception
    assert _metrics(app) == {
        "Groupes": "2",
        "Élèves placés": "8",
        "Besoins sans groupe": "0",
        "Points à revoir": "0",
    }
    assert [s.value for s in app.success] == [
        "Toutes les contraintes sont respectées : chaque besoin a son groupe."
    ]
    plan = app.session_state["plan_ap_plan"]
    assert group_summary(plan).select("name", "staff", "size").rows() == [
        ("maths – non acquis", "Mme Prof", 4),
        ("oral – en cours", "Mme Sud", 4),  # no site chosen: every teacher is available
    ]

    # an edit (as the groups editor makes it) is re-checked and shown at once
    oral = plan.groups.filter(pl.col("need") == "oral").item(0, "group_id")
    app.session_state["plan_ap_plan"] = edits.edit_group(
        plan, oral, staff="Mme Prof", slot="lundi 09:00"
    )
    app.run()
    assert _metrics(app)["Points à revoir"] == "1"
    assert "Mme Prof est attendu à la même heure" in plain(app.warning[0].value)
    app.session_state["plan_ap_plan"] = plan
    app.run()

    app.button(key="plan_ap_save").click().run()
    assert not app.exception, app.exception
    assert any(
        "Plan enregistré : 2 groupe(s), 8 placement(s)." in plain(s.value) for s in app.success
    )
    engine = db.get_engine(Settings(database_url=plan_database))
    period = plan.period
    groups, members = load_plan(
        engine, kind="AP", period_start=period.start, period_end=period.end, site=None
    )
    assert groups.get_column("name").to_list() == ["maths – non acquis", "oral – en cours"]
    assert members.height == 8


def test_the_follow_up_shows_hours_and_group_changes(app_database) -> None:  # noqa: ANN001
    """Two saved plans of the class: Calcul A (L01, L02) then Calcul B (L01); one session of
    Calcul A, L01 present, L02 absent."""
    first = (date(2025, 11, 3), date(2025, 11, 16))
    second = (date(2025, 11, 17), date(2025, 11, 30))
    w = class_2bp1()
    maths = {"need": "maths", "kind": "AP", "hours_per_week": 2.0}
    w.need_group("Calcul A", **maths, start=first[0], end=first[1], staff="Mme Prof",
                 members=["L01", "L02"])  # fmt: skip
    w.need_group("Calcul B", **maths, start=second[0], end=second[1], staff="M. Aide",
                 members=["L01"])  # fmt: skip
    w.session("AP", date(2025, 11, 4), 2.0, need_group="Calcul A", present=["L01"], absent=["L02"])
    app_database(w)
    app = _open()
    followed = app.selectbox(key="plan_ap_followed")
    assert followed.value["period_start"] == second[0]  # newest first
    followed.select_index(next(i for i, o in enumerate(followed.options) if "03/11/2025" in o))
    app.run()
    assert not app.exception, app.exception
    followed = app.selectbox(key="plan_ap_followed")
    assert followed.value["period_start"] == first[0]
    per_group = app.dataframe[0].value
    assert per_group["Groupe"].tolist() == ["Calcul A"]
    assert per_group["Heures prévues à date"].tolist() == [4.0]  # two weeks (the period is over)
    assert per_group["Heures assurées"].tolist() == [2.0]
    per_learner = app.dataframe[1].value
    assert per_learner[
        ["Identifiant", "Nom", "Heures reçues", "Heures d'absence"]
    ].values.tolist() == [
        ["L01", "Nom1", 2.0, 0.0],
        ["L02", "Nom2", 0.0, 2.0],
    ]
    changes = app.dataframe[2].value
    assert changes[
        ["Identifiant", "Groupe du 03/11/2025", "Groupe du 17/11/2025", "Changement"]
    ].values.tolist() == [
        ["L01", "Calcul A", "Calcul B", "changement de groupe"],
        ["L02", "Calcul A", NO_GROUP, "sortie"],
    ]


def _in_order(app: AppTest) -> list:
    """The elements of the page's main area in the order users see them."""
    return [e for e in app.main if not hasattr(e, "children")]


def _edit(app: AppTest, editor: str, edited_rows: dict) -> None:
    """A cell edit as the browser sends it (AppTest seeds a keyed editor's edit state)."""
    key = f"plan_ap_{editor}_{app.session_state['plan_ap_version']}"
    app.session_state[key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}
    app.run()
    assert not app.exception, app.exception


def test_edits_in_the_tables_are_rechecked_at_once(plan_database: str) -> None:
    app = _open()
    app.button(key="plan_ap_propose").click().run()
    members = app.data_editor(key="plan_ap_members_1").value
    assert members["learner"].tolist()[:2] == ["L01", "L02"]
    assert members["group"].tolist()[0] == "maths – non acquis"

    _edit(app, "members", {0: {"group": "oral – en cours"}})  # L01 into the oral group
    assert _metrics(app)["Points à revoir"] == "1"
    broken = "Nom1 (L01) est placé pour le besoin « maths » dans le groupe « oral – en cours »"
    assert broken in plain(app.warning[0].value)  # the summary at the top
    # and what the edit did, under the table where it was made, naming the learner
    shown = _in_order(app)
    feedback = next(
        i
        for i, e in enumerate(shown)
        if e.type == "warning" and "Cette modification" in plain(e.value)
    )
    assert broken in plain(shown[feedback].value)
    assert shown[feedback - 1].key == "plan_ap_members_2"  # right under the members table
    _edit(app, "members", {0: {"group": "maths – non acquis"}})
    assert _metrics(app)["Points à revoir"] == "0"

    _edit(app, "groups", {0: {"name": "Calcul", "slot": "mardi 14:00"}})
    assert app.data_editor(key="plan_ap_groups_4").value["name"].tolist() == [
        "Calcul",
        "oral – en cours",
    ]
    assert app.data_editor(key="plan_ap_members_4").value["group"].tolist()[0] == "Calcul"
    _edit(app, "groups", {1: {"staff": "Mme Prof", "slot": "mardi 15:00"}})
    assert _metrics(app)["Points à revoir"] == "1"
    assert "Mme Prof est attendu à la même heure dans « Calcul » et « oral – en cours »" in (
        plain(app.warning[0].value)
    )
    assert any(
        "Cette modification ne respecte pas" in plain(w.value)
        and "Mme Prof est attendu" in plain(w.value)
        for w in app.warning
    )


def test_a_saved_plan_opens_again_in_the_editor(plan_database: str) -> None:
    """Proposed, L04 taken out of the maths group, saved. Another session opens it from the
    follow-up: the saved groups and members, L04's maths need waiting with its reason, the rule
    broken flagged again; edited and saved, it replaces the saved plan."""
    app = _open()
    app.button(key="plan_ap_propose").click().run()
    proposed = app.session_state["plan_ap_plan"]
    app.session_state["plan_ap_plan"] = edits.move_member(proposed, "L04", "maths", NO_GROUP)
    app.run()
    # the plan breaks a constraint: saving it asks first, and saves nothing until confirmed
    app.button(key="plan_ap_save").click().run()
    assert any("L'enregistrer quand même ?" in plain(w.value) for w in app.warning)
    assert not any("Plan enregistré" in plain(s.value) for s in app.success)
    engine = db.get_engine(Settings(database_url=plan_database))
    period = proposed.period
    assert load_plan(
        engine, kind="AP", period_start=period.start, period_end=period.end, site=None
    )[0].is_empty()
    app.button(key="plan_ap_save_anyway").click().run()
    assert any(
        "Plan enregistré : 2 groupe(s), 7 placement(s)." in plain(s.value) for s in app.success
    )

    again = _open()
    assert not again.metric  # nothing being edited in this session
    again.button(key="plan_ap_open").click().run()
    assert not again.exception, again.exception
    assert plain(again.header[0].value) == "Plan AP du 01/09/2025 au 31/08/2026"
    assert _metrics(again) == {
        "Groupes": "2",
        "Élèves placés": "7",
        "Besoins sans groupe": "1",
        "Points à revoir": "1",
    }
    assert "1 élève(s) ayant un besoin ne sont dans aucun groupe : Nom4 (L04)." in plain(
        again.warning[0].value
    )
    reopened = again.session_state["plan_ap_plan"]
    assert group_summary(reopened).select(
        "group_id", "name", "level", "staff", "slot", "size"
    ).rows() == [
        (1, "maths – non acquis", "non acquis", "Mme Prof", "lundi 08:00", 3),
        (2, "oral – en cours", "en cours", "Mme Sud", "lundi 10:30", 4),
    ]
    members = again.data_editor(key="plan_ap_members_1").value
    assert members[members["learner"] == "L04"][["need", "level", "group"]].values.tolist() == [
        ["maths", "non acquis", NO_GROUP]
    ]
    unplaced = next(d.value for d in again.dataframe if "Raison" in d.value.columns)
    assert unplaced[["Identifiant", "Besoin", "Raison"]].values.tolist() == [
        ["L04", "maths", "dans aucun groupe du plan enregistré"]
    ]

    _edit(again, "members", {3: {"group": "maths – non acquis"}})  # L04 back into maths
    assert _metrics(again)["Points à revoir"] == "0"
    again.button(key="plan_ap_save").click().run()
    assert any("Plan enregistré : 2 groupe(s), 8 placement(s) ; 2 groupe(s) du plan précédent "
               "remplacé(s)." in plain(s.value) for s in again.success)  # fmt: skip
    engine = db.get_engine(Settings(database_url=plan_database))
    _, members = load_plan(
        engine,
        kind="AP",
        period_start=reopened.period.start,
        period_end=reopened.period.end,
        site=None,
    )
    assert members.height == 8


def test_a_diagnostics_file_keeps_to_the_classes_of_the_sidebar(plan_database: str) -> None:
    """The file holds 2BP1 and 2BP9 learners; with the class 2BP1 chosen in the sidebar only
    its four learners are planned (as pilotage plan-groups --group does). A file with a wrong
    row gives the importer's problems and no plan."""
    rows = [f"N{i};Lecture;non acquis;01/10/2025;2BP1" for i in range(4)]
    rows += [f"M{i};Lecture;non acquis;01/10/2025;2BP9" for i in range(4)]
    content = ("Élève;Besoin;Niveau;Date;Classe\n" + "\n".join(rows) + "\n").encode()
    app = open_page("pages/plan_ap.py")  # through app.py, which draws the sidebar every run
    app.sidebar.multiselect(key="filter_groups").set_value(["2BP1"]).run()
    app.radio(key="plan_ap_source").set_value("Fichier de diagnostics").run()
    app.file_uploader(key="plan_ap_file").upload("diagnostics.csv", content).run()
    app.button(key="plan_ap_propose").click().run()
    assert not app.exception, app.exception
    plan = app.session_state["plan_ap_plan"]
    assert plan.members.get_column("learner").to_list() == ["N0", "N1", "N2", "N3"]
    assert group_summary(plan).select("name", "size").rows() == [("Lecture – non acquis", 4)]

    wrong = content.replace(b"N2;Lecture;non acquis", b"N2;Lecture;moyen")
    app.file_uploader(key="plan_ap_file").upload("diagnostics.csv", wrong).run()
    assert not app.exception, app.exception
    assert plain(app.error[0].value) == (
        "Le fichier « diagnostics.csv » contient des erreurs : ligne 4, colonne « Niveau », "
        "valeur « moyen » : valeur inconnue : attendu non acquis, en cours, acquis."
    )


def test_only_plans_of_ap_and_aide_open_in_the_editor(app_database) -> None:  # noqa: ANN001
    """A saved "soutien" plan is followed on the page but not edited there."""
    w = class_2bp1()
    w.need_group("Lecture", need="lecture", kind="soutien", start=date(2025, 11, 3),
                 end=date(2025, 11, 16), members=["L01"])  # fmt: skip
    app_database(w)
    app = _open()
    assert not [b for b in app.button if b.key == "plan_ap_open"]
    assert "Les plans « soutien » se suivent ici mais ne se modifient pas." in [
        plain(c.value) for c in app.caption
    ]
