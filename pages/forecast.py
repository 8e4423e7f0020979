"""Prévoir la charge : les copies et sollicitations des semaines à venir (les mêmes semaines
de l'an passé ajustées au niveau de cette année), comparées à l'an passé ; la capacité et les
effectifs mesurés, modifiables ; les correcteurs et tuteurs nécessaires pour tenir les
objectifs, et l'attente prévue avec l'effectif choisi ; le plan en Excel."""

from dataclasses import replace
from datetime import timedelta

import streamlit as st

from forecast import plan
from indicators.dataset import as_of, data_end
from ui import cached, charts_forecast, forecast_editor, notices, sidebar, tables
from ui import format as fmt
from ui.definitions import help_for
from ui.settings_view import show_settings
from ui.text import escape

MEASURES = {"copies": "Copies reçues", "requests": "Sollicitations de tutorat reçues"}
ALL = "Toutes les disciplines"

sel = sidebar.selection()
scope = sel.scope
settings = scope.settings

st.title("Prévoir la charge")
if notices.period_outside_data(sel):
    st.stop()
last = data_end(sel.dataset)
default_day = as_of(sel.dataset, scope.period)
left, right = st.columns(2)
day = left.date_input(
    "Prévoir avec les données jusqu'au",
    value=default_day,
    max_value=last + timedelta(days=6 - last.weekday()),  # the end of the data's last week
    format="DD/MM/YYYY",
    key=f"forecast_as_of_{default_day}",
    help="Par défaut, la fin de la période du panneau de gauche, ou le dernier jour des "
    "données. Une date plus ancienne permet de comparer la prévision à ce qui est arrivé.",
)
weeks = right.number_input(
    "Semaines à prévoir",
    min_value=1,
    max_value=plan.MAX_WEEKS,
    value=plan.DEFAULT_WEEKS,
    key="forecast_weeks",
)
inputs = cached.compute(plan.measure, sel, scope=scope, as_of=day, weeks=int(weeks))
st.caption(
    f"Prévision faite avec les données jusqu'au {fmt.day(inputs.as_of)}, pour les "
    f"{fmt.number(inputs.weeks)} semaines à partir du lundi {fmt.day(inputs.start)} ; sites, "
    f"groupes et disciplines du panneau de gauche. Source : {escape(sel.source)}. Chaque "
    "semaine à venir reprend la même semaine de l'an passé, multipliée par le niveau de "
    "cette année (ses 8 dernières semaines d'activité, vacances exclues, rapportées aux "
    "mêmes semaines de l'an passé) : la saison se répète, le niveau suit l'année. "
    "L'intervalle à 80 % vient des écarts de cette règle sur les semaines déjà connues de "
    "l'année écoulée. Une semaine sans historique n'a pas de prévision, et le tableau dit "
    "pourquoi."
)
if inputs.forecast.is_empty():
    st.info(
        "Aucune copie ni sollicitation dans la sélection : rien à prévoir. Retirez des "
        "filtres dans le panneau de gauche."
    )
    st.stop()

st.header("Arrivées prévues et l'an passé")
left, right = st.columns(2)
measure = left.radio(
    "Flux", list(MEASURES), format_func=MEASURES.get, horizontal=True, key="forecast_measure"
)
disciplines = sorted(inputs.forecast.get_column("discipline").unique().to_list())
chosen = right.selectbox(
    "Discipline", [ALL, *disciplines], format_func=escape, key="forecast_discipline"
)
compared = plan.compare(inputs, measure, disciplines=() if chosen == ALL else (chosen,))
st.altair_chart(
    charts_forecast.forecast_against_last_year(
        compared, y_title=f"{MEASURES[measure]} par semaine"
    ),
    width="stretch",
)
missing = compared.get_column("missing").max() or 0
st.caption(
    "Trait plein : ce qui est arrivé ; pointillés : la prévision, et sa bande, la somme des "
    "intervalles de chaque site et discipline ; en gris, la même semaine un an plus tôt."
    + (
        f" Certaines semaines, {fmt.number(missing)} série(s) (site et discipline) n'ont "
        "pas de prévision faute d'historique : elles ne sont pas dans le total."
        if missing
        else ""
    )
)

st.header("Capacité et effectifs")
reference = inputs.reference
st.caption(
    "Mesurés sur les semaines de référence"
    + (
        f", du {fmt.day(reference[0])} au {fmt.day(reference[-1] + timedelta(days=6))} "
        f"({fmt.number(len(reference))} semaines d'activité, vacances exclues)"
        if reference
        else ""
    )
    + ". Capacité : la médiane, sur ces semaines, des copies corrigées (sollicitations "
    "répondues) de la semaine par correcteur (tuteur) qui en a corrigé cette semaine-là. "
    "Effectif : les personnes qui en ont corrigé (répondu) au moins une. Ces chiffres "
    "décrivent ce que l'équipe a fait, au moins ce qu'elle peut faire : changez-les pour "
    "voir ce que deviennent l'attente et le stock."
)
measured_for = f"{inputs.as_of}#{inputs.weeks}"
capacity = forecast_editor.capacity_editor(inputs.capacity, measured_for)
staff = forecast_editor.staff_editor(inputs.staff, measured_for)
forecast_editor.reset_button()

