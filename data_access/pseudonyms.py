"""Pseudonyms of learners: a learner's identifier replaced by a stable pseudonym, names dropped.

A pseudonym is ``P-`` and 16 hexadecimal digits of HMAC-SHA-256(key, identifier): the same
learner always gets the same pseudonym (tables downloaded on different days can be joined), and
nobody can go back from it to the identifier without the key. The key comes from
PILOTAGE_PSEUDONYM_KEY, or from the key file (PILOTAGE_PSEUDONYM_KEY_FILE, ``data/pseudonym.key``
by default), generated on first use and readable only by its owner.

``anonymise_left_before`` applies the retention policy: learners who left before a day keep
their rows (every indicator stays the same) but lose their names, their identifier (replaced by
the pseudonym) and the notes of their interviews.
"""

from __future__ import annotations

import hmac
import os
import secrets
from datetime import date

import polars as pl
from sqlalchemy import Engine, and_, bindparam, exists, not_, or_, select, update

from data_access import models
from data_access.db import write_transaction
from data_access.errors import InvalidSetting
from data_access.settings import Settings, get_settings
from domain import LEARNER_IDENTIFIER_COLUMNS, LEARNER_NAME_COLUMNS

PREFIX = "P-"
DIGITS = 16
_HEX = set("0123456789ABCDEF")


def pseudonym_key(settings: Settings | None = None) -> bytes:
    """The secret of the pseudonyms (see the module docstring); the key file is created, with
    32 random bytes, the first time it is needed."""
    settings = settings or get_settings()
    if settings.pseudonym_key:
        return settings.pseudonym_key.encode()
    path = settings.pseudonym_key_file
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32))
        key = path.read_text().strip()
    except FileExistsError:  # created meanwhile by another process
        key = path.read_text().strip()
    except OSError:
        raise InvalidSetting(
            f"La clé des pseudonymes ne peut être ni lue ni créée dans « {path} » : donnez un "
            "fichier accessible (PILOTAGE_PSEUDONYM_KEY_FILE) ou la clé elle-même "
            "(PILOTAGE_PSEUDONYM_KEY)."
        ) from None
    if not key:
        raise InvalidSetting(f"Le fichier de la clé des pseudonymes « {path} » est vide.")
    return key.encode()


def pseudonym(key: bytes, identifier: str) -> str:
    digest = hmac.digest(key, identifier.encode(), "sha256").hex()  # the one-shot fast path
    return PREFIX + digest[:DIGITS].upper()


def pseudonyms(identifiers: pl.Series, key: bytes) -> pl.Series:
    """The pseudonym of each identifier (nulls stay null; a pseudonym stays as it is)."""
    distinct = identifiers.drop_nulls().unique()
    mapping = {
        value: value if _is_pseudonym(value) else pseudonym(key, value)
        for value in distinct.cast(pl.String).to_list()
    }
    return identifiers.cast(pl.String).replace_strict(mapping, default=None, return_dtype=pl.String)


def _is_pseudonym(value: str) -> bool:
    digits = value.removeprefix(PREFIX)
    return value.startswith(PREFIX) and len(digits) == DIGITS and set(digits) <= _HEX


def is_personal(frame: pl.DataFrame) -> bool:
    """Whether the frame is a per-learner table (it holds a learner identifier column)."""
    return any(column in frame.columns for column in LEARNER_IDENTIFIER_COLUMNS)


def pseudonymise(frame: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """A per-learner table with its identifiers replaced by pseudonyms and its name columns
    dropped; any other frame unchanged."""
    if not is_personal(frame):
        return frame
    return frame.drop(c for c in LEARNER_NAME_COLUMNS if c in frame.columns).with_columns(
        pseudonyms(frame.get_column(c), key).alias(c)
        for c in LEARNER_IDENTIFIER_COLUMNS
        if c in frame.columns
    )


def anonymise_left_before(engine: Engine, day: date, key: bytes) -> int:
    """Replace the identifier of every learner whose enrolments all ended before ``day`` by
    its pseudonym, drop their names, their interviews' notes, the reasons of their absences and
    the next steps of their follow-up contacts; the number of learners changed
    (those already anonymised are left alone). Ids, enrolments and events stay: every
    indicator is unchanged."""
    learners = models.Learner.__table__
    enrolments = models.Enrolment.__table__
    interviews = models.Interview.__table__
    contacts = models.FollowUpContact.__table__
    absences = models.Absence.__table__
    still_there = or_(enrolments.c.exit_date.is_(None), enrolments.c.exit_date >= day)
    left = and_(
        exists().where(enrolments.c.learner_id == learners.c.id),
        not_(exists().where(and_(enrolments.c.learner_id == learners.c.id, still_there))),
    )
    with write_transaction(engine) as connection:
        rows = connection.execute(select(learners.c.id, learners.c.external_id).where(left)).all()
        changes = [
            {"learner": identifier, "pseudonym": pseudonym(key, external)}
            for identifier, external in rows
            if not _is_pseudonym(external)
        ]
        for start in range(0, len(changes), 5_000):
            chunk = changes[start : start + 5_000]
            connection.execute(
                update(learners)
                .where(learners.c.id == bindparam("learner"))
                .values(external_id=bindparam("pseudonym"), last_name=None, first_name=None),
                chunk,
            )
            connection.execute(
                update(interviews)
                .where(interviews.c.learner_id.in_([c["learner"] for c in chunk]))
                .values(notes=None)
            )
            connection.execute(
                update(contacts)
                .where(contacts.c.learner_id.in_([c["learner"] for c in chunk]))
                .values(next_step=None)
            )
            connection.execute(  # a reason of absence may tell of health or family
                update(absences)
                .where(absences.c.learner_id.in_([c["learner"] for c in chunk]))
                .values(reason=None)
            )
    return len(changes)
