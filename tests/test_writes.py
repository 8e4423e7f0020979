"""Every write of the app goes through ui/writes.py: it writes, then clears the caches; a refused
write clears nothing and says why in French."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa
from test_planning_data import class_2bp1

from data_access import db, models
from data_access.constraints import RowRefused
from indicators.common import Period
from planning.request import PlanRequest, propose
from ui import cache, writes


@pytest.fixture
def cleared(app_database, monkeypatch: pytest.MonkeyPatch) -> list[int]:  # noqa: ANN001
    """The class of test_planning_data as the app's database; counts the cache clearings."""
    app_database(class_2bp1())
    count: list[int] = []
    monkeypatch.setattr(cache, "clear_after_write", lambda: count.append(1))
    return count


def test_a_saved_plan_clears_the_caches_a_refused_one_does_not(cleared: list[int]) -> None:
    plan = propose(
        class_2bp1().frames(), PlanRequest(Period(date(2025, 11, 3), date(2025, 12, 14)))
    )
    saved, refused = writes.save_plan(plan)
    assert (str(saved), refused) == ("Plan enregistré : 2 groupe(s), 8 placement(s).", None)
    assert cleared == [1]
    saved, refused = writes.save_plan(replace(plan, site="Atlantide"))
    assert (saved, refused) == (None, "Site inconnu : « Atlantide ».")
    assert cleared == [1]


def test_a_row_the_database_refuses_is_one_french_message(cleared: list[int]) -> None:
    def negative_hours(engine: sa.Engine) -> None:
        with db.write_transaction(engine) as connection:
            connection.execute(
                sa.update(models.Staff.__table__).values(weekly_hours_available=-1.0)
            )

    with pytest.raises(RowRefused, match="les heures disponibles ne peuvent pas être négatives"):
        writes._write(negative_hours, "import", str)
    assert cleared == []
