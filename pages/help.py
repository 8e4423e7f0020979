"""Aide : la définition exacte de chaque indicateur (le même texte que les « ? » des chiffres),
les seuils en vigueur et où les changer, la fraîcheur des données, le glossaire."""

import polars as pl
import streamlit as st

from indicators.common import DEFAULT_SETTINGS
from ui import definitions, notices, sidebar, tables
from ui import format as fmt

SIDEBAR = "Panneau latéral, « Seuils et objectifs » (et l'adresse de la page)"
CODE = "indicators/common.py, IndicatorSettings (réglage de l'organisme)"

sel = sidebar.selection()
settings = sel.scope.settings

st.title("Aide")
st.caption(
    "Chaque chiffre des pages porte un « ? » : son texte est celui de cette page, écrit avec "
    "les seuils en vigueur dans le panneau latéral."
)

st.header("Définitions des indicateurs")
families = dict.fromkeys(d.family for d in definitions.DEFINITIONS.values())
for family in families:
    st.subheader(family)
    for key, definition in definitions.DEFINITIONS.items():
        if definition.family == family:
            st.markdown(f"**{definition.name}** — {definitions.text(key, settings)}")

st.header("Seuils en vigueur")
names = definitions.setting_names()
thresholds = pl.DataFrame(
    {
        "setting": [settings.labels[name] for name in names],
        "in_force": [definitions.setting_text(settings, name) for name in names],
        "default": [definitions.setting_text(DEFAULT_SETTINGS, name) for name in names],
        "where": [SIDEBAR if name in definitions.SIDEBAR_SETTINGS else CODE for name in names],
    }
)
tables.plain(
    thresholds,
    {
        "setting": "Réglage",
        "in_force": "Valeur en vigueur",
        "default": "Valeur par défaut",
        "where": "Où le changer",
    },
)

st.header("Fraîcheur des données")
fresh = notices.sources(sel)
days = fmt.number(notices.stale_after_days())
st.caption(
    "Pour chaque source : la dernière date que portent ses données, son dernier import réussi, "
    "et les jours écoulés depuis le dernier import (ou, pour une source jamais importée, depuis "
    "sa dernière date). Au-delà du seuil, un avertissement s'affiche sur chaque page, dans le "
    f"panneau latéral. Seuil : {days} jours (variable d'environnement PILOTAGE_STALE_DAYS, "
    "7 par défaut)."
)
if fresh.is_empty():
    st.info("Aucune donnée enregistrée (une analyse rapide de fichier n'a pas de date d'import).")
else:
    tables.plain(
        fresh.select(
            "label",
            "last_event",
            "last_import",
            "age_days",
            pl.when(pl.col("stale")).then(pl.lit("oui")).otherwise(pl.lit("non")).alias("stale"),
        ),
        {
            "label": "Source",
            "last_event": "Dernière date des données",
            "last_import": "Dernier import",
            "age_days": "Jours écoulés",
            "stale": "Ancienne",
        },
    )

st.header("Glossaire")
tables.plain(
    pl.DataFrame(
        {"term": list(definitions.GLOSSARY), "meaning": list(definitions.GLOSSARY.values())}
    ),
    {"term": "Terme", "meaning": "Sens"},
)
