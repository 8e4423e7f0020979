"""What each kind of file holds (its fields) and how the headers of a file map to them.

Headers are compared normalised: lower case, accents, punctuation and repeated spaces removed,
so "N° apprenant", "n apprenant" and "N°  Apprenant" are the same header.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

from data_access import models


def normalise(text: object) -> str:
    """Lower case, no accents, no punctuation, single spaces: 'N° Élève' -> 'n eleve'."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKD", str(text)).replace("°", " ").replace("º", " ")
    value = "".join(c for c in value if not unicodedata.combining(c)).lower()
    value = re.sub(r"[^0-9a-z]+", " ", value)
    return re.sub(r"\s+", " ", value).strip()


@dataclass(frozen=True)
class FieldSpec:
    """One field a kind of file can carry.

    ``type`` is one of: text, date, datetime, number, integer, hours (a duration read in hours),
    minutes (a duration read in minutes), grade (a number out of 20), enum, bool.
    """

    name: str
    label: str
    type: str
    required: bool = False
    synonyms: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    example: str = ""

    @property
    def normalised_synonyms(self) -> frozenset[str]:
        return frozenset(normalise(s) for s in (self.label, *self.synonyms))


def _learner_id(required: bool = True) -> FieldSpec:
    return FieldSpec(
        "learner_id",
        "Identifiant apprenant",
        "text",
        required,
        (
            "identifiant",
            "identifiant apprenant",
            "identifiant eleve",
            "identifiant stagiaire",
            "id apprenant",
            "id eleve",
            "n apprenant",
            "n eleve",
            "n stagiaire",
            "no apprenant",
            "numero apprenant",
            "numero eleve",
            "numero stagiaire",
            "numero d identification",
            "code apprenant",
            "ine",
            "matricule",
            "id",
            "learner id",
            "student id",
            "student number",
            "id number",
        ),
        example="A0001",
    )


_LAST_NAME = FieldSpec(
    "last_name",
    "Nom",
    "text",
    synonyms=(
        "nom de famille",
        "nom apprenant",
        "nom eleve",
        "last name",
        "surname",
        "family name",
    ),
    example="Martin",
)
_FIRST_NAME = FieldSpec(
    "first_name",
    "Prénom",
    "text",
    synonyms=("prenom apprenant", "prenom eleve", "first name", "given name"),
    example="Léa",
)
_GROUP = FieldSpec(
    "group",
    "Groupe",
    "text",
    synonyms=("classe", "promotion", "promo", "division", "groupe classe", "group", "class"),
    example="2nde MELEC A",
)
_SITE = FieldSpec(
    "site",
    "Site",
    "text",
    synonyms=(
        "etablissement",
        "site d exploitation",
        "campus",
        "centre",
        "antenne",
        "lycee",
        "school",
    ),
    example="Lycée Jean Moulin",
)
_DISCIPLINE = FieldSpec(
    "discipline",
    "Discipline",
    "text",
    True,
    ("matiere", "enseignement", "module", "cours", "subject", "course"),
    example="Mathématiques",
)


def _staff_ref(name: str, label: str, synonyms: tuple[str, ...], example: str) -> FieldSpec:
    return FieldSpec(name, label, "text", synonyms=synonyms, example=example)


