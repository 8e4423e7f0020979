"""The import, end to end: read, map, validate every row, then write all or nothing.

``import_file`` is what the command line calls. The page calls the steps itself:
``open_sheet`` -> ``suggest`` (kind and mapping, remembered ones first) -> ``check`` (the
report, nothing written) -> ``write`` (or ``quick_analysis``, nothing written either).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, delete, exc, func, select

from data_access import db, models
from data_access.constraints import DATABASE_ERRORS, explain
from data_access.exports import to_excel_bytes, with_labels
from data_access.frames import Frames
from data_access.importing.errors import ImportRejected
from data_access.importing.fields import KIND_LABELS, KINDS
from data_access.importing.mapping import (
    field_from_user,
    guess_kind,
    guess_mapping,
    headers_signature,
    mapping_from_json,
    mapping_to_json,
    normalise,
)
from data_access.importing.moodle import gradebook_copies
from data_access.importing.perimeter import OutsidePerimeter, refuse_outside
from data_access.importing.reading import RawSheet, read_sheet
from data_access.importing.validation import (
    PROBLEM_LABELS,
    ParsedRows,
    check_duplicates,
    check_rows,
    check_sheet,
    empty_problems,
    merge_problems,
    parse_rows,
    sheet_warnings,
)
from data_access.importing.writing import (
    DEFAULT_SITE,
    Plan,
    State,
    apply_plan,
    canonical_keys,
    check_absence_days,
    check_assignment_dates,
    check_copy_numbers,
    check_plan,
    check_references,
    empty_state,
    load_state,
    name_warnings,
    resolve,
)

Progress = Callable[[float, str], None]

STATUS_IMPORTED = "importé"
STATUS_PARTIAL = "importé partiellement"
STATUS_REJECTED = "refusé"
STATUS_TRIAL = "essai"
STATUS_UNREADABLE = "illisible"
STATUS_FAILED = "échec"


@dataclass
class ImportReport:
    """What an import did (or would do): counts, and every problem found."""

    file_name: str
    sha256: str
    kind: str
    sheet: str
    status: str
    rows: int
    added: int = 0
    updated: int = 0
    rejected: int = 0
    problems: pl.DataFrame = field(default_factory=pl.DataFrame)
    created: dict[str, int] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    unchanged: int = 0
    renamed: int = 0
    """learners of the database whose names were replaced by the file's"""
    warnings: pl.DataFrame = field(default_factory=empty_problems)
    """what deserves a word but refuses no row (row, column, value, reason)"""
    ignored: list[tuple[int, str]] = field(default_factory=list)
    """total rows of the export left out: (row, its first text)"""
    remembered: bool = False
    """the mapping was the one confirmed for an earlier file of the same layout"""

    @property
    def written(self) -> bool:
        return self.status in (STATUS_IMPORTED, STATUS_PARTIAL)

    def to_dict(self) -> dict:
        return {
            "file": self.file_name,
            "sha256": self.sha256,
            "kind": self.kind,
            "sheet": self.sheet,
            "status": self.status,
            "rows": self.rows,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "renamed": self.renamed,
            "created": self.created,
            "mapping": self.mapping,
            "mapping_remembered": self.remembered,
            "ignored_rows": [{"row": row, "text": text} for row, text in self.ignored],
            "problems": self.problems.to_dicts(),
            "warnings": self.warnings.to_dicts(),
        }

    def counts(self, number: Callable[[int], str] = str) -> str:
        """The rows' fate in words: "3 lignes ajoutées, 1 mise à jour, 2 inchangées"
        (``number`` writes a count: ui.format.number for "1 401 126")."""
        trial = self.status == STATUS_TRIAL
        added = (
            _count(self.added, "ligne à ajouter", "lignes à ajouter", number)
            if trial
            else _count(self.added, "ligne ajoutée", "lignes ajoutées", number)
        )
        parts = [added]
        if self.updated:
            parts.append(
                _count(self.updated, "à mettre à jour", "à mettre à jour", number)
                if trial
                else _count(self.updated, "mise à jour", "mises à jour", number)
            )
        if self.unchanged:
            parts.append(_count(self.unchanged, "inchangée", "inchangées", number))
        if self.rejected:
            parts.append(_count(self.rejected, "rejetée", "rejetées", number))
        return ", ".join(parts)

    def summary(self, number: Callable[[int], str] = str) -> str:
        """One French sentence: what happened (``number`` writes a count)."""
        made = ", ".join(
            _count(n, *_CREATED_LABELS.get(k, (k, k)), number) for k, n in self.created.items()
        )
        extra = f" ; créés au passage : {made}" if made else ""
        if self.renamed:
            extra += (
                f" ; noms mis à jour : {_count(self.renamed, 'apprenant', 'apprenants', number)}"
            )
        if self.ignored:
            rows = ", ".join(str(row) for row, _ in self.ignored[:10])
            more = " …" if len(self.ignored) > 10 else ""
            totals = _count(
                len(self.ignored), "ligne de total ignorée", "lignes de total ignorées", number
            )
            extra += f" ; {totals} (ligne {rows}{more})"
        if not self.warnings.is_empty():
            extra += f" ; {_count(self.warnings.height, 'avertissement', 'avertissements', number)}"
        if self.status == STATUS_REJECTED:
            problems = _count(len(self.problems), "problème", "problèmes", number)
            lines = _count(self.rejected, "ligne", "lignes", number)
            return (
                f"Fichier refusé : {problems} sur {lines} (sur {number(self.rows)}). "
                "Rien n'a été enregistré."
            )
        if self.status == STATUS_TRIAL:
            verdict = "serait refusé" if not self.problems.is_empty() else "peut être importé"
            return (
                f"Essai (rien n'est enregistré) : le fichier {verdict}. "
                f"{self.counts(number).capitalize()}{extra}."
            )
        outcome = "Import partiel" if self.status == STATUS_PARTIAL else "Import réussi"
        return f"{outcome} : {self.counts(number)}{extra}."

    def problems_labelled(self) -> pl.DataFrame:
        """The problems with French column names (Ligne, Colonne, Valeur, Problème)."""
        return with_labels(self.problems, PROBLEM_LABELS)

    def warnings_labelled(self) -> pl.DataFrame:
        """The warnings with French column names (Ligne, Colonne, Valeur, Problème)."""
        return with_labels(self.warnings, PROBLEM_LABELS)

    def problems_excel(self) -> bytes:
        """The problems as an Excel workbook, French headers, formulas escaped."""
        return to_excel_bytes({"Problèmes": with_labels(self.problems, PROBLEM_LABELS)})


