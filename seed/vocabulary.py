"""The words of the demo data: sites, programmes and their groups, disciplines, needs, names.

Everything here is invented (no real person); names are common French first and last names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

FIRST_NAMES = (
    "Emma", "Louise", "Jade", "Alice", "Chloé", "Lina", "Léa", "Rose", "Anna", "Mila",
    "Inès", "Ambre", "Julia", "Mia", "Léna", "Manon", "Juliette", "Lou", "Zoé", "Camille",
    "Sarah", "Agathe", "Jeanne", "Romane", "Nina", "Eva", "Lucie", "Clara", "Margaux", "Yasmine",
    "Gabriel", "Léo", "Raphaël", "Arthur", "Louis", "Lucas", "Adam", "Jules", "Hugo", "Maël",
    "Liam", "Noah", "Paul", "Ethan", "Tiago", "Sacha", "Gabin", "Nathan", "Mohamed", "Aaron",
    "Tom", "Éden", "Théo", "Noé", "Mathis", "Nolan", "Timéo", "Axel", "Enzo", "Yanis",
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Martine", "Christine", "Sophie",
    "Sandrine", "Valérie", "Céline", "Aurélie", "Stéphanie", "Julie", "Émilie", "Karine",
    "Philippe", "Nicolas", "Christophe", "Pierre", "Frédéric", "Laurent", "Stéphane", "David",
    "Olivier", "Julien", "Sébastien", "Thomas", "Vincent", "Jérôme", "Alexandre", "François",
    "Karim", "Samir", "Fatima", "Amina", "Ibrahim", "Moussa", "Aïcha", "Kenza", "Rayan", "Ilyes",
)  # fmt: skip

LAST_NAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément",
    "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand", "Duval",
    "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun",
    "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
    "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal",
    "Caron", "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix",
    "Olivier", "Philippe", "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland",
    "Leclercq", "Guillaume", "Lecomte", "Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger",
    "Carpentier", "Sanchez", "Dupuis", "Moulin", "Louis", "Deschamps", "Huet", "Vasseur", "Perez",
    "Boucher", "Fleury", "Royer", "Klein", "Jacquet", "Adam", "Paris", "Poirier", "Marty",
    "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier", "Ménard", "Maillard",
    "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet",
    "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux", "Cousin",
    "Germain", "Breton", "Besson", "Langlois", "Rémy", "Le Goff", "Pelletier", "Lévêque",
    "Perrier", "Leblanc", "Barré", "Lebrun", "Marchal", "Weber", "Mallet", "Hamon", "Boulanger",
    "Jacob", "Monnier", "Michaud", "Rodriguez", "Guichard", "Gillet", "Étienne", "Grondin",
    "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin", "Da Silva", "Bouchet", "Gay",
    "Lemaître", "Bénard", "Marécha", "Humbert", "Reynaud", "Antoine", "Hoarau", "Perret",
    "Barthélemy", "Cordier", "Pichon", "Lejeune", "Gilbert", "Lamy", "Delaunay", "Pasquier",
    "Carlier", "Laporte", "Diallo", "Traoré", "Benali", "Haddad", "Mansouri", "Nguyen",
)  # fmt: skip

# Disciplines (names as in the exports of a lycée professionnel, a CFA or the CNED).
FRANCAIS = "Français"
MATHS = "Mathématiques"
ANGLAIS = "Anglais"
HISTOIRE = "Histoire-géographie"
PHYSIQUE = "Sciences physiques"
PRO = "Enseignement professionnel"
ECOGESTION = "Économie-gestion"
PSE = "Prévention santé environnement"
CULTURE_G = "Culture générale"
RELATION = "Relation client"
CEJM = "Culture économique, juridique et managériale"
BUREAUTIQUE = "Bureautique"

DISCIPLINES = (
    FRANCAIS, MATHS, ANGLAIS, HISTOIRE, PHYSIQUE, PRO, ECOGESTION, PSE, CULTURE_G, RELATION,
    CEJM, BUREAUTIQUE,
)  # fmt: skip
SURGE_CANDIDATES = (FRANCAIS, MATHS, ANGLAIS, HISTOIRE, PHYSIQUE)
"""Disciplines of the general education, where the spring surge of copies happens."""
DISCIPLINE_WEIGHT = {
    FRANCAIS: 1.2, MATHS: 1.2, ANGLAIS: 1.0, HISTOIRE: 0.8, PHYSIQUE: 0.8, PRO: 1.4,
    ECOGESTION: 0.6, PSE: 0.6, CULTURE_G: 1.2, RELATION: 1.2, CEJM: 1.0, BUREAUTIQUE: 1.0,
}  # fmt: skip
"""Relative number of copies per learner in each discipline."""
DISCIPLINE_GRADE_EFFECT = {
    FRANCAIS: -0.3, MATHS: -0.8, ANGLAIS: 0.0, HISTOIRE: 0.3, PHYSIQUE: -0.6, PRO: 1.2,
    ECOGESTION: 0.5, PSE: 0.8, CULTURE_G: -0.2, RELATION: 0.9, CEJM: 0.0, BUREAUTIQUE: 1.0,
}  # fmt: skip

BAC_PRO = (FRANCAIS, MATHS, ANGLAIS, HISTOIRE, PHYSIQUE, PRO, ECOGESTION, PSE)
CAP = (FRANCAIS, MATHS, ANGLAIS, PRO, PSE)
BTS = (CULTURE_G, ANGLAIS, RELATION, CEJM)
TITRE_PRO = (FRANCAIS, BUREAUTIQUE, PRO)
REMISE_A_NIVEAU = (FRANCAIS, MATHS, BUREAUTIQUE)
DAEU = (FRANCAIS, MATHS, ANGLAIS, HISTOIRE)

NEEDS = (
    "Compréhension écrite",
    "Expression écrite",
    "Calcul",
    "Expression orale",
    "Méthodologie",
    "Projet professionnel",
)
NEED_DIFFICULTY = (0.3, 0.8, 1.0, 0.0, 0.5, -0.3)
"""Added to the odds of 'non acquis' for each need (Calcul is the most often missing)."""
NEED_DISCIPLINE = (FRANCAIS, FRANCAIS, MATHS, FRANCAIS, None, None)
"""Whose teachers lead the support groups of each need (None: any teacher / a counsellor)."""

PUBLIC_JEUNES, PUBLIC_ALTERNANTS, PUBLIC_SALARIES, PUBLIC_DE = (
    "jeunes",
    "alternants",
    "salariés",
    "demandeurs d'emploi",
)


@dataclass(frozen=True)
class Programme:
    """A kind of group: its name stem, level, public, modality and what it is taught.

    ``count`` groups of it per site (demo) or ``share`` of the site's learners (national).
    ``weeks`` is the length of a short programme with continuous entries (None: a school year).
    ``sessions``: the class-level support sessions, as (kind, hours, every n weeks).
    """

    name: str
    level: str
    public: str
    modality: str
    disciplines: tuple[str, ...]
    size: int
    count: int = 1
    share: float = 0.0
    weeks: int | None = None
    first_year: bool = False
    sessions: tuple[tuple[str, float, int], ...] = ()
    aide_individualisee: bool = False


AP = (("AP", 2.5, 1),)
CFA_SUPPORT = (("soutien", 2.0, 2),)
VIRTUAL_CLASS = (("tutorat", 1.0, 2),)


def _bac_pro(
    spec: str, public: str = PUBLIC_JEUNES, modality: str = "présentiel", suffix: str = "", **kw
) -> list:
    sessions = AP if public == PUBLIC_JEUNES and modality != "distance" else ()
    if public == PUBLIC_ALTERNANTS:
        sessions = CFA_SUPPORT
    return [
        Programme(
            f"{year} {spec}{suffix}",
            f"{year} bac pro",
            public,
            modality,
            BAC_PRO,
            size=24,
            first_year=year == "2nde",
            sessions=sessions,
            **kw,
        )
        for year in ("2nde", "1re", "Tle")
    ]


NEXT_STAGE = (("2nde ", "1re "), ("1re ", "Tle "), ("CAP 1 ", "CAP 2 "))


def next_stage(name: str) -> str | None:
    """The programme a learner goes on to the next school year ("2nde MELEC" -> "1re MELEC",
    "BTS NDRC 1" -> "BTS NDRC 2"); None after a final year (Tle, CAP 2, BTS 2, DAEU...)."""
    for stage, following in NEXT_STAGE:
        if name.startswith(stage):
            return following + name.removeprefix(stage)
    if name.startswith("BTS ") and name.endswith(" 1"):
        return name.removesuffix(" 1") + " 2"
    return None


def _with(programmes: list[Programme], **changes) -> list[Programme]:
    return [replace(p, **changes) for p in programmes]


DEMO_LYCEE = [
    Programme("2nde MELEC", "2nde bac pro", PUBLIC_JEUNES, "présentiel", BAC_PRO, 24, count=2,
              first_year=True, sessions=AP),
    Programme("1re MELEC", "1re bac pro", PUBLIC_JEUNES, "présentiel", BAC_PRO, 24, sessions=AP),
    Programme("Tle MELEC", "Tle bac pro", PUBLIC_JEUNES, "présentiel", BAC_PRO, 22, sessions=AP),
    *_bac_pro("AGORA"),
    Programme("2nde MCV", "2nde bac pro", PUBLIC_JEUNES, "présentiel", BAC_PRO, 24, count=2,
              first_year=True, sessions=AP),
    *_bac_pro("MCV")[1:],
    Programme("CAP 1 EPC", "CAP 1", PUBLIC_JEUNES, "présentiel", CAP, 15, count=2,
              first_year=True, sessions=AP, aide_individualisee=True),
    Programme("CAP 2 EPC", "CAP 2", PUBLIC_JEUNES, "présentiel", CAP, 14, sessions=AP),
]  # fmt: skip

DEMO_CFA = [
    Programme("CAP 1 EPC", "CAP 1", PUBLIC_ALTERNANTS, "présentiel", CAP, 16, first_year=True,
              sessions=CFA_SUPPORT, aide_individualisee=True),
    Programme("CAP 2 EPC", "CAP 2", PUBLIC_ALTERNANTS, "présentiel", CAP, 14,
              sessions=CFA_SUPPORT),
    Programme("1re MELEC", "1re bac pro", PUBLIC_ALTERNANTS, "présentiel", BAC_PRO, 16,
              sessions=CFA_SUPPORT),
    Programme("Tle MELEC", "Tle bac pro", PUBLIC_ALTERNANTS, "présentiel", BAC_PRO, 14,
              sessions=CFA_SUPPORT),
    Programme("BTS NDRC 1", "BTS 1", PUBLIC_ALTERNANTS, "hybride", BTS, 24, first_year=True,
              sessions=VIRTUAL_CLASS),
    Programme("BTS NDRC 2", "BTS 2", PUBLIC_ALTERNANTS, "hybride", BTS, 20,
              sessions=VIRTUAL_CLASS),
    Programme("BTS MCO 1", "BTS 1", PUBLIC_SALARIES, "distance", BTS, 22, first_year=True),
    Programme("DAEU B", "DAEU", PUBLIC_SALARIES, "distance", DAEU, 18),
    Programme("TP Secrétaire assistant", "Titre professionnel", PUBLIC_DE, "hybride",
              TITRE_PRO, 16, weeks=26, sessions=VIRTUAL_CLASS),
    Programme("Remise à niveau", "Remise à niveau", PUBLIC_DE, "présentiel", REMISE_A_NIVEAU,
              14, weeks=16),
]  # fmt: skip

NATIONAL = [
    *_with(_bac_pro("MELEC", modality="distance"), share=0.09, size=40),
    *_with(_bac_pro("AGORA", modality="distance"), share=0.09, size=40),
    *_with(_bac_pro("MCV", modality="distance"), share=0.08, size=40),
    *_with(_bac_pro("MELEC", suffix=" présentiel"), share=0.03, size=24),
    *_with(_bac_pro("MCV", modality="hybride", suffix=" hybride"), share=0.02, size=24),
    Programme("CAP 1 EPC", "CAP 1", PUBLIC_JEUNES, "distance", CAP, 35, share=0.05,
              first_year=True),
    Programme("CAP 2 EPC", "CAP 2", PUBLIC_JEUNES, "distance", CAP, 35, share=0.04),
    Programme("CAP 1 AEPE", "CAP 1", PUBLIC_JEUNES, "présentiel", CAP, 15, share=0.02,
              first_year=True, sessions=AP, aide_individualisee=True),
    Programme("BTS NDRC 1", "BTS 1", PUBLIC_ALTERNANTS, "hybride", BTS, 30, share=0.04,
              first_year=True, sessions=VIRTUAL_CLASS),
    Programme("BTS NDRC 2", "BTS 2", PUBLIC_ALTERNANTS, "hybride", BTS, 30, share=0.035,
              sessions=VIRTUAL_CLASS),
    Programme("BTS MCO 1", "BTS 1", PUBLIC_SALARIES, "distance", BTS, 45, share=0.08,
              first_year=True),
    Programme("BTS MCO 2", "BTS 2", PUBLIC_SALARIES, "distance", BTS, 45, share=0.07),
    Programme("DAEU A", "DAEU", PUBLIC_SALARIES, "distance", DAEU, 50, share=0.09),
    Programme("DAEU B", "DAEU", PUBLIC_SALARIES, "distance", DAEU, 50, share=0.05),
    Programme("TP Secrétaire assistant", "Titre professionnel", PUBLIC_DE, "distance",
              TITRE_PRO, 40, share=0.05, weeks=26),
    Programme("TP Comptable assistant", "Titre professionnel", PUBLIC_DE, "distance",
              TITRE_PRO, 40, share=0.04, weeks=30),
    Programme("Remise à niveau", "Remise à niveau", PUBLIC_DE, "hybride", REMISE_A_NIVEAU, 30,
              share=0.045, weeks=16),
]  # fmt: skip


@dataclass(frozen=True)
class SiteSpec:
    name: str
    short: str
    zone: str
    teacher_role: str
    programmes: tuple[Programme, ...]
    weight: float = 1.0
    cpe: int = 0


DEMO_SITES = (
    SiteSpec("Lycée professionnel Dijon-Nord", "Dijon", "A", "enseignant", tuple(DEMO_LYCEE),
             cpe=1),
    SiteSpec("CFA de Chalon-sur-Saône", "Chalon", "A", "formateur", tuple(DEMO_CFA)),
)  # fmt: skip

NATIONAL_SITES = tuple(
    SiteSpec(f"Site de {city}", city, zone, "enseignant", tuple(NATIONAL), weight=weight)
    for city, zone, weight in (
        ("Grenoble", "A", 0.9),
        ("Lille", "B", 1.1),
        ("Lyon", "A", 1.2),
        ("Poitiers", "A", 1.0),
        ("Rennes", "B", 0.9),
        ("Rouen", "B", 0.8),
        ("Toulouse", "C", 1.0),
        ("Vanves", "C", 1.1),
    )
)

INTERVIEW_NOTES = {
    "initial": (
        "Présentation de la formation et des modalités d'accompagnement.",
        "Accueil et recueil des attentes.",
        "Premier contact ; calendrier de travail remis.",
    ),
    "diagnostic": (
        "Positionnement réalisé ; besoins identifiés.",
        "Résultats du positionnement présentés.",
    ),
    "co-élaboration": (
        "Objectifs définis ensemble.",
        "Parcours construit avec l'apprenant.",
    ),
    "contractualisation": (
        "Engagements et calendrier validés.",
        "Contrat d'accompagnement signé.",
    ),
    "suivi": (
        "Point d'étape sur l'avancement.",
        "Organisation du travail revue.",
        "Échange sur les devoirs en cours.",
        "Objectifs ajustés.",
    ),
    "bilan": (
        "Bilan des objectifs et suites de parcours.",
        "Bilan de fin de période.",
    ),
}