_SESSION_KIND_ALIASES = {
    "accompagnement personnalise": "AP",
    "ap": "AP",
    "ai": "aide individualisée",
    "aide individualisee": "aide individualisée",
    "aide indiv": "aide individualisée",
}
_EXIT_ALIASES = {
    "decrochage": "abandon",
    "fin de formation": "fin de parcours",
    "diplome": "fin de parcours",
    "termine": "fin de parcours",
    "reorientation": "réorientation",
    "exclu": "exclusion",
    "renvoi": "exclusion",
}
_CHANNEL_ALIASES = {
    "mail": "électronique",
    "email": "électronique",
    "e mail": "électronique",
    "courriel": "électronique",
    "message": "électronique",
    "messagerie": "électronique",
    "electronique": "électronique",
    "ent": "électronique",
    "plateforme": "électronique",
    "tel": "téléphone",
    "telephone": "téléphone",
    "appel": "téléphone",
    "phone": "téléphone",
}
_INTERVIEW_CHANNEL_ALIASES = {
    "presentiel": "présentiel",
    "sur place": "présentiel",
    "face a face": "présentiel",
    "tel": "téléphone",
    "telephone": "téléphone",
    "appel": "téléphone",
    "visioconference": "visio",
    "video": "visio",
    "teams": "visio",
    "zoom": "visio",
    "distanciel": "visio",
}
_INTERVIEW_TYPE_ALIASES = {
    "entretien initial": "initial",
    "accueil": "initial",
    "positionnement": "diagnostic",
    "co elaboration": "co-élaboration",
    "coelaboration": "co-élaboration",
    "contrat": "contractualisation",
    "suivi": "suivi",
    "entretien de suivi": "suivi",
    "bilan final": "bilan",
}
_PUBLIC_ALIASES = {
    "jeune": "jeunes",
    "scolaire": "jeunes",
    "eleve": "jeunes",
    "eleves": "jeunes",
    "apprenti": "alternants",
    "apprentis": "alternants",
    "alternant": "alternants",
    "salarie": "salariés",
    "salaries": "salariés",
    "demandeur d emploi": "demandeurs d'emploi",
    "de": "demandeurs d'emploi",
}
_MODALITY_ALIASES = {
    "presentiel": "présentiel",
    "distanciel": "distance",
    "a distance": "distance",
    "fad": "distance",
    "mixte": "hybride",
    "blended": "hybride",
}
_LEVEL_ALIASES = {
    "acquise": "acquis",
    "ok": "acquis",
    "non acquise": "non acquis",
    "ecours": "en cours",
    "en cours d acquisition": "en cours",
    "ec": "en cours",
    "na": "non acquis",
    "a": "acquis",
}
_ROLE_ALIASES = {
    "enseignante": "enseignant",
    "professeur": "enseignant",
    "prof": "enseignant",
    "formatrice": "formateur",
    "tutrice": "tuteur",
    "conseillere": "conseiller",
    "cpe": "CPE",
}


