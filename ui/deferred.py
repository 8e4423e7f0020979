"""Slow sections drawn after the page: their figures are computed in the background while the
rest of the page is already on screen, then the page draws itself again with them.

A page asks ``ready(key, make)``: True once ``make()`` has run for that key (its results
are then in the memoised caches it fills, ``ui/cached.py``, ``ui/follow_up.py``, and the
section reads them at once); otherwise the work is started (once per key, whoever asks,
every session sharing it) and the section shows ``waiting(...)``, which reruns the page when
the work is done. One worker thread: twenty sessions opening the overview at once start one
risk list, not twenty, and the page reruns that need the processor are not crowded out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor, TimeoutError

import streamlit as st

from data_access.errors import report_unexpected

GRACE_SECONDS = 0.4
"""How long a page waits for a section's work before drawing it later: work already done
elsewhere (figures memoised, or read from disk) is drawn at once, with no waiting line."""
POLL_SECONDS = 1.0
"""How often a waiting section checks whether its figures are ready."""
MAX_KEPT = 256
"""Finished works remembered (a key asked again after that is computed again, from the
memoised caches: at once)."""

_POOL = ThreadPoolExecutor(1, thread_name_prefix="pilotage-sections")
_WORKS: OrderedDict[Hashable, Future[None]] = OrderedDict()
_LOCK = threading.Lock()


def _run(make: Callable[[], object], what: str) -> None:
    try:
        make()
    except Exception as error:  # noqa: BLE001 (the page computes it again and shows the error)
        report_unexpected(error, what)


def start(key: Hashable, make: Callable[[], object], what: str = "un calcul") -> Future[None]:
    """The background work of ``key``, started now unless it already is (or is done)."""
    with _LOCK:
        work = _WORKS.get(key)
        if work is None or work.cancelled():
            work = _POOL.submit(_run, make, what)
            _WORKS[key] = work
        _WORKS.move_to_end(key)
        while len(_WORKS) > MAX_KEPT:
            oldest, first = next(iter(_WORKS.items()))
            if not first.done():
                break
            del _WORKS[oldest]
        return work


def forget_finished() -> None:
    """Forget every finished work, as a new process would: for a start from empty caches
    (tests clear Streamlit's caches between them; a work remembered as done would not fill
    them again, and its page would compute the figures itself)."""
    with _LOCK:
        for key in [key for key, work in _WORKS.items() if work.done()]:
            del _WORKS[key]


def ready(key: Hashable, make: Callable[[], object], what: str = "un calcul") -> bool:
    """Whether the work of ``key`` is done (waiting GRACE_SECONDS for it at most); started in
    the background if it is not."""
    work = start(key, make, what)
    try:
        work.result(timeout=GRACE_SECONDS)
    except TimeoutError:
        return False
    return True


def waiting(key: Hashable, message: str) -> None:
    """A line saying the section is being computed; the page draws itself again once the work
    of ``key`` is done (checked every POLL_SECONDS, only this line rerunning until then)."""
    _poll(key, message)


@st.fragment(run_every=POLL_SECONDS)
def _poll(key: Hashable, message: str) -> None:
    with _LOCK:
        work = _WORKS.get(key)
    if work is None or work.done():
        st.rerun()
    st.caption(f":material/hourglass_top: {message}")
