"""Planifier l'AP : proposer des groupes de besoins à partir des diagnostics (ou rouvrir un plan
enregistré), les modifier avec les contraintes revérifiées à chaque modification, enregistrer le
plan de la période, le télécharger en Excel, et suivre les plans enregistrés (heures prévues /
assurées, changements de groupe)."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from domain import KIND_AP, PLAN_KINDS
from indicators import plan_followup
from indicators.common import Period
from planning.plan import (
    DEFAULT_MIN_SIZE,
    NO_GROUP,
    UNPLACED_LABELS,
    group_hours,
    kind_settings,
    plan_figures,
    plan_title,
    staff_load,
    unplaced_view,
)
from planning.printable import workbook_bytes
from planning.request import NoDiagnostics, PlanRequest, available_staff, propose
from ui import auth, cached, downloads, importing, plan_editor, sidebar, tables, writes
from ui import format as fmt
from ui.text import escape

SOURCE_FILE = "Fichier de diagnostics"
SOURCE_DATABASE = "Base de données"
MAX_PROBLEMS_SHOWN = 15
MAX_NEEDS_PER_LEARNER = 4
FOLLOWUP_LABELS = {
    "group": "Groupe",
    "need": "Besoin",
    "staff": "Intervenant",
    "planned_hours_per_week": "Heures par semaine",
    "planned": "Heures prévues à date",
    "delivered": "Heures assurées",
    "sessions": "Séances",
    "rate": "Réalisé",
    "learner": "Identifiant",
    "name": "Nom",
    "groups": "Groupes",
    "received": "Heures reçues",
    "absent_hours": "Heures d'absence",
}
STAFF_LABELS = {
    "staff": "Intervenant",
    "weekly_hours_available": "Heures disponibles par semaine",
    "hours_planned": "Heures de groupes par semaine",
}
HOURS = {"planned_hours_per_week": "hours", "weekly_hours_available": "hours"}

sel = sidebar.selection()
scope = sel.scope
sites, classes = scope.sites, scope.groups  # the sidebar's, or else the user's own
user = auth.current()

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

# --- the request: period, kind, size, learners, diagnostics ---------------------------------

left, middle, right = st.columns(3)
chosen = left.date_input(
    "Période du plan",
    value=(scope.period.start, scope.period.end),
    format="DD/MM/YYYY",
    key="plan_ap_period",
    help="Par défaut, la période choisie dans le panneau latéral.",
)
if not (isinstance(chosen, tuple | list) and len(chosen) == 2):
    st.info("Choisissez la date de fin de la période du plan.")
    st.stop()
kind = middle.radio("Type d'accompagnement", PLAN_KINDS, horizontal=True, key="plan_ap_kind")
budget, default_cap = kind_settings(kind, scope.settings)
cap = scope.settings.aide_max_group_size
max_size = right.number_input(
    "Élèves au plus par groupe",
    min_value=1,
    max_value=60 if kind == KIND_AP else cap,
    value=default_cap,
    key=f"plan_ap_max_size_{kind}",
    help=(
        "AP : pas de quota réglementaire ; au-delà de cette taille les groupes sont dédoublés."
        if kind == KIND_AP
        else f"Aide individualisée : {cap} élèves au plus par groupe."
    ),
)
options = [
    n for n in range(1, MAX_NEEDS_PER_LEARNER + 1) if budget * 60 / n >= 15
]  # groups of a quarter of an hour at least
needs_per_learner = st.selectbox(
    f"Temps d'{kind} de chaque élève : {fmt.duration(budget)} par semaine, réparti en",
    options,
    format_func=lambda n: (
        f"1 besoin : un groupe de {fmt.duration(group_hours(budget, 1))} par semaine"
        if n == 1
        else f"{n} besoins : {n} groupes de {fmt.duration(group_hours(budget, n))} par semaine"
    ),
    key=f"plan_ap_split_{kind}",
    placeholder="Choisissez une répartition",
)
st.caption(
    f"Chaque élève a {fmt.duration(budget)} d'{kind} par semaine de cours"
    + (
        f" (en moyenne : les {fmt.hours(scope.settings.ap_hours_per_year, None)} de l'année "
        "se font pendant les semaines passées au lycée)"
        if kind == KIND_AP
        else ""
    )
    + ". Un groupe qui prend tout ce temps ne traite qu'un besoin par élève, le plus urgent : "
    "ses autres besoins restent sans groupe et comptent parmi les points à revoir. Répartir ce "
    "temps entre plusieurs besoins donne des groupes plus courts et prend en charge plus de "
    f"besoins de chaque élève. Groupes de {int(max_size)} élèves au plus et de {DEFAULT_MIN_SIZE} au moins. "
    "Élèves : "
    + (f"site(s) {escape(', '.join(sites))}" if sites else "tous les sites")
    + (f", classes {escape(', '.join(classes))}" if classes else "")
    + " (filtres du panneau latéral)."
)
request = PlanRequest(
    Period(*chosen),
    kind,
    int(max_size),
    sites=sites,
    groups=classes,
    needs_per_learner=needs_per_learner,
)

source = st.radio(
    "Diagnostics", [SOURCE_DATABASE, SOURCE_FILE], horizontal=True, key="plan_ap_source"
)
uploaded = None
if source == SOURCE_FILE:
    uploaded = st.file_uploader(
        "Fichier de diagnostics (colonnes identifiant, besoin, niveau, date ; classe facultative)",
        type=["xlsx", "xlsm", "xls", "ods", "csv"],
        key="plan_ap_file",
        help="Lu comme à l'import des diagnostics (mêmes titres de colonnes, mêmes niveaux : "
        "non acquis, en cours, acquis, ou NA, ECA, A). Seuls les élèves des classes choisies "
        "dans le panneau latéral sont planifiés.",
    )
    st.caption(
        "Glissez le fichier dans le cadre, ou cliquez sur « Upload » (« Déposer ») pour le choisir."
    )
from_file = None
if uploaded is not None:
    from_file = importing.rows_of(importing.received(uploaded), "diagnostics")
    if from_file is None:  # the file's problems are shown
        st.stop()

staff = cached.compute(available_staff, sel, on_frames=True, sites=sites)
if staff.get_column("weekly_hours_available").fill_null(0).sum() == 0:
    st.info(
        "Aucun intervenant n'a d'heures disponibles déclarées : importez les intervenants avec la "
        "colonne « Heures disponibles par semaine » pour qu'ils reçoivent des groupes."
    )

if st.button("Proposer des groupes", type="primary", key="plan_ap_propose"):
    if source == SOURCE_FILE and uploaded is None:
        st.error("Déposez d'abord le fichier de diagnostics.")
    else:
        try:
            plan_editor.keep(
                propose(sel.dataset.frames, request, diagnostics=from_file, settings=scope.settings)
            )
        except NoDiagnostics:
            st.error(
                "Aucun diagnostic pour ces élèves : importez les diagnostics (page Importer des "
                "données) ou déposez un fichier de diagnostics."
            )
        except ValueError as error:
            st.error(escape(str(error)))

# --- the plan, edited in place ----------------------------------------------------------------

plan = plan_editor.current()
if plan is not None:
    st.header(escape(plan_title(plan)))
    figures = plan_figures(plan)
    a, b, c, d = st.columns(4)
    a.metric("Groupes", fmt.number(figures["groups"]), border=True)
    b.metric("Élèves placés", fmt.number(figures["placed"]), border=True)
    c.metric(
        "Besoins sans groupe",
        fmt.number(figures["waiting"]),
        help="Besoins diagnostiqués (non acquis, en cours) qui n'ont pas de groupe : chacun est "
        "une contrainte non satisfaite, expliquée dans « Non placés et raisons ».",
        border=True,
    )
    d.metric("Points à revoir", fmt.number(figures["problems"]), border=True)
    if plan.problems:
        shown = plan.problems[:MAX_PROBLEMS_SHOWN]
        more = len(plan.problems) - len(shown)
        st.warning(
            "Points à revoir (contraintes non satisfaites) :\n\n"
            + "\n".join(f"- {escape(p)}" for p in shown)
            + (f"\n- … et {more} autre(s)" if more > 0 else "")
        )
    else:
        st.success("Toutes les contraintes sont respectées : chaque besoin a son groupe.")

    st.subheader("Groupes")
    st.caption("Modifiez le nom, l'intervenant, les heures ou le créneau (ex. « lundi 14:00 »).")
    plan_editor.groups_table(plan)

    st.subheader("Élèves et groupes")
    st.caption(
        f"Changez le groupe d'un élève pour le déplacer ; « {NO_GROUP} » le retire des groupes. "
        "Un besoin sans groupe peut être placé de la même façon."
    )
    plan_editor.members_table(plan)
    with st.expander("Ajouter ou supprimer un groupe"):
        plan_editor.add_or_remove_group(plan)

    st.subheader("Non placés et raisons")
    unplaced = unplaced_view(plan)
    if unplaced.is_empty():
        st.caption("Chaque élève ayant un besoin est dans un groupe.")
    else:
        tables.plain(unplaced, UNPLACED_LABELS)

    st.subheader("Heures des intervenants")
    tables.plain(staff_load(plan), STAFF_LABELS, kinds=HOURS | {"hours_planned": "hours"})

    save_col, download_col = st.columns(2)
    file_name = (
        f"plan-{plan.kind.replace(' ', '-')}_{plan.period.start:%Y-%m-%d}_"
        f"{plan.period.end:%Y-%m-%d}.xlsx"
    )
    download_col.download_button(
        "Télécharger le plan (Excel)",
        data=downloads.recorded(
            lambda: workbook_bytes(plan), user, file_name, plan.members.height, False
        ),
        file_name=file_name,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        key="plan_ap_download",
        width="stretch",
    )
    if not user.may_write:
        save_col.caption(
            "Votre rôle permet de préparer et de télécharger un plan, pas de l'enregistrer."
        )
    else:
        save = save_col.button("Enregistrer le plan", key="plan_ap_save", width="stretch")
        if (save and plan_editor.wants_to_save(plan)) or plan_editor.confirmation(plan):
            saved, refused = writes.save_plan(plan)
            if refused:
                st.error(escape(refused))
            else:
                st.success(
                    f"{saved} Il remplace le plan {escape(plan.kind)} du "
                    f"{fmt.day(plan.period.start)} au {fmt.day(plan.period.end)} "
                    + (f"du site {escape(plan.site)}." if plan.site else "sans site.")
                )

# --- follow-up of saved plans ---------------------------------------------------------------

st.header("Suivi des plans enregistrés")
saved_plans = cached.compute(plan_followup.saved_plans, sel, on_frames=True)
if saved_plans.is_empty():
    st.info("Aucun plan enregistré pour l'instant.")
    st.stop()


def _label(row: dict) -> str:
    where = f" — {row['site']}" if row["site"] else ""
    return (
        f"{row['kind']}{where} — du {fmt.day(row['period_start'])} au {fmt.day(row['period_end'])} "
        f"({fmt.number(row['groups'])} groupes, {fmt.number(row['learners'])} élèves)"
    )


listed = saved_plans.to_dicts()
picked = st.selectbox(
    "Plan", listed, format_func=_label, key="plan_ap_followed", placeholder="Choisissez un plan"
)
if picked["kind"] not in PLAN_KINDS:
    st.caption(f"Les plans « {escape(picked['kind'])} » se suivent ici mais ne se modifient pas.")
elif st.button("Ouvrir ce plan pour le modifier", key="plan_ap_open"):
    plan_editor.open_saved(sel, picked, st.session_state.get(f"plan_ap_max_size_{picked['kind']}"))
    st.rerun()
per_group, per_learner = cached.compute(
    plan_followup.hours_followup,
    sel,
    on_frames=True,
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
tables.show(
    per_group,
    FOLLOWUP_LABELS,
    "suivi_plan_groupes",
    title=f"Suivi du plan {picked['kind']} : heures par groupe",
    kinds={"rate": "share", **HOURS},
)
tables.show(
    per_learner,
    FOLLOWUP_LABELS,
    "suivi_plan_eleves",
    title=f"Suivi du plan {picked['kind']} : heures par élève",
    kinds={"rate": "share"},
)

others = [
    p for p in listed if p["kind"] == picked["kind"] and p["site"] == picked["site"] and p != picked
]
st.subheader("Changements de groupe entre deux périodes")
if not others:
    st.caption("Un seul plan enregistré pour ce type et ce site : rien à comparer.")
else:
    other = st.selectbox(
        "Comparer avec",
        others,
        format_func=_label,
        key="plan_ap_compare",
        placeholder="Choisissez un plan",
    )
    before, after = sorted([other, picked], key=lambda p: p["period_start"])
    changes = cached.compute(
        plan_followup.group_changes,
        sel,
        on_frames=True,
        kind=picked["kind"],
        site=picked["site"],
        before=(before["period_start"], before["period_end"]),
        after=(after["period_start"], after["period_end"]),
    )
    if changes.is_empty():
        st.caption("Aucun élève n'a changé de groupe.")
    else:
        tables.show(
            changes.with_columns(pl.col("group_before", "group_after").fill_null(NO_GROUP)),
            {
                **FOLLOWUP_LABELS,
                "group_before": f"Groupe du {fmt.day(before['period_start'])}",
                "group_after": f"Groupe du {fmt.day(after['period_start'])}",
                "change": "Changement",
            },
            "changements_de_groupe",
            title=(
                f"Changements de groupe du {fmt.day(before['period_start'])} au "
                f"{fmt.day(after['period_start'])}"
            ),
        )
