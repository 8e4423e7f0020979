"""Loading only the school years shown (data_access.frames ``years``): what is read, that the
figures over a period are those of the whole data, and that the app loads an older year when
the user picks it."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
import sqlalchemy as sa
from world import World

from data_access import frames
from data_access.frames import load_frames, school_years_of, window
from indicators.common import Period, Scope
from indicators.dataset import prepare
from indicators.summary import headline

YEARS = {2023: "2023-2024", 2024: "2024-2025", 2025: "2025-2026"}


def three_years() -> World:
    """Three school years in one site. A001 stays the three years (a new class each year),
    B002 only in 2023-2024, C003 from 2024-2025 (leaves in 2025-2026 for good); each year has a
    copy, a request, an interview, an absence, a diagnostic, an assignment, a class session and
    a need group with a session, all dated in that year; A001's Français copy of late June is
    corrected in September, in the next school year."""
    world = World()
    world.staff("Mme Prof", role="enseignant", site="Lyon", weekly_hours=4)
    for year, label in YEARS.items():
        world.group(f"CAP {year}", site="Lyon", public="jeunes", level="CAP", school_year=label)
    start = {year: date(year, 9, 1) for year in YEARS}
    world.learner("A001", group="CAP 2023", entered=start[2023], left=date(2024, 7, 1),
                  reason="fin de parcours")  # fmt: skip
    world.enrol("A001", "CAP 2024", start[2024], left=date(2025, 7, 1), reason="fin de parcours")
    world.enrol("A001", "CAP 2025", start[2025])
    world.learner("B002", group="CAP 2023", entered=start[2023], left=date(2024, 2, 1),
                  reason="abandon")  # fmt: skip
    world.learner("C003", group="CAP 2024", entered=start[2024], left=date(2025, 7, 1),
                  reason="fin de parcours")  # fmt: skip
    world.enrol("C003", "CAP 2025", start[2025], left=date(2026, 1, 15), reason="abandon")
    for year in YEARS:
        learners = {2023: ["A001", "B002"], 2024: ["A001", "C003"], 2025: ["A001", "C003"]}[year]
        autumn, winter = date(year, 10, 6), date(year + 1, 1, 12)
        for learner in learners:
            world.copy(learner, "Maths", submitted=autumn, corrected=date(year, 10, 9),
                       corrector="Mme Prof", assignment=f"Devoir {year}")  # fmt: skip
            world.absence(learner, winter)
            world.diagnostic(learner, "Méthode", "en cours", date(year, 9, 15))
        world.copy("A001", "Français", submitted=date(year + 1, 6, 29),
                   corrected=date(year + 1, 9, 3))  # fmt: skip
        world.request("A001", "Maths", received=datetime(year, 11, 3, 9),
                      answered=datetime(year, 11, 3, 15))  # fmt: skip
        world.interview("A001", date(year, 9, 20), "initial", staff="Mme Prof")
        world.assignment(f"CAP {year}", "Maths", f"Devoir {year}", due=date(year, 10, 10))
        world.session("AP", date(year, 11, 5), 2.0, group=f"CAP {year}", present=learners)
        world.need_group(f"Soutien {year}", need="Méthode", kind="soutien", site="Lyon",
                         start=date(year, 10, 1), end=date(year, 12, 20),
                         members=learners[:1])  # fmt: skip
        world.session("soutien", date(year, 10, 8), 1.5, need_group=f"Soutien {year}",
                      present=learners[:1])  # fmt: skip
    return world


@pytest.fixture
def three_years_engine(engine: sa.Engine) -> sa.Engine:
    three_years().write(engine)
    return engine


def _years_of(column: pl.Series) -> list[int]:
    days = column.cast(pl.Date)
    return sorted(
        days.dt.year().zip_with(days.dt.month() >= 9, days.dt.year() - 1).unique().to_list()
    )


def test_one_school_year_reads_only_its_rows(three_years_engine: sa.Engine) -> None:
    """2025-2026 alone: its class, the two learners enrolled that year and their enrolments
    that year, and every event dated in it; sites and staff whole."""
    loaded = load_frames(three_years_engine, years=(2025,))
    assert loaded.groups.get_column("name").to_list() == ["CAP 2025"]
    assert sorted(loaded.learners.get_column("external_id")) == ["A001", "C003"]
    assert loaded.enrolments.height == 2  # A001's and C003's 2025-2026 ones, not the 4 before
    assert loaded.enrolments.get_column("entry_date").to_list() == [date(2025, 9, 1)] * 2
    for name, column in (
        ("tutoring_requests", "received_at"),
        ("interviews", "held_on"),
        ("absences", "absent_on"),
        ("diagnostics", "assessed_on"),
        ("support_sessions", "held_on"),
        ("need_groups", "period_start"),
    ):
        assert _years_of(getattr(loaded, name).get_column(column)) == [2025], name
    # two Maths copies in October, A001's Français in June, and the Français copy of June 2025
    # corrected in September 2025 (a correction of this year); not the one corrected in 2024
    assert sorted(loaded.copies.get_column("submitted_on")) == [
        date(2025, 6, 29),
        date(2025, 10, 6),
        date(2025, 10, 6),
        date(2026, 6, 29),
    ]
    assert loaded.support_sessions.height == 2
    assert loaded.attendance.height == 3  # two at the class session, A001 at the need group's
    assert loaded.need_group_members.height == 1
    assert loaded.assignments.get_column("title").to_list() == ["Devoir 2025"]
    assert loaded.sites.height == 1 and loaded.staff.height == 1


def test_a_window_is_the_whole_data_filtered(three_years_engine: sa.Engine) -> None:
    """Every table of a window (2023-2024 and 2024-2025) is the whole table's rows of those
    years, column for column; and the years the database holds are known without loading."""
    whole = load_frames(three_years_engine)
    part = load_frames(three_years_engine, years=window(2024))
    assert part.total_rows() < whole.total_rows()
    kept_groups = whole.groups.filter(pl.col("school_year").is_in(["2023-2024", "2024-2025"]))
    assert part.groups.equals(kept_groups)
    in_window = (pl.col("submitted_on") < date(2025, 9, 1)) | (
        pl.col("corrected_on") < date(2025, 9, 1)
    )
    assert part.copies.equals(whole.copies.filter(in_window))
    assert part.tutoring_requests.height == 2 and part.interviews.height == 2
    assert sorted(part.learners.get_column("external_id")) == ["A001", "B002", "C003"]
    assert part.enrolments.height == 4
    assert school_years_of(three_years_engine) == [2025, 2024, 2023]


def _figures(dataset, period: Period) -> pl.DataFrame:  # noqa: ANN001
    return headline(dataset, Scope(period)).sort(pl.all())


@pytest.mark.parametrize("year", [2025, 2024])
def test_figures_over_a_period_are_those_of_the_whole_data(
    three_years_engine: sa.Engine, year: int
) -> None:
    whole = prepare(load_frames(three_years_engine))
    part = prepare(load_frames(three_years_engine, years=window(year)))
    for period in (Period.school_year(year), Period(date(year, 10, 1), date(year, 12, 31))):
        expected = _figures(whole, period)
        assert _figures(part, period).equals(expected), (year, period)
    # the year before, for comparisons, is there too
    before = Period.school_year(year - 1)
    assert _figures(part, before).equals(_figures(whole, before))


def test_figures_on_the_seed_of_three_years(tmp_path) -> None:  # noqa: ANN001
    """The demo seed over three school years: the headline figures of each month of the
    current year, and of the whole previous year, are those of the whole data."""
    from data_access import db
    from data_access.settings import Settings
    from seed.generate import seed_database

    engine = db.get_engine(Settings(database_url=f"sqlite:///{tmp_path / 'seed.db'}"))
    seed_database(scale="demo", years=3, engine=engine)
    whole = prepare(load_frames(engine))
    part = prepare(load_frames(engine, years=window(2025)))
    assert part.copies.height < whole.copies.height
    periods = [Period(date(2025, m, 1), date(2025, m + 1, 1)) for m in (9, 10, 11)]
    periods += [Period.school_year(2024), Period(date(2026, 1, 1), date(2026, 6, 30))]
    for period in periods:
        assert _figures(part, period).equals(_figures(whole, period)), period
    db.forget_engine(str(engine.url))


def test_picking_an_older_year_loads_it(app_database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app loads the latest year and the one before; picking 2023-2024 in the sidebar loads
    2023-2024 (and 2022-2023, none here) and shows its figures; the address asks for a year
    the same way."""
    from apptest import open_page, page_problems

    app_database(three_years())
    reads: list[tuple[str, str | None]] = []
    read = frames.read_table

    def counted(engine: sa.Engine, table: type, where: str | None = None) -> pl.DataFrame:
        reads.append((table.__tablename__, where))
        return read(engine, table, where)

    monkeypatch.setattr(frames, "read_table", counted)
    app = open_page()
    assert page_problems(app) == []
    assert app.sidebar.selectbox(key="school_year").value == 2025
    assert app.sidebar.selectbox(key="school_year").options == [
        "2025-2026",
        "2024-2025",
        "2023-2024",
    ]
    copies_read = [where for table, where in reads if table == "copy"]
    assert len(copies_read) == 1 and "'2024-09-01'" in copies_read[0]
    assert "'2026-09-01'" in copies_read[0] and "2023-09-01" not in copies_read[0]
    reads.clear()
    app.sidebar.selectbox(key="school_year").set_value(2023).run()
    assert page_problems(app) == []
    copies_read = [where for table, where in reads if table == "copy"]
    assert len(copies_read) == 1 and "'2022-09-01'" in copies_read[0]
    assert "'2024-09-01'" in copies_read[0] and "2025-09-01" not in copies_read[0]
    selection = app.session_state["_pilotage_selection"]
    assert _years_of(selection.dataset.copies.get_column("submitted_on")) == [2023]
    assert selection.scope.period == Period.school_year(2023)
    reads.clear()
    app.sidebar.selectbox(key="school_year").set_value(2025).run()  # still in memory
    assert reads == []


