"""The one place where each indicator is defined in French: the « ? » of every figure on the
pages reads its text here (``help_for``), and the page « Aide » lists them all, with the
glossary and the thresholds in force. Texts name the thresholds they use between braces
({correction_target_days}); they are written with the values in force, in French.

Pure (no Streamlit): tests/test_help.py checks that every figure shown has its definition.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields

from indicators.common import DEFAULT_SETTINGS, IndicatorSettings
from ui import format as fmt


@dataclass(frozen=True)
class Definition:
    name: str
    """The indicator's French name."""
    family: str
    """The section of the help page."""
    text: str
    """Its exact definition; {setting} stands for the value of that setting."""


FLOWS, DELAYS, TUTORING, SURGES, DROPOUT, SUPPORT, INTERVIEWS, FORECAST = (
    "Flux et stocks",
    "Délais de correction",
    "Tutorat",
    "Pics d'activité",
    "Décrochage",
    "Accompagnement personnalisé",
    "Entretiens",
    "Prévision de la charge",
)

DEFINITIONS: dict[str, Definition] = {
    "copies_received": Definition(
        "Copies reçues",
        FLOWS,
        "Copies déposées dans la période (date de dépôt entre le premier et le dernier jour de "
        "la période, inclus).",
    ),
    "copies_corrected": Definition(
        "Copies corrigées",
        FLOWS,
        "Copies dont la date de correction tombe dans la période, quelle que soit leur date de "
        "dépôt.",
    ),
    "tutoring_requests": Definition(
        "Sollicitations reçues",
        FLOWS,
        "Sollicitations de tutorat (question d'un apprenant par voie électronique, téléphone ou "
        "forum) reçues dans la période.",
    ),
    "tutoring_answered": Definition(
        "Sollicitations répondues",
        FLOWS,
        "Sollicitations de tutorat dont la réponse est datée de la période, quelle que soit "
        "leur date de réception.",
    ),
    "interviews": Definition(
        "Entretiens tenus",
        FLOWS,
        "Entretiens de suivi tenus dans la période (date de l'entretien).",
    ),
    "copies_waiting": Definition(
        "Copies en attente (stock)",
        FLOWS,
        "Un jour donné : copies déposées ce jour-là ou avant et pas encore corrigées ce jour-là. "
        "Le jour regardé est le dernier de la période, ou le dernier jour des données s'il vient "
        "avant.",
    ),
    "requests_waiting": Definition(
        "Sollicitations sans réponse (stock)",
        FLOWS,
        "Un jour donné : sollicitations reçues ce jour-là ou avant et sans réponse à la fin de "
        "ce jour.",
    ),
    "assignments_due": Definition(
        "Devoirs à rendre",
        DELAYS,
        "Devoirs (un groupe, une discipline, un intitulé) dont la date limite tombe dans la "
        "période et est passée le jour regardé.",
    ),
    "copies_late": Definition(
        "Copies remises en retard",
        DELAYS,
        "Parmi les copies reçues pour ces devoirs au plus tard le jour regardé, celles déposées "
        "après la date limite de leur devoir ; la part se calcule sur ces copies reçues.",
    ),
    "assignments_missed": Definition(
        "Devoirs non rendus",
        DELAYS,
        "Pour chaque devoir à rendre, les apprenants inscrits dans le groupe à sa date limite "
        "(entrés au plus tard ce jour-là et pas sortis avant) qui n'ont aucune copie pour lui le "
        "jour regardé ; la part se calcule sur ces copies attendues.",
    ),
    "correction_delay_days_mean": Definition(
        "Délai moyen de correction",
        DELAYS,
        "Délai d'une copie = date de correction − date de dépôt, en jours calendaires. Moyenne "
        "sur les copies corrigées dans la période ; les copies encore en attente n'y sont pas "
        "(elles sont dans le stock, avec leur âge).",
    ),
    "correction_delay_days_median": Definition(
        "Délai médian de correction",
        DELAYS,
        "La moitié des copies corrigées dans la période l'ont été en au plus ce délai (date de "
        "correction − date de dépôt, en jours calendaires).",
    ),
    "correction_delay_days_p90": Definition(
        "90e centile du délai de correction",
        DELAYS,
        "9 copies sur 10 corrigées dans la période l'ont été en au plus ce délai (interpolation "
        "linéaire, comme CENTILE.INCLURE d'Excel).",
    ),
    "correction_within_target_share": Definition(
        "Part corrigée dans l'objectif",
        DELAYS,
        "Part des copies corrigées dans la période dont le délai est d'au plus "
        "{correction_target_days} jours (l'objectif).",
    ),
    "copies_waiting_over_target": Definition(
        "Copies en attente au-delà de l'objectif",
        DELAYS,
        "Copies en attente le jour regardé, déposées depuis plus de {correction_target_days} "
        "jours.",
    ),
    "oldest_waiting_days": Definition(
        "Attente la plus longue",
        DELAYS,
        "Âge, en jours, de la plus ancienne copie encore en attente le jour regardé.",
    ),
    "tutoring_received_answered": Definition(
        "Sollicitations reçues et répondues",
        TUTORING,
        "Parmi les sollicitations reçues dans la période, celles qui ont une réponse.",
    ),
    "tutoring_answered_within_48h_share": Definition(
        "Part répondue dans le délai cible",
        TUTORING,
        "Délai de réponse = date et heure de la réponse − date et heure de réception, en "
        "heures. Part des sollicitations reçues dans la période répondues en au plus "
        "{tutoring_target_hours} h ; le dénominateur compte toutes les sollicitations reçues, "
        "répondues ou non.",
    ),
    "response_hours_median": Definition(
        "Délai médian de réponse",
        TUTORING,
        "La moitié des sollicitations reçues dans la période et répondues l'ont été en au plus "
        "ce délai (en heures).",
    ),
    "requests_unanswered_over_target": Definition(
        "Sollicitations en attente au-delà du délai cible",
        TUTORING,
        "Sollicitations sans réponse depuis plus de {tutoring_target_hours} h à la fin du jour "
        "regardé, quelle que soit leur date de réception.",
    ),
    "tutor_load": Definition(
        "Charge des tuteurs",
        TUTORING,
        "Par tuteur : apprenants suivis (ceux dont il est le référent) et sollicitations reçues "
        "dans la période qui lui sont adressées.",
    ),
    "surges": Definition(
        "Pics d'activité",
        SURGES,
        "Semaines de pic dans la période. Une semaine est un pic quand son volume (copies "
        "reçues d'un site dans une discipline) atteint au moins ×{surge_ratio} la médiane des "
        "{surge_baseline_weeks} semaines d'activité précédentes, sur au moins {surge_min_volume} "
        "copies ; les semaines où presque rien n'arrive nulle part (vacances) ne comptent pas "
        "dans la médiane.",
    ),
    "surges_ongoing": Definition(
        "Pics en cours",
        SURGES,
        "Pics (même règle) de la dernière semaine complète regardée et de la semaine en cours.",
    ),
    "learners_enrolled": Definition(
        "Inscriptions actives",
        DROPOUT,
        "Inscriptions actives à un moment de la période : entrée au plus tard le dernier jour, "
        "et pas de sortie ou une sortie au plus tôt le premier jour. Un apprenant réorienté "
        "compte une inscription dans chaque groupe.",
    ),
    "dropouts": Definition(
        "Abandons",
        DROPOUT,
        "Inscriptions actives de la période sorties pour le motif « abandon » avec une date de "
        "sortie dans la période.",
    ),
    "dropout_rate": Definition(
        "Taux d'abandon",
        DROPOUT,
        "Parmi les inscriptions actives à un moment de la période, la part sortie pour "
        "« abandon » pendant la période.",
    ),
    "retention": Definition(
        "Maintien selon les semaines depuis l'entrée",
        DROPOUT,
        "Part des inscriptions sans abandon après N semaines (Kaplan-Meier) : une fin de "
        "parcours, une réorientation, une exclusion ou la fin des données arrêtent le suivi "
        "sans compter comme abandon ; la courbe ne remonte jamais.",
    ),
    "at_risk": Definition(
        "Apprenants à risque",
        DROPOUT,
        "Apprenants encore inscrits le jour regardé dont au moins une inscription active est au "
        "niveau vigilance ou alerte : par un signal (devoirs non rendus dans les "
        "{risk_missed_window_weeks} dernières semaines — au moins {risk_missed_assignments} en "
        "vigilance, {risk_missed_assignments_alert} en alerte —, copies en retard, ou, pour un "
        "groupe sans dates limites, aucune copie depuis {risk_inactivity_weeks} semaines alors "
        "que le groupe en rend ; aucun entretien depuis {risk_interview_gap_weeks} semaines ; "
        "pas de suivi plus de {risk_suivi_due_days} jours après une contractualisation ; une "
        "sollicitation sans réponse depuis plus de {tutoring_target_hours} h ; des notes en "
        "baisse, sous celles du groupe ou souvent sous 10/20 ; des absences) ou par son score "
        "de risque (au moins {risk_score_vigilance} en vigilance, {risk_score_alert} en alerte), "
        "appris sur les inscriptions déjà terminées de l'organisme quand il y en a assez.",
    ),
    "absence_rate": Definition(
        "Taux d'absence",
        DROPOUT,
        "Demi-journées d'absence sur les demi-journées de cours des inscriptions de la période "
        "(deux par jour, une le mercredi, aucune le week-end ni pendant les vacances), de "
        "l'entrée ou du début de la période à la sortie ou au jour regardé.",
    ),
    "unjustified_absence_rate": Definition(
        "Taux d'absence non justifiée",
        DROPOUT,
        "La part du taux d'absence faite d'absences non justifiées ; une absence dont la "
        "justification n'est pas connue compte comme non justifiée.",
    ),
    "absent_half_days": Definition(
        "Demi-journées d'absence",
        DROPOUT,
        "Une absence compte une demi-journée le matin ou l'après-midi, deux pour la journée, "
        "ses heures divisées par 4 quand l'export ne donne que des heures.",
    ),
    "support_hours_delivered": Definition(
        "Heures d'accompagnement assurées",
        SUPPORT,
        "Durée des séances d'accompagnement tenues dans la période, chaque séance comptée une "
        "fois quelle que soit sa présence.",
    ),
    "school_weeks": Definition(
        "Semaines de cours écoulées",
        SUPPORT,
        "Semaines de la période, jusqu'au dernier jour des données, où une séance a eu lieu "
        "quelque part (les autres sont prises pour des vacances).",
    ),
    "ap_expected": Definition(
        "Heures d'AP attendues à date",
        SUPPORT,
        "{ap_hours_per_year} h par an réparties sur les {school_weeks_per_year} semaines de "
        "cours ; pour un apprenant, sur les semaines de cours de ses inscriptions (de l'entrée "
        "à la sortie). Aide individualisée : {aide_hours_per_year} h par an.",
    ),
    "too_few_ap_hours": Definition(
        "Trop peu d'heures d'AP",
        SUPPORT,
        "Apprenants encore inscrits dont les heures d'AP reçues (séances suivies) sont "
        "inférieures à {support_min_share} des heures attendues à date.",
    ),
    "groups_over_cap": Definition(
        "Groupes au-delà du plafond",
        SUPPORT,
        "Groupes d'aide individualisée dont une séance compte plus de {aide_max_group_size} "
        "élèves inscrits.",
    ),
    "missing_first_interviews": Definition(
        "Sans entretien d'accueil",
        INTERVIEWS,
        "Apprenants encore inscrits sans entretien initial ou diagnostic "
        "{pathway_first_interviews_due_days} jours après leur entrée.",
    ),
    "overdue_suivi": Definition(
        "Suivis en retard",
        INTERVIEWS,
        "Apprenants dont la dernière contractualisation n'a été suivie d'aucun entretien de "
        "suivi depuis plus de {risk_suivi_due_days} jours.",
    ),
    "without_objectives": Definition(
        "Entretiens sans objectifs",
        INTERVIEWS,
        "Entretiens de la période enregistrés sans objectif fixé (chaque entretien doit en avoir).",
    ),
    "copies_forecast": Definition(
        "Copies prévues",
        FORECAST,
        "Copies attendues sur les semaines à venir, tous sites et disciplines de la sélection : "
        "chaque semaine reprend la même semaine de l'an passé (52 semaines plus tôt), "
        "multipliée par le niveau de cette année (les 8 dernières semaines d'activité "
        "rapportées aux mêmes semaines un an plus tôt).",
    ),
    "busiest_copies": Definition(
        "Copies au plus fort",
        FORECAST,
        "Copies prévues la semaine la plus chargée, tous sites et disciplines de la sélection.",
    ),
    "correctors_needed_max": Definition(
        "Correcteurs au plus fort",
        FORECAST,
        "Correcteurs nécessaires la semaine qui en demande le plus, tous sites et disciplines, "
        "pour tenir l'objectif de délai de correction.",
    ),
    "tutors_needed_max": Definition(
        "Tuteurs au plus fort",
        FORECAST,
        "Tuteurs nécessaires la semaine qui en demande le plus, pour tenir le délai cible de "
        "réponse du tutorat.",
    ),
}

