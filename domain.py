"""The words and rules of the domain (../shared/DOMAIN.md) that every layer shares.

The values are the French words users read and their exports contain: the database stores them
as they are (data_access/models.py checks them), the importer reads their usual variants
(data_access/importing/fields.py), indicators and planning compute with them, pages show them.
This module imports nothing of the project: it is the bottom of the layers.
"""

from __future__ import annotations

from datetime import date

import polars as pl

# --- the school year: 1 September to 31 August ----------------------------------------------

SCHOOL_YEAR_FIRST_MONTH = 9


def school_year_of(day: date) -> int:
    """The first year of the school year that holds the day: 2025 for 15/03/2026."""
    return day.year if day.month >= SCHOOL_YEAR_FIRST_MONTH else day.year - 1


def school_year_of_expr(day: pl.Expr) -> pl.Expr:
    """school_year_of for a column of dates."""
    year = day.dt.year()
    return pl.when(day.dt.month() >= SCHOOL_YEAR_FIRST_MONTH).then(year).otherwise(year - 1)


def school_year_dates(first_year: int) -> tuple[date, date]:
    """The first and last days of the school year: 01/09/first_year and 31/08 the year after."""
    return date(first_year, SCHOOL_YEAR_FIRST_MONTH, 1), date(first_year + 1, 8, 31)


def school_year_name(first_year: int) -> str:
    """2025 -> "2025-2026", as groups are labelled."""
    return f"{first_year}-{first_year + 1}"


def school_year_name_expr(first_year: pl.Expr) -> pl.Expr:
    """school_year_name for a column of first years."""
    return pl.format("{}-{}", first_year, first_year + 1)


# --- learners ------------------------------------------------------------------------------


def learner_name(last_name: pl.Expr, first_name: pl.Expr) -> pl.Expr:
    """A learner's name as shown: "Nom Prénom" (either may be missing)."""
    return (
        pl.concat_str([last_name.fill_null(""), first_name.fill_null("")], separator=" ")
        .str.strip_chars()
        .alias("name")
    )


PUBLICS = ("jeunes", "alternants", "salariés", "demandeurs d'emploi")
MODALITIES = ("présentiel", "distance", "hybride")
EXIT_REASONS = ("fin de parcours", "abandon", "réorientation", "exclusion", "autre")
DROPOUT_REASON = "abandon"
"""The exit reason that counts as a dropout (décrochage)."""

# --- dimensions a figure is split by (pilotage indicators --by, page breakdowns) -----------

BY_DIMENSIONS = ("site", "group", "discipline", "public")
DIMENSION_LABELS = {
    "site": "Site",
    "group": "Groupe",
    "discipline": "Discipline",
    "public": "Public",
}

# --- events ----------------------------------------------------------------------------------

TUTORING_CHANNELS = ("électronique", "téléphone", "forum")
INTERVIEW_TYPES = (
    "initial",
    "diagnostic",
    "co-élaboration",
    "contractualisation",
    "suivi",
    "bilan",
)
"""In the order of the pathway: accueil (initial, diagnostic), construction (co-élaboration,
contractualisation), accompagnement (suivi, bilan)."""
INTERVIEW_CHANNELS = ("présentiel", "téléphone", "visio")
STAFF_ROLES = ("enseignant", "formateur", "tuteur", "conseiller", "CPE")

# --- personalised support ------------------------------------------------------------------

KIND_AP = "AP"
KIND_AIDE = "aide individualisée"
SUPPORT_KINDS = (KIND_AP, KIND_AIDE, "tutorat", "soutien")
"""Kinds of support sessions; AP and aide individualisée have yearly hours and are planned."""
PLAN_KINDS = (KIND_AP, KIND_AIDE)

LEVEL_NOT_ACQUIRED = "non acquis"
LEVEL_IN_PROGRESS = "en cours"
LEVEL_ACQUIRED = "acquis"
DIAGNOSTIC_LEVELS = (LEVEL_NOT_ACQUIRED, LEVEL_IN_PROGRESS, LEVEL_ACQUIRED)
"""Levels of a diagnostic (positionnement) on a need; an acquired need needs no group."""