# --- PostgreSQL: event tables partitioned by school year ------------------------------------


def _partitions(engine: sa.Engine, table: str) -> dict[str, int]:
    """The partitions of a table and their rows."""
    with engine.connect() as connection:
        names = connection.execute(
            sa.text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :name"
            ),
            {"name": table},
        ).scalars()
        return {
            name: connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one()  # noqa: S608
            for name in names
        }


def _postgres_only(engine: sa.Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("partitionnement : PostgreSQL seulement")


def test_partitioned_tables_keep_their_rows_and_take_imports(
    three_years_engine: sa.Engine,
) -> None:
    """The three years' tables partitioned: each year's rows in its partition, the same frames
    read back, a window read from its partitions; an import of a copy dated in a year with no
    partition lands in the DEFAULT one, and partitioning again gives it its year's partition."""
    from data_access.importing import import_file
    from data_access.partitions import partition_database, partitioned_tables

    engine = three_years_engine
    _postgres_only(engine)
    before = load_frames(engine)
    created = partition_database(engine)
    assert "copy_2023_2024" in created and "absence_default" in created
    with engine.connect() as connection:
        assert partitioned_tables(connection) == {
            "copy",
            "interview",
            "tutoring_request",
            "absence",
            "diagnostic",
        }
    # 2 Maths copies + the Français copy each year
    assert _partitions(engine, "copy") == {
        "copy_2023_2024": 3,
        "copy_2024_2025": 3,
        "copy_2025_2026": 3,
        "copy_default": 0,
    }
    after = load_frames(engine)
    for name in ("copies", "interviews", "tutoring_requests", "absences", "diagnostics"):
        assert getattr(after, name).sort("id").equals(getattr(before, name).sort("id")), name
    with engine.connect() as connection:
        plan = "\n".join(
            connection.execute(
                sa.text(
                    f"EXPLAIN SELECT id FROM interview WHERE {frames._dates_in('held_on', (2025,))}"
                )  # noqa: S608
            ).scalars()
        )
    assert "interview_2025_2026" in plan and "interview_2024_2025" not in plan
    late = "N° apprenant;Matière;Devoir;Déposé le;Note\nA001;Maths;D20;02/03/2021;12\n".encode()
    report = import_file(engine, "copies-2021.csv", late)
    assert report.added == 1, report.problems
    assert _partitions(engine, "copy")["copy_default"] == 1
    assert partition_database(engine) == ["copy_2020_2021"]
    partitions = _partitions(engine, "copy")
    assert partitions["copy_default"] == 0 and partitions["copy_2020_2021"] == 1
    with engine.begin() as connection:  # ids go on from the same sequence
        connection.execute(
            sa.text(
                "INSERT INTO copy (learner_id, discipline, assignment, submitted_on, sequence) "
                "VALUES (1, 'Maths', 'D31', '2025-10-20', 1)"
            )
        )
        newest = connection.execute(sa.text("SELECT max(id) FROM copy")).scalar_one()
    assert newest == before.copies.height + 2


def test_a_failed_partitioning_leaves_every_table_as_it_was(
    three_years_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from data_access import partitions

    engine = three_years_engine
    _postgres_only(engine)
    before = load_frames(engine)
    converted = []
    convert = partitions._convert

    def fail_on_the_third(connection, model, column, years):  # noqa: ANN001, ANN202
        converted.append(model.__tablename__)
        if len(converted) == 3:
            raise RuntimeError("disque plein")
        return convert(connection, model, column, years)

    monkeypatch.setattr(partitions, "_convert", fail_on_the_third)
    with pytest.raises(RuntimeError):
        partitions.partition_database(engine)
    assert converted == ["copy", "interview", "tutoring_request"]
    with engine.connect() as connection:
        assert partitions.partitioned_tables(connection) == set()
    after = load_frames(engine)
    for name in ("copies", "interviews", "tutoring_requests"):
        assert getattr(after, name).equals(getattr(before, name)), name
