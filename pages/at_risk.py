"""Apprenants à risque : la liste de travail des référents, une ligne par inscription active
(ou par apprenant), classée par score de risque, avec son niveau, ses raisons, ses signaux, son
référent et le suivi déjà fait ; les contacts de suivi se notent ici."""

from datetime import date

import streamlit as st

from indicators import dataset, risk
from ui import follow_up, notices, sidebar, tables
from ui import format as fmt
from ui.settings_view import show_settings
from ui.text import escape

LABELS = {**risk.COLUMN_LABELS, **risk.CONTACT_LABELS}
PER_ENROLMENT = (
    "learner_name",
    "level",
    "score",
    "reasons",
    "signals",
    "referent",
    "last_contact",
    "contacted_recently",
    "group",
    "site",
    "external_id",
    "entry_date",
)
# The most useful columns first: who, how urgent, why, who calls, what was done.
PER_LEARNER = (
    "learner_name",
    "level",
    "score",
    "reasons",
    "signals",
    "referent",
    "last_contact",
    "contacted_recently",
    "groups",
    "site",
    "external_id",
)
LEVEL_CHOICES = {risk.ALERT: "Alerte", risk.VIGILANCE: "Vigilance"}
SETTINGS_SHOWN = [
    "risk_missed_assignments",
    "risk_missed_assignments_alert",
    "risk_missed_window_weeks",
    "risk_late_copies",
    "risk_late_copies_alert",
    "risk_inactivity_weeks",
    "risk_inactivity_alert_weeks",
    "risk_interview_gap_weeks",
    "risk_interview_gap_alert_weeks",
    "risk_suivi_due_days",
    "risk_suivi_alert_days",
    "tutoring_target_hours",
    "risk_unanswered_alert_days",
    "risk_grade_drop",
    "risk_grade_drop_alert",
    "risk_below_group_points",
    "risk_below_group_alert_points",
    "risk_failure_share",
    "risk_failure_alert_share",
    "risk_absences",
    "risk_absences_alert",
    "risk_school_absences",
    "risk_school_absences_alert",
    "risk_score_vigilance",
    "risk_score_alert",
    "risk_contact_recent_days",
]

sel = sidebar.selection()
scope = sel.scope
period, settings = scope.period, scope.settings
as_of = dataset.as_of(sel.dataset, period)
today = date.today()

st.title("Apprenants à risque")
notices.period_outside_data(sel)
st.caption(
    f"Situation au {fmt.day(as_of)} : chaque inscription active ce jour-là (un apprenant inscrit "
    "dans deux groupes est évalué dans chacun), ses signaux au niveau *vigilance* ou *alerte*, "
    "son score de risque (probabilité d'abandon) et ses raisons principales, son référent. "
    "Liste classée par score, puis par niveau. Source : " + escape(sel.source) + "."
)

model = follow_up.risk_model_of(sel, as_of)
st.info(escape(follow_up.check_sentence(model)), icon=":material/model_training:")
missing = risk.unavailable(sel.dataset)
with st.expander(f"Signaux non calculables sur ces données ({missing.height})"):
    for row in missing.iter_rows(named=True):
        st.markdown(f"- **{escape(row['label'])}** : {escape(row['reason'])}")
    for note in risk.rule_notes(sel.dataset, risk.active_enrolments(sel.dataset, scope, as_of)):
        st.markdown(f"- {escape(note)}")
with st.expander("Réglages des signaux et du score"):
    show_settings(settings, SETTINGS_SHOWN)

listed = follow_up.at_risk(sel, as_of)
contacts = follow_up.contacts_of(sel)
listed = risk.with_contacts(listed, contacts, today, settings.risk_contact_recent_days)

alerts = listed.filter(listed["level"] == risk.ALERT)
first, second, third, fourth = st.columns(4)
first.metric("Inscriptions à risque", fmt.number(listed.height), border=True)
second.metric("Dont en alerte", fmt.number(alerts.height), border=True)
third.metric(
    "Apprenants pas encore contactés",
    fmt.number(risk.not_contacted(listed).get_column("learner_id").n_unique()),
    border=True,
)
fourth.metric(
    "Contactés récemment",
    fmt.number(listed.filter(listed["contacted_recently"]).get_column("learner_id").n_unique()),
    help=f"Un contact noté dans les {settings.risk_contact_recent_days} derniers jours.",
    border=True,
)

if listed.is_empty():
    st.success("Aucune inscription active ne présente de signal ni de score au niveau vigilance.")
    st.stop()

left, middle, right = st.columns(3)
chosen_levels = left.multiselect(
    "Niveau", list(LEVEL_CHOICES), format_func=LEVEL_CHOICES.get, key="risk_levels",
    placeholder="Tous",
)  # fmt: skip
chosen_signals = middle.multiselect(
    "Signaux", list(risk.SIGNALS), format_func=risk.SIGNALS.get, key="risk_signals",
    placeholder="Tous",
)  # fmt: skip
chosen_referents = right.multiselect(
    "Référent", risk.referents(listed), key="risk_referents", placeholder="Tous"
)
left, right = st.columns(2)
only_new = left.toggle("Pas encore contactés", key="risk_not_contacted")
per_learner = right.toggle("Une ligne par apprenant (ses groupes ensemble)", key="risk_per_learner")

shown = risk.filter_at_risk(listed, chosen_signals, chosen_referents, chosen_levels)
if only_new:
    shown = risk.not_contacted(shown)
if per_learner:
    folded = risk.by_learner(shown).join(
        shown.select("learner_id", "last_contact", "contacted_recently").unique("learner_id"),
        on="learner_id",
        how="left",
    )
    table, columns, stem = folded, PER_LEARNER, "apprenants_a_risque_par_apprenant"
else:
    table, columns, stem = shown, PER_ENROLMENT, "apprenants_a_risque"
st.caption(
    f"{fmt.number(table.height)} ligne(s). Score : probabilité d'abandon estimée (vide sans "
    "modèle). Contacté récemment : un contact de suivi noté dans les "
    f"{settings.risk_contact_recent_days} derniers jours."
)
if table.height > tables.MAX_ROWS_SHOWN:
    st.caption(
        f"Seules les {fmt.number(tables.MAX_ROWS_SHOWN)} premières lignes sont affichées ; le "
        "téléchargement contient toute la liste."
    )
tables.show(
    table.select(columns),
    LABELS,
    stem,
    title=f"Apprenants à risque de décrochage au {fmt.day(as_of)}",
    kinds={"score": "share"},
    max_rows=tables.MAX_ROWS_SHOWN,
    wide=("reasons", "signals", "last_contact"),
    key="at_risk_list",
)

st.header("Suivi : contacts notés")
if follow_up.may_record(sel):
    follow_up.contact_form(sel, shown, key="contact_form")
made = risk.contacts_of_list(contacts, listed)
if made.is_empty():
    st.caption("Aucun contact de suivi noté pour les apprenants de cette liste.")
else:
    tables.show(
        made.drop("contact_id", "learner_id"),
        LABELS,
        "contacts_de_suivi",
        title="Contacts de suivi des apprenants à risque",
        max_rows=tables.MAX_ROWS_SHOWN,
        wide=("next_step",),
        key="at_risk_contacts",
    )
