"""The at-risk worklist's shared pieces: the trained risk score and the list, cached at the
boundary (per data and ``as_of``: recording a contact retrains nothing), the follow-up
contacts read fresh, and the form that records one through ui/writes.py."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from data_access import db
from data_access.follow_ups import NewContact, contacts
from domain import FOLLOW_UP_CHANNELS, FOLLOW_UP_OUTCOMES, FOLLOW_UP_ROLES
from indicators import risk, risk_model
from indicators.common import IndicatorSettings, Scope
from ui import auth, cached, risk_text, writes
from ui.sidebar import SOURCE_DATABASE, Selection
from ui.text import escape

SAVED_KEY = "contact_saved"
REFERENT = 0
"""Who made the contact: "the learner's referent" (staff ids start at 1)."""


@st.cache_resource(max_entries=8, show_spinner="Apprentissage du score de risque…")
def _model(
    data_key: str, as_of: date, settings: IndicatorSettings, _selection: Selection
) -> risk_model.RiskModel | risk_model.NoModel:
    del data_key  # part of the cache key only
    return risk_model.train(_selection.dataset, as_of, settings)


@st.cache_resource(max_entries=64, show_spinner=False)
def _listed(
    data_key: str, scope: Scope, as_of: date, everyone: bool, _selection: Selection
) -> pl.DataFrame:

    def make() -> pl.DataFrame:
        model = risk_model_of(_selection, as_of)
        usable = model if isinstance(model, risk_model.RiskModel) else None
        return risk.at_risk(_selection.dataset, scope, as_of, usable, everyone=everyone)

    # on disk too: a restart, or another process, reads the list instead of training the
    # score and scoring every enrolment again (seconds at national scale)
    arguments = (("as_of", as_of), ("everyone", everyone), ("scope", scope))
    return cached.kept_on_disk("ui.follow_up.at_risk", data_key, arguments, make)


def risk_model_of(selection: Selection, as_of: date) -> risk_model.RiskModel | risk_model.NoModel:
    """The risk score learnt from the selection's data (the user's part, every filter aside)
    up to ``as_of``: trained once per data version and day."""
    return _model(selection.data_key, as_of, selection.scope.settings, selection)


def at_risk(selection: Selection, as_of: date, *, everyone: bool = False) -> pl.DataFrame:
    """risk.at_risk of the selection on ``as_of``, scored by risk_model_of, memoised."""
    return _listed(selection.data_key, selection.scope, as_of, everyone, selection)


def check_sentence(model: risk_model.RiskModel | risk_model.NoModel) -> str:
    """How the score was checked, in one French sentence (or why there is none)."""
    return risk_text.check_sentence(model)


def contacts_of(selection: Selection) -> pl.DataFrame:
    """The follow-up contacts of the learners of the selection (risk.contacts_in), read now;
    none for a file analysed without saving it."""
    if selection.source != SOURCE_DATABASE:
        return risk.contacts_in(pl.DataFrame(schema=_contact_schema()), selection.dataset)
    dataset = selection.dataset
    learners = cached.of_dataset(risk.contact_learners, dataset)  # not at every rerun
    return risk.contacts_in(contacts(db.get_engine()), dataset, learners=learners)


def contacts_known(selection: Selection) -> bool:
    """Whether the selection's follow-up contacts are known (data from the database)."""
    return selection.source == SOURCE_DATABASE


def _contact_schema() -> dict[str, pl.DataType]:
    from data_access.frames import schema_of
    from data_access.models import FollowUpContact

    return dict(schema_of(FollowUpContact))


def may_record(selection: Selection) -> bool:
    return selection.source == SOURCE_DATABASE and auth.current().role in FOLLOW_UP_ROLES


def contact_form(selection: Selection, listed: pl.DataFrame, *, key: str) -> None:
    """A form to record a contact with a learner of the list (the referent proposed as who)."""
    learners = listed.unique("learner_id", keep="first", maintain_order=True)
    if learners.is_empty():
        return
    names = {
        f"{row['learner_name'] or row['external_id']} ({row['external_id']})": row["learner_id"]
        for row in learners.iter_rows(named=True)
    }
    referents = dict(zip(learners["learner_id"], learners["referent"], strict=True))
    if SAVED_KEY in st.session_state:
        st.success(st.session_state.pop(SAVED_KEY))
    staff = selection.dataset.frames.staff.select("id", "name").sort("name")
    staff_names = dict(zip(staff["id"], staff["name"], strict=True))
    with st.form(key, clear_on_submit=True):
        st.markdown("**Noter un contact de suivi**")
        left, middle, right = st.columns(3)
        chosen = left.selectbox("Apprenant", list(names))
        contacted_on = middle.date_input(
            "Date du contact", value=date.today(), max_value=date.today(), format="DD/MM/YYYY"
        )
        callers = {REFERENT: "Le référent de l'apprenant", **staff_names}
        by_name = {name: i for i, name in callers.items()}
        who = by_name[right.selectbox("Qui a pris contact", list(by_name))]
        left, middle = st.columns(2)
        channel = left.radio("Canal", FOLLOW_UP_CHANNELS, horizontal=True)
        outcome = middle.radio("Issue", FOLLOW_UP_OUTCOMES, horizontal=True)
        next_step = st.text_input("Suite à donner", max_chars=500)
        if not st.form_submit_button("Enregistrer le contact"):
            return
    learner_id = names[chosen]
    if who == REFERENT:
        referent = referents.get(learner_id)
        who = next((i for i, n in staff_names.items() if n == referent), None)
    made, refused = writes.record_contact(
        NewContact(
            learner_id=int(learner_id),
            contacted_on=contacted_on,
            channel=channel,
            outcome=outcome,
            staff_id=who,
            next_step=next_step or None,
        )
    )
    if refused:
        st.error(escape(refused))
    else:  # shown again from the top, the list and the contacts holding it
        st.session_state[SAVED_KEY] = f"Contact enregistré ({escape(chosen)}, {outcome})."
        st.rerun()
