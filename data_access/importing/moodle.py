"""A Moodle gradebook export (Notes > Exporter) turned into a copies export.

Moodle writes one row per learner and one column per graded activity, titled
"Type : Name (Réel)" ("Devoir : Dissertation 1 (Réel)", "Test : QCM 2 (Pourcentage)"), and
the date of the export in "Dernier téléchargement depuis ce cours". Each graded cell becomes
one copy: the learner's columns as they are, the activity as the assignment, the course (from
the file's name, "MATH101 Notes.xlsx" -> "MATH101") as the discipline, the export's date as
the day handed in and corrected (the gradebook holds no other), the grade out of 20 (a
percentage is divided by 5; a grade in points is taken as written). A cell without a grade
("-" or empty) is no copy. The rows keep their number in the sheet, so a problem names the
learner's row.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from data_access.importing.mapping import normalise
from data_access.importing.reading import RawSheet

_ACTIVITY = re.compile(
    r"^\s*(?P<type>[^:()]+?)\s*:\s*(?P<name>.+?)\s*\((?P<unit>r[ée]el|real|pourcentage|percentage)\)\s*$",
    re.IGNORECASE,
)
_EXPORT_DATE = ("dernier telechargement depuis ce cours", "last downloaded from this course")
_COURSE_SUFFIX = re.compile(r"[\s_-]*(notes|grades|carnet de notes)$", re.IGNORECASE)

DISCIPLINE = "Discipline"
ASSIGNMENT = "Devoir"
GRADE = "Note"
SUBMITTED = "Déposé le"
CORRECTED = "Corrigé le"


def _course(file_name: str) -> str:
    stem = Path(file_name).stem.strip()
    return _COURSE_SUFFIX.sub("", stem).strip() or stem or "Cours"


def _day_of(column: pl.Expr) -> pl.Expr:
    """Moodle writes the export's moment as a Unix timestamp; a date written as text stays."""
    seconds = column.str.strip_chars().cast(pl.Int64, strict=False)
    as_date = pl.from_epoch(seconds, time_unit="s").dt.replace_time_zone("UTC")
    day = as_date.dt.convert_time_zone("Europe/Paris").dt.strftime("%d/%m/%Y")
    return pl.when(seconds > 100_000_000).then(day).otherwise(column)


def gradebook_copies(raw: RawSheet) -> RawSheet | None:
    """The copies of a Moodle gradebook export (None when the sheet is not one)."""
    activities: dict[str, dict[str, str]] = {}
    for header in raw.headers:
        match = _ACTIVITY.match(header)
        if match is None:
            continue
        unit = "percentage" if normalise(match["unit"]) in ("pourcentage", "percentage") else "real"
        activities.setdefault(match["name"], {})[unit] = header
    if not activities:
        return None
    export_date = next((h for h in raw.headers if normalise(h) in _EXPORT_DATE), None)
    activity_headers = {h for units in activities.values() for h in units.values()}
    kept = [
        h
        for h in raw.headers
        if h not in activity_headers and h != export_date and not _is_total(h)
    ]
    identity = [pl.col(raw.column_of(h)).alias(h) for h in kept]
    parts = []
    for name, units in activities.items():
        if "percentage" in units:
            text = pl.col(raw.column_of(units["percentage"]))
            number = (
                text.str.replace_all(r"[%\s\u00a0\u202f]", "")
                .str.replace(",", ".")
                .cast(pl.Float64, strict=False)
            )
            grade = (
                pl.when(number.is_not_null())
                .then((number / 5).round(2).cast(pl.String).str.replace(".", ",", literal=True))
                .otherwise(text)
            )
        else:
            grade = pl.col(raw.column_of(units["real"]))
        graded = grade.is_not_null() & ~grade.str.strip_chars().is_in(["-", ""])
        day = _day_of(pl.col(raw.column_of(export_date))) if export_date else pl.lit(None)
        parts.append(
            raw.rows.filter(graded).select(
                "_row",
                *identity,
                pl.lit(_course(raw.file_name)).alias(DISCIPLINE),
                pl.lit(name).alias(ASSIGNMENT),
                day.cast(pl.String).alias(SUBMITTED),
                day.cast(pl.String).alias(CORRECTED),
                grade.alias(GRADE),
            )
        )
    rows = pl.concat(parts).sort("_row", maintain_order=True)
    headers = [*kept, DISCIPLINE, ASSIGNMENT, SUBMITTED, CORRECTED, GRADE]
    rows = rows.rename({h: f"c{i}" for i, h in enumerate(headers)})

    def column(header: str) -> int:
        index = raw.headers.index(header)
        return raw.columns[index] if raw.columns else index + 1

    units = next(iter(activities.values()))
    first_activity = column(units.get("real") or units["percentage"])  # problems point there
    return RawSheet(
        raw.file_name,
        raw.sheet,
        raw.header_row,
        headers,
        rows,
        columns=[*[column(h) for h in kept], *[first_activity] * 5],
        problems=raw.problems,
        dropped=raw.dropped,
    )


def _is_total(header: str) -> bool:
    key = normalise(header)
    return key.startswith(("total du cours", "course total", "total de la categorie"))
