"""A bulk insert on SQLite into a table that holds fewer rows than it adds builds the
table's plain indexes after the rows (data_access/writes.py): the indexes come back with
the same definition, a failed insert leaves them and the table as they were, and only the
written table's data version moves."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from data_access import db, models
from data_access.settings import Settings
from data_access.writes import bulk_insert


def _indexes(engine: sa.Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'copy' "
            "ORDER BY name"
        ).all()


def _copies(count: int, first_id: int = 1) -> pl.DataFrame:
    """Copies of ids first_id...: learner, day and rank all different."""
    ids = range(first_id, first_id + count)
    return pl.DataFrame(
        {
            "id": ids,
            "learner_id": [1 + i % 2 for i in ids],
            "discipline": ["Maths"] * count,
            "assignment": [""] * count,
            "submitted_on": [date(2025, 10, 1 + i % 28) for i in ids],
            "copy_number": [f"C{i}" for i in ids],
            "sequence": [1 + i // 28 for i in ids],
        }
    )


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = db.get_engine(Settings(database_url=f"sqlite:///{tmp_path / 'bulk.db'}"))
    with db.write_transaction(engine) as connection:
        bulk_insert(
            connection,
            models.Learner,
            pl.DataFrame({"id": [1, 2], "external_id": ["A1", "A2"]}),
        )
    return engine


def test_plain_indexes_are_built_again_after_a_first_insert(engine: sa.Engine) -> None:
    before = _indexes(engine)
    assert {"ix_copy_learner_id", "ix_copy_submitted_on"} <= {name for name, _ in before}
    versions = db.table_versions(engine)
    statements: list[str] = []
    with db.write_transaction(engine) as connection:
        db.bump_data_version(connection)
        connection.connection.driver_connection.set_trace_callback(statements.append)
        assert bulk_insert(connection, models.Copy, _copies(500)) == 500
        connection.connection.driver_connection.set_trace_callback(None)
    ddl = [n for n, s in enumerate(statements) if s.startswith(("DROP INDEX", "CREATE INDEX"))]
    assert sorted(statements[n].split(" ON ")[0] for n in ddl) == [
        "CREATE INDEX ix_copy_learner_id",
        "CREATE INDEX ix_copy_submitted_on",
        'DROP INDEX "ix_copy_learner_id"',
        'DROP INDEX "ix_copy_submitted_on"',
    ]
    inserts = [n for n, s in enumerate(statements) if s.startswith('INSERT INTO "copy"')]
    drops = [n for n in ddl if statements[n].startswith("DROP")]
    creates = [n for n in ddl if statements[n].startswith("CREATE")]
    assert max(drops) < min(inserts) and max(inserts) < min(creates)
    assert _indexes(engine) == before
    after = db.table_versions(engine)
    assert {name for name in after if after[name] != versions.get(name)} == {"copy"}
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM copy WHERE submitted_on = '2025-10-03'"
        ).all()
        assert "ix_copy_submitted_on" in str(plan)
        assert connection.exec_driver_sql(
            "SELECT count(*) FROM copy WHERE submitted_on = '2025-10-03'"
        ).scalar() == len([i for i in range(1, 501) if i % 28 == 2])
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_a_failed_first_insert_leaves_the_indexes_and_the_table(engine: sa.Engine) -> None:
    before = _indexes(engine)
    rows = pl.concat(
        [_copies(300), _copies(1, first_id=301).with_columns(copy_number=pl.lit("C7"))]
    )
    with pytest.raises(sa.exc.IntegrityError, match="copy_number"):  # the unique one refuses
        with db.write_transaction(engine) as connection:
            db.bump_data_version(connection)
            bulk_insert(connection, models.Copy, rows)
    assert _indexes(engine) == before
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM copy").scalar() == 0


def test_a_table_holding_more_rows_keeps_its_indexes_while_inserting(engine: sa.Engine) -> None:
    with db.write_transaction(engine) as connection:
        db.bump_data_version(connection)
        bulk_insert(connection, models.Copy, _copies(400))
    statements: list[str] = []
    with db.write_transaction(engine) as connection:
        db.bump_data_version(connection)
        connection.connection.driver_connection.set_trace_callback(statements.append)
        bulk_insert(connection, models.Copy, _copies(100, first_id=401))
        connection.connection.driver_connection.set_trace_callback(None)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM copy").scalar() == 500
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert any(s.startswith('INSERT INTO "copy"') for s in statements)
    assert not [s for s in statements if s.upper().startswith(("DROP INDEX", "CREATE INDEX"))]


@pytest.mark.parametrize("count", [1, 110, 111, 112, 250])
def test_rows_go_in_statements_of_many_rows_and_read_back_as_given(
    engine: sa.Engine, count: int
) -> None:
    """Up to 999 values per INSERT (111 copies of these 9 columns): every row written once,
    with its own values (nulls, dates, decimals), whatever the count left for the last one."""
    rows = _copies(count).with_columns(
        corrected_on=pl.Series(
            [date(2025, 11, 2) if i % 3 else None for i in range(count)], dtype=pl.Date
        ),
        grade=pl.Series([i % 80 / 4 if i % 5 else None for i in range(count)], dtype=pl.Float64),
    )
    statements: list[str] = []
    with db.write_transaction(engine) as connection:
        db.bump_data_version(connection)
        connection.connection.driver_connection.set_trace_callback(statements.append)
        assert bulk_insert(connection, models.Copy, rows) == count
        connection.connection.driver_connection.set_trace_callback(None)
    inserts = [s for s in statements if s.startswith('INSERT INTO "copy"')]
    assert rows.width == 9 and len(inserts) == -(-count // 111)
    with engine.connect() as connection:
        stored = connection.exec_driver_sql(
            "SELECT id, learner_id, submitted_on, corrected_on, grade, copy_number, sequence "
            "FROM copy ORDER BY id"
        ).all()
    expected = rows.select(
        "id", "learner_id", "submitted_on", "corrected_on", "grade", "copy_number", "sequence"
    ).with_columns(pl.col("submitted_on", "corrected_on").dt.strftime("%Y-%m-%d"))
    assert [tuple(r) for r in stored] == expected.rows()


def test_a_row_refused_among_many_is_explained_as_alone(engine: sa.Engine) -> None:
    """A statement of many rows fails whole, with the message of the rule the row broke."""
    from data_access.constraints import explain

    messages = []
    for count in (1, 150):
        bad = _copies(count).with_columns(
            grade=pl.when(pl.col("id") == count).then(25.0).otherwise(10.0)
        )
        with pytest.raises(sa.exc.IntegrityError) as refused:
            with db.write_transaction(engine) as connection:
                bulk_insert(connection, models.Copy, bad)
        messages.append(str(explain(refused.value)))
    assert messages[0] == messages[1]
    assert "note" in messages[0].lower()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM copy").scalar() == 0
