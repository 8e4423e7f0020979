"""Caching at the I/O boundary: the prepared dataset of the database, kept per table version,
and each user's part of it (keyed by the same and the user's perimeter and whether they see
names): what every page of that user reads.

One ``DataStore`` per database and process holds the dataset and the version of each of its
tables (``data_access.frames.frame_versions``, one query per rerun). When a write changes some
tables (from this app, another app process or the command line):

- only those tables are loaded again (from their snapshot on disk when another process already
  wrote one, see ``data_access.snapshots``), and only the prepared frames made from them are
  joined again (``indicators.dataset.prepare``, ``DERIVED_FROM``: an import of copies reloads
  the copies, not the learners, and joins the copies again, not the interviews); the prepared
  frames are written to disk as well, keyed by the versions of the tables they are made from;
- the new dataset is built in the background while every session keeps the previous one; when
  it is ready it is swapped in, each session's next rerun draws the new figures and says so
  (``data_notice``). The session that wrote waits for it instead (``clear_after_write``): its
  user expects to see what they just imported.

A start with no dataset in memory builds it before answering, from the snapshots (tables and
prepared frames) when they are there: no database read, no join. Big frames live in st.cache_resource: Polars frames are immutable, so sharing them across
sessions is safe, and st.cache_data would copy them at every rerun.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import polars as pl
import streamlit as st

from data_access import db, snapshots
from data_access.errors import PilotageError, report_unexpected
from data_access.frames import (
    FRAME_TABLES,
    Years,
    frame_versions,
    frames_of,
    load_versioned,
    school_years_of,
    window,
    window_tag,
)
from data_access.importing.pipeline import last_imports
from data_access.pseudonyms import pseudonym_key, pseudonyms
from data_access.settings import Settings, get_settings
from domain import school_year_of
from indicators.common import Perimeter
from indicators.dataset import DERIVED_FROM, Dataset, prepare, within, without_names
from ui import cached

if TYPE_CHECKING:
    from ui.auth import User

_SHOWN_KEY = "_pilotage_data_shown"
"""session_state key: the data key of the dataset this session last drew, and whether it was
told that newer figures were being prepared."""
_PREPARED = snapshots.PREPARED
POLL_SECONDS = 1.0
"""How often a session waiting for newer figures checks whether they are ready."""


@dataclass(frozen=True)
class Built:
    """A prepared dataset and the version of each of its tables."""

    dataset: Dataset
    versions: dict[str, int]
    tables: dict[str, pl.DataFrame]
    built_at: datetime
    prepared_versions: dict[str, int]
    """The version of each prepared frame of the dataset: made from its frames' versions."""
    years: Years | None = None
    """The school years loaded (None: all)."""

    @property
    def key(self) -> str:
        """Changes with any table's version; the same in every process for the same data."""
        text = ",".join(f"{name}={self.versions[name]}" for name in sorted(self.versions))
        if self.years is not None:
            text += f",years={window_tag(self.years)}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Current:
    """What a rerun gets: the dataset to draw and whether newer figures are being prepared."""

    built: Built
    updating: bool


def _prepared_version(name: str, versions: dict[str, int]) -> int:
    """The version of a prepared frame: one number made from the versions of its frames and
    the code that prepares them (an upgrade prepares them again)."""
    return snapshots.derived_version(name, DERIVED_FROM[name], versions)


