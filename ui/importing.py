"""A user's file as the pages receive it, read once: the sheet memoised by the file's content,
its check memoised by file, sheet, kind, mapping and data version (so clicks and widget
changes do not read or validate the file again), the quick analysis, the templates and the
history of imports. Refusals are shown in French here (st.error, the message as text) and the
function returns None.
Writing the rows is ui/writes.py."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from data_access import db
from data_access.importing import (
    KIND_LABELS,
    KINDS,
    ImportRejected,
    ImportReport,
    OutsidePerimeter,
    check,
    import_history,
    open_sheet,
    quick_analysis,
    read_checked,
    sha256_of,
    sheet_names,
    suggest,
)
from data_access.importing.fields import FieldSpec
from data_access.importing.pipeline import forgotten_by, preview
from data_access.importing.reading import RawSheet
from data_access.importing.templates import template_bytes
from data_access.importing.validation import as_read_in_french
from indicators.dataset import prepare
from ui import auth, cache, writes
from ui.sidebar import QUICK_ANALYSIS_KEY
from ui.text import escape


@dataclass(frozen=True)
class Upload:
    """A file a user gave: its name, its content and the content's SHA-256 (its identity)."""

    name: str
    sha: str
    content: bytes = field(repr=False, compare=False)


def received(uploaded: UploadedFile) -> Upload:
    content = uploaded.getvalue()
    return Upload(uploaded.name, sha256_of(content), content)


KEPT_KEY = "import_kept"
"""session_state key of the file being imported (Kept): it stays when the user leaves the page
(the upload box forgets its file then), with the sheet, kind and mapping chosen for it."""


@dataclass
class Kept:
    """The file being imported, and what the user chose for it (None: not chosen yet)."""

    upload: Upload
    sheet: str | None = None
    kind: str | None = None
    mapping: dict[str, str] | None = None
    analysed: ImportReport | None = None
    """the report of the quick analysis made with this sheet, kind and mapping"""

    def analysed_as(self, sheet: str, kind: str, mapping: dict[str, str]) -> ImportReport | None:
        """The quick analysis report when it was made with exactly these choices."""
        if self.analysed is None or (self.sheet, self.kind, self.mapping) != (
            sheet,
            kind,
            mapping,
        ):
            return None
        return self.analysed


def kept_file(uploaded: UploadedFile | None) -> Kept | None:
    """The file being imported: the one in the upload box (kept from now on), else the one kept
    from before the user left the page, else None."""
    current: Kept | None = st.session_state.get(KEPT_KEY)
    if uploaded is not None:
        upload = received(uploaded)
        if current is None or current.upload.sha != upload.sha:
            current = Kept(upload)
            st.session_state[KEPT_KEY] = current
    return current


def keep_choices(kept: Kept, sheet: str, kind: str, mapping: dict[str, str]) -> None:
    """Remember the sheet, kind and mapping chosen for the file (a quick analysis made with
    other choices no longer applies)."""
    if (kept.sheet, kept.kind, kept.mapping) != (sheet, kind, mapping):
        kept.analysed = None
    kept.sheet, kept.kind, kept.mapping = sheet, kind, dict(mapping)


def forget_file() -> None:
    """Let go of the kept file (and of its quick analysis as a data source)."""
    st.session_state.pop(KEPT_KEY, None)


def kinds() -> dict[str, str]:
    """The kinds of files that can be imported, with their French labels."""
    return dict(KIND_LABELS)


def fields(kind: str) -> tuple[FieldSpec, ...]:
    """The fields a kind of file carries (label, required, name...)."""
    return KINDS[kind]


def template(kind: str) -> bytes:
    """The Excel model of a kind of file: its headers, an example row and a help sheet."""
    return template_bytes(kind)


