"""Each table loads into a typed Polars frame, in the canonical schema, on both backends."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from polars.testing import assert_frame_equal

from data_access import db, models
from data_access.db import write_transaction
from data_access.frames import FRAME_TABLES, Frames, load_frames, schema_of
from data_access.settings import Settings
from data_access.writes import bulk_insert, reset_sequences


def test_empty_database_loads_typed_empty_frames(engine: sa.Engine) -> None:
    frames = load_frames(engine)
    for name, table in FRAME_TABLES.items():
        frame = getattr(frames, name)
        assert frame.is_empty()
        assert frame.schema == schema_of(table), name


def test_rows_written_in_bulk_come_back_typed(engine: sa.Engine) -> None:
    learners = pl.DataFrame(
        {"id": [1, 2], "external_id": ["A001", "A002"], "last_name": ["Martin", None]}
    )
    copies = pl.DataFrame(
        {
            "learner_id": [1, 1, 2],
            "discipline": ["Maths", "Français", "Maths"],
            "submitted_on": [date(2025, 10, 6), date(2025, 10, 7), date(2025, 10, 8)],
            "corrected_on": [date(2025, 10, 9), None, date(2025, 10, 8)],
            "grade": [12.5, None, 20.0],
        }
    )
    requests = pl.DataFrame(
        {
            "learner_id": [2],
            "discipline": ["Maths"],
            "channel": ["électronique"],
            "received_at": [datetime(2025, 10, 6, 9, 30)],
            "answered_at": [None],
        }
    )
    with write_transaction(engine) as connection:
        bulk_insert(connection, models.Learner, learners)
        reset_sequences(connection, [models.Learner])
        bulk_insert(connection, models.Copy, copies)
        bulk_insert(connection, models.TutoringRequest, requests)
        bulk_insert(connection, models.Site, pl.DataFrame({"id": [1], "name": ["Nord"]}))
        bulk_insert(
            connection,
            models.StudyGroup,
            pl.DataFrame(
                {"id": [1], "site_id": [1], "name": ["CAP 1"], "school_year": ["2025-2026"]}
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
                    "duration_hours": [2.5],
                }
            ),
        )
        bulk_insert(
            connection,
            models.Attendance,
            pl.DataFrame({"session_id": [1, 1], "learner_id": [1, 2], "present": [True, False]}),
        )
    frames = load_frames(engine)
    assert frames.copies.schema == schema_of(models.Copy)
    assert_frame_equal(
        frames.copies.sort("submitted_on").select(
            "learner_id", "discipline", "submitted_on", "corrected_on", "grade"
        ),
        copies,
    )
    assert frames.copies.get_column("assignment").to_list() == ["", "", ""]
    assert frames.tutoring_requests.get_column("received_at").to_list() == [
        datetime(2025, 10, 6, 9, 30)
    ]
    assert frames.tutoring_requests.get_column("answered_at").dtype == pl.Datetime("us")
    assert frames.attendance.sort("learner_id").get_column("present").to_list() == [True, False]
    assert frames.learners.get_column("last_name").to_list() == ["Martin", None]
    assert frames.total_rows() == 2 + 3 + 1 + 1 + 1 + 1 + 2


def test_frames_empty_conforms_what_it_is_given() -> None:
    frames = Frames.empty(sites=pl.DataFrame({"id": [1], "name": ["Sud"], "unknown": [0]}))
    assert frames.sites.columns == ["id", "name"]
    assert frames.copies.schema == schema_of(models.Copy)


def test_frames_empty_has_no_rows_for_missing_tables() -> None:
    frames = Frames.empty()
    assert frames.total_rows() == 0


def test_a_read_after_a_write_sees_it_in_the_same_process(engine: sa.Engine) -> None:
    """connectorx reads the file on its own: each read must see every committed write."""
    from data_access.frames import read_table

    for count in (1, 2, 3):
        with write_transaction(engine) as connection:
            connection.execute(sa.insert(models.Site.__table__), [{"name": f"Site {count}"}])
        assert read_table(engine, models.Site).height == count


def test_a_bulk_write_on_sqlite_raises_the_page_cache_and_never_lowers_it(
    tmp_path: Path,
) -> None:
    """A bulk write asks SQLite for at least 64 MiB of page cache while it writes (index pages
    stay in memory), keeps a larger cache asked for by the caller (the seed asks 256 MiB),
    and gives the connection its own setting back afterwards."""
    engine = db.get_engine(Settings(database_url=f"sqlite:///{tmp_path / 'cache.db'}"))
    asked: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def note(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if statement.startswith("PRAGMA cache_size ="):
            asked.append(statement)

    for before, during in ((-2000, -65536), (-262144, -262144)):
        asked.clear()
        learner = pl.DataFrame({"external_id": [f"A{-before}"]})
        with write_transaction(engine) as connection:
            connection.exec_driver_sql(f"PRAGMA cache_size={before}")
            bulk_insert(connection, models.Learner, learner)
            after = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        assert asked == [f"PRAGMA cache_size = {during}", f"PRAGMA cache_size = {before}"]
        assert after == before
