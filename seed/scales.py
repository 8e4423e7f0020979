"""How much of everything: the demo scale (one lycée and one CFA) and the national one
(the CNED 2020 figures)."""

from __future__ import annotations

from dataclasses import dataclass

from data_access.errors import PilotageError
from seed import vocabulary as voc


@dataclass(frozen=True)
class ScaleSpec:
    """How much of everything; ``replace(SCALES['national'], learners=...)`` shrinks it."""

    name: str
    sites: tuple[voc.SiteSpec, ...]
    learners: int
    copies_per_learner: float
    requests_per_learner: float
    full_pathway_share: float
    """Share of enrolments followed through every interview phase (others: accueil + bilan)."""
    suivi_gap_days: tuple[int, int]
    needs_assessed: int
    """Needs positioned per learner at the diagnostic."""
    support_groups_per_need: int
    """"Soutien" need groups per site, period and need."""
    learners_per_tutor: int
    learners_per_teacher: int
    learners_per_counsellor: int
    external_prefix: str


SCALES: dict[str, ScaleSpec] = {
    "demo": ScaleSpec(
        name="demo",
        sites=voc.DEMO_SITES,
        learners=600,
        copies_per_learner=24.0,
        requests_per_learner=2.5,
        full_pathway_share=1.0,
        suivi_gap_days=(21, 42),
        needs_assessed=len(voc.NEEDS),
        support_groups_per_need=1,
        learners_per_tutor=45,
        learners_per_teacher=70,
        learners_per_counsellor=200,
        external_prefix="LP",
    ),
    "national": ScaleSpec(
        name="national",
        sites=voc.NATIONAL_SITES,
        learners=200_000,
        copies_per_learner=1_401_126 / 200_000,
        requests_per_learner=120_896 / 200_000,
        full_pathway_share=0.2,
        suivi_gap_days=(35, 70),
        needs_assessed=2,
        support_groups_per_need=4,
        learners_per_tutor=130,
        learners_per_teacher=450,
        learners_per_counsellor=1500,
        external_prefix="CN",
    ),
}


def scale_spec(scale: str | ScaleSpec) -> ScaleSpec:
    if isinstance(scale, ScaleSpec):
        return scale
    if scale not in SCALES:
        choices = ", ".join(SCALES)
        raise PilotageError(f"Échelle inconnue : « {scale} ». Échelles possibles : {choices}.")
    return SCALES[scale]