st.header("Ce qu'il faut pour tenir les objectifs")
st.markdown(
    "Chaque semaine, l'équipe traite au plus sa capacité (effectif × capacité par personne) "
    "et ce qu'elle n'a pas traité passe à la semaine suivante : **stock suivant = stock + "
    "arrivées − capacité**. Une copie ou une sollicitation attend que ce qui est arrivé "
    "avant elle soit traité à ce rythme ; l'effectif nécessaire est le plus petit qui traite "
    "la part visée dans le délai cible."
)
left, right = st.columns(2)
correction_goal = left.slider(
    settings.labels["correction_goal_share"],
    50,
    100,
    round(settings.correction_goal_share * 100),
    format="%d %%",
    key="forecast_correction_goal",
)
tutoring_goal = right.slider(
    settings.labels["tutoring_goal_share"],
    50,
    100,
    round(settings.tutoring_goal_share * 100),
    format="%d %%",
    key="forecast_tutoring_goal",
)
settings = replace(
    settings,
    correction_goal_share=correction_goal / 100,
    tutoring_goal_share=tutoring_goal / 100,
)
show_settings(
    settings,
    [
        "correction_target_days",
        "correction_goal_share",
        "tutoring_target_hours",
        "tutoring_goal_share",
    ],
)
table = plan.project(inputs, settings, capacity=capacity, staff=staff)
summary = plan.by_discipline(table)
figures = plan.headline(table)
tiles = st.columns(4)
tiles[0].metric(
    f"Copies prévues en {fmt.number(inputs.weeks)} semaines",
    fmt.number(figures["copies_forecast"]),
    help=help_for("copies_forecast", settings),
    border=True,
)
tiles[1].metric(
    f"Au plus fort : {fmt.day(figures['busiest_week'])}",
    fmt.number(figures["busiest_copies"]),
    help=help_for("busiest_copies", settings),
    border=True,
)
tiles[2].metric(
    "Correcteurs au plus fort",
    fmt.number(figures["correctors_needed_max"]),
    help=help_for(
        "correctors_needed_max",
        settings,
        f"L'effectif du tableau ci-dessus en compte {fmt.number(figures['correctors'])}.",
    ),
    border=True,
)
tiles[3].metric(
    "Tuteurs au plus fort",
    fmt.number(figures["tutors_needed_max"]),
    help=help_for(
        "tutors_needed_max",
        settings,
        f"L'effectif du tableau ci-dessus en compte {fmt.number(figures['tutors'])}.",
    ),
    border=True,
)
copies_tab, requests_tab = st.tabs(["Correction des copies", "Tutorat"])
with copies_tab:
    st.altair_chart(
        charts_forecast.projected_waits(
            summary,
            value="correction_wait_days_projected",
            y_title="Attente moyenne prévue (jours)",
            target=settings.correction_target_days,
            target_title="Objectif (jours)",
        ),
        width="stretch",
    )
    st.caption(
        "Attente moyenne des copies arrivées dans la semaine, avec l'effectif du tableau "
        "ci-dessus (le temps de corriger une copie commencée n'y est pas) ; le trait rouge "
        "marque l'objectif de délai. Le stock du départ compte les copies remises dans les "
        "4 semaines précédentes et pas encore corrigées."
    )
    tables.show(
        summary.select(plan.COPIES_COLUMNS),
        plan.COLUMN_LABELS,
        "plan_correction_par_discipline",
        title="Correction des copies : prévision et effectif nécessaire, par discipline",
        kinds=plan.COLUMN_KINDS,
    )
with requests_tab:
    st.altair_chart(
        charts_forecast.projected_waits(
            summary,
            value="response_wait_hours_projected",
            y_title="Attente moyenne prévue (heures)",
            target=settings.tutoring_target_hours,
            target_title="Délai cible (heures)",
            kind="hours",
        ),
        width="stretch",
    )
    st.caption(
        "Attente moyenne des sollicitations reçues dans la semaine, avec l'effectif du "
        "tableau ci-dessus ; le trait rouge marque le délai cible. Un tuteur qui répond dans "
        "deux disciplines compte dans chacune."
    )
    tables.show(
        summary.select(plan.REQUESTS_COLUMNS),
        plan.COLUMN_LABELS,
        "plan_tutorat_par_discipline",
        title="Tutorat : prévision et effectif nécessaire, par discipline",
        kinds=plan.COLUMN_KINDS,
    )

st.header("Le plan par site et discipline")
st.caption(
    "Toutes les colonnes : la même semaine un an plus tôt, le niveau, la prévision et son "
    "intervalle (ou pourquoi il n'y en a pas), la capacité, l'effectif, l'effectif "
    "nécessaire, le stock, l'attente et la part dans l'objectif prévus ; le téléchargement "
    "Excel est le plan de charge."
)
tables.show(
    table,
    plan.COLUMN_LABELS,
    "plan_de_charge",
    title=f"Plan de charge (données jusqu'au {fmt.day(inputs.as_of)})",
    kinds=plan.COLUMN_KINDS,
    wide=("copies_note", "requests_note"),
)