class DataStore:
    """The dataset of one database in this process, rebuilt table by table after writes, in
    the background (see the module's doc). Thread-safe: every session's rerun calls it."""

    def __init__(self, settings: Settings, years: Years | None = None) -> None:
        self.settings = settings
        self.years = years
        """The school years this store loads (``data_access.frames.window``); None: all."""
        self.folder = snapshots.folder_of(settings)
        self._lock = threading.RLock()
        self._ready: Built | None = None
        self._building: Future[Built] | None = None
        self._target: dict[str, int] | None = None
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="pilotage-donnees")
        self.loads: deque[tuple[str, ...]] = deque(maxlen=16)
        """The tables each recent build read (from disk or database): what a rebuild cost."""
        self.warm: Callable[[Built, Built], object] | None = None
        """Run on each rebuilt dataset before it is swapped in: (previous, new)."""

    @property
    def engine(self):  # noqa: ANN201
        return db.get_engine(self.settings)

    def current(self, *, wait: bool = False) -> Current:
        """The newest dataset ready, and whether a newer one is being built because the
        database changed since (started here if need be). With nothing ready yet, or with
        ``wait``, the newest dataset is built (or its build waited for) before returning."""
        versions = frame_versions(self.engine)
        with self._lock:
            ready = self._ready
            if ready is not None and ready.versions == versions:
                return Current(ready, updating=False)
            building = self._build_for(versions)
        if ready is None or wait:
            self._swap(building)  # raises the build's error, if any
            return Current(building.result(), updating=False)
        return Current(ready, updating=True)

    def start(self) -> None:
        """Start building the dataset when none is ready nor being built, and return at once:
        a start reads its snapshots while the app imports its modules, instead of after."""
        with self._lock:
            if self._ready is not None or self._building is not None:
                return
        versions = frame_versions(self.engine)
        with self._lock:
            if self._ready is None:
                self._build_for(versions)

    def _build_for(self, versions: dict[str, int]) -> Future[Built]:
        """The build of the dataset at ``versions``, started unless it already is (under the
        lock)."""
        if self._building is None or self._target != versions:
            self._target = versions
            self._building = self._pool.submit(self._build, self._ready)
            self._building.add_done_callback(self._swap)
        return self._building

    def _build(self, previous: Built | None) -> Built:
        versions = frame_versions(self.engine)
        changed = [
            name
            for name in FRAME_TABLES
            if previous is None or previous.versions.get(name) != versions[name]
        ]
        to_write: list[tuple[str, int, pl.DataFrame]] = []
        loaded, loaded_versions = load_versioned(
            self.engine, changed, folder=self.folder, to_write=to_write, years=self.years
        )
        self.loads.append(tuple(changed))
        tables = {
            name: loaded[name] if name in loaded else previous.tables[name] for name in FRAME_TABLES
        }
        versions = {**versions, **loaded_versions}
        prepared_versions = {name: _prepared_version(name, versions) for name in DERIVED_FROM}
        known = {}
        for name, version in prepared_versions.items():
            if previous is not None and previous.prepared_versions[name] == version:
                known[name] = getattr(previous.dataset, name)
            elif self.folder is not None:
                frame = snapshots.read(self.folder, self._prepared_name(name), version)
                if frame is not None:
                    known[name] = frame
        dataset = prepare(frames_of(tables), known=known)
        built = Built(dataset, versions, tables, datetime.now(), prepared_versions, self.years)
        if self.warm is not None and previous is not None:
            try:
                self.warm(previous, built)
            except Exception as error:  # noqa: BLE001 (the figures are computed when asked)
                report_unexpected(error, "le préchargement des chiffres")
        if self.folder is not None:  # after the swap: nobody waits for it
            to_write += [
                (self._prepared_name(name), prepared_versions[name], getattr(dataset, name))
                for name in DERIVED_FROM
                if name not in known
            ]
            self._pool.submit(self._write, to_write)
        return built

    def _prepared_name(self, name: str) -> str:
        """The snapshot name of a prepared frame (of this store's school years)."""
        if self.years is None:
            return _PREPARED + name
        return f"{_PREPARED}{name}.{window_tag(self.years)}"

    def _write(self, frames: list[tuple[str, int, pl.DataFrame]]) -> None:
        for name, version, frame in frames:
            snapshots.write(self.folder, name, version, frame)

    def _swap(self, building: Future[Built]) -> None:
        """Put a finished build in place (called when it is done, from its thread). A build that
        failed is forgotten, so that the next rerun tries again (and a waiting caller gets its
        error)."""
        if building.exception() is not None:
            with self._lock:
                if self._building is building:
                    self._building = None
                    self._target = None
            building.result()
        built = building.result()
        with self._lock:
            if self._building is building:
                self._building = None
                self._target = None
            if self._ready is None or self._ready.built_at < built.built_at:
                self._ready = built

    @property
    def has_data(self) -> bool:
        """Whether a dataset is ready (then no rerun waits for a load)."""
        return self._ready is not None

    def idle(self) -> None:
        """Wait until the work started so far (a build, the snapshots it writes) is done."""
        self._pool.submit(lambda: None).result()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


