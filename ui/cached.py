"""Memoised indicator calls: the same function on the same data and scope (period, filters,
settings) is computed once, then handed back from memory (pages rerun on every click).

The key is the selection's data key (database URL + version of every table, or the analysed
file), so a write anywhere invalidates every result. Results are immutable Polars frames,
shared safely. The frames computed from the database are also written to disk, beside the
snapshots of the data: another app process, or this one after a restart, reads them instead
of computing them again (named by the code that computes them, so an upgrade does not reuse
them). After a write, the figures last read are made again on the new data before it is
swapped in (``replay``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl
import streamlit as st

from data_access import snapshots
from data_access.settings import get_settings

if TYPE_CHECKING:
    from indicators.dataset import Dataset
    from ui.sidebar import Selection

T = TypeVar("T")


@st.cache_resource(max_entries=256, show_spinner=False)
def _memoised(
    function_name: str,
    data_key: str,
    on_frames: bool,
    arguments_hash: int,
    _arguments: tuple[tuple[str, Any], ...],
    _function: Callable[..., Any],
    _selection: Selection,
) -> tuple[tuple[tuple[str, Any], ...], Any]:
    del arguments_hash  # part of the cache key only
    path = _figure_path(function_name, data_key, on_frames, _arguments)
    if path is not None and path.exists():
        try:
            return _arguments, pl.read_parquet(path)
        except (OSError, pl.exceptions.PolarsError):
            pass  # damaged: computed again
    data = _selection.dataset.frames if on_frames else _selection.dataset
    result = _function(data, **dict(_arguments))
    if path is not None and isinstance(result, pl.DataFrame):
        _write_figure(path, result)
    return _arguments, result


# --- figures on disk: shared by the app's processes and kept across restarts ------------------

MAX_FIGURE_FILES = 4000
"""Files of figures kept on disk; the oldest half goes when there are more."""

code_version = snapshots.code_version
"""A digest of the code that computes figures (data_access.snapshots: the command line reads
the app's snapshots of prepared frames with it too)."""


_PLAIN = (str, int, float, bool, type(None), date, datetime)


def _plain(value: object) -> bool:
    """A value whose repr names it exactly (and the same in every process)."""
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, tuple):
        return all(_plain(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # the fields that make two values equal must all be written, and exactly (a field
        # left out of equality, such as the settings' French labels, does not matter)
        compared = [field for field in dataclasses.fields(value) if field.compare]
        return all(field.repr and _plain(getattr(value, field.name)) for field in compared)
    return False


def _figure_path(
    function_name: str, data_key: str, on_frames: bool, arguments: tuple
) -> Path | None:
    """Where a figure of the database is kept on disk (beside the snapshots of its data, see
    data_access/snapshots.py): named by the code, the function, the data key (database and
    version of every table, user's perimeter) and the arguments; None for the figures of an
    analysed file, or arguments that have no exact text."""
    settings = get_settings()
    folder = snapshots.folder_of(settings)
    if folder is None or not data_key.startswith(f"{settings.database_url}#"):
        return None
    if not _plain(arguments):
        return None
    text = f"{code_version()}|{function_name}|{data_key}|{on_frames}|{arguments!r}"
    return folder / "figures" / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.parquet"


def _write_figure(path: Path, figure: pl.DataFrame) -> None:
    temporary = path.with_suffix(f".{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.write_parquet(temporary, statistics=False)
        temporary.replace(path)
        files = list(path.parent.glob("*.parquet"))
        if len(files) > MAX_FIGURE_FILES:
            files.sort(key=lambda f: f.stat().st_mtime)
            for old in files[: len(files) // 2]:
                old.unlink(missing_ok=True)
    except OSError:
        temporary.unlink(missing_ok=True)


def kept_on_disk(
    name: str, data_key: str, arguments: tuple[tuple[str, Any], ...], make: Callable[[], Any]
) -> Any:
    """``make()``, read from disk instead when this figure (``name`` of the data ``data_key``
    with ``arguments``) was made before, by this process or another; written there otherwise
    (a frame of the database only, as ``compute``'s). For figures cached elsewhere
    (``ui/follow_up.py``'s risk list) that should survive a restart too."""
    path = _figure_path(name, data_key, False, arguments)
    if path is not None and path.exists():
        try:
            return pl.read_parquet(path)
        except (OSError, pl.exceptions.PolarsError):
            pass  # damaged: made again
    result = make()
    if path is not None and isinstance(result, pl.DataFrame):
        _write_figure(path, result)
    return result


def compute(
    function: Callable[..., Any],
    selection: Selection,
    /,
    *,
    on_frames: bool = False,
    **arguments: Any,
) -> Any:
    """``function(selection.dataset, **arguments)``, memoised; with ``on_frames=True``,
    ``function(selection.dataset.frames, **arguments)`` (functions that take raw frames).

    Arguments must be hashable values (a Scope, dates, strings, tuples): they are the key,
    through their Python hash (Streamlit's own hashing of a Scope took 6 ms per call, 50 ms a
    rerun), the result being handed back only for arguments equal to those it was made from.
    """
    name = f"{function.__module__}.{function.__qualname__}"
    key = tuple(sorted(arguments.items()))
    # keywords: Streamlit reads the names of positional arguments with inspect.signature at
    # every call (1 to 2 ms a call)
    made_from, result = _memoised(
        function_name=name,
        data_key=selection.data_key,
        on_frames=on_frames,
        arguments_hash=hash(key),
        _arguments=key,
        _function=function,
        _selection=selection,
    )
    _remember(selection.data_key, name, on_frames, key, function)
    if made_from != key:  # two keys of the same hash: rare, computed without memo
        data = selection.dataset.frames if on_frames else selection.dataset
        return function(data, **arguments)
    return result


_RECENT: OrderedDict[tuple[str, str, bool, tuple], Callable[..., Any]] = OrderedDict()
_RECENT_LOCK = threading.Lock()
MAX_RECENT = 64
"""Calls remembered to be made again on the data after a write (``replay``)."""
REPLAY_SECONDS = 30.0
"""Time given to ``replay`` at most: what is left is computed when a page asks for it."""


def _remember(data_key: str, name: str, on_frames: bool, key: tuple, function: Callable) -> None:
    with _RECENT_LOCK:
        _RECENT[(data_key, name, on_frames, key)] = function
        _RECENT.move_to_end((data_key, name, on_frames, key))
        while len(_RECENT) > MAX_RECENT:
            _RECENT.popitem(last=False)


def replay(old_key: str, new_key: str, dataset: Dataset) -> int:
    """Make again, on the new data (``dataset``, data key ``new_key``), the memoised calls
    last asked for on the data before (``old_key``), most recent first, for at most
    REPLAY_SECONDS: run while a rebuild after a write is under way, before the swap, so that
    the pages users were reading are ready with the new figures when they get them. The
    number of calls made."""
    with _RECENT_LOCK:
        calls = [(k, f) for k, f in reversed(_RECENT.items()) if k[0] == old_key]
    holder = _Holder(dataset)
    deadline = time.monotonic() + REPLAY_SECONDS
    made = 0
    for (_, name, on_frames, key), function in calls:
        if time.monotonic() > deadline:
            break
        _memoised(
            function_name=name,
            data_key=new_key,
            on_frames=on_frames,
            arguments_hash=hash(key),
            _arguments=key,
            _function=function,
            _selection=holder,
        )
        _remember(new_key, name, on_frames, key, function)
        made += 1
    return made


@dataclass(frozen=True)
class _Holder:
    """What ``_memoised`` reads of a selection: its dataset."""

    dataset: Dataset


_OF_DATASET: dict[tuple[int, str, tuple], tuple[weakref.ref, Any]] = {}
_OF_DATASET_LOCK = threading.Lock()
MAX_PER_DATASET = 64
"""Results kept per dataset by ``of_dataset`` (the sidebar's lists: a few per period)."""


def of_dataset(function: Callable[..., T], dataset: Dataset, *arguments: Hashable) -> T:
    """``function(dataset, *arguments)``, computed once per dataset object and arguments: what
    the sidebar draws at every rerun from the whole data (its school years, its sites,
    groups and disciplines), kept as long as the dataset lives (a cached dataset, shared by
    every session), dropped with it."""
    key = (id(dataset), f"{function.__module__}.{function.__qualname__}", arguments)
    found = _OF_DATASET.get(key)
    if found is not None and found[0]() is dataset:
        return found[1]
    result = function(dataset, *arguments)
    identity = id(dataset)

    def forget(_reference: weakref.ref) -> None:
        with _OF_DATASET_LOCK:
            for stale in [k for k in _OF_DATASET if k[0] == identity]:
                del _OF_DATASET[stale]

    with _OF_DATASET_LOCK:
        mine = [k for k in _OF_DATASET if k[0] == identity]
        if len(mine) >= MAX_PER_DATASET:
            del _OF_DATASET[mine[0]]
        _OF_DATASET[key] = (weakref.ref(dataset, forget), result)
    return result


# --- charts: their Vega-Lite spec made once per figures drawn ---------------------------------


@st.cache_resource(max_entries=256, show_spinner=False)
def _chart_spec(
    site: str,
    data_key: str,
    year_before: bool,
    arguments_hash: int,
    _arguments: tuple[tuple[str, Any], ...],
    _make: Callable[[], Any],
) -> tuple[tuple[tuple[str, Any], ...], dict[str, Any]]:
    del site, data_key, year_before, arguments_hash  # the cache key only
    return _arguments, vega_lite_spec(_make())


def vega_lite_spec(chart: Any) -> dict[str, Any]:
    """The Vega-Lite spec of an Altair chart as Streamlit draws it: its data as Arrow bytes
    (Streamlit's own conversion, what ``st.altair_chart`` does at every call)."""
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    return _convert_altair_to_vega_lite_spec(chart)


def chart_spec(
    selection: Selection, make: Callable[[], Any], /, **arguments: Hashable
) -> dict[str, Any]:
    """The Vega-Lite spec of the Altair chart ``make()`` builds, made once per data (the
    selection's data key: database, version of every table, user's perimeter), comparison
    with the year before, call site (where ``make`` is written) and ``arguments``: everything
    else the chart depends on (the scope, the page's options), as for ``compute``.

    Building an Altair chart and turning it into a spec took about half of a rerun of
    "Délais de correction" (0,1 to 0,2 s for five charts at national scale); a rerun with
    the same figures now reads the spec back."""
    code = make.__code__
    site = f"{code.co_filename}:{code.co_firstlineno}"
    key = tuple(sorted(arguments.items()))
    made_from, spec = _chart_spec(
        site=site,
        data_key=selection.data_key,
        year_before=selection.year_before,
        arguments_hash=hash(key),
        _arguments=key,
        _make=make,
    )
    if made_from != key:  # two keys of the same hash: rare, made without memo
        return vega_lite_spec(make())
    return spec


def chart(selection: Selection, make: Callable[[], Any], /, **arguments: Hashable) -> None:
    """Draw the chart ``make()`` builds, its spec memoised (``chart_spec``), the width of
    the page."""
    spec = chart_spec(selection, make, **arguments)
    # st.vega_lite_chart takes the datasets out of the spec it is given: a copy of both
    st.vega_lite_chart({**spec, "datasets": dict(spec.get("datasets", {}))}, width="stretch")


_DERIVED: dict[tuple, tuple[tuple[weakref.ref, ...], Any]] = {}
_DERIVED_LOCK = threading.Lock()
MAX_DERIVED = 256
"""Results kept by ``derived``."""


def derived(function: Callable[..., T], *frames: pl.DataFrame, **options: Hashable) -> T:
    """``function(*frames, **options)``, made once per frame objects and options: for what a
    page makes of memoised figures (``compute`` hands back the same frame at every rerun
    until the data, the scope or the settings change, then a new one). Kept as long as the
    frames live."""
    key = (
        f"{function.__module__}.{function.__qualname__}",
        tuple(id(frame) for frame in frames),
        tuple(sorted(options.items())),
    )
    found = _DERIVED.get(key)
    if found is not None and all(r() is f for r, f in zip(found[0], frames, strict=True)):
        return found[1]
    result = function(*frames, **options)
    with _DERIVED_LOCK:
        if len(_DERIVED) >= MAX_DERIVED:
            _DERIVED.pop(next(iter(_DERIVED)))
        _DERIVED[key] = (tuple(weakref.ref(frame) for frame in frames), result)
    return result