_CREATED_LABELS = {
    "sites": ("site", "sites"),
    "groups": ("groupe", "groupes"),
    "staff": ("intervenant", "intervenants"),
    "learners": ("apprenant", "apprenants"),
    "assignments": ("devoir", "devoirs"),
}


def _count(count: int, singular: str, plural: str, number: Callable[[int], str] = str) -> str:
    """'aucune ligne ajoutée', '1 ligne ajoutée', '3 lignes ajoutées'."""
    if count == 0:
        return f"aucune {singular}"
    return f"{number(count)} {singular if count == 1 else plural}"


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def open_sheet(file_name: str, content: bytes, sheet: str | None = None) -> RawSheet:
    """Read one sheet (ImportRejected with a French message when it cannot be read); a Moodle
    gradebook export is read as the copies it holds (moodle.py)."""
    raw = read_sheet(file_name, content, sheet)
    raw = gradebook_copies(raw) or raw  # a Moodle gradebook: one copy per learner and activity
    if raw.rows.is_empty():
        raise ImportRejected(
            f"La feuille « {raw.sheet} » de « {file_name} » a une ligne d'en-tête "
            f"(ligne {raw.header_row}) mais aucune ligne de données."
        )
    return raw


def remembered(engine: Engine | None, headers: list[str]) -> tuple[str, dict[str, str]] | None:
    """The kind and mapping confirmed earlier for files with these headers, if any."""
    if engine is None:
        return None
    table = models.ColumnMapping.__table__
    with engine.connect() as connection:
        row = connection.execute(
            select(table.c.kind, table.c.mapping_json).where(
                table.c.headers_signature == headers_signature(headers)
            )
        ).first()
    if row is None or row.kind not in KINDS:
        return None
    mapping = {h: f for h, f in mapping_from_json(row.mapping_json).items() if h in headers}
    return row.kind, mapping


