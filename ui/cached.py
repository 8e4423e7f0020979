"""Memoised indicator calls: the same function on the same data and scope (period, filters,
settings) is computed once, then handed back from memory (pages rerun on every click).

The key is the selection's data key (database URL + data version, or the analysed file), so a
write anywhere invalidates every result. Results are immutable Polars frames, shared safely.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st

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
    del function_name, data_key, arguments_hash  # part of the cache key only
    data = _selection.dataset.frames if on_frames else _selection.dataset
    return _arguments, _function(data, **dict(_arguments))


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
    made_from, result = _memoised(
        name, selection.data_key, on_frames, hash(key), key, function, selection
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
        _memoised(name, new_key, on_frames, hash(key), key, function, holder)
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
