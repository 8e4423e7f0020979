"""French explanations of the database constraints, for rows the database refuses."""

from __future__ import annotations

import re

import polars as pl
import psycopg
from sqlalchemy import exc

from data_access.errors import PilotageError

CONSTRAINT_MESSAGES = {
    "ck_exit_after_entry": "la date de sortie précède la date d'entrée",
    "ck_exit_date_and_reason_together": (
        "un motif de sortie demande une date de sortie, et une date de sortie un motif"
    ),
    "ck_exit_reason": "motif de sortie inconnu",
    "ck_correction_after_submission": "la correction est datée d'avant le dépôt de la copie",
    "ck_grade_range": "la note doit être comprise entre 0 et 20",
    "ck_answer_after_request": "la réponse est datée d'avant la sollicitation",
    "ck_interview_duration": "la durée d'un entretien ne peut pas être négative",
    "ck_session_duration": "la durée d'une séance doit être comprise entre 0 et 12 heures",
    "ck_session_has_group": "une séance doit avoir un groupe ou un groupe de besoins",
    "ck_interview_objectives_met": "plus d'objectifs atteints que d'objectifs fixés",
    "ck_need_group_period": "la fin de la période précède son début",
    "ck_staff_hours": "les heures disponibles ne peuvent pas être négatives",
    "ck_copy_sequence": "le rang d'une copie parmi celles du même jour commence à 1",
    "ck_assignment_title": "un devoir doit avoir un intitulé",
    "ck_absence_half_day": "demi-journée inconnue : attendu matin, après-midi ou journée",
    "ck_absence_half_days": "une absence compte de 0,5 à 2 demi-journées par jour",
    "ck_absence_hours": "une absence compte plus de 0 et au plus 12 heures par jour",
}
UNIQUE_MESSAGES = {
    "uq_copy": (
        "cette copie existe déjà (même apprenant, discipline, devoir, date de dépôt et rang "
        "dans la journée)"
    ),
    "uq_copy_number": "une copie porte déjà ce numéro",
    "uq_assignment": "ce devoir existe déjà (même groupe, discipline et intitulé)",
    "uq_absence": "cette absence existe déjà (même apprenant, jour et demi-journée)",
    "uq_enrolment_learner_group": "cet apprenant est déjà inscrit dans ce groupe",
    "uq_tutoring_request": "cette sollicitation existe déjà",
    "uq_interview": "cet entretien existe déjà (même apprenant, date et type)",
    "uq_diagnostic": "ce diagnostic existe déjà",
}


_c = pl.col
CROSS_COLUMN_CHECKS: dict[str, dict[str, tuple[pl.Expr, tuple[str, ...]]]] = {
    "enrolments": {
        "ck_exit_after_entry": (
            _c("exit_date").is_null() | (_c("exit_date") >= _c("entry_date")),
            ("entry_date", "exit_date"),
        ),
        "ck_exit_date_and_reason_together": (
            _c("exit_date").is_null() == _c("exit_reason").is_null(),
            ("exit_date", "exit_reason"),
        ),
    },
    "interviews": {
        "ck_interview_objectives_met": (
            _c("objectives_met").is_null()
            | _c("objectives_set").is_null()
            | (_c("objectives_met") <= _c("objectives_set")),
            ("objectives_met", "objectives_set"),
        ),
    },
    "copies": {
        "ck_correction_after_submission": (
            _c("corrected_on").is_null() | (_c("corrected_on") >= _c("submitted_on")),
            ("corrected_on",),
        ),
    },
    "tutoring_requests": {
        "ck_answer_after_request": (
            _c("answered_at").is_null() | (_c("answered_at") >= _c("received_at")),
            ("answered_at",),
        ),
    },
}
"""The CHECK constraints of models.py that tie two columns, as Polars expressions (true when
the row is allowed), by frame name, with the fields to blame: an update that sets one of the
columns must hold with the other as the database has it."""


class RowRefused(PilotageError):
    """The database refused a row: the message says which rule it breaks, in French."""


INTEGRITY_ERRORS = (exc.IntegrityError, psycopg.IntegrityError)
"""What the database raises when a row breaks a constraint (psycopg's own from a COPY)."""
DATABASE_ERRORS = (exc.DBAPIError, psycopg.Error)
"""What the database raises when it refuses a statement or a value (psycopg's from a COPY)."""


def explain(error: exc.DBAPIError | psycopg.Error) -> RowRefused:
    """Turn a database error on a row (SQLAlchemy's, or psycopg's from a COPY) into one French
    sentence, without any value of the row (the driver's message is only searched for the name
    of the rule broken)."""
    text = str(getattr(error, "orig", None) or error)
    for name, message in {**CONSTRAINT_MESSAGES, **UNIQUE_MESSAGES}.items():
        if re.search(rf"\b{name}\b", text):
            return RowRefused(f"Ligne refusée : {message}.")
    if "FOREIGN KEY" in text.upper():
        return RowRefused("Ligne refusée : elle renvoie à un élément qui n'existe pas.")
    if "UNIQUE" in text.upper() or "duplicate key" in text:
        return RowRefused("Ligne refusée : elle existe déjà.")
    if "NOT NULL" in text.upper() or "null value" in text:
        return RowRefused("Ligne refusée : une valeur obligatoire manque.")
    if "CHECK" in text.upper():
        return RowRefused("Ligne refusée : une valeur est hors des valeurs permises.")
    if "out of range" in text or "0x00" in text or "NUL" in text:
        return RowRefused("Ligne refusée : une valeur ne peut pas être enregistrée telle quelle.")
    return RowRefused("Ligne refusée par la base de données.")
