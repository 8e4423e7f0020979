"""Snapshots of the loaded tables on disk, so that a restarted app does not read the database.

Each table's frame is written as a Parquet file named by the table and its version
(``db.table_versions``: a random token replaced by every write that touches the table), in a
folder of its own per database. A version names one content for ever, so a file found is the
table as it is in the database at that version; a file is written only for a version read
again, unchanged, after the table was loaded (a write committed during the read would have
changed it). Parquet rather than Arrow IPC: its dictionary-encoded text columns make the
prepared copies (2,7 million rows, 15 columns) a 108 MB file read back in 0,25 s here, against
1 s for the 490 MB Arrow file (and 1,9 to 2,1 s for Arrow compressed with LZ4 or zstd); no
compression, which would halve the file and double the reading time.

The folder: PILOTAGE_SNAPSHOT_DIR (``off`` for none), by default beside a SQLite file
(``pilotage.db.snapshots``) or in ``data/snapshots`` for a server database; files of older
versions are deleted, keeping the last two of each table (another process may still read the
one before).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl
from sqlalchemy.engine import make_url

from data_access.settings import PROJECT_ROOT, Settings

PREPARED = "prepared-"
"""Prefix of the snapshots of prepared frames (indicators.dataset.prepare; those of tables are
named by the table)."""
CODE_PARTS = ("domain.py", "indicators", "planning", "forecast", "data_access")
"""The code that computes figures and prepared frames (see code_version)."""
KEPT_PER_TABLE = 2
"""Files kept for each table: the newest version and the one before."""
SUFFIX = ".parquet"


def folder_of(settings: Settings) -> Path | None:
    """Where the snapshots of the settings' database go (None: no snapshots)."""
    if settings.snapshot_dir == "off":
        return None
    url = make_url(settings.database_url)
    tag = hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]
    if settings.snapshot_dir:
        return Path(settings.snapshot_dir) / tag
    if settings.is_sqlite:
        if url.database in (None, "", ":memory:"):
            return None
        return Path(f"{url.database}.snapshots")
    return PROJECT_ROOT / "data" / "snapshots" / tag


def _path(folder: Path, table: str, version: int) -> Path:
    return folder / f"{table}-{version}{SUFFIX}"


def read(folder: Path, table: str, version: int) -> pl.DataFrame | None:
    """The table's frame at that version, or None when there is no (readable) snapshot."""
    path = _path(folder, table, version)
    if not path.exists():
        return None
    try:
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError):  # damaged: as if missing, the database is read
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def write(folder: Path, table: str, version: int, frame: pl.DataFrame) -> None:
    """Write the table's frame at that version (whole or not at all), then delete the files of
    its older versions but the last one. A disk that refuses is no error: the app just reads
    the database next time. A version already on disk is not written again."""
    path = _path(folder, table, version)
    if path.exists():
        return
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(temporary, compression="uncompressed", statistics=False)
        temporary.replace(path)
        _prune(folder, table)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


def _prune(folder: Path, table: str) -> None:
    files = sorted(folder.glob(f"{table}-*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEPT_PER_TABLE:]:
        with contextlib.suppress(OSError):
            old.unlink()


@functools.cache
def code_version() -> str:
    """A digest of the code that computes figures: a figure on disk is used only by the code
    that made it (an upgrade computes them again)."""
    digest = hashlib.sha256()
    for part in CODE_PARTS:
        path = PROJECT_ROOT / part
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
        for file in files:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def derived_version(name: str, sources: Iterable[str], versions: Mapping[str, int]) -> int:
    """The version of a frame derived from tables (a prepared frame, ``name``): one number
    made from the versions of its ``sources`` and the code that derives it, the same in the
    app and the command line, so that each reads the other's snapshots."""
    text = ",".join(f"{table}={versions[table]}" for table in sorted(sources))
    digest = hashlib.sha256(f"{code_version()}:{name}:{text}".encode())
    return int(digest.hexdigest()[:15], 16)