GLOSSARY: dict[str, str] = {
    "accompagnement personnalisé (AP)": "temps d'enseignement consacré aux besoins de chaque "
    "élève : 210 h sur les trois ans du bac pro, 70 h par an",
    "aide individualisée": "en 1re année de CAP : 30 h par an, 1 h par semaine, 8 élèves au "
    "plus par groupe",
    "apprenant, élève, stagiaire": "la personne formée ; identifiée par l'identifiant de ses "
    "exports (INE, n° apprenant)",
    "copie": "devoir rendu puis corrigé ; son délai de correction se compte en jours calendaires",
    "décrochage, abandon": "sortie d'un parcours pour motif « abandon »",
    "diagnostic, positionnement": "niveau d'un apprenant sur un besoin : non acquis, en cours, "
    "acquis",
    "entretien": "rendez-vous de suivi : initial, diagnostic (accueil), co-élaboration, "
    "contractualisation (construction), suivi, bilan (accompagnement)",
    "groupe de besoins": "groupe d'AP formé pour un besoin et une période, qui évolue dans l'année",
    "inscription, parcours": "passage d'un apprenant dans un groupe, de sa date d'entrée à sa "
    "date et son motif de sortie",
    "intervenant": "enseignant, formateur, tuteur, conseiller, CPE",
    "période": "les dates choisies dans le panneau latéral ; un événement est dans la période "
    "quand sa date y tombe",
    "public": "jeunes, alternants, salariés, demandeurs d'emploi",
    "référent (de parcours)": "la personne qui suit l'apprenant et qu'on appelle quand il décroche",
    "réorientation": "sortie d'un groupe pour un autre parcours",
    "semaine d'activité": "semaine où l'organisme travaille : les vacances, où presque rien "
    "n'arrive nulle part, n'en sont pas",
    "sollicitation (de tutorat)": "question d'un apprenant (électronique, téléphone, forum)",
    "stock en attente": "copies déposées et pas encore corrigées un jour donné",
}

