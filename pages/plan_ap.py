"""Planifier l'AP : proposer des groupes de besoins à partir des diagnostics, les modifier avec
les contraintes revérifiées à chaque modification, enregistrer le plan de la période, le
télécharger en Excel, et suivre les plans enregistrés (heures prévues / assurées, changements
de groupe)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from data_access.db import get_engine
from data_access.errors import PilotageError
from data_access.plans import plan_workbook_bytes, read_diagnostics_file, save_plan
from indicators import planning
from indicators.common import Period
from ui import cache, cached, sidebar
from ui import format as fmt

PLAN_KEY = "plan_ap_plan"
VERSION_KEY = "plan_ap_version"
MESSAGE_KEY = "plan_ap_message"
SOURCE_FILE = "Fichier de diagnostics"
SOURCE_DATABASE = "Base de données"
MAX_PROBLEMS_SHOWN = 15


def _plan() -> planning.Plan | None:
    return st.session_state.get(PLAN_KEY)


def _store(plan: planning.Plan) -> None:
    st.session_state[PLAN_KEY] = plan
    st.session_state[VERSION_KEY] = st.session_state.get(VERSION_KEY, 0) + 1


def _edits(key: str) -> dict:
    state = st.session_state.get(key) or {}
    return state.get("edited_rows") or {}


def _apply_group_edits(key: str) -> bool:
    """Apply the cell edits of the groups editor to the plan; True when there were some."""
    plan, edits = _plan(), _edits(key)
    if not edits:
        return False
    view = planning.group_summary(plan)
    try:
        for row, changes in edits.items():
            editable = {
                k: v for k, v in changes.items() if k in ("name", "staff", "hours_per_week", "slot")
            }
            plan = planning.edit_group(plan, view.item(int(row), "group_id"), **editable)
    except ValueError as error:
        st.session_state[MESSAGE_KEY] = str(error)
    _store(plan)
    return True


def _apply_member_edits(key: str) -> bool:
    """Apply the group changes of the members editor to the plan; True when there were some."""
    plan, edits = _plan(), _edits(key)
    if not edits:
        return False
    view = planning.member_view(plan)
    try:
        for row, changes in edits.items():
            if "group" in changes:
                learner, need = view.item(int(row), "learner"), view.item(int(row), "need")
                plan = planning.move_member(plan, learner, need, changes["group"])
    except ValueError as error:
        st.session_state[MESSAGE_KEY] = str(error)
    _store(plan)
    return True


sel = sidebar.selection()
frames = sel.dataset.frames
site = sel.scope.filters.sites[0] if len(sel.scope.filters.sites) == 1 else None

st.title("Planifier l'AP")
st.caption(
    "Groupes de besoins évolutifs : chaque groupe réunit des élèves ayant le même besoin et un "
    "niveau proche (non acquis, en cours ; un besoin « acquis » ne demande pas de groupe), d'après "
    "le diagnostic le plus récent de chaque élève et besoin. Chaque élève reçoit ses besoins les "
    "plus urgents dans la limite de ses heures hebdomadaires ; chaque groupe reçoit un intervenant "
    "dans la limite de ses heures disponibles et un créneau où ni l'intervenant ni aucun élève "
    "n'est déjà pris (seuls les groupes de besoins comptent : les emplois du temps des classes "
    "ne sont pas connus)."
)

# --- the request ----------------------------------------------------------------------------

left, middle, right = st.columns(3)
chosen = left.date_input(
    "Période du plan",
    value=(sel.scope.period.start, sel.scope.period.end),
    format="DD/MM/YYYY",
    key="plan_ap_period",
    help="Par défaut, la période choisie dans le panneau latéral.",
)
if not (isinstance(chosen, tuple | list) and len(chosen) == 2):
    st.info("Choisissez la date de fin de la période du plan.")
    st.stop()
period = Period(chosen[0], chosen[1])
kind = middle.radio(
    "Type d'accompagnement", planning.PLAN_KINDS, horizontal=True, key="plan_ap_kind"
)
budget, default_cap = planning.kind_settings(kind, sel.scope.settings)
max_size = right.number_input(
    "Élèves au plus par groupe",
    min_value=1,
    max_value=60 if kind == planning.KIND_AP else sel.scope.settings.aide_max_group_size,
    value=default_cap,
    key=f"plan_ap_max_size_{kind}",
    help=(
        "AP : pas de quota réglementaire ; au-delà de cette taille les groupes sont dédoublés."
        if kind == planning.KIND_AP
        else f"Aide individualisée : {sel.scope.settings.aide_max_group_size} élèves au plus par groupe."
    ),
)
st.caption(
    f"{kind} : {fmt.hours(budget)} par semaine et par élève ; groupes de {int(max_size)} élèves au "
    f"plus et de {planning.DEFAULT_MIN_SIZE} au moins. Élèves : "
    + (f"site {site}" if site else "tous les sites")
    + (f", classes {', '.join(sel.scope.filters.groups)}" if sel.scope.filters.groups else "")
    + " (filtres du panneau latéral)."
)

source = st.radio(
    "Diagnostics", [SOURCE_DATABASE, SOURCE_FILE], horizontal=True, key="plan_ap_source"
)
upload = None
if source == SOURCE_FILE:
    upload = st.file_uploader(
        "Fichier de diagnostics (colonnes identifiant, besoin, niveau, date ; classe facultative)",
        type=["xlsx", "xls", "ods", "csv"],
        key="plan_ap_file",
    )

diagnostics, learners, staff = cached.compute(
    planning.planning_inputs,
    sel,
    on_frames=True,
    period=period,
    sites=sel.scope.filters.sites,
    groups=sel.scope.filters.groups,
)
if upload is not None:
    try:
        from_file = read_diagnostics_file(upload.getvalue(), upload.name)
    except PilotageError as error:
        st.error(str(error))
        st.stop()
    learners = planning.file_learners(from_file, learners)
    diagnostics = from_file

if staff.get_column("weekly_hours_available").fill_null(0).sum() == 0:
    st.info(
        "Aucun intervenant n'a d'heures disponibles déclarées : importez les intervenants avec la "
        "colonne « Heures disponibles par semaine » pour qu'ils reçoivent des groupes."
    )

if st.button("Proposer des groupes", type="primary", key="plan_ap_propose"):
    if source == SOURCE_FILE and upload is None:
        st.error("Déposez d'abord le fichier de diagnostics.")
    elif diagnostics.is_empty():
        st.error(
            "Aucun diagnostic pour ces élèves : importez les diagnostics (page Importer des "
            "données) ou déposez un fichier de diagnostics."
        )
    else:
        try:
            _store(
                planning.propose_plan(
                    diagnostics,
                    learners,
                    staff,
                    period,
                    kind=kind,
                    max_size=int(max_size),
                    settings=sel.scope.settings,
                )
            )
        except ValueError as error:
            st.error(str(error))

# --- the proposal, edited in place ----------------------------------------------------------

plan = _plan()
if plan is not None:
    version = st.session_state.get(VERSION_KEY, 0)
    st.header(planning.plan_title(plan))
    message = st.session_state.pop(MESSAGE_KEY, None)
    if message:
        st.error(message)
    figures = planning.plan_figures(plan)
    a, b, c, d = st.columns(4)
    a.metric("Groupes", fmt.number(figures["groups"]))
    b.metric("Élèves placés", fmt.number(figures["placed"]))
    c.metric("Besoins sans groupe", fmt.number(figures["waiting"]))
    d.metric("Points à revoir", fmt.number(figures["problems"]))
    if plan.problems:
        shown = plan.problems[:MAX_PROBLEMS_SHOWN]
        more = len(plan.problems) - len(shown)
        st.warning(
            "Contraintes non satisfaites :\n\n"
            + "\n".join(f"- {p}" for p in shown)
            + (f"\n- … et {more} autre(s)" if more > 0 else "")
        )
    else:
        st.success("Toutes les contraintes sont respectées.")

    st.subheader("Groupes")
    st.caption("Modifiez le nom, l'intervenant, les heures ou le créneau (ex. « lundi 14:00 »).")
    staff_names = plan.staff.get_column("staff").to_list()
    groups_key = f"plan_ap_groups_{version}"
    st.data_editor(
        planning.group_summary(plan),
        key=groups_key,
        hide_index=True,
        width="stretch",
        disabled=["group_id", "need", "level", "size"],
        column_config={
            "group_id": st.column_config.NumberColumn("N°", width="small"),
            "name": st.column_config.TextColumn("Groupe", required=True),
            "need": "Besoin",
            "level": "Niveau",
            "staff": st.column_config.SelectboxColumn("Intervenant", options=staff_names),
            "hours_per_week": st.column_config.NumberColumn(
                "Heures par semaine", min_value=0.25, max_value=12.0, step=0.25, format="%.2f"
            ),
            "slot": st.column_config.TextColumn("Créneau", help="jour et heure, ex. lundi 14:00"),
            "size": st.column_config.NumberColumn("Élèves"),
        },
    )

    if _apply_group_edits(groups_key):  # each edit re-checks the plan and redraws the editors
        st.rerun()

    st.subheader("Élèves et groupes")
    st.caption(
        f"Changez le groupe d'un élève pour le déplacer ; « {planning.NO_GROUP} » le retire des "
        "groupes. Un besoin sans groupe peut être placé de la même façon."
    )
    members_key = f"plan_ap_members_{version}"
    st.data_editor(
        planning.member_view(plan),
        key=members_key,
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
                options=[*plan.groups.get_column("name").to_list(), planning.NO_GROUP],
                required=True,
            ),
        },
    )

    if _apply_member_edits(members_key):
        st.rerun()

    with st.expander("Ajouter ou supprimer un groupe"):
        with st.form("plan_ap_add_group", clear_on_submit=True):
            new_name = st.text_input("Nom du nouveau groupe")
            needs = planning.plan_needs(plan)
            new_need = st.selectbox("Besoin traité", needs) if needs else None
            if st.form_submit_button("Ajouter le groupe") and new_name.strip() and new_need:
                _store(planning.add_group(plan, new_name, new_need))
                st.rerun()
        names = planning.group_ids_by_name(plan)
        doomed = st.selectbox("Groupe à supprimer", list(names), index=None, key="plan_ap_remove")
        if doomed and st.button("Supprimer ce groupe (ses élèves deviennent non placés)"):
            _store(planning.remove_group(plan, names[doomed]))
            st.rerun()

    st.subheader("Non placés et raisons")
    unplaced = planning.unplaced_view(plan)
    if unplaced.is_empty():
        st.caption("Chaque élève ayant un besoin est dans un groupe.")
    else:
        st.dataframe(
            unplaced,
            hide_index=True,
            width="stretch",
            column_config={k: v for k, v in planning.UNPLACED_LABELS.items()},
        )

    st.subheader("Heures des intervenants")
    st.dataframe(
        planning.staff_load(plan),
        hide_index=True,
        width="stretch",
        column_config={
            "staff": "Intervenant",
            "weekly_hours_available": st.column_config.NumberColumn(
                "Heures disponibles par semaine", format="%.2f"
            ),
            "hours_planned": st.column_config.NumberColumn(
                "Heures de groupes par semaine", format="%.2f"
            ),
        },
    )

    save_col, download_col = st.columns(2)
    if save_col.button("Enregistrer le plan", key="plan_ap_save", width="stretch"):
        try:
            report = save_plan(
                get_engine(),
                kind=plan.kind,
                period_start=plan.period.start,
                period_end=plan.period.end,
                site=site,
                groups=plan.groups,
                members=plan.members.select("learner", "group_id"),
            )
        except PilotageError as error:
            st.error(str(error))
        else:
            cache.clear_after_write()
            st.success(
                f"{report} Il remplace le plan {plan.kind} du {fmt.day(plan.period.start)} au "
                f"{fmt.day(plan.period.end)} " + (f"du site {site}." if site else "sans site.")
            )
    download_col.download_button(
        "Télécharger le plan (Excel)",
        data=lambda: plan_workbook_bytes(**planning.workbook_content(plan)),
        file_name=f"plan-{plan.kind.replace(' ', '-')}-{plan.period.start:%Y-%m-%d}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        key="plan_ap_download",
        width="stretch",
    )

# --- follow-up of saved plans ---------------------------------------------------------------

st.header("Suivi des plans enregistrés")
saved = planning.saved_plans(frames)
if saved.is_empty():
    st.info("Aucun plan enregistré pour l'instant.")
    st.stop()


def _label(row: dict) -> str:
    where = f" — {row['site']}" if row["site"] else ""
    return (
        f"{row['kind']}{where} — du {fmt.day(row['period_start'])} au {fmt.day(row['period_end'])} "
        f"({row['groups']} groupes, {row['learners']} élèves)"
    )


plans = saved.to_dicts()
picked = st.selectbox("Plan", plans, format_func=_label, key="plan_ap_followed")
per_group, per_learner = planning.hours_followup(
    frames,
    kind=picked["kind"],
    site=picked["site"],
    start=picked["period_start"],
    end=picked["period_end"],
    as_of=date.today(),
)
st.caption(
    "Heures prévues à date = heures hebdomadaires du groupe × semaines écoulées depuis le début "
    "de la période (jours / 7). Heures assurées : séances du groupe de besoins, chacune une fois ; "
    "heures reçues : séances où l'élève était présent."
)
st.dataframe(
    per_group,
    hide_index=True,
    width="stretch",
    column_config={
        "group": "Groupe",
        "need": "Besoin",
        "staff": "Intervenant",
        "planned_hours_per_week": st.column_config.NumberColumn(
            "Heures par semaine", format="%.2f"
        ),
        "planned": st.column_config.NumberColumn("Heures prévues à date", format="%.1f"),
        "delivered": st.column_config.NumberColumn("Heures assurées", format="%.1f"),
        "sessions": "Séances",
        "rate": st.column_config.ProgressColumn(
            "Réalisé", format="percent", min_value=0, max_value=1
        ),
    },
)
st.dataframe(
    per_learner,
    hide_index=True,
    width="stretch",
    column_config={
        "learner": "Identifiant",
        "groups": "Groupes",
        "planned": st.column_config.NumberColumn("Heures prévues à date", format="%.1f"),
        "received": st.column_config.NumberColumn("Heures reçues", format="%.1f"),
        "absent_hours": st.column_config.NumberColumn("Heures d'absence", format="%.1f"),
        "rate": st.column_config.ProgressColumn(
            "Réalisé", format="percent", min_value=0, max_value=1
        ),
    },
)

others = [
    p for p in plans if p["kind"] == picked["kind"] and p["site"] == picked["site"] and p != picked
]
st.subheader("Changements de groupe entre deux périodes")
if not others:
    st.caption("Un seul plan enregistré pour ce type et ce site : rien à comparer.")
else:
    other = st.selectbox("Comparer avec", others, format_func=_label, key="plan_ap_compare")
    before, after = sorted([other, picked], key=lambda p: p["period_start"])
    changes = planning.group_changes(
        frames,
        kind=picked["kind"],
        site=picked["site"],
        before=(before["period_start"], before["period_end"]),
        after=(after["period_start"], after["period_end"]),
    )
    if changes.is_empty():
        st.caption("Aucun élève n'a changé de groupe.")
    else:
        st.dataframe(
            changes,
            hide_index=True,
            width="stretch",
            column_config={
                "learner": "Identifiant",
                "need": "Besoin",
                "group_before": f"Groupe du {fmt.day(before['period_start'])}",
                "group_after": f"Groupe du {fmt.day(after['period_start'])}",
                "change": "Changement",
            },
        )
