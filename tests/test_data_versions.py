"""Per-table data versions, the snapshots on disk and the background rebuild of the dataset.

The world is tests/two_sites.py (Lyon: 3 learners, 3 copies; Marseille: 5 learners, 7 copies).
An import of one copy for LY-001 touches the copies, their assignments and the import history,
nothing else: the learners are neither read again nor joined again, and the new copy is in the
next dataset.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal
from two_sites import two_sites

from data_access import db, frames, models, snapshots
from data_access.frames import FRAME_TABLES, frame_versions, load_frames, load_versioned
from data_access.importing import import_file
from data_access.settings import Settings
from ui.cache import DataStore

ONE_COPY = (
    "N° apprenant;Matière;Devoir;Déposé le;Correcteur;Note\n"
    "LY-001;Maths;D9;02/03/2026;Mme Fourvière;12\n"
).encode()


@pytest.fixture
def world_engine(engine: sa.Engine) -> sa.Engine:
    two_sites().write(engine)
    return engine


def changed_tables(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return sorted(name for name in before if before[name] != after[name])


def test_an_import_of_copies_changes_the_versions_of_the_copies_only(
    world_engine: sa.Engine,
) -> None:
    before = db.table_versions(world_engine)
    data_before = db.data_version(world_engine)
    report = import_file(world_engine, "copies.csv", ONE_COPY)
    assert (report.status, report.added) == ("importé", 1)
    # the import also records the assignment D9 of the copy (table assignment)
    written = ["assignment", "copy", "import_record"]
    assert changed_tables(before, db.table_versions(world_engine)) == written
    assert db.data_version(world_engine) > data_before  # the one number still moves on


NUMBERED_COPY = (
    "N° copie;N° apprenant;Matière;Devoir;Déposé le;Correcteur;Note\n"
    "C-1;LY-001;Maths;D9;02/03/2026;Mme Fourvière;{grade}\n"
)


def test_an_import_of_numbered_copies_changes_the_copies_only_when_some_are_numbered(
    world_engine: sa.Engine,
) -> None:
    """The second import finds numbered copies in the database and looks them up through a
    temporary table of the file's numbers: a scratch table of this connection, which changes
    no table the app reads."""
    assert import_file(world_engine, "c.csv", NUMBERED_COPY.format(grade=12).encode()).added == 1
    before = db.table_versions(world_engine)
    report = import_file(world_engine, "c.csv", NUMBERED_COPY.format(grade=14).encode())
    assert (report.status, report.updated) == ("importé", 1)
    assert changed_tables(before, db.table_versions(world_engine)) == ["copy", "import_record"]


def test_a_refused_import_changes_only_the_history(world_engine: sa.Engine) -> None:
    before = db.table_versions(world_engine)
    unknown = "N° apprenant;Matière;Déposé le\nZZ-999;Maths;02/03/2026\n".encode()
    assert import_file(world_engine, "copies.csv", unknown).status == "refusé"
    analysed = {frames.table_name(name) for name in FRAME_TABLES}
    assert set(changed_tables(before, db.table_versions(world_engine))) <= {"import_record"}
    assert not set(changed_tables(before, db.table_versions(world_engine))) & analysed


def test_a_write_the_versions_cannot_read_changes_every_table(world_engine: sa.Engine) -> None:
    """DDL, or a version bumped outside a tracked transaction (the seed's reset), could have
    changed anything: every table gets a new version."""
    before = db.table_versions(world_engine)
    with db.write_transaction(world_engine) as connection:
        connection.execute(sa.text("CREATE TABLE scratch (x INTEGER)"))
    after = db.table_versions(world_engine)
    assert changed_tables(before, after) == sorted(db.VERSIONED_TABLES)
    with world_engine.begin() as connection:
        db.bump_data_version(connection)
    assert changed_tables(after, db.table_versions(world_engine)) == sorted(db.VERSIONED_TABLES)


def test_a_rolled_back_write_changes_no_version(world_engine: sa.Engine) -> None:
    before = db.table_versions(world_engine)
    with pytest.raises(RuntimeError), db.write_transaction(world_engine) as connection:
        connection.execute(sa.delete(models.Copy.__table__))
        raise RuntimeError("abandon")
    assert db.table_versions(world_engine) == before


def test_a_database_without_versions_gets_them(world_engine: sa.Engine) -> None:
    """A database reset by the seed recreates the version table empty: reading gives every
    table a version, new ones (a version is never reused, even by a database made again)."""
    before = db.table_versions(world_engine)
    with world_engine.begin() as connection:
        connection.execute(sa.delete(db.TABLE_VERSIONS))
    after = db.table_versions(world_engine)
    assert set(after) == set(before) and changed_tables(before, after) == sorted(before)


# --- snapshots ---------------------------------------------------------------------------------


def test_the_snapshot_read_back_equals_the_database(
    world_engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every frame, written to disk on the first load, comes back from the disk equal to the
    table in the database (types, dates, times, nulls, booleans), without reading it."""
    folder = tmp_path / "snapshots"
    names = list(FRAME_TABLES)
    from_database, versions = load_versioned(world_engine, names, folder=folder)
    assert len(list(folder.glob("*.parquet"))) == len(names)

    def no_database(*_args: object) -> pl.DataFrame:
        raise AssertionError("la base a été lue")

    monkeypatch.setattr(frames, "read_table", no_database)
    from_disk, same_versions = load_versioned(world_engine, names, folder=folder)
    assert same_versions == versions
    monkeypatch.undo()
    database = load_frames(world_engine)
    for name in names:
        assert_frame_equal(from_disk[name], getattr(database, name))
        assert_frame_equal(from_database[name], getattr(database, name))
    assert from_disk["copies"].height == 10
    assert from_disk["tutoring_requests"].schema["received_at"] == pl.Datetime("us")


def test_a_write_makes_a_new_snapshot_and_older_ones_go(
    world_engine: sa.Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "snapshots"
    for _ in range(3):  # three versions of the copies, one file each, the last two kept
        load_versioned(world_engine, ["copies"], folder=folder)
        import_file(world_engine, f"copies-{_}.csv", ONE_COPY.replace(b"D9", f"E{_}".encode()))
    loaded, versions = load_versioned(world_engine, ["copies"], folder=folder)
    assert loaded["copies"].height == 13
    name = frames.snapshot_name("copies")
    kept = sorted(p.name for p in folder.glob(f"{name}-*.parquet"))
    assert len(kept) == snapshots.KEPT_PER_TABLE
    assert f"{name}-{versions['copies']}.parquet" in kept


def test_a_table_written_while_it_is_read_is_read_again(
    world_engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write committed between the version and the table being read: the frame would not be
    the table at that version; it is read again, and only then written to disk."""
    folder = tmp_path / "snapshots"
    read = frames.read_table
    calls = []

    def read_during_a_write(engine: sa.Engine, table: type) -> pl.DataFrame:
        calls.append(table.__tablename__)
        if len(calls) == 1:
            import_file(world_engine, "copies.csv", ONE_COPY)
        return read(engine, table)

    monkeypatch.setattr(frames, "read_table", read_during_a_write)
    loaded, versions = load_versioned(world_engine, ["copies"], folder=folder)
    assert calls == ["copy", "copy"]
    assert versions["copies"] == frame_versions(world_engine)["copies"]
    assert loaded["copies"].height == 11
    name = frames.snapshot_name("copies")
    assert [p.name for p in folder.glob("copy*.parquet")] == [
        f"{name}-{versions['copies']}.parquet"
    ]


# --- the store: rebuild after a write, in the background ------------------------------------


def store_of(engine: sa.Engine, tmp_path: Path) -> DataStore:
    url = engine.url.render_as_string(hide_password=False)
    return DataStore(Settings(database_url=url, snapshot_dir=str(tmp_path / "snapshots")))


def test_an_import_of_copies_reloads_the_copies_not_the_learners(
    world_engine: sa.Engine, tmp_path: Path
) -> None:
    store = store_of(world_engine, tmp_path)
    first = store.current().built
    assert list(store.loads) == [tuple(FRAME_TABLES)]
    import_file(world_engine, "copies.csv", ONE_COPY)
    second = store.current(wait=True).built
    assert list(store.loads)[-1] == ("assignments", "copies")  # the copy and its assignment
    assert second.key != first.key
    assert second.dataset.copies.height == first.dataset.copies.height + 1
    added = second.dataset.copies.filter(pl.col("assignment") == "D9")
    assert added.select("site", "group", "corrector").row(0) == (
        "Lyon",
        "CAP Rhône",
        "Mme Fourvière",
    )
    # what the copies do not feed is the very same frame, neither read nor joined again
    assert second.tables["learners"] is first.tables["learners"]
    assert second.dataset.enrolments is first.dataset.enrolments
    assert second.dataset.interviews is first.dataset.interviews
    assert second.dataset.attendance is first.dataset.attendance
    assert store.current().built is second  # nothing changed since: nothing rebuilt
    assert len(store.loads) == 2


def test_a_restart_reads_the_snapshots_and_not_the_database(
    world_engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = store_of(world_engine, tmp_path)
    before = first.current().built
    first.idle()  # the prepared frames are written once the dataset is served
    monkeypatch.setattr(frames, "read_table", lambda *_: pytest.fail("la base a été lue"))
    monkeypatch.setattr(
        "indicators.dataset.attribute_to_enrolment", lambda *_: pytest.fail("jointure refaite")
    )
    after = store_of(world_engine, tmp_path).current().built  # a new process, same folder
    assert after.key == before.key
    assert_frame_equal(after.dataset.copies, before.dataset.copies)
    assert_frame_equal(after.dataset.enrolments, before.dataset.enrolments)
    assert_frame_equal(after.dataset.attendance, before.dataset.attendance)
    assert_frame_equal(after.dataset.tutoring_requests, before.dataset.tutoring_requests)


def test_users_keep_the_previous_dataset_until_the_new_one_is_swapped_in(
    world_engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_of(world_engine, tmp_path)
    old = store.current().built
    release = threading.Event()
    started = threading.Event()
    real_load = frames.load_versioned

    def slow_load(*args: object, **kwargs: object) -> object:
        started.set()
        assert release.wait(30)
        return real_load(*args, **kwargs)

    monkeypatch.setattr("ui.cache.load_versioned", slow_load)
    import_file(world_engine, "copies.csv", ONE_COPY)

    during = store.current()  # the write is seen: a rebuild starts, the old figures are served
    assert during.updating and during.built is old
    assert started.wait(30)
    again = store.current()  # a second session meanwhile: the same build, not another one
    assert again.updating and again.built is old

    release.set()
    after = store.current(wait=True)
    assert not after.updating and after.built is not old
    assert after.built.dataset.copies.height == old.dataset.copies.height + 1
    assert store.current().built is after.built and len(store.loads) == 2


def test_a_load_started_before_it_is_needed_is_the_one_the_page_waits_for(
    world_engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_of(world_engine, tmp_path)
    release = threading.Event()
    real_load = frames.load_versioned

    def slow_load(*args: object, **kwargs: object) -> object:
        assert release.wait(30)
        return real_load(*args, **kwargs)

    monkeypatch.setattr("ui.cache.load_versioned", slow_load)
    store.start()  # returns at once, the load under way
    assert not store.has_data
    store.start()  # started already: not a second load
    release.set()
    built = store.current().built  # waits for that load
    assert list(store.loads) == [tuple(FRAME_TABLES)]
    assert built.dataset.copies.height == 10
    store.start()  # loaded: nothing to do
    assert store.current().built is built and len(store.loads) == 1


def test_a_failed_rebuild_keeps_the_previous_dataset_and_is_tried_again(
    world_engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_of(world_engine, tmp_path)
    old = store.current().built
    import_file(world_engine, "copies.csv", ONE_COPY)
    monkeypatch.setattr("ui.cache.load_versioned", lambda *_a, **_k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        store.current(wait=True)
    monkeypatch.undo()
    during = store.current()  # the failed build forgotten: a new one starts, old figures served
    assert during.updating and during.built is old
    assert store.current(wait=True).built.dataset.copies.height == 11


def test_the_first_dataset_of_an_empty_database(engine: sa.Engine, tmp_path: Path) -> None:
    built = store_of(engine, tmp_path).current().built
    assert built.dataset.copies.is_empty() and built.dataset.enrolments.is_empty()


# --- the app: reruns never read the data again -------------------------------------------------


def test_filters_pages_and_address_parameters_never_reload_the_data(
    app_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once loaded, the data are read again only after a write: a filter, a page, an address
    parameter (?site=...), a threshold are Polars work on the data in memory."""
    from apptest import open_page, page_problems

    app_database(two_sites())
    reads: list[str] = []
    read = frames.read_table

    def counted(engine: sa.Engine, table: type, where: str | None = None) -> pl.DataFrame:
        reads.append(table.__tablename__)
        return read(engine, table, where)

    monkeypatch.setattr(frames, "read_table", counted)
    app = open_page()
    assert sorted(reads) == sorted(t.__tablename__ for t in FRAME_TABLES.values())
    reads.clear()
    app.sidebar.multiselect(key="filter_sites").set_value(["Lyon"]).run()
    app.switch_page("pages/delays.py").run()
    app.sidebar.multiselect(key="filter_publics").set_value(["jeunes"]).run()
    app.query_params["site"] = "Marseille"
    app.switch_page("pages/overview.py").run()
    app.sidebar.number_input(key="set_correction_target_days").set_value(5).run()
    assert app.sidebar.multiselect(key="filter_sites").value == ["Marseille"]
    assert page_problems(app) == []
    assert reads == []


# --- charts: checked against the schema here, drawn unchecked in the app ----------------------


def _forecast_charts() -> dict[str, object]:
    from ui import charts_forecast

    weeks = [date(2026, 4, 6), date(2026, 4, 13)]
    curves = pl.DataFrame(
        {
            "week_start": weeks * 3,
            "curve": ["actual", "actual", "forecast", "forecast", "last_year", "last_year"],
            "value": [120.0, 130.0, 140.0, 150.0, 110.0, 115.0],
            "low": [None, None, 120.0, 125.0, None, None],
            "high": [None, None, 160.0, 175.0, None, None],
        }
    )
    waits = pl.DataFrame(
        {"week_start": weeks, "discipline": ["Maths", "Maths"], "wait_days": [2.5, 3.5]}
    )
    return {
        "forecast_against_last_year": lambda: charts_forecast.forecast_against_last_year(
            curves, y_title="Copies"
        ),
        "projected_waits": lambda: charts_forecast.projected_waits(
            waits,
            value="wait_days",
            y_title="Attente (jours)",
            target=3,
            target_title="Objectif (jours)",
        ),  # fmt: skip
    }


CHARTS = {**__import__("test_charts").BUILDERS, **_forecast_charts()}


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_chart_is_valid_vega_lite(name: str) -> None:
    """The app draws charts without checking them against the Vega-Lite schema at each rerun
    (ui/charts.py, ``unchecked``): every builder is checked here instead."""
    chart = CHARTS[name]()
    spec = type(chart).to_dict(chart, validate=True)  # raises SchemaValidationError if not
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert chart.to_dict() == spec  # what the app draws is the same spec


def test_the_figures_being_read_are_made_again_before_the_swap(
    world_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the sessions read on the data before a write is computed again on the new data
    while it is built: the first page after the swap finds its figures ready."""
    import streamlit as st

    from indicators.common import Scope
    from ui import cache, cached
    from ui.sidebar import Selection

    url = world_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", url)
    st.cache_resource.clear()
    made: list[int] = []

    def copies_of(dataset: object, *, discipline: str) -> int:
        made.append(dataset.copies.filter(pl.col("discipline") == discipline).height)
        return made[-1]

    def selection(built: object) -> Selection:
        scope = Scope.__new__(Scope)  # not read by copies_of
        return Selection(built.dataset, scope, "Base de données", f"{url}#{built.key}")

    store = cache.store()
    before = selection(store.current().built)
    assert cached.compute(copies_of, before, discipline="Maths") == 3
    import_file(world_engine, "copies.csv", ONE_COPY)
    after = selection(store.current(wait=True).built)
    assert made == [3, 4]  # made again during the rebuild...
    assert cached.compute(copies_of, after, discipline="Maths") == 4
    assert made == [3, 4]  # ...so the page does not wait for it
    st.cache_resource.clear()


def test_figures_are_shared_through_the_disk(
    world_engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A figure computed by one process is read by another (or after a restart) for the same
    data, and computed again for new data; an analysed file's figures never go to disk."""
    import streamlit as st

    from indicators.common import Scope
    from ui import cache, cached
    from ui.sidebar import Selection

    url = world_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", url)
    monkeypatch.setenv("PILOTAGE_SNAPSHOT_DIR", str(tmp_path / "snapshots"))
    made: list[int] = []

    def copies_of(dataset: object, *, discipline: str) -> pl.DataFrame:
        made.append(dataset.copies.filter(pl.col("discipline") == discipline).height)
        return pl.DataFrame({"copies": [made[-1]]})

    def figure(source: str = "Base de données") -> int:
        built = cache.store().current().built
        key = f"{url}#{built.key}" if source == "Base de données" else "file:x.csv:1"
        chosen = Selection(built.dataset, Scope.__new__(Scope), source, key)
        return cached.compute(copies_of, chosen, discipline="Maths").item()

    st.cache_resource.clear()
    assert figure() == 3 and made == [3]
    st.cache_resource.clear()  # another process, or a restart
    assert figure() == 3 and made == [3]
    assert len(list((tmp_path / "snapshots").rglob("figures/*.parquet"))) == 1
    import_file(world_engine, "copies.csv", ONE_COPY)
    st.cache_resource.clear()
    assert figure() == 4 and made == [3, 4]
    st.cache_resource.clear()
    assert figure("Fichier") == 4 and figure("Fichier") == 4 and made == [3, 4, 4]
    assert len(list((tmp_path / "snapshots").rglob("figures/*.parquet"))) == 2
    st.cache_resource.clear()


def test_the_sidebar_scope_is_a_key_that_can_go_to_disk() -> None:
    """A figure is written to disk only for arguments written exactly by their text: the
    sidebar's scope is (its settings' French labels, outside equality, do not count)."""
    from datetime import date as day

    from indicators.common import DEFAULT_SETTINGS, Filters, Perimeter, Period, Scope
    from ui import cached

    scope = Scope(
        Period(day(2025, 9, 1), day(2026, 8, 31)),
        Filters(sites=("Lyon",)),
        DEFAULT_SETTINGS,
        Perimeter((), ()),
    )
    assert cached._plain((("scope", scope), ("by", "site"), ("limit", None)))
    assert not cached._plain((("frame", pl.DataFrame({"a": [1]})),))
    assert not cached._plain((("sites", {"Lyon"}),))  # a set's text has no fixed order
