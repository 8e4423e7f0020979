"""Caching at the I/O boundary: the prepared dataset, keyed by the database URL and the data
version that every write bumps (so a write anywhere, even from the CLI, invalidates it), and
each user's part of it, keyed by the same and the user's perimeter (sites, groups) and whether
they see names: what every page of that user reads.

Big frames live in st.cache_resource: Polars frames are immutable, so sharing them across
sessions is safe, and st.cache_data would copy them at every rerun.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
import streamlit as st

from data_access import db
from data_access.frames import load_frames
from data_access.importing.pipeline import last_imports
from data_access.pseudonyms import pseudonym_key, pseudonyms
from data_access.settings import get_settings
from indicators.common import Perimeter
from indicators.dataset import Dataset, prepare, within, without_names

if TYPE_CHECKING:
    from ui.auth import User


@st.cache_resource(max_entries=2, show_spinner="Chargement des données…")
def _dataset_for(database_url: str, version: int) -> Dataset:
    del version  # part of the cache key only
    from data_access.settings import Settings

    return prepare(load_frames(db.get_engine(Settings(database_url=database_url))))


@st.cache_resource(max_entries=16, show_spinner="Préparation des données de votre périmètre…")
def _dataset_within(
    database_url: str, version: int, sites: tuple[str, ...], groups: tuple[str, ...], names: bool
) -> Dataset:
    dataset = within(_dataset_for(database_url, version), Perimeter(sites, groups))
    if names:
        return dataset
    key = pseudonym_key()
    return without_names(dataset, lambda identifiers: pseudonyms(identifiers, key))


def current_dataset(user: User) -> tuple[Dataset, str]:
    """The part of the configured database the user may see, at its current data version, and
    its cache key (URL, version, perimeter: it changes after every write)."""
    settings = get_settings()
    version = db.data_version(db.get_engine(settings))
    key = f"{settings.database_url}#{version}"
    perimeter = user.perimeter
    if perimeter.is_everything and user.sees_names:
        return _dataset_for(settings.database_url, version), key
    dataset = _dataset_within(
        settings.database_url, version, perimeter.sites, perimeter.groups, user.sees_names
    )
    return dataset, f"{key}#{perimeter.sites}#{perimeter.groups}#{user.sees_names}"


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
    """Drop cached data after a write made by this app (the version key also changes)."""
    _dataset_for.clear()
    _dataset_within.clear()
    st.cache_data.clear()
