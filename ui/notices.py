"""What a page says when its period and the data do not meet: plainly that the period holds
nothing, rather than zeros, empty charts or states measured past the data's last day."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from data_access.settings import get_settings
from indicators import compare, freshness, summary
from indicators.common import Period
from ui import cache, cached
from ui import format as fmt
from ui.sidebar import SOURCE_DATABASE, Selection


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


def year_before(selection: Selection) -> Period | None:
    """When the sidebar asks for the same period a year earlier: that period, or None after
    saying that the data do not reach back to it; None when not asked."""
    if not selection.year_before:
        return None
    period = selection.scope.period
    earlier = compare.year_before(period)
    covered = cached.compute(summary.data_period, selection)
    if covered is None or earlier.end < covered.start:
        st.info(
            f"Pas de comparaison avec l'année précédente : les données ne remontent pas à la "
            f"même période un an plus tôt (du {fmt.day(earlier.start)} au "
            f"{fmt.day(earlier.end)})."
        )
        return None
    return earlier


def year_before_dashes(earlier: Period, grain: str = "week", what: str = "la même période") -> str:
    """The caption under a chart that overlays ``what`` a year earlier."""
    shift = "12 mois" if grain == "month" else "52 semaines"
    return (
        f"Tirets gris : {what} un an plus tôt (du {fmt.day(earlier.start)} au "
        f"{fmt.day(earlier.end)}), décalée de {shift}."
    )


def stale_after_days() -> int:
    """The age in days past which a source is said old (PILOTAGE_STALE_DAYS)."""
    return get_settings().stale_after_days


def sources(selection: Selection) -> pl.DataFrame:
    """How fresh each source of the database is today (indicators.freshness; the maxima of its
    date columns once per dataset); nothing for a file analysed without saving."""
    imports = cache.imports_by_kind()
    if selection.source != SOURCE_DATABASE:
        imports = imports.clear()
    dataset = selection.dataset
    last = cached.of_dataset(freshness.last_events, dataset)  # not again at every rerun
    found = freshness.freshness(dataset, imports, date.today(), stale_after_days(), last=last)
    return found if selection.source == SOURCE_DATABASE else found.clear()


def stale_sources(selection: Selection) -> None:
    """In the sidebar, on every page: the sources older than the setting PILOTAGE_STALE_DAYS."""
    stale = sources(selection).filter(pl.col("stale"))
    if stale.is_empty():
        return
    listed = " ; ".join(
        f"{row['label'].lower()} : {fmt.number(row['age_days'])} jours"
        for row in stale.iter_rows(named=True)
    )
    st.sidebar.markdown(
        f":orange-background[:material/history: **Données anciennes** — depuis le dernier "
        f"import (ou la dernière date des données) : {listed}. Détail : page « Aide ».]"
    )
