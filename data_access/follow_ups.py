"""Follow-up contacts (contacts de suivi) of learners at risk: recorded one at a time from the
at-risk list, read back whole (a small table, read fresh at each display).

A contact is not analysed data: recording one leaves the data version alone (the loaded data
and the trained risk score stay valid); the audit trail records it (ui/writes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
from sqlalchemy import Engine, select

from data_access import models
from data_access.errors import PilotageError
from data_access.frames import conform, read_table
from domain import FOLLOW_UP_CHANNELS, FOLLOW_UP_OUTCOMES

NEXT_STEP_MAX = 500


class ContactRefused(PilotageError):
    """A contact that cannot be recorded (the French message says why)."""


@dataclass(frozen=True)
class NewContact:
    learner_id: int
    contacted_on: date
    channel: str
    outcome: str
    staff_id: int | None = None
    next_step: str | None = None


def check(contact: NewContact, today: date) -> None:
    """Refuse, in French, a contact the table would refuse or nobody could have made."""
    if contact.channel not in FOLLOW_UP_CHANNELS:
        raise ContactRefused(f"Canal inconnu : « {contact.channel} ».")
    if contact.outcome not in FOLLOW_UP_OUTCOMES:
        raise ContactRefused(f"Issue inconnue : « {contact.outcome} ».")
    if contact.contacted_on > today:
        raise ContactRefused(
            f"Le contact est daté du {contact.contacted_on:%d/%m/%Y}, après aujourd'hui : "
            "un contact se note une fois fait."
        )
    if contact.next_step and len(contact.next_step) > NEXT_STEP_MAX:
        raise ContactRefused(f"La suite à donner tient en {NEXT_STEP_MAX} caractères au plus.")
    if contact.next_step and "\x00" in contact.next_step:
        raise ContactRefused("La suite à donner contient un caractère nul.")


def record(
    engine: Engine, contact: NewContact, *, by: str | None, now: datetime | None = None
) -> int:
    """Insert the contact (checked first) and return its id."""
    now = now or datetime.now().replace(microsecond=0)
    check(contact, now.date())
    table = models.FollowUpContact.__table__
    with engine.begin() as connection:
        known = connection.execute(
            select(models.Learner.id).where(models.Learner.id == contact.learner_id)
        ).first()
        if known is None:
            raise ContactRefused("Cet apprenant n'est plus dans la base.")
        result = connection.execute(
            table.insert().values(
                learner_id=contact.learner_id,
                contacted_on=contact.contacted_on,
                staff_id=contact.staff_id,
                channel=contact.channel,
                outcome=contact.outcome,
                next_step=(contact.next_step or "").strip() or None,
                recorded_by=by,
                recorded_at=now,
            )
        )
        return int(result.inserted_primary_key[0])


def contacts(engine: Engine) -> pl.DataFrame:
    """Every follow-up contact (the table's columns), typed."""
    frame = read_table(engine, models.FollowUpContact)
    return conform(models.FollowUpContact, frame)