STORES_KEPT = 3
"""Datasets of different school years kept in a process (the default window and two older
ones picked by users); the least recently used beyond that is dropped."""


@st.cache_resource(max_entries=STORES_KEPT, show_spinner=False)
def _store(database_url: str, years: Years | None = None) -> DataStore:
    settings = Settings(database_url=database_url, snapshot_dir=get_settings().snapshot_dir)
    store = DataStore(settings, years)

    def warm(previous: Built, new: Built) -> int:
        """The figures the sessions were reading, made again on the new data (ui/cached.py)."""
        return cached.replay(
            f"{database_url}#{previous.key}", f"{database_url}#{new.key}", new.dataset
        )

    store.warm = warm
    return store


def store(year: int | None = None) -> DataStore:
    """The data store of the configured database in this process: of the school year ``year``
    and the one before (``data_access.frames.window``), by default the latest school year."""
    return _store(get_settings().database_url, window(year or latest_school_year()))


YEAR_KEY = "school_year"
"""session_state key of the school year chosen in the sidebar (ui/sidebar.py)."""


def session_year() -> int | None:
    """The school year this session shows (None: not chosen yet, the latest)."""
    year = st.session_state.get(YEAR_KEY)
    return year if isinstance(year, int) and year in school_years() else None


def school_years() -> list[int]:
    """First years of the school years of the configured database, most recent first (one
    query on the group table, memoised per version of it); the current year when none."""
    settings = get_settings()
    engine = db.get_engine(settings)
    return _school_years(settings.database_url, db.table_versions(engine)["study_group"])


@st.cache_data(max_entries=8, show_spinner=False)
def _school_years(database_url: str, version: int) -> list[int]:
    del version  # part of the cache key only
    years = school_years_of(db.get_engine(Settings(database_url=database_url)))
    return years or [school_year_of(date.today())]


def latest_school_year() -> int:
    """The most recent school year of the configured database (the one shown by default)."""
    return school_years()[0]


def _part_of(built: Built, user: User) -> Dataset:
    perimeter = user.perimeter
    if perimeter.is_everything and user.sees_names:
        return built.dataset
    return _scoped(built, perimeter, user.sees_names)


def _scoped(built: Built, perimeter: Perimeter, names: bool) -> Dataset:
    return _dataset_within_built(
        get_settings().database_url, built.key, perimeter.sites, perimeter.groups, names, built
    )


@st.cache_resource(max_entries=16, show_spinner="Préparation des données de votre périmètre…")
def _dataset_within_built(
    database_url: str,
    key: str,
    sites: tuple[str, ...],
    groups: tuple[str, ...],
    names: bool,
    _built: Built,
) -> Dataset:
    del database_url, key  # part of the cache key only
    dataset = within(_built.dataset, Perimeter(sites, groups))
    if names:
        return dataset
    secret = pseudonym_key()
    return without_names(dataset, lambda identifiers: pseudonyms(identifiers, secret))


def start_loading() -> None:
    """Start loading the latest school year's data in the background, if this process has
    not yet (app.py, as soon as the user is signed in: cheap once loaded). A database that
    cannot be read is no error here: the page that needs the data says so."""
    try:
        store().start()
    except PilotageError:  # the database cannot be reached: the page says so
        return
    except Exception as error:  # noqa: BLE001 (reported; the data are loaded when asked)
        report_unexpected(error, "le chargement des données au démarrage")


