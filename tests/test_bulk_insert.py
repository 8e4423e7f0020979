"""A bulk insert on SQLite into a table that holds fewer rows than it adds builds the
table's plain indexes after the rows (data_access/writes.py): the indexes come back with
the same definition, a failed insert leaves them and the table as they were, and only the
written table's data version moves."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
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


def _stored(engine: sa.Engine, table: str) -> list[tuple]:
    """Every row of the table with the storage class of each value (SQLite's typeof)."""
    with engine.connect() as connection:
        names = [r[1] for r in connection.exec_driver_sql(f'PRAGMA table_info("{table}")')]
        values = ", ".join(f'"{n}", typeof("{n}")' for n in names)
        return [
            tuple(r)
            for r in connection.exec_driver_sql(f'SELECT {values} FROM "{table}" ORDER BY 1, 3')
        ]


def _attached(engine: sa.Engine) -> list[str]:
    """The scratch databases still attached to the pool's connection."""
    with engine.connect() as connection:
        names = [r[1] for r in connection.exec_driver_sql("PRAGMA database_list")]
    return [name for name in names if name.startswith("staged")]


def _tutoring(count: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": range(1, count + 1),
            "learner_id": [1 + i % 2 for i in range(count)],
            "discipline": ["Français", "Mathématiques"] * (count // 2),
            "channel": ["forum"] * count,
            "received_at": [datetime(2025, 10, 1, 8, 30, i % 60, i) for i in range(count)],
            "answered_at": [datetime(2025, 10, 2, 9, 0) if i % 3 else None for i in range(count)],
        }
    )


def test_staged_rows_are_stored_as_bound_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the scratch database written by ADBC or bound one by one: the same rows, with
    the same storage classes (dates and times as SQLAlchemy writes them, nulls, decimals,
    booleans as integers), in copies, tutoring requests and attendance."""
    from data_access import writes

    contents = []
    for staged_from in (1, 10**9):
        monkeypatch.setattr(writes, "SQLITE_STAGED_ROWS", staged_from)
        url = f"sqlite:///{tmp_path / f'staged_{staged_from}.db'}"
        engine = db.get_engine(Settings(database_url=url))
        with db.write_transaction(engine) as connection:
            statements: list[str] = []
            connection.connection.driver_connection.set_trace_callback(statements.append)
            bulk_insert(
                connection, models.Learner, pl.DataFrame({"id": [1, 2], "external_id": ["A", "B"]})
            )
            copies = _copies(300).with_columns(
                corrected_on=pl.Series([date(2025, 11, 2), None] * 150, dtype=pl.Date),
                grade=pl.Series([12.25, None, 0.0] * 100, dtype=pl.Float64),
            )
            bulk_insert(connection, models.Copy, copies)
            bulk_insert(connection, models.TutoringRequest, _tutoring(200))
            bulk_insert(connection, models.Site, pl.DataFrame({"id": [1], "name": ["Nord"]}))
            bulk_insert(
                connection,
                models.StudyGroup,
                pl.DataFrame(
                    {"id": [1], "site_id": [1], "name": ["2nde A"], "school_year": ["2025-2026"]}
                ),
            )
            bulk_insert(
                connection,
                models.SupportSession,
                pl.DataFrame(
                    {
                        "id": [1],
                        "kind": ["AP"],
                        "group_id": [1],
                        "held_on": [date(2025, 10, 6)],
                        "duration_hours": [1.5],
                    }
                ),
            )
            bulk_insert(
                connection,
                models.Attendance,
                pl.DataFrame(
                    {"session_id": [1, 1], "learner_id": [1, 2], "present": [True, False]}
                ),
            )
        attaches = [x for x in statements if x.startswith("ATTACH")]
        # seven inserts: six staged (main, temp and six make the most attached), the last bound
        assert len(attaches) == (6 if staged_from == 1 else 0)
        contents.append({t: _stored(engine, t) for t in ("copy", "tutoring_request", "attendance")})
        assert _attached(engine) == []  # the scratch databases detached
        db.forget_engine(url)
    assert contents[0] == contents[1]
    assert contents[0]["copy"][0][:10] == (
        1,
        "integer",
        2,
        "integer",
        "Maths",
        "text",
        "",
        "text",
        "2025-10-02",
        "text",
    )
    assert not list(Path(tempfile.gettempdir()).glob("pilotage-staged-*"))


def test_a_staged_insert_refused_is_refused_as_a_bound_one(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row the table refuses fails the INSERT ... SELECT whole, with the message of the rule
    it broke; nothing is written, and the scratch database is gone once the transaction is."""
    from data_access import writes
    from data_access.constraints import explain

    messages = []
    for staged_from in (1, 10**9):
        monkeypatch.setattr(writes, "SQLITE_STAGED_ROWS", staged_from)
        rows = pl.concat(
            [_copies(300), _copies(1, first_id=301).with_columns(copy_number=pl.lit("C7"))]
        )
        with pytest.raises(sa.exc.IntegrityError) as refused:
            with db.write_transaction(engine) as connection:
                db.bump_data_version(connection)
                bulk_insert(connection, models.Copy, rows)
        messages.append(str(explain(refused.value)))
        assert _attached(engine) == []
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM copy").scalar() == 0
    assert messages[0] == messages[1]
    assert not list(Path(tempfile.gettempdir()).glob("pilotage-staged-*"))


def test_rows_outside_a_write_transaction_are_bound(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No transaction to detach the scratch database after: the values are bound."""
    from data_access import writes

    monkeypatch.setattr(writes, "SQLITE_STAGED_ROWS", 1)
    statements: list[str] = []
    with engine.begin() as connection:
        connection.connection.driver_connection.set_trace_callback(statements.append)
        assert bulk_insert(connection, models.Copy, _copies(300)) == 300
        connection.connection.driver_connection.set_trace_callback(None)
    assert not [s for s in statements if s.startswith("ATTACH")]
    assert [s for s in statements if s.startswith('INSERT INTO "copy" ("id"')]
