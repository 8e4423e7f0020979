"""What a page says when its period and the data do not meet: plainly that the period holds
nothing, rather than zeros, empty charts or states measured past the data's last day."""

from __future__ import annotations

import streamlit as st

from indicators import summary
from ui import cached
from ui import format as fmt
from ui.sidebar import Selection


def period_outside_data(selection: Selection) -> bool:
    """Say so and return True when the sidebar's period and the data's dates do not meet:
    no data at all, a period over before the data start, or one starting after their end
    (then the states shown, at the period's first day, know nothing after the data's end)."""
    period = selection.scope.period
    covered = cached.compute(summary.data_period, selection)
    if covered is None:
        st.info(
            "Aucune donnée pour l'instant : importez vos fichiers (page « Importer des données »)."
        )
        return True
    if period.end < covered.start:
        st.info(
            f"La période se termine avant le début des données ({fmt.day(covered.start)}) : "
            "elle ne contient rien. Choisissez une autre période dans le panneau de gauche."
        )
        return True
    if period.start > covered.end:
        st.warning(
            f"Les données s'arrêtent le {fmt.day(covered.end)}, avant le début de la période "
            f"({fmt.day(period.start)}) : la période ne contient aucune activité, et les "
            f"situations au {fmt.day(period.start)} (apprenants à risque, copies en attente, "
            f"entretiens en retard) ne tiennent compte de rien après le {fmt.day(covered.end)}."
        )
        return True
    return False