SIDEBAR_SETTINGS = (
    "correction_target_days",
    "surge_ratio",
    "surge_min_volume",
    "risk_inactivity_weeks",
)
"""The thresholds a user changes in the sidebar (« Seuils et objectifs »); the others are set
in indicators/common.py (IndicatorSettings)."""


def setting_text(settings: IndicatorSettings, name: str) -> str:
    """A setting's value in French: 3, 2,5, 80 %."""
    value = getattr(settings, name)
    if name.endswith("_share"):
        return fmt.share(value)
    return fmt.number(value, None)


def setting_names() -> list[str]:
    """Every threshold and target of IndicatorSettings, in declaration order."""
    return [f.name for f in fields(IndicatorSettings) if f.name != "labels"]


@functools.lru_cache(maxsize=64)
def _setting_texts(settings: IndicatorSettings) -> dict[str, str]:
    """Every setting's value in French (written once per settings: 15 ms, and a page shows
    a dozen definitions at every rerun)."""
    return {name: setting_text(settings, name) for name in setting_names()}


def text(key: str, settings: IndicatorSettings = DEFAULT_SETTINGS) -> str:
    """The definition of the indicator ``key``, with the values of ``settings`` (KeyError for an
    indicator without a definition)."""
    return DEFINITIONS[key].text.format(**_setting_texts(settings))


def help_for(
    key: str, settings: IndicatorSettings = DEFAULT_SETTINGS, detail: str | None = None
) -> str:
    """The « ? » of a figure: its definition, then what the figure holds this time (detail)."""
    definition = text(key, settings)
    return f"{definition}\n\n{detail}" if detail else definition
