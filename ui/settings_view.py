"""Show on a page the settings (targets, thresholds) its figures use, with their French labels."""

from __future__ import annotations

import streamlit as st

from indicators.common import IndicatorSettings
from ui import format as fmt


def settings_text(settings: IndicatorSettings, names: list[str]) -> str:
    """'label : value' for each setting named, separated by ' · ' (values in French format)."""
    parts = []
    for name in names:
        value = getattr(settings, name)
        decimals = 0 if float(value).is_integer() else 1
        if name.endswith("_share"):
            shown = fmt.share(value)
        else:
            shown = fmt.number(value, decimals)
        parts.append(f"{settings.labels[name]} : {shown}")
    return " · ".join(parts)


def show_settings(settings: IndicatorSettings, names: list[str]) -> None:
    """A caption listing the settings used (changeable in the sidebar, « Seuils et objectifs »)."""
    st.caption(f"Réglages utilisés — {settings_text(settings, names)}.")
