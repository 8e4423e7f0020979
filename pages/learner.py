"""Fiche apprenant : un apprenant trouvé par son nom ou son identifiant, toute son histoire sur
un écran imprimable (inscriptions, copies et notes, tutorat, entretiens, heures d'AP,
diagnostics, signaux de risque)."""

import polars as pl
import streamlit as st

from indicators import learner_file, risk
from indicators import support_hours as hours
from ui import cached, charts, follow_up, learner_links, sidebar, tables
from ui import format as fmt
from ui.text import escape

LABELS = {**learner_file.COLUMN_LABELS, **hours.COLUMN_LABELS}
LABELS["school_year"] = "Année scolaire"
SUPPORT_COLUMNS = (
    "school_year",
    "group",
    "sessions",
    "absences",
    "ap_hours",
    "ap_expected",
    "ap_share",
    "aide_hours",
    "other_hours",
    "total_hours",
    "external_id",
)
HOURS_KINDS = {"ap_share": "share"} | dict.fromkeys(
    ("ap_hours", "ap_expected", "aide_hours", "other_hours", "total_hours"), "hours"
)

sel = sidebar.selection()
settings = sel.scope.settings

st.title("Fiche apprenant")
learner_links.print_style()
index = cached.compute(learner_file.search_index, sel)
external_id = learner_links.choose_learner(index)
if external_id is None:
    st.stop()

file = cached.compute(learner_file.learner_file, sel, settings=settings, external_id=external_id)
if file is None:
    st.warning(
        f"Aucun apprenant d'identifiant « {escape(external_id)} » dans les données que vous "
        "voyez (il n'existe pas, ou il est hors de votre périmètre)."
    )
    st.stop()

who = file.identity
st.header(escape(who["learner_name"] or who["external_id"]))
with st.container(border=True):
    for column, (label, value) in zip(
        st.columns(4),
        learner_links.identity_lines(who),
        strict=True,
    ):
        column.caption(label)
        column.markdown(f"**{escape(value)}**")
st.caption(
    f"Dernière inscription : {escape(who['school_year'] or '')}. Fiche au "
    f"{fmt.day(file.as_of)}, dernier jour des données. Pour l'imprimer : bouton ci-dessous "
    "ou Ctrl+P (le panneau latéral n'est pas imprimé)."
)
learner_links.print_button()

st.subheader("Signaux de risque")
signals = cached.compute(learner_file.risk_signals, sel, settings=settings, external_id=external_id)
if signals.is_empty():
    st.success(
        f"Aucun signal de décrochage au {fmt.day(file.as_of)} (ou l'apprenant n'est plus inscrit)."
    )
else:
    for row in signals.iter_rows(named=True):
        st.markdown(f"**{escape(row['group'])}** — niveau **{escape(row['level'])}**")
        for text in row["signals"].split(" ; "):
            st.warning(escape(text), icon=":material/flag:")
    shown = [label for name, label in risk.SIGNALS.items() if any(signals[name].to_list())]
    st.caption(
        "Signaux : " + ", ".join(shown) + ". Le score de risque et la liste classée : page "
        "« Apprenants à risque »."
    )

st.subheader("Contacts de suivi")
contacts = follow_up.contacts_of(sel).filter(pl.col("external_id") == external_id)
if contacts.is_empty():
    st.caption("Aucun contact de suivi noté pour cet apprenant (page « Apprenants à risque »).")
else:
    tables.show(
        contacts.drop("contact_id", "learner_id", "external_id", "learner_name"),
        risk.CONTACT_LABELS,
        f"contacts_{external_id}",
        title="Contacts de suivi",
        learner_links=False,
        wide=("next_step",),
        key="learner_contacts",
    )

st.subheader("Inscriptions")
tables.show(
    file.enrolments,
    LABELS,
    f"inscriptions_{external_id}",
    title="Inscriptions",
    learner_links=False,
)

st.subheader("Copies et notes")
if file.copies.is_empty():
    st.info("Aucune copie.")
else:
    graded = file.grade_trend
    if not graded.is_empty():
        st.altair_chart(
            charts.time_series(
                graded,
                x="month",
                y="grade",
                y_title="Note moyenne /20",
                color="series",
                color_title="Série",
                grain="month",
                kind="ratio",
                height=260,
            ),
            width="stretch",
        )
        st.caption(
            "Moyenne des notes de l'apprenant par mois de dépôt, et celle des copies de son "
            "groupe (le groupe où il était ce mois-là) sur les mêmes mois."
        )
    waiting = file.copies.get_column("corrected_on").null_count()
    st.caption(
        f"{fmt.number(file.copies.height)} copies, dont {fmt.number(waiting)} en attente de "
        "correction ; les plus récentes d'abord."
    )
    tables.show(
        file.copies,
        LABELS,
        f"copies_{external_id}",
        title="Copies",
        learner_links=False,
        kinds={"delay_days": "days", "waiting_days": "days"},
    )

st.subheader("Sollicitations de tutorat")
if file.requests.is_empty():
    st.info("Aucune sollicitation de tutorat.")
else:
    tables.show(
        file.requests,
        LABELS,
        f"tutorat_{external_id}",
        title="Sollicitations de tutorat",
        learner_links=False,
        kinds={"response_hours": "hours"},
    )

st.subheader("Entretiens (de l'accueil au bilan)")
if file.interviews.is_empty():
    st.info("Aucun entretien.")
else:
    tables.show(
        file.interviews,
        LABELS,
        f"entretiens_{external_id}",
        title="Entretiens",
        learner_links=False,
    )

st.subheader("Heures d'accompagnement reçues")
st.caption(
    "Par année scolaire : heures des séances suivies, et heures d'AP attendues sur les semaines "
    f"de cours de ses inscriptions ({fmt.hours(settings.ap_hours_per_year, None)} par an), "
    f"à date pour l'année en cours."
)
if file.support.is_empty():
    st.info("Aucune séance d'accompagnement.")
else:
    tables.show(
        file.support.select(SUPPORT_COLUMNS),
        LABELS,
        f"heures_{external_id}",
        title="Heures d'accompagnement reçues",
        learner_links=False,
        kinds=HOURS_KINDS,
    )

left, right = st.columns(2)
with left:
    st.subheader("Diagnostics")
    if file.diagnostics.is_empty():
        st.info("Aucun diagnostic.")
    else:
        tables.plain(file.diagnostics, LABELS)
with right:
    st.subheader("Groupes de besoins")
    if file.need_groups.is_empty():
        st.info("Dans aucun groupe de besoins.")
    else:
        tables.plain(file.need_groups, LABELS, kinds={"planned_hours_per_week": "hours"})
