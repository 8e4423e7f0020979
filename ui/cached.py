"""Memoised indicator calls: the same function on the same data and scope (period, filters,
settings) is computed once, then handed back from memory (pages rerun on every click).

The key is the selection's data key (database URL + data version, or the analysed file), so a
write anywhere invalidates every result. Results are immutable Polars frames, shared safely.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.sidebar import Selection


@st.cache_resource(max_entries=256, show_spinner=False)
def _memoised(
    function_name: str,
    data_key: str,
    on_frames: bool,
    arguments: tuple[tuple[str, Any], ...],
    _function: Callable[..., Any],
    _selection: Selection,
) -> Any:
    del function_name, data_key  # part of the cache key only
    data = _selection.dataset.frames if on_frames else _selection.dataset
    return _function(data, **dict(arguments))


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

    Arguments must be hashable values (a Scope, dates, strings, tuples): they are the key.
    """
    name = f"{function.__module__}.{function.__qualname__}"
    key = tuple(sorted(arguments.items()))
    return _memoised(name, selection.data_key, on_frames, key, function, selection)
