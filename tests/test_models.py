"""The tables keep impossible rows out, on SQLite and PostgreSQL, with a clear French reason."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import exc

from data_access import models
from data_access.constraints import explain
from data_access.db import write_transaction
from data_access.writes import reset_sequences


@pytest.fixture
def base_rows(engine: sa.Engine) -> sa.Engine:
    """A site, a group, a staff member and a learner with ids 1."""
    with write_transaction(engine) as connection:
        connection.execute(sa.insert(models.Site.__table__), [{"id": 1, "name": "Lycée Nord"}])
        connection.execute(
            sa.insert(models.StudyGroup.__table__),
            [{"id": 1, "site_id": 1, "name": "2nde MELEC A", "school_year": "2025-2026"}],
        )
        connection.execute(sa.insert(models.Staff.__table__), [{"id": 1, "name": "M. Durand"}])
        connection.execute(sa.insert(models.Learner.__table__), [{"id": 1, "external_id": "A001"}])
        reset_sequences(connection, [models.Site, models.StudyGroup, models.Staff, models.Learner])
    return engine


def _insert(engine: sa.Engine, table: type, row: dict) -> None:
    with engine.begin() as connection:
        connection.execute(sa.insert(table.__table__), [row])


ENROLMENT = {"learner_id": 1, "group_id": 1, "entry_date": date(2025, 9, 1)}
COPY = {"learner_id": 1, "discipline": "Maths", "submitted_on": date(2025, 10, 6)}
REQUEST = {
    "learner_id": 1,
    "discipline": "Maths",
    "channel": "forum",
    "received_at": datetime(2025, 10, 6, 9, 0),
}

BAD_ROWS = [
    ("exit before entry", models.Enrolment, {**ENROLMENT, "exit_date": date(2025, 8, 1), "exit_reason": "abandon"}, "sortie précède"),
    ("exit reason without exit date", models.Enrolment, {**ENROLMENT, "exit_reason": "abandon"}, "motif de sortie demande"),
    ("exit date without reason", models.Enrolment, {**ENROLMENT, "exit_date": date(2025, 12, 1)}, "motif de sortie demande"),
    ("unknown exit reason", models.Enrolment, {**ENROLMENT, "exit_date": date(2025, 12, 1), "exit_reason": "vacances"}, "motif de sortie inconnu"),
    ("correction before submission", models.Copy, {**COPY, "corrected_on": date(2025, 10, 1)}, "avant le dépôt"),
    ("grade above 20", models.Copy, {**COPY, "grade": 21.0}, "entre 0 et 20"),
    ("negative grade", models.Copy, {**COPY, "grade": -1.0}, "entre 0 et 20"),
    ("answer before request", models.TutoringRequest, {**REQUEST, "answered_at": datetime(2025, 10, 5, 9, 0)}, "avant la sollicitation"),
    ("negative interview duration", models.Interview, {"learner_id": 1, "held_on": date(2025, 10, 1), "interview_type": "suivi", "duration_minutes": -5}, "négative"),
    ("session of no length", models.SupportSession, {"kind": "AP", "group_id": 1, "held_on": date(2025, 10, 1), "duration_hours": 0}, "durée d'une séance"),
    ("session without any group", models.SupportSession, {"kind": "AP", "held_on": date(2025, 10, 1), "duration_hours": 2.5}, "groupe"),
    ("copy of an unknown learner", models.Copy, {**COPY, "learner_id": 999}, "n'existe pas"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("table", "row", "reason"),
    [case[1:] for case in BAD_ROWS],
    ids=[case[0] for case in BAD_ROWS],
)
def test_impossible_rows_are_refused_with_a_french_reason(
    base_rows: sa.Engine, table: type, row: dict, reason: str
) -> None:
    with pytest.raises(exc.IntegrityError) as refused:
        _insert(base_rows, table, row)
    assert reason in str(explain(refused.value))


def test_valid_rows_are_accepted(base_rows: sa.Engine) -> None:
    _insert(
        base_rows,
        models.Enrolment,
        {**ENROLMENT, "exit_date": date(2026, 1, 15), "exit_reason": "abandon"},
    )
    _insert(base_rows, models.Copy, {**COPY, "corrected_on": date(2025, 10, 6), "grade": 20.0})
    _insert(base_rows, models.TutoringRequest, {**REQUEST, "answered_at": REQUEST["received_at"]})
    with base_rows.connect() as connection:
        counts = [
            connection.execute(sa.select(sa.func.count()).select_from(t.__table__)).scalar_one()
            for t in (models.Enrolment, models.Copy, models.TutoringRequest)
        ]
    assert counts == [1, 1, 1]


def test_natural_keys_are_unique(base_rows: sa.Engine) -> None:
    _insert(base_rows, models.Copy, COPY)
    with pytest.raises(exc.IntegrityError) as refused:
        _insert(base_rows, models.Copy, COPY)
    assert "existe déjà" in str(explain(refused.value))
    with pytest.raises(exc.IntegrityError):
        _insert(base_rows, models.Learner, {"external_id": "A001"})


def test_every_write_bumps_the_data_version(base_rows: sa.Engine) -> None:
    from data_access.db import data_version

    before = data_version(base_rows)
    with write_transaction(base_rows) as connection:
        connection.execute(sa.insert(models.Learner.__table__), [{"external_id": "A002"}])
    assert data_version(base_rows) == before + 1


def test_a_failed_write_bumps_nothing_and_writes_nothing(base_rows: sa.Engine) -> None:
    from data_access.db import data_version

    before = data_version(base_rows)
    with pytest.raises(exc.IntegrityError):
        with write_transaction(base_rows) as connection:
            connection.execute(sa.insert(models.Learner.__table__), [{"external_id": "A003"}])
            connection.execute(sa.insert(models.Copy.__table__), [{**COPY, "grade": 25.0}])
    with base_rows.connect() as connection:
        learners = connection.execute(sa.select(models.Learner.external_id)).scalars().all()
    assert learners == ["A001"]
    assert data_version(base_rows) == before