def suggest(
    engine: Engine | None, raw: RawSheet, kind: str | None = None
) -> tuple[str | None, dict[str, str], bool]:
    """(kind, mapping header -> field, whether it was remembered) for this sheet.

    Only mappings the user confirmed are remembered (write(..., remember=True))."""
    known = remembered(engine, raw.headers)
    if known is not None and (kind is None or kind == known[0]):
        return known[0], known[1], True
    kind = kind or guess_kind(raw.headers)
    if kind is None:
        return None, {}, False
    return kind, guess_mapping(raw.headers, kind), False


def apply_overrides(
    raw: RawSheet, kind: str, mapping: dict[str, str], overrides: list[str]
) -> dict[str, str]:
    """Apply 'Header in file=field' corrections; ValueError (French) when one cannot apply."""
    result = dict(mapping)
    by_key = {normalise(h): h for h in raw.headers}
    for item in overrides:
        if "=" not in item:
            raise ValueError(f"--map « {item} » : attendu « Titre dans le fichier=champ ».")
        header_text, field_text = (part.strip() for part in item.rsplit("=", 1))
        header = header_text if header_text in raw.headers else by_key.get(normalise(header_text))
        if header is None:
            raise ValueError(
                f"--map : la colonne « {header_text} » n'est pas dans le fichier "
                f"(colonnes : {', '.join(raw.headers)})."
            )
        if field_text in ("", "-", "ignorer"):
            result.pop(header, None)
            continue
        name = field_from_user(kind, field_text)
        if name is None:
            names = ", ".join(f"{s.name} ({s.label})" for s in KINDS[kind])
            raise ValueError(
                f"--map : champ « {field_text} » inconnu pour ce type. Champs : {names}."
            )
        result = {h: f for h, f in result.items() if f != name}
        result[header] = name
    return result


@dataclass
class _Outcome:
    parsed: ParsedRows
    problems: pl.DataFrame
    rejected: int
    valid: pl.DataFrame
    plan: Plan
    warnings: pl.DataFrame


def _in_sheet_order(raw: RawSheet, problems: pl.DataFrame) -> pl.DataFrame:
    order = {header: index for index, header in enumerate(raw.headers)}
    return (
        problems.with_columns(
            pl.col("column").replace_strict(order, default=-1, return_dtype=pl.Int64).alias("_o")
        )
        .sort("row", "_o", maintain_order=True)
        .drop("_o")
    )


def _evaluate(
    raw: RawSheet,
    kind: str,
    mapping: dict[str, str],
    state: State,
    implied_group: str | None,
    parsed: ParsedRows | None = None,
    update_names: bool = False,
) -> _Outcome:
    parsed = canonical_keys(parsed or parse_rows(raw, kind, mapping), state)
    frame, duplicates, repeats = check_duplicates(parsed)
    problems = _in_sheet_order(
        raw,
        merge_problems(
            check_rows(parsed),
            check_sheet(raw, parsed),
            duplicates,
            check_references(parsed, frame, state, implied_group),
            check_assignment_dates(parsed, frame, state),
            check_copy_numbers(parsed, frame, state),
            check_absence_days(parsed, frame, state),
        ),
    )
    warnings = _in_sheet_order(
        raw, merge_problems(sheet_warnings(raw), repeats, name_warnings(parsed, frame, state))
    )
    if (problems.get_column("row") == raw.header_row).any():  # a column is missing
        return _Outcome(parsed, problems, raw.rows.height, frame.clear(), Plan(), warnings)
    for _ in range(2):  # the second pass leaves out the rows the database would refuse
        bad = problems.get_column("row").unique()
        valid = frame.filter(~pl.col("_row").is_in(bad.implode()))
        plan = (
            resolve(parsed, valid, state, implied_group, update_names)
            if not valid.is_empty()
            else Plan()
        )
        refused = check_plan(parsed, plan, state)
        if refused.is_empty():
            break
        problems = _in_sheet_order(raw, merge_problems(problems, refused))
    rejected = problems.get_column("row").n_unique()
    return _Outcome(parsed, problems, rejected, valid, plan, warnings)


