"""Journal d'audit : qui s'est connecté (ou a été refusé), a importé un fichier, enregistré un
plan, téléchargé une liste d'apprenants, et quand. Réservé à la direction."""

from datetime import date, timedelta

import streamlit as st

from domain import AUDIT_EVENTS
from ui import format as fmt
from ui import tables, trail

st.title("Journal d'audit")
st.caption(
    "Chaque connexion (réussie ou refusée), import (nom du fichier et empreinte SHA-256), plan "
    "enregistré, téléchargement d'une liste d'apprenants et tentative refusée (page ou site hors "
    "des droits, import touchant un autre site, compte désactivé) y est inscrit avec son compte "
    "et son heure. Le journal ne contient aucun nom d'apprenant : seulement des nombres et des "
    "identifiants d'objets. Aussi en ligne de commande : pilotage audit --since AAAA-MM-JJ."
)
left, right = st.columns(2)
since = left.date_input(
    "Depuis le",
    value=date.today() - timedelta(days=30),
    format="DD/MM/YYYY",
    key="audit_since",
)
events = right.multiselect("Événements", AUDIT_EVENTS, key="audit_events", placeholder="Tous")
found = trail.entries(since, tuple(events))
st.metric(f"Entrées depuis le {fmt.day(since)}", fmt.number(found.height), border=True)
if found.is_empty():
    st.info("Aucune entrée pour ces dates et ces événements.")
else:
    tables.show(
        found, trail.COLUMN_LABELS, "journal_audit", title="Journal d'audit", max_rows=2_000
    )
