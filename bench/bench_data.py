"""What a user waits for after a start or a write, on the national seed: loading the data,
from the database or from the snapshots on disk, and rebuilding after an import of copies.

Usage: python bench/bench_data.py [SQLITE_FILE]   (default /tmp/pilotage_national.db)
Works on a copy of the file (the import would change it). Prints, for the app's DataStore
(ui/cache.py): the first build from the database (snapshots written), a restart that reads the
snapshots, an import of 1 000 copies (the import itself, then the rebuild: which tables were
read again), the same rebuild seen from another process (from the snapshot that the first one
wrote), and the memory of the process.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
DEFAULT_PATH = Path("/tmp/pilotage_national.db")
IMPORTED_COPIES = 1_000


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def timed(action):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def copies_file(engine) -> bytes:  # noqa: ANN001
    import sqlalchemy as sa

    with engine.connect() as connection:
        learners = connection.execute(
            sa.text("SELECT external_id FROM learner ORDER BY id DESC LIMIT :n"),
            {"n": IMPORTED_COPIES},
        ).scalars()
        lines = ["N° apprenant;Matière;Devoir;Déposé le;Note"]
        lines += [f"{learner};Mathématiques;Banc d'essai;15/06/2026;12" for learner in learners]
    return "\n".join(lines).encode()


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH
    work = Path(tempfile.mkdtemp(prefix="pilotage-bench-data-"))
    try:
        database = work / "national.db"
        shutil.copyfile(source, database)
        run(f"sqlite:///{database}", work / "snapshots")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(url: str, folder: Path) -> None:
    from data_access import db
    from data_access.importing import import_file
    from data_access.settings import Settings
    from ui.cache import DataStore

    settings = Settings(database_url=url, snapshot_dir=str(folder))
    engine = db.get_engine(settings)
    print(f"Mémoire au départ : {rss_mb():.0f} Mo")
    cold = DataStore(settings)
    first, seconds = timed(lambda: cold.current().built)
    rows = first.dataset.frames.total_rows()
    print(
        f"Premier chargement, depuis la base (instantanés écrits) : {seconds:.2f} s, {rows:,} lignes"
    )
    print(f"Mémoire après : {rss_mb():.0f} Mo")
    _, seconds = timed(cold.idle)
    print(f"Écriture des instantanés des données préparées (après l'affichage) : {seconds:.2f} s")
    on_disk = sum(p.stat().st_size for p in folder.rglob("*.parquet")) / 1e6
    print(f"Instantanés sur disque : {on_disk:.0f} Mo")
    store = DataStore(settings)
    restarted, seconds = timed(lambda: store.current().built)
    print(
        f"Redémarrage, depuis les instantanés : {seconds:.2f} s (même clé : {restarted.key == first.key})"
    )

    content = copies_file(engine)
    report, seconds = timed(lambda: import_file(engine, "copies.csv", content))
    print(f"Import de {report.added} copies : {seconds:.2f} s ({report.status})")
    current, seconds = timed(lambda: store.current())
    print(
        f"Réaffichage juste après l'import (anciens chiffres, reconstruction lancée) : {seconds * 1000:.0f} ms, mise à jour en cours : {current.updating}"
    )
    rebuilt, seconds = timed(lambda: store.current(wait=True).built)
    print(
        f"Reconstruction après l'import : {seconds:.2f} s ; tables relues : {', '.join(store.loads[-1])}"
    )
    store.idle()
    other = DataStore(settings)
    other._ready = restarted  # noqa: SLF001 (another process holding the data before the import)
    _, seconds = timed(lambda: other.current(wait=True).built)
    print(
        f"La même reconstruction dans un autre processus (instantané de l'autre) : {seconds:.2f} s"
    )
    print(f"Copies : {first.dataset.copies.height:,} -> {rebuilt.dataset.copies.height:,}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"Mémoire : {rss_mb():.0f} Mo (pic {peak:.0f} Mo, trois jeux de données en mémoire dont les tables sont partagées)"
    )


if __name__ == "__main__":
    main()