KINDS: dict[str, tuple[FieldSpec, ...]] = {
    "learners": (
        _learner_id(),
        _LAST_NAME,
        _FIRST_NAME,
        FieldSpec(**{**_GROUP.__dict__, "required": True}),
        _SITE,
        FieldSpec(
            "public",
            "Public",
            "enum",
            synonyms=("type de public", "public vise", "statut"),
            choices=models.PUBLICS,
            aliases=_PUBLIC_ALIASES,
            example="jeunes",
        ),
        FieldSpec(
            "modality",
            "Modalité",
            "enum",
            synonyms=("modalite de formation", "mode de formation", "delivery mode", "modality"),
            choices=models.MODALITIES,
            aliases=_MODALITY_ALIASES,
            example="présentiel",
        ),
        FieldSpec(
            "level",
            "Niveau",
            "text",
            synonyms=("formation", "diplome", "diplome prepare", "programme", "level"),
            example="2nde bac pro",
        ),
        FieldSpec(
            "school_year",
            "Année scolaire",
            "text",
            synonyms=("annee", "school year", "millesime"),
            example="2025-2026",
        ),
        FieldSpec(
            "entry_date",
            "Date d'entrée",
            "date",
            True,
            (
                "entree",
                "entre le",
                "date entree",
                "date d inscription",
                "inscrit le",
                "date de debut",
                "debut de formation",
                "entry date",
                "start date",
                "enrolled on",
            ),
            example="01/09/2025",
        ),
        FieldSpec(
            "exit_date",
            "Date de sortie",
            "date",
            synonyms=(
                "sortie",
                "sorti le",
                "date sortie",
                "date de fin",
                "fin de formation",
                "exit date",
                "end date",
                "left on",
            ),
            example="",
        ),
        FieldSpec(
            "exit_reason",
            "Motif de sortie",
            "enum",
            synonyms=("motif", "raison de sortie", "cause de sortie", "exit reason", "reason"),
            choices=models.EXIT_REASONS,
            aliases=_EXIT_ALIASES,
            example="",
        ),
        _staff_ref(
            "referent",
            "Référent",
            ("tuteur", "tuteur referent", "referent de parcours", "referent name", "tutor"),
            "Claire Dubois",
        ),
    ),
    "copies": (
        _learner_id(),
        _LAST_NAME,
        _FIRST_NAME,
        _GROUP,
        _SITE,
        _DISCIPLINE,
        FieldSpec(
            "assignment",
            "Devoir",
            "text",
            synonyms=(
                "intitule du devoir",
                "intitule",
                "activite",
                "evaluation",
                "titre",
                "sujet",
                "devoir n",
                "assignment",
            ),
            example="Devoir 1",
        ),
        FieldSpec(
            "submitted_on",
            "Date de dépôt",
            "date",
            True,
            (
                "depose le",
                "date depot",
                "depot",
                "date de remise",
                "remis le",
                "rendu le",
                "date de rendu",
                "date d envoi",
                "envoye le",
                "recu le",
                "date de reception",
                "submitted on",
                "submission date",
                "submitted",
            ),
            example="06/10/2025",
        ),
        FieldSpec(
            "corrected_on",
            "Date de correction",
            "date",
            synonyms=(
                "corrige le",
                "correction",
                "date correction",
                "date de retour",
                "retourne le",
                "note le",
                "corrected on",
                "graded on",
                "correction date",
                "marked on",
            ),
            example="08/10/2025",
        ),
        _staff_ref(
            "corrector",
            "Correcteur",
            (
                "correctrice",
                "corrige par",
                "enseignant",
                "professeur",
                "formateur",
                "corrector",
                "grader",
                "teacher",
                "marker",
            ),
            "Paul Bernard",
        ),
        FieldSpec(
            "grade",
            "Note",
            "grade",
            synonyms=("note 20", "note sur 20", "resultat", "grade", "mark", "score"),
            example="12,5",
        ),
    ),
    "tutoring": (
        _learner_id(),
        _LAST_NAME,
        _FIRST_NAME,
        _GROUP,
        _SITE,
        _DISCIPLINE,
        FieldSpec(
            "channel",
            "Canal",
            "enum",
            True,
            ("moyen", "mode de contact", "type de sollicitation", "channel", "medium", "via"),
            choices=models.TUTORING_CHANNELS,
            aliases=_CHANNEL_ALIASES,
            example="électronique",
        ),
        FieldSpec(
            "received_at",
            "Reçue le",
            "datetime",
            True,
            (
                "date de la demande",
                "date demande",
                "date de sollicitation",
                "date de reception",
                "recu le",
                "demande le",
                "posee le",
                "received at",
                "received on",
                "request date",
                "asked at",
            ),
            example="06/10/2025 09:15",
        ),
        FieldSpec(
            "answered_at",
            "Répondue le",
            "datetime",
            synonyms=(
                "repondu le",
                "date de reponse",
                "date reponse",
                "reponse le",
                "reponse",
                "answered at",
                "answer date",
                "replied at",
            ),
            example="07/10/2025 11:00",
        ),
        _staff_ref(
            "staff",
            "Tuteur",
            ("tutrice", "repondant", "traite par", "tutor", "intervenant", "enseignant", "staff"),
            "Claire Dubois",
        ),
    ),
    "interviews": (
        _learner_id(),
        _LAST_NAME,
        _FIRST_NAME,
        _GROUP,
        _SITE,
        FieldSpec(
            "held_on",
            "Date de l'entretien",
            "date",
            True,
            (
                "date entretien",
                "date",
                "entretien le",
                "realise le",
                "date du rdv",
                "date rendez vous",
                "held on",
                "interview date",
            ),
            example="15/09/2025",
        ),
        FieldSpec(
            "interview_type",
            "Type d'entretien",
            "enum",
            True,
            ("type", "nature", "nature de l entretien", "interview type"),
            choices=models.INTERVIEW_TYPES,
            aliases=_INTERVIEW_TYPE_ALIASES,
            example="initial",
        ),
        FieldSpec(
            "duration_minutes",
            "Durée (min)",
            "minutes",
            synonyms=("duree", "duree en minutes", "duree min", "temps", "duration", "length"),
            example="45 min",
        ),
        FieldSpec(
            "channel",
            "Canal",
            "enum",
            synonyms=("modalite", "mode", "moyen", "channel"),
            choices=models.INTERVIEW_CHANNELS,
            aliases=_INTERVIEW_CHANNEL_ALIASES,
            example="présentiel",
        ),
        FieldSpec(
            "objectives_set",
            "Objectifs fixés",
            "integer",
            synonyms=(
                "nb objectifs",
                "objectifs",
                "nombre d objectifs",
                "objectives set",
                "goals set",
            ),
            example="3",
        ),
        FieldSpec(
            "objectives_met",
            "Objectifs atteints",
            "integer",
            synonyms=("objectifs realises", "objectives met", "goals met"),
            example="2",
        ),
        FieldSpec(
            "autonomy_level",
            "Niveau d'autonomie",
            "integer",
            synonyms=("autonomie", "autonomy", "autonomy level"),
            example="2",
        ),
        _staff_ref(
            "staff",
            "Intervenant",
            ("conseiller", "conseillere", "mene par", "realise par", "interviewer", "staff"),
            "Claire Dubois",
        ),
        FieldSpec(
            "notes",
            "Notes",
            "text",
            synonyms=(
                "commentaire",
                "commentaires",
                "observations",
                "remarques",
                "compte rendu",
                "comments",
            ),
            example="Objectifs revus ensemble",
        ),
    ),
    "sessions": (
        FieldSpec(
            "session_kind",
            "Type de séance",
            "enum",
            True,
            ("type", "dispositif", "nature", "type d accompagnement", "kind", "session type"),
            choices=models.SESSION_KINDS,
            aliases=_SESSION_KIND_ALIASES,
            example="AP",
        ),
        FieldSpec(
            "group",
            "Groupe",
            "text",
            True,
            ("classe", "groupe de besoins", "promotion", "division", "group", "class"),
            example="2nde MELEC A",
        ),
        _SITE,
        FieldSpec(
            "held_on",
            "Date de la séance",
            "date",
            True,
            ("date", "seance du", "date seance", "held on", "session date"),
            example="06/10/2025",
        ),
        FieldSpec(
            "duration_hours",
            "Durée (h)",
            "hours",
            True,
            ("duree", "heures", "nombre d heures", "duree en heures", "duration", "hours"),
            example="2h30",
        ),
        _staff_ref(
            "staff",
            "Intervenant",
            ("enseignant", "animateur", "formateur", "professeur", "staff", "teacher"),
            "Paul Bernard",
        ),
        FieldSpec(
            "discipline",
            "Discipline",
            "text",
            synonyms=("matiere", "enseignement", "subject"),
            example="Français",
        ),
        _learner_id(),
        _LAST_NAME,
        _FIRST_NAME,
        FieldSpec(
            "present",
            "Présent",
            "bool",
            True,
            (
                "presence",
                "present e",
                "emargement",
                "assiduite",
                "present",
                "attendance",
                "attended",
            ),
            example="oui",
        ),
    ),
    "diagnostics": (
        _learner_id(),
        _LAST_NAME,
        _FIRST_NAME,
        _GROUP,
        _SITE,
        FieldSpec(
            "need",
            "Besoin",
            "text",
            True,
            ("competence", "besoin identifie", "domaine", "item", "need", "skill", "competency"),
            example="Lecture",
        ),
        FieldSpec(
            "level",
            "Niveau",
            "enum",
            True,
            (
                "niveau atteint",
                "resultat",
                "positionnement",
                "niveau de maitrise",
                "level",
                "result",
            ),
            choices=models.DIAGNOSTIC_LEVELS,
            aliases=_LEVEL_ALIASES,
            example="en cours",
        ),
        FieldSpec(
            "assessed_on",
            "Date du diagnostic",
            "date",
            True,
            (
                "date",
                "date de positionnement",
                "evalue le",
                "positionne le",
                "assessed on",
                "assessment date",
            ),
            example="12/09/2025",
        ),
    ),
    "staff": (
        FieldSpec(
            "name",
            "Nom complet",
            "text",
            True,
            (
                "nom",
                "intervenant",
                "nom de l intervenant",
                "nom et prenom",
                "prenom nom",
                "name",
                "full name",
            ),
            example="Claire Dubois",
        ),
        FieldSpec(
            "role",
            "Fonction",
            "enum",
            synonyms=("role", "poste", "statut", "function"),
            choices=models.STAFF_ROLES,
            aliases=_ROLE_ALIASES,
            example="tuteur",
        ),
        _SITE,
        FieldSpec(
            "weekly_hours_available",
            "Heures disponibles par semaine",
            "hours",
            synonyms=(
                "heures disponibles",
                "disponibilite",
                "disponibilite hebdomadaire",
                "heures par semaine",
                "heures hebdo",
                "weekly hours",
                "hours per week",
            ),
            example="6",
        ),
    ),
}