def _report(
    raw: RawSheet, sha: str, kind: str, mapping: dict[str, str], outcome: _Outcome, status: str
) -> ImportReport:
    written = status != STATUS_REJECTED
    return ImportReport(
        file_name=raw.file_name,
        sha256=sha,
        kind=kind,
        sheet=raw.sheet,
        status=status,
        rows=raw.rows.height,
        added=outcome.plan.added if written else 0,
        updated=outcome.plan.updated if written else 0,
        unchanged=outcome.plan.unchanged if written else 0,
        renamed=outcome.plan.renamed if written else 0,
        rejected=outcome.rejected,
        problems=outcome.problems,
        warnings=outcome.warnings,
        ignored=list(raw.dropped),
        created=dict(outcome.plan.created) if written else {},
        mapping=mapping,
    )


def check(
    engine: Engine,
    raw: RawSheet,
    kind: str,
    mapping: dict[str, str],
    sha: str = "",
    *,
    update_names: bool = False,
    sites: tuple[str, ...] | None = None,
) -> ImportReport:
    """Validate against the database and count what would be added or updated; write nothing
    (the very checks of ``write``: what passes here passes there, on either database).

    ``sites``: the only sites the rows may belong to (None: any), else OutsidePerimeter.
    """
    parsed = parse_rows(raw, kind, mapping)
    with engine.connect() as connection:
        state = load_state(connection, kind, parsed.frame)
        outcome = _evaluate(raw, kind, mapping, state, None, parsed, update_names)
        if sites is not None:
            refuse_outside(connection, outcome.plan, sites)
    return _report(raw, sha, kind, mapping, outcome, STATUS_TRIAL)


class _Abort(Exception):
    def __init__(self, report: ImportReport) -> None:
        self.report = report


