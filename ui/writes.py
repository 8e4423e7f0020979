"""Every write of the app, one function each, all through ``_write``: it performs the write on
the app's database, then clears what the write made stale (the loaded data, the memoised
figures and checks), so that no page can forget. Pages call these, never data_access.

A write from another process (the command line, a nightly job) bumps the data version, which
keys every cache: the app reloads then too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine

from data_access import db, plans
from data_access.constraints import INTEGRITY_ERRORS, explain
from data_access.errors import PilotageError
from data_access.importing import ImportReport
from data_access.importing import write as write_rows
from data_access.importing.pipeline import STATUS_UNREADABLE, record_failure
from data_access.importing.reading import RawSheet
from data_access.plans import SavedPlan
from planning.plan import Plan
from ui import cache

T = TypeVar("T")


def _write(action: Callable[[Engine], T]) -> T:
    """Perform the write, then clear the caches. A write that raises wrote nothing (every write
    is one transaction), so nothing is cleared; a row the database refuses raises RowRefused,
    its French reason."""
    try:
        result = action(db.get_engine())
    except INTEGRITY_ERRORS as refused:
        raise explain(refused) from None
    cache.clear_after_write()
    return result


def import_sheet(
    raw: RawSheet,
    kind: str,
    mapping: dict[str, str],
    *,
    sha: str,
    skip_invalid: bool,
    progress: Callable[[float, str], None],
    update_names: bool = False,
    remember: bool = False,
) -> ImportReport:
    """Import the rows of the sheet (all or nothing, or the valid ones with skip_invalid); a
    refused file is reported, and recorded in the history. The names of learners already in
    the database are replaced only with ``update_names``; the mapping is remembered for the
    next files of the same layout only with ``remember`` (the user confirmed it)."""
    return _write(
        lambda engine: write_rows(
            engine,
            raw,
            kind,
            mapping,
            sha=sha,
            skip_invalid=skip_invalid,
            update_names=update_names,
            remember=remember,
            progress=progress,
        )
    )


def record_unreadable(file_name: str, sha: str) -> None:
    """A line "illisible" in the import history for a file that could not be read."""
    _write(lambda engine: record_failure(engine, file_name, sha, None, STATUS_UNREADABLE))


def save_plan(plan: Plan) -> tuple[SavedPlan | None, str | None]:
    """Save the plan (replacing the previous one of its kind, period and site): what was saved,
    or the French reason it was refused."""
    try:
        return _write(lambda engine: plans.save_plan(engine, plan)), None
    except PilotageError as refused:
        return None, str(refused)