KIND_LABELS: dict[str, str] = {
    "learners": "Apprenants et inscriptions",
    "copies": "Copies",
    "tutoring": "Sollicitations de tutorat",
    "interviews": "Entretiens",
    "sessions": "Séances d'accompagnement (présences)",
    "diagnostics": "Diagnostics",
    "staff": "Intervenants",
}

_ALL_SYNONYMS: frozenset[str] = frozenset(
    s for specs in KINDS.values() for spec in specs for s in spec.normalised_synonyms
)


def fields_of(kind: str) -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in KINDS[kind]}


def is_known_header(text: object) -> bool:
    """True when the cell reads like a header of some kind of file."""
    return normalise(text) in _ALL_SYNONYMS


def _field_for(header: str, specs: tuple[FieldSpec, ...]) -> str | None:
    key = normalise(header)
    if not key:
        return None
    for spec in specs:  # exact labels first, then synonyms, in the kind's order
        if key == normalise(spec.label):
            return spec.name
    for spec in specs:
        if key in spec.normalised_synonyms:
            return spec.name
    return None


def guess_mapping(headers: list[str], kind: str) -> dict[str, str]:
    """Header as written -> field name, for the headers recognised (each field used once)."""
    specs = KINDS[kind]
    mapping: dict[str, str] = {}
    for header in headers:
        name = _field_for(header, specs)
        if name is not None and name not in mapping.values():
            mapping[header] = name
    return mapping


