"""How the risk score was learnt and checked, in one French sentence (pure, no Streamlit: the
page and ``pilotage at-risk`` say the same)."""

from __future__ import annotations

from indicators import risk_model
from ui import format as fmt


def check_sentence(model: risk_model.RiskModel | risk_model.NoModel) -> str:
    """How the score was learnt and checked, or why there is none."""
    if isinstance(model, risk_model.NoModel):
        return model.reason
    check = model.check
    return (
        f"Score appris sur {fmt.number(check.ended)} inscriptions terminées (dont "
        f"{fmt.number(check.dropouts)} abandons), chacune décrite au même nombre de jours depuis "
        "le début de son groupe que les inscriptions évaluées, et vérifié en validation croisée "
        f"(chaque apprenant noté par un modèle appris sans lui) : AUC {fmt.number(check.auc, 2)} ; "
        f"parmi les 10 % de scores les plus hauts, {fmt.share(check.top_share_precision)} ont "
        f"abandonné, pour {fmt.share(check.base_rate)} en moyenne."
    )