def write(
    engine: Engine,
    raw: RawSheet,
    kind: str,
    mapping: dict[str, str],
    *,
    sha: str,
    skip_invalid: bool = False,
    update_names: bool = False,
    remember: bool = False,
    progress: Progress | None = None,
    sites: tuple[str, ...] | None = None,
) -> ImportReport:
    """Import the rows: all of them or nothing (or only the valid ones with skip_invalid).

    A rejected file writes nothing but its line in the import history, and leaves the data
    version as it was (no user's cache is made stale). The names of learners
    already in the database are replaced by the file's only with ``update_names``; the mapping
    is remembered for the next files of the same layout only with ``remember`` (the user
    confirmed it). ``sites``: the only sites the rows may belong to (None: any); a file
    touching another raises OutsidePerimeter and writes nothing.
    """
    step = progress or (lambda _f, _t: None)
    try:
        with db.write_transaction(engine) as connection:
            db.bump_data_version(connection)  # takes the write lock before reading the state
            step(0.2, "Lecture des données existantes…")
            parsed = parse_rows(raw, kind, mapping)
            state = load_state(connection, kind, parsed.frame)
            step(0.4, "Vérification de chaque ligne…")
            outcome = _evaluate(raw, kind, mapping, state, None, parsed, update_names)
            has_problems = not outcome.problems.is_empty()
            if outcome.valid.is_empty() or (has_problems and not skip_invalid):
                raise _Abort(_report(raw, sha, kind, mapping, outcome, STATUS_REJECTED))
            if sites is not None:
                refuse_outside(connection, outcome.plan, sites)
            step(0.6, "Enregistrement…")
            apply_plan(connection, outcome.plan)
            status = STATUS_PARTIAL if has_problems else STATUS_IMPORTED
            report = _report(raw, sha, kind, mapping, outcome, status)
            _record(connection, report)
            if remember:
                _remember(connection, raw.headers, kind, mapping)
    except _Abort as abort:  # the history's line only: the data, and their version, unchanged
        with engine.begin() as connection:
            _record(connection, abort.report)
        step(1.0, "Fichier refusé.")
        return abort.report
    except OutsidePerimeter:  # the user's right, not the file's content: the audit records it
        raise
    except exc.OperationalError as error:
        if db.is_busy(error):
            raise db.busy() from None
        record_failure(engine, raw.file_name, sha, kind, STATUS_FAILED)
        raise
    except DATABASE_ERRORS as error:  # a value the database refused: never quote it
        record_failure(engine, raw.file_name, sha, kind, STATUS_FAILED)
        raise ImportRejected(
            f"La base de données a refusé l'enregistrement de « {raw.file_name} » "
            f"({explain(error)}). Rien n'a été enregistré."
        ) from None
    except Exception:
        record_failure(engine, raw.file_name, sha, kind, STATUS_FAILED)
        raise
    step(1.0, "Import terminé.")
    return report


def record_failure(engine: Engine, file_name: str, sha: str, kind: str | None, status: str) -> None:
    """A line in the import history for a file that could not be imported at all (unreadable,
    or the import failed); never raises, so that it never hides the error being reported.
    The data are unchanged, so is their version: no cache is made stale by a refused file."""
    report = ImportReport(file_name, sha, kind or "", "", status, rows=0)
    try:
        with engine.begin() as connection:
            _record(connection, report)
    except Exception:  # noqa: BLE001, S110 (the history is secondary to the error itself)
        pass


def _record(connection, report: ImportReport) -> None:  # noqa: ANN001
    connection.execute(
        models.ImportRecord.__table__.insert().values(
            file_name=report.file_name[:255],
            sha256=report.sha256,
            kind=report.kind,
            rows_added=report.added,
            rows_updated=report.updated,
            rows_rejected=report.rejected,
            status=report.status,
            imported_at=datetime.now().replace(microsecond=0),
        )
    )


def _remember(connection, headers: list[str], kind: str, mapping: dict[str, str]) -> None:  # noqa: ANN001
    table = models.ColumnMapping.__table__
    signature = headers_signature(headers)
    connection.execute(delete(table).where(table.c.headers_signature == signature))
    connection.execute(
        table.insert().values(
            headers_signature=signature, kind=kind, mapping_json=mapping_to_json(mapping)
        )
    )


def import_file(
    engine: Engine,
    file_name: str,
    content: bytes,
    *,
    kind: str | None = None,
    sheet: str | None = None,
    overrides: list[str] | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    update_names: bool = False,
    remember: bool = False,
    sites: tuple[str, ...] | None = None,
) -> ImportReport:
    """The whole import of one file (what `pilotage import` does).

    A mapping remembered for files of the same layout applies (the report says so); the
    ``overrides`` are for this file only, unless ``remember``.

    Raises ImportRejected when the file cannot be read at all (a line "illisible" or "refusé"
    goes into the history, except in a dry run), ValueError for a bad --map.
    """
    sha = sha256_of(content)
    try:
        raw = open_sheet(file_name, content, sheet)
    except ImportRejected:
        if not dry_run:
            record_failure(engine, file_name, sha, kind, STATUS_UNREADABLE)
        raise
    chosen, mapping, was_remembered = suggest(engine, raw, kind)
    if chosen is None:
        if not dry_run:
            record_failure(engine, file_name, sha, kind, STATUS_REJECTED)
        raise ImportRejected(
            f"Impossible de reconnaître le type de « {file_name} » d'après ses titres de colonnes "
            f"({', '.join(raw.headers)}). Précisez-le avec --kind."
        )
    mapping = apply_overrides(raw, chosen, mapping, overrides or [])
    if dry_run:
        report = check(engine, raw, chosen, mapping, sha, update_names=update_names, sites=sites)
    else:
        report = write(
            engine,
            raw,
            chosen,
            mapping,
            sha=sha,
            skip_invalid=skip_invalid,
            update_names=update_names,
            remember=remember,
            sites=sites,
        )
    report.remembered = was_remembered
    return report


