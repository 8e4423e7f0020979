"""The at-risk worklist as users get it: the page (AppTest, from app.py), a follow-up contact
recorded from it (saved, audited, shown on the list and on the Entretiens page, exported), and
``pilotage at-risk --json``.

The world is tests/test_risk_deadlines.py's (as of 31/03/2026, the last day of its data): B
and Z (alerte, missed assignments), C (late copies), E (one missed), Q (no recent copy, in H)
are listed; no history, so no score.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date

import openpyxl
import polars as pl
import pytest
from apptest import open_page, page_problems, plain
from test_risk_deadlines import build

import cli
from data_access import audit, db, follow_ups
from data_access.exports import to_excel_bytes, with_labels
from data_access.follow_ups import NewContact
from data_access.frames import load_frames
from data_access.settings import get_settings
from indicators import risk
from indicators.dataset import prepare


def _table(app, label: str) -> pl.DataFrame:  # noqa: ANN001
    for table in app.dataframe:
        if label in table.value.columns:
            return pl.from_pandas(table.value)
    raise AssertionError(f"no table with « {label} »")


def test_the_page_lists_the_enrolments_at_risk_and_says_what_it_cannot_compute(app_database):  # noqa: ANN001
    app_database(build())
    app = open_page("pages/at_risk.py")
    assert not page_problems(app), page_problems(app)
    tiles = {m.label: m.value for m in app.main.metric}
    assert tiles["Inscriptions à risque"] == "5"
    assert tiles["Dont en alerte"] == "3"  # B, Z (missed) and Q (12 weeks without a copy)
    assert tiles["Apprenants pas encore contactés"] == "5"
    shown = _table(app, "Niveau")
    assert sorted(shown["Identifiant"].to_list()) == ["B", "C", "E", "Q", "Z"]
    assert "Pas de score de risque" in app.info[0].value
    missing = plain(" ".join(e.value for e in app.markdown))
    assert "Absences (vie scolaire)" in missing and "Retards (vie scolaire)" in missing
    assert "aucun entretien dans les données" in missing


def test_a_contact_is_saved_shown_and_exported(app_database):  # noqa: ANN001
    url = app_database(build())
    app = open_page("pages/at_risk.py")
    learner = next(s for s in app.selectbox if s.label == "Apprenant")
    learner.select_index(next(i for i, o in enumerate(learner.options) if o.endswith("(B)")))
    next(r for r in app.radio if r.label == "Canal").set_value("téléphone")
    next(r for r in app.radio if r.label == "Issue").set_value("message laissé")
    next(t for t in app.text_input if t.label == "Suite à donner").input("Rappeler jeudi")
    next(b for b in app.button if b.label == "Enregistrer le contact").click().run()
    assert not page_problems(app), page_problems(app)
    assert any("Contact enregistré" in s.value for s in app.success)

    engine = db.get_engine(get_settings())
    saved = follow_ups.contacts(engine)
    assert saved.height == 1
    row = saved.row(0, named=True)
    assert (row["channel"], row["outcome"], row["next_step"]) == (
        "téléphone", "message laissé", "Rappeler jeudi"
    )  # fmt: skip
    assert row["contacted_on"] == date.today()
    assert row["staff_id"] is not None  # the referent, M. Tuteur, proposed as who called
    trail = audit.entries(engine)
    assert "suivi enregistré" in trail.get_column("event").to_list()
    assert "Rappeler" not in " ".join(trail.get_column("detail").to_list())

    listed = _table(app, "Niveau")
    b = listed.filter(pl.col("Identifiant") == "B").row(0, named=True)
    assert b["Dernier contact"].startswith(f"{date.today():%d/%m/%Y}, message laissé, téléphone")
    tiles = {m.label: m.value for m in app.main.metric}
    assert tiles["Apprenants pas encore contactés"] == "4"
    assert tiles["Contactés récemment"] == "1"
    contacts = _table(app, "Suite à donner")
    assert contacts["Suite à donner"].to_list() == ["Rappeler jeudi"]

    next(t for t in app.toggle if t.label == "Pas encore contactés").set_value(True).run()
    assert "B" not in _table(app, "Niveau")["Identifiant"].to_list()

    interviews = open_page("pages/interviews.py")
    assert _table(interviews, "Suite à donner")["Identifiant"].to_list() == ["B"]

    dataset = prepare(load_frames(engine))
    made = risk.contacts_in(follow_ups.contacts(engine), dataset).drop("contact_id", "learner_id")
    labels = {**risk.COLUMN_LABELS, **risk.CONTACT_LABELS}
    book = openpyxl.load_workbook(
        io.BytesIO(to_excel_bytes({"Contacts": with_labels(made, labels)}))
    )
    cells = [[c.value for c in r] for r in book.active.iter_rows()]
    assert cells[0][:4] == ["Identifiant", "Apprenant", "Date du contact", "Qui"]
    assert cells[1][0] == "B" and cells[1][3] == "M. Tuteur" and cells[1][-1] == "Rappeler jeudi"
    del url


def test_a_contact_dated_after_today_is_refused_in_french():
    with pytest.raises(follow_ups.ContactRefused, match="après aujourd'hui"):
        follow_ups.check(
            NewContact(1, date(2030, 1, 1), "téléphone", "joint"), today=date(2026, 3, 31)
        )
    with pytest.raises(follow_ups.ContactRefused, match="Issue inconnue"):
        follow_ups.check(NewContact(1, date(2026, 3, 1), "téléphone", "?"), date(2026, 3, 31))


def _at_risk(capsys, *argv: str) -> tuple[int, list, str]:  # noqa: ANN001
    code = cli.main(["at-risk", "--json", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_cli_json_gives_the_ranked_list_with_its_signals(app_database, capsys):  # noqa: ANN001
    app_database(build())
    code, rows, err = _at_risk(capsys)
    assert code == 0
    assert [r["learner"] for r in rows][:2] in (["B", "Z"], ["Z", "B"])
    b = next(r for r in rows if r["learner"] == "B")
    assert b == b | {
        "group": "G",
        "site": "Lyon",
        "referent": "M. Tuteur",
        "score": None,
        "level": "alerte",
        "signals": ["Devoirs non rendus"],
        "reasons": ["Devoirs non rendus"],
    }
    assert next(r for r in rows if r["learner"] == "Q")["referent"] is None
    assert "Pas de score de risque" in err
    assert "pas de dates limites" not in err and "aucun entretien dans les données" in err
    _, everyone, _ = _at_risk(capsys, "--all")
    assert {r["learner"]: r["level"] for r in everyone}["A"] == "aucun"
    assert len([r for r in everyone if r["learner"] == "K"]) == 2  # in G and in H
    _, first, _ = _at_risk(capsys, "--limit", "1")
    assert len(first) == 1
    _, only_h, _ = _at_risk(capsys, "--group", "H")
    assert [r["learner"] for r in only_h] == ["Q"]
    _, before, _ = _at_risk(capsys, "--as-of", "2026-03-10")
    # on 10/03 only D1 was due (Z missed it); in H only K handed a copy in the 6 weeks before
    # (R and S hand theirs on 25/03): 1 of 4, so Q's silence is the group's
    assert {r["learner"] for r in before} == {"Z"}


def test_a_contact_is_refused_to_lecture_and_outside_the_perimeter(app_database, monkeypatch):  # noqa: ANN001
    """Lecture records nothing; a team member of group H records for K (in H), not for B (G
    only); each refusal is in the audit trail, nothing is written."""
    from indicators.common import Perimeter
    from ui import auth, writes

    app_database(build())
    engine = db.get_engine(get_settings())
    dataset = prepare(load_frames(engine))
    ids = dict(
        zip(dataset.enrolments["external_id"], dataset.enrolments["learner_id"], strict=False)
    )
    contact = NewContact(ids["B"], date(2026, 3, 31), "téléphone", "joint")
    monkeypatch.setattr(auth, "current", lambda: auth.User("lecteur", "lecture"))
    assert writes.record_contact(contact) == (
        None, "Votre rôle (lecture) ne permet pas de noter un contact de suivi."
    )  # fmt: skip
    team = auth.User("prof", "équipe", Perimeter(groups=("H",)))
    monkeypatch.setattr(auth, "current", lambda: team)
    assert writes.record_contact(contact) == (None, "Cet apprenant n'est pas dans votre périmètre.")
    made, refused = writes.record_contact(replace(contact, learner_id=ids["K"]))
    assert refused is None and made is not None
    assert follow_ups.contacts(engine).get_column("learner_id").to_list() == [ids["K"]]
    refusals = audit.entries(engine).filter(pl.col("event") == "accès refusé")
    assert refusals.height == 2