def as_read(frame: pl.DataFrame) -> pl.DataFrame:
    """Cells of a file as a French reader writes them: a number read as "12.5" shows "12,5",
    a date read as "2025-09-01" (or "2025-09-01 00:00:00") shows "01/09/2025"; other text as
    it is."""
    return frame.with_columns(
        as_read_in_french(pl.col(name))
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


def first_rows(raw: RawSheet) -> pl.DataFrame:
    """The first rows of the sheet under their headers as written, with the row number."""
    return as_read(preview(raw))


def sheets(upload: Upload) -> list[str] | None:
    """The sheets of the workbook (the file's name for a CSV); None after a French error."""
    try:
        return _sheets(upload.name, upload.sha, upload.content)
    except ImportRejected as refused:
        _unreadable(upload, refused)
        return None


def sheet(upload: Upload, name: str | None = None) -> RawSheet | None:
    """The sheet (the first by default) as headers and text rows; None after a French error."""
    try:
        return _sheet(upload.name, upload.sha, name, upload.content)
    except ImportRejected as refused:
        _unreadable(upload, refused)
        return None


def _unreadable(upload: Upload, refused: ImportRejected) -> None:
    """Say why the file cannot be read; one line in the import history per file."""
    st.error(escape(str(refused)))
    if st.session_state.get("_import_unreadable") != upload.sha:
        st.session_state["_import_unreadable"] = upload.sha
        writes.record_unreadable(upload.name, upload.sha)


def suggestion(raw: RawSheet, kind: str | None = None) -> tuple[str | None, dict[str, str], bool]:
    """(kind, mapping header -> field, whether it was remembered from an earlier import)."""
    return suggest(db.get_engine(), raw, kind)


def _sites() -> tuple[str, ...] | None:
    """The only sites the session's user may import for (None: every site)."""
    perimeter = auth.current().perimeter
    return None if perimeter.is_everything else perimeter.sites


def _outside(upload: Upload, refusal: OutsidePerimeter) -> None:
    writes.refused_import(auth.current(), upload.name, upload.sha)
    st.error(escape(str(refusal)))


def checked(
    upload: Upload,
    raw: RawSheet,
    kind: str,
    mapping: dict[str, str],
    update_names: bool = False,
) -> ImportReport | None:
    """The report of the rows against the database (nothing written), memoised; None after a
    French refusal (recorded) of a file touching another site than the user's."""
    sites = _sites()
    key = (
        upload.sha,
        raw.sheet,
        kind,
        tuple(sorted(mapping.items())),
        update_names,
        cache.database_key(),
        sites,
    )
    try:
        return _check(key, raw, kind, mapping, upload.sha, update_names, sites)
    except OutsidePerimeter as refusal:
        _outside(upload, refusal)
        return None


def aside(raw: RawSheet, kind: str, mapping: dict[str, str]) -> list[str]:
    """Headers the usual guess would read but this (remembered) mapping leaves aside."""
    return forgotten_by(raw, kind, mapping)


def analyse(kept: Kept, raw: RawSheet, kind: str, mapping: dict[str, str]) -> bool:
    """Analyse the file's valid rows without saving them: the dataset becomes a data source
    of the sidebar (QUICK_ANALYSIS_KEY) and the report is kept with the file; False after a
    French refusal (recorded) of a file naming another site than the user's."""
    upload = kept.upload
    try:
        frames, report = quick_analysis(raw, kind, mapping, upload.sha, sites=_sites())
    except OutsidePerimeter as refusal:
        _outside(upload, refusal)
        return False
    st.session_state[QUICK_ANALYSIS_KEY] = (upload.name, prepare(frames))
    keep_choices(kept, raw.sheet, kind, mapping)
    kept.analysed = report
    return True


def rows_of(upload: Upload, kind: str) -> pl.DataFrame | None:
    """Every row of a file of the given kind, checked as the import checks them (nothing
    written); None after a French error naming the rows at fault."""
    try:
        return _rows(upload.name, upload.sha, kind, upload.content)
    except ImportRejected as refused:
        st.error(escape(str(refused)))
        return None


def history() -> pl.DataFrame:
    """The latest imports, most recent first, with French column names."""
    return import_history(db.get_engine())


@st.cache_resource(max_entries=8, show_spinner=False)
def _sheets(file_name: str, sha: str, _content: bytes) -> list[str]:
    del sha  # the key
    return sheet_names(file_name, _content)


@st.cache_resource(max_entries=8, show_spinner="Lecture du fichier…")
def _sheet(file_name: str, sha: str, name: str | None, _content: bytes) -> RawSheet:
    del sha  # the key
    return open_sheet(file_name, _content, name)


@st.cache_resource(max_entries=16, show_spinner="Vérification de chaque ligne…")
def _check(
    key: tuple,
    _raw: RawSheet,
    _kind: str,
    _mapping: dict[str, str],
    _sha: str,
    _update_names: bool,
    _sites: tuple[str, ...] | None,
) -> ImportReport:
    del key  # file, sheet, kind, mapping, names choice, data version and the user's sites
    return check(
        db.get_engine(),
        _raw,
        _kind,
        _mapping,
        _sha,
        update_names=_update_names,
        sites=_sites,
    )


@st.cache_resource(max_entries=4, show_spinner="Lecture du fichier…")
def _rows(file_name: str, sha: str, kind: str, _content: bytes) -> pl.DataFrame:
    del sha  # the key
    return read_checked(file_name, _content, kind)