def guess_kind(headers: list[str]) -> str | None:
    """The kind whose fields the headers match best (None when nothing matches)."""
    best: tuple[int, str] | None = None
    for kind, specs in KINDS.items():
        mapped = set(guess_mapping(headers, kind).values())
        required = {s.name for s in specs if s.required}
        score = 3 * len(mapped & required) + len(mapped - required) - 2 * len(required - mapped)
        if kind == "staff" and any(
            _field_for(h, (_learner_id(),)) for h in headers
        ):  # a learner identifier means the rows are about learners
            score -= 10
        if mapped and (best is None or score > best[0]):
            best = (score, kind)
    return best[1] if best else None


def headers_signature(headers: list[str]) -> str:
    """A fingerprint of a file layout: its normalised headers, in order."""
    joined = "\x1f".join(normalise(h) for h in headers)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def mapping_to_json(mapping: dict[str, str]) -> str:
    return json.dumps(mapping, ensure_ascii=False, sort_keys=True)


def mapping_from_json(text: str) -> dict[str, str]:
    value = json.loads(text)
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def field_from_user(kind: str, text: str) -> str | None:
    """A field named by the user (its English name or its French label), or None."""
    specs = KINDS[kind]
    key = normalise(text)
    for spec in specs:
        if text.strip() == spec.name or key == normalise(spec.label):
            return spec.name
    return _field_for(text, specs)


def missing_required(kind: str, mapping: dict[str, str]) -> list[FieldSpec]:
    used = set(mapping.values())
    return [s for s in KINDS[kind] if s.required and s.name not in used]
