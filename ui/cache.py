"""Caching at the I/O boundary: the prepared dataset, keyed by the database URL and the data
version that every write bumps (so a write anywhere, even from the CLI, invalidates it).

Big frames live in st.cache_resource: Polars frames are immutable, so sharing them across
sessions is safe, and st.cache_data would copy them at every rerun.
"""

from __future__ import annotations

import streamlit as st

from data_access import db
from data_access.frames import load_frames
from data_access.settings import get_settings
from indicators.dataset import Dataset, prepare


@st.cache_resource(max_entries=2, show_spinner="Chargement des données…")
def _dataset_for(database_url: str, version: int) -> Dataset:
    del version  # part of the cache key only
    from data_access.settings import Settings

    return prepare(load_frames(db.get_engine(Settings(database_url=database_url))))


def current_dataset() -> tuple[Dataset, str]:
    """The dataset of the configured database at its current data version, and its cache key
    (URL and version: it changes after every write)."""
    settings = get_settings()
    version = db.data_version(db.get_engine(settings))
    return _dataset_for(settings.database_url, version), f"{settings.database_url}#{version}"


def database_key() -> str:
    """The configured database and its data version ("URL#version"): changes after any write,
    from this app or another process; the key of what is memoised from the database."""
    settings = get_settings()
    return f"{settings.database_url}#{db.data_version(db.get_engine(settings))}"


def clear_after_write() -> None:
    """Drop cached data after a write made by this app (the version key also changes)."""
    _dataset_for.clear()
    st.cache_data.clear()
