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
COMPLETION_REASON = "fin de parcours"
"""The exit reason of an enrolment completed (any other exit interrupts it)."""

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

HALF_DAY_MORNING = "matin"
HALF_DAY_AFTERNOON = "après-midi"
HALF_DAY_WHOLE = "journée"
HALF_DAYS = (HALF_DAY_MORNING, HALF_DAY_AFTERNOON, HALF_DAY_WHOLE)
"""When in the day an absence falls (vie scolaire); the whole day counts two half-days."""
HALF_DAY_HOURS = 4.0
"""The longest half-day of lessons: an absence of hours counts hours / 4 half-days, and an
export whose hours exceed 4 per half-day it gives disagrees with itself."""
SCHOOL_HALF_DAYS = {0: 2, 1: 2, 2: 1, 3: 2, 4: 2}
"""Half-days of lessons by weekday (Monday 0): no lessons on Wednesday afternoon nor at the
weekend, as in most French schools; the denominator of the absence rate."""

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

# --- who sees what: roles, their rights, and the audit trail ---------------------------------

ROLE_DIRECTION = "direction"
ROLE_SITE = "site"
ROLE_TEAM = "équipe"
ROLE_READER = "lecture"
ROLES = (ROLE_DIRECTION, ROLE_SITE, ROLE_TEAM, ROLE_READER)
ROLE_LABELS = {
    ROLE_DIRECTION: "Direction (tous les sites)",
    ROLE_SITE: "Responsable de site ou de formation",
    ROLE_TEAM: "Équipe pédagogique (ses groupes)",
    ROLE_READER: "Lecture (chiffres seulement)",
}
WRITING_ROLES = (ROLE_DIRECTION, ROLE_SITE)
"""Roles that may import files and save plans (within their sites)."""
NAMING_ROLES = (ROLE_DIRECTION, ROLE_SITE, ROLE_TEAM)
"""Roles that see learners by name; lecture sees figures only (per-learner tables withheld,
their downloads pseudonymised)."""
AUDIT_ROLES = (ROLE_DIRECTION,)
"""Roles that read the audit trail."""
FOLLOW_UP_ROLES = (ROLE_DIRECTION, ROLE_SITE, ROLE_TEAM)
"""Roles that record follow-up contacts with the learners of their perimeter (the référents
are in the team)."""

# --- follow-up contacts of learners at risk ---------------------------------------------------

FOLLOW_UP_CHANNELS = ("téléphone", "SMS", "e-mail", "présentiel", "visio")
FOLLOW_UP_OUTCOMES = ("joint", "message laissé", "injoignable", "rendez-vous fixé")

LEARNER_IDENTIFIER_COLUMNS = ("external_id", "learner")
"""Columns that identify a learner in the tables the product shows: a table holding one of them
is a per-learner table (personal data)."""
LEARNER_NAME_COLUMNS = ("learner_name", "name", "last_name", "first_name")
"""Columns that name the learner in a per-learner table (dropped when it is pseudonymised)."""

AUDIT_LOGIN = "connexion"
AUDIT_LOGIN_REFUSED = "connexion refusée"
AUDIT_LOGOUT = "déconnexion"
AUDIT_REFUSED = "accès refusé"
AUDIT_IMPORT = "import"
AUDIT_PLAN_SAVED = "plan enregistré"
AUDIT_EXPORT = "export de données personnelles"
AUDIT_FOLLOW_UP = "suivi enregistré"
AUDIT_ACCOUNT = "compte"
AUDIT_ANONYMISE = "anonymisation"
AUDIT_EVENTS = (
    AUDIT_LOGIN,
    AUDIT_LOGIN_REFUSED,
    AUDIT_LOGOUT,
    AUDIT_REFUSED,
    AUDIT_IMPORT,
    AUDIT_PLAN_SAVED,
    AUDIT_EXPORT,
    AUDIT_FOLLOW_UP,
    AUDIT_ACCOUNT,
    AUDIT_ANONYMISE,
)
"""What the audit trail records: who did it, when, and counts and identifiers of the objects,
never a learner's name."""