def quick_analysis(
    raw: RawSheet,
    kind: str,
    mapping: dict[str, str],
    sha: str = "",
    *,
    sites: tuple[str, ...] | None = None,
) -> tuple[Frames, ImportReport]:
    """The file's rows as in-memory frames (synthetic ids), nothing written.

    Learners only named by their identifier are put in one group named after the file.
    Invalid rows are left out and listed in the report. ``sites``: the only sites the file's
    rows may name (None: any), else OutsidePerimeter.
    """
    implied = Path(raw.file_name).stem or "Fichier"
    outcome = _evaluate(raw, kind, mapping, empty_state(), implied)
    if sites is not None:
        refuse_outside(None, outcome.plan, sites, ignore=DEFAULT_SITE)
    frames = Frames.empty(**outcome.plan.inserts)
    return frames, _report(raw, sha, kind, mapping, outcome, STATUS_TRIAL)


def preview(raw: RawSheet, rows: int = 20) -> pl.DataFrame:
    """The first rows of the sheet under their headers as written, plus the row number."""
    names = {"_row": "Ligne", **{f"c{i}": h for i, h in enumerate(raw.headers)}}
    return raw.rows.head(rows).rename(names)


def import_history(engine: Engine, limit: int = 200) -> pl.DataFrame:
    """The latest imports, most recent first, with French column names."""
    table = models.ImportRecord.__table__
    with engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.id.desc()).limit(limit)).all()
    frame = pl.DataFrame(
        [dict(r._mapping) for r in rows],
        schema={
            "id": pl.Int64,
            "file_name": pl.String,
            "sha256": pl.String,
            "kind": pl.String,
            "rows_added": pl.Int64,
            "rows_updated": pl.Int64,
            "rows_rejected": pl.Int64,
            "status": pl.String,
            "imported_at": pl.Datetime("us"),
        },
    )
    return frame.select(
        pl.col("imported_at").alias("Date"),
        pl.col("file_name").alias("Fichier"),
        pl.col("kind").replace_strict(KIND_LABELS, default=pl.col("kind")).alias("Type"),
        pl.col("status").alias("Résultat"),
        pl.col("rows_added").alias("Ajoutées"),
        pl.col("rows_updated").alias("Mises à jour"),
        pl.col("rows_rejected").alias("Rejetées"),
        pl.col("sha256").str.slice(0, 12).alias("SHA-256 (début)"),
    )


def last_imports(engine: Engine) -> pl.DataFrame:
    """The last successful import (« importé » or « importé partiellement ») of each kind of
    file: kind, imported_at."""
    table = models.ImportRecord.__table__
    query = (
        select(table.c.kind, func.max(table.c.imported_at).label("imported_at"))
        .where(table.c.status.in_((STATUS_IMPORTED, STATUS_PARTIAL)))
        .group_by(table.c.kind)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return pl.DataFrame(
        [dict(r._mapping) for r in rows],
        schema={"kind": pl.String, "imported_at": pl.Datetime("us")},
        orient="row",
    )


def forgotten_by(raw: RawSheet, kind: str, mapping: dict[str, str]) -> list[str]:
    """Headers the usual guess would read but this (remembered) mapping leaves aside."""
    guessed = guess_mapping(raw.headers, kind)
    return [h for h in guessed if h not in mapping]