def _loading(year: int | None) -> Current:
    """The store's current dataset; a spinner only when there is none yet (a start, or a
    school year not loaded yet)."""
    data = store(year)
    if data.has_data:
        return data.current()
    with st.spinner("Chargement des données…"):
        return data.current()


def current_dataset(user: User, year: int | None = None) -> tuple[Dataset, str]:
    """The part of the configured database the user may see, of the school year ``year`` and
    the one before (default: the latest school year), in its newest prepared version, and its
    cache key (URL, data key, perimeter: it changes after every write that touches the analysed
    tables)."""
    if year is not None and year not in school_years():
        year = None  # a year the database does not hold: the latest shown
    current = _loading(year)
    built = current.built
    st.session_state[_SHOWN_KEY] = _shown(built.key, current.updating)
    key = data_key_of(built)
    perimeter = user.perimeter
    dataset = _part_of(built, user)
    if perimeter.is_everything and user.sees_names:
        return dataset, key
    return dataset, f"{key}#{perimeter.sites}#{perimeter.groups}#{user.sees_names}"


def data_key_of(built: Built) -> str:
    """The cache key of the whole of a dataset of the configured database (that of a user who
    sees everything, by name): what the memoised figures of those users are keyed by."""
    return f"{get_settings().database_url}#{built.key}"


@dataclass(frozen=True)
class _Shown:
    key: str
    updating: bool
    previous: _Shown | None = None


def _shown(key: str, updating: bool) -> _Shown:
    before = st.session_state.get(_SHOWN_KEY)
    if isinstance(before, _Shown) and before.key == key:
        return _Shown(key, updating, before.previous)
    return _Shown(key, updating, before if isinstance(before, _Shown) else None)


def data_notice() -> None:
    """Tell the session about its figures: newer ones being prepared (and check every second
    whether they are ready, to draw them), or, once, that they have just been updated."""
    shown = st.session_state.get(_SHOWN_KEY)
    if not isinstance(shown, _Shown):
        return
    if shown.updating:
        with st.sidebar:
            _wait_for_newer(shown.key)
    elif shown.previous is not None:
        st.success(
            "Les chiffres ont été mis à jour avec les dernières données enregistrées.",
            icon=":material/sync:",
        )
        st.session_state[_SHOWN_KEY] = _Shown(shown.key, False)


@st.fragment(run_every=POLL_SECONDS)
def _wait_for_newer(key: str) -> None:
    if not store(session_year()).current().updating:
        st.rerun()
    st.caption(
        ":material/hourglass_top: De nouvelles données ont été enregistrées : les chiffres "
        "sont en cours de mise à jour. Ceux affichés restent ceux d'avant ; la page se mettra "
        "à jour d'elle-même."
    )


def database_key() -> str:
    """The configured database and its data version ("URL#version"): changes after any write,
    from this app or another process; the key of what is memoised from the database."""
    settings = get_settings()
    return f"{settings.database_url}#{db.data_version(db.get_engine(settings))}"


@st.cache_data(max_entries=4, show_spinner=False)
def _last_imports(database_url: str, version: int) -> pl.DataFrame:
    del version  # part of the cache key only
    from data_access.settings import Settings

    return last_imports(db.get_engine(Settings(database_url=database_url)))


def imports_by_kind() -> pl.DataFrame:
    """The last successful import of each kind of file (kind, imported_at), at the current
    data version (an import bumps it)."""
    settings = get_settings()
    return _last_imports(settings.database_url, db.data_version(db.get_engine(settings)))


def clear_after_write() -> None:
    """After a write made by this app: build the new dataset now and wait for it (the writing
    session sees its write at once; the others keep the previous figures until it is ready),
    and drop the small memoised checks."""
    st.cache_data.clear()
    with st.spinner("Mise à jour des chiffres…"):
        store(session_year()).current(wait=True)
