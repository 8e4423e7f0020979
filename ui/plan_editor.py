"""The plan being edited on "Planifier l'AP": kept in the session (the widgets below own its
session-state keys), drawn as two editable tables whose edits are applied to the plan and
checked at once (planning.edits), and opened again from a saved plan."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from data_access import db
from data_access.plans import load_plan
from indicators.common import Period
from planning import edits
from planning.plan import NO_GROUP, Plan, group_ids_by_name, group_summary, member_view, plan_needs
from planning.request import PlanRequest, reopen
from ui.sidebar import Selection

PLAN_KEY = "plan_ap_plan"
VERSION_KEY = "plan_ap_version"
MESSAGE_KEY = "plan_ap_message"


def current() -> Plan | None:
    """The plan being edited in this session (None before any proposal)."""
    return st.session_state.get(PLAN_KEY)


def keep(plan: Plan) -> None:
    """Make the plan the one being edited; the tables are drawn anew (new widget keys)."""
    st.session_state[PLAN_KEY] = plan
    st.session_state[VERSION_KEY] = st.session_state.get(VERSION_KEY, 0) + 1


def last_message() -> str | None:
    """The French message of the last edit that could not apply (once)."""
    return st.session_state.pop(MESSAGE_KEY, None)


def _edited_rows(key: str) -> dict:
    state = st.session_state.get(key) or {}
    return state.get("edited_rows") or {}


def _apply(key: str, apply: Callable[[Plan, dict], tuple[Plan, str | None]]) -> None:
    """Apply the edits of the table to the plan and redraw the page (each edit is checked)."""
    rows = _edited_rows(key)
    if not rows:
        return
    plan, message = apply(current(), rows)
    if message:
        st.session_state[MESSAGE_KEY] = message
    keep(plan)
    st.rerun()


def groups_table(plan: Plan) -> None:
    """The groups, their name, teacher, hours and slot editable."""
    key = f"plan_ap_groups_{st.session_state.get(VERSION_KEY, 0)}"
    st.data_editor(
        group_summary(plan),
        key=key,
        hide_index=True,
        width="stretch",
        disabled=["group_id", "need", "level", "size"],
        column_config={
            "group_id": st.column_config.NumberColumn("N°", width="small"),
            "name": st.column_config.TextColumn("Groupe", required=True),
            "need": "Besoin",
            "level": "Niveau",
            "staff": st.column_config.SelectboxColumn(
                "Intervenant", options=plan.staff.get_column("staff").to_list()
            ),
            "hours_per_week": st.column_config.NumberColumn(
                "Heures par semaine", min_value=0.25, max_value=12.0, step=0.25, format="%.2f"
            ),
            "slot": st.column_config.TextColumn("Créneau", help="jour et heure, ex. lundi 14:00"),
            "size": st.column_config.NumberColumn("Élèves"),
        },
    )
    _apply(key, edits.apply_group_edits)


def members_table(plan: Plan) -> None:
    """Every learner's need and its group, the group editable (NO_GROUP: out of every group)."""
    key = f"plan_ap_members_{st.session_state.get(VERSION_KEY, 0)}"
    st.data_editor(
        member_view(plan),
        key=key,
        hide_index=True,
        width="stretch",
        disabled=["learner", "name", "class_group", "need", "level"],
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
    _apply(key, edits.apply_member_edits)


def add_or_remove_group(plan: Plan) -> None:
    """A form to add an empty group for a need, a choice to remove a group."""
    with st.form("plan_ap_add_group", clear_on_submit=True):
        new_name = st.text_input("Nom du nouveau groupe")
        needs = plan_needs(plan)
        new_need = st.selectbox("Besoin traité", needs) if needs else None
        if st.form_submit_button("Ajouter le groupe") and new_name.strip() and new_need:
            keep(edits.add_group(plan, new_name, new_need))
            st.rerun()
    names = group_ids_by_name(plan)
    doomed = st.selectbox("Groupe à supprimer", list(names), index=None, key="plan_ap_remove")
    if doomed and st.button("Supprimer ce groupe (ses élèves deviennent non placés)"):
        keep(edits.remove_group(plan, names[doomed]))
        st.rerun()


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
