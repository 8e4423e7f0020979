"""The plan being edited on "Planifier l'AP": kept in the session (the widgets below own its
session-state keys), drawn as two editable tables whose edits are applied to the plan and
checked at once (planning.edits), what each edit changed shown where it was made, and opened
again from a saved plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from data_access import db
from data_access.plans import load_plan
from indicators.common import Period
from planning import edits
from planning.plan import (
    NO_GROUP,
    Plan,
    group_ids_by_name,
    group_summary,
    member_view,
    plan_figures,
    plan_needs,
)
from planning.request import PlanRequest, reopen
from ui import format as fmt
from ui import tables
from ui.sidebar import Selection
from ui.text import escape

PLAN_KEY = "plan_ap_plan"
VERSION_KEY = "plan_ap_version"
FEEDBACK_KEY = "plan_ap_feedback"
CONFIRM_KEY = "plan_ap_confirm_save"
MAX_LISTED = 8


@dataclass(frozen=True)
class Feedback:
    """What the last edit did, shown under the table or form where it was made."""

    where: str
    refused: str | None
    created: tuple[str, ...]
    solved: tuple[str, ...]


def current() -> Plan | None:
    """The plan being edited in this session (None before any proposal)."""
    return st.session_state.get(PLAN_KEY)


def keep(plan: Plan) -> None:
    """Make the plan the one being edited; the tables are drawn anew (new widget keys). A
    pending confirmation to save the former plan is dropped."""
    st.session_state[PLAN_KEY] = plan
    st.session_state[VERSION_KEY] = st.session_state.get(VERSION_KEY, 0) + 1
    st.session_state.pop(CONFIRM_KEY, None)


def _edited(where: str, before: Plan, after: Plan, refused: str | None = None) -> None:
    """Keep the edited plan and what the edit changed, for feedback(where)."""
    st.session_state[FEEDBACK_KEY] = Feedback(
        where=where,
        refused=refused,
        created=tuple(p for p in after.problems if p not in before.problems),
        solved=tuple(p for p in before.problems if p not in after.problems),
    )
    keep(after)


def _bullets(problems: tuple[str, ...]) -> str:
    shown = [f"- {escape(p)}" for p in problems[:MAX_LISTED]]
    more = len(problems) - MAX_LISTED
    return "\n".join(shown + ([f"- … et {more} autre(s)"] if more > 0 else []))


def feedback(where: str) -> None:
    """Under the table or form ``where``: what its last edit did (once)."""
    done = st.session_state.get(FEEDBACK_KEY)
    if done is None or done.where != where:
        return
    del st.session_state[FEEDBACK_KEY]
    if done.refused:
        st.error(escape(done.refused))
    if done.created:
        st.warning("Cette modification ne respecte pas :\n\n" + _bullets(done.created))
    if done.solved:
        st.success("Cette modification règle :\n\n" + _bullets(done.solved))
    if not (done.refused or done.created or done.solved):
        st.info("Modification appliquée au plan ; elle ne change pas les points à revoir.")


def _edited_rows(key: str) -> dict:
    state = st.session_state.get(key) or {}
    return state.get("edited_rows") or {}


def _apply(key: str, where: str, apply: Callable[[Plan, dict], tuple[Plan, str | None]]) -> None:
    """Apply the edits of the table to the plan and redraw the page (each edit is checked)."""
    rows = _edited_rows(key)
    if not rows:
        return
    before = current()
    plan, message = apply(before, rows)
    _edited(where, before, plan, message)
    st.rerun()


def groups_table(plan: Plan) -> None:
    """The groups, their name, teacher, hours and slot editable; below, what the last edit
    did."""
    key = f"plan_ap_groups_{st.session_state.get(VERSION_KEY, 0)}"
    st.data_editor(
        group_summary(plan),
        key=key,
        hide_index=True,
        width="stretch",
        disabled=["group_id", "need", "level", "size"],
        placeholder="",
        column_config={
            "group_id": st.column_config.NumberColumn(
                "N°", width="small", format="localized", step=1
            ),
            "name": st.column_config.TextColumn("Groupe", required=True),
            "need": "Besoin",
            "level": "Niveau",
            "staff": st.column_config.SelectboxColumn(
                "Intervenant", options=plan.staff.get_column("staff").to_list()
            ),
            "hours_per_week": st.column_config.NumberColumn(
                "Heures par semaine",
                min_value=0.25,
                max_value=12.0,
                step=0.25,
                format="localized",
            ),
            "slot": st.column_config.TextColumn("Créneau", help="jour et heure, ex. lundi 14:00"),
            "size": tables.number_config("Élèves", "number", group_summary(plan)["size"].dtype),
        },
    )
    _apply(key, "groups", edits.apply_group_edits)
    feedback("groups")


def members_table(plan: Plan) -> None:
    """Every learner's need and its group, the group editable (NO_GROUP: out of every group);
    below, what the last edit did."""
    key = f"plan_ap_members_{st.session_state.get(VERSION_KEY, 0)}"
    st.data_editor(
        member_view(plan),
        key=key,
        hide_index=True,
        width="stretch",
        disabled=["learner", "name", "class_group", "need", "level"],
        placeholder="",
        column_config={
            "learner": "Identifiant",
            "name": "Nom",
            "class_group": "Classe",
            "need": "Besoin",
            "level": "Niveau",
            "group": st.column_config.SelectboxColumn(
                "Groupe",
                options=[*plan.groups.get_column("name").to_list(), NO_GROUP],
                required=True,
            ),
        },
    )
    _apply(key, "members", edits.apply_member_edits)
    feedback("members")


def add_or_remove_group(plan: Plan) -> None:
    """A form to add an empty group for a need, a choice to remove a group; below each, what
    it did."""
    with st.form("plan_ap_add_group", clear_on_submit=True):
        new_name = st.text_input("Nom du nouveau groupe")
        needs = plan_needs(plan)
        new_need = (
            st.selectbox("Besoin traité", needs, placeholder="Choisissez un besoin")
            if needs
            else None
        )
        if st.form_submit_button("Ajouter le groupe") and new_name.strip() and new_need:
            _edited("add", plan, edits.add_group(plan, new_name, new_need))
            st.rerun()
    feedback("add")
    names = group_ids_by_name(plan)
    doomed = st.selectbox(
        "Groupe à supprimer",
        list(names),
        index=None,
        key="plan_ap_remove",
        placeholder="Choisissez un groupe",
    )
    if doomed and st.button("Supprimer ce groupe (ses élèves deviennent non placés)"):
        _edited("remove", plan, edits.remove_group(plan, names[doomed]))
        st.rerun()
    feedback("remove")


def wants_to_save(plan: Plan) -> bool:
    """True when the plan may be saved now: it breaks no constraint, or the team confirmed
    it wants to save it anyway (asked here, under the save button)."""
    if not plan.problems:
        return True
    st.session_state[CONFIRM_KEY] = True
    return False


def confirmation(plan: Plan) -> bool:
    """The question asked after "Enregistrer" on a plan that breaks constraints; True once
    the team confirms."""
    if not st.session_state.get(CONFIRM_KEY):
        return False
    waiting = plan_figures(plan)["waiting"]
    st.warning(
        f"Ce plan a {fmt.number(len(plan.problems))} point(s) à revoir (contraintes non "
        "satisfaites, voir plus haut)"
        + (f", dont {fmt.number(waiting)} besoin(s) sans groupe" if waiting else "")
        + ". L'enregistrer quand même ?"
    )
    yes, no = st.columns(2)
    if yes.button("Enregistrer quand même", key="plan_ap_save_anyway", width="stretch"):
        del st.session_state[CONFIRM_KEY]
        return True
    if no.button("Annuler", key="plan_ap_save_cancel", width="stretch"):
        del st.session_state[CONFIRM_KEY]
        st.rerun()
    return False


def open_saved(selection: Selection, saved: dict, max_size: int | None) -> None:
    """Make a saved plan (a row of plan_followup.saved_plans) the one being edited: its groups
    and members as saved, the learners in scope those of its site (for a plan without a site,
    of the sidebar's sites unless just one: that would make it that site's plan) and of the
    sidebar's classes."""
    chosen = selection.scope.sites
    sites = (saved["site"],) if saved["site"] else (chosen if len(chosen) != 1 else ())
    request = PlanRequest(
        period=Period(saved["period_start"], saved["period_end"]),
        kind=saved["kind"],
        max_size=max_size,
        sites=sites,
        groups=selection.scope.groups,
    )
    groups, members = load_plan(
        db.get_engine(),
        kind=request.kind,
        period_start=request.period.start,
        period_end=request.period.end,
        site=saved["site"],
    )
    keep(reopen(selection.dataset.frames, request, groups, members, selection.scope.settings))
