"""Every row checked before anything is written: required fields, types, impossible values,
duplicates, references. Each problem names the sheet's row number, the column header as
written in the file, the value as written and the reason, in French.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from data_access.importing.extent import column_letters
from data_access.importing.fields import FieldSpec
from data_access.importing.keys import key_expr
from data_access.importing.mapping import fields_of, missing_required
from data_access.importing.reading import RawSheet
from data_access.importing.values import parse_column

PROBLEM_SCHEMA = pl.Schema(
    {"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String}
)
PROBLEM_LABELS = {"row": "Ligne", "column": "Colonne", "value": "Valeur", "reason": "Problème"}

NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "learners": ("learner_id", "group"),
    "copies": ("learner_id", "discipline", "assignment", "submitted_on"),
    "tutoring": ("learner_id", "discipline", "received_at"),
    "interviews": ("learner_id", "held_on", "interview_type"),
    "sessions": ("session_kind", "group", "held_on", "learner_id"),
    "diagnostics": ("learner_id", "need", "assessed_on"),
    "staff": ("name",),
    "assignments": ("group", "discipline", "title"),
}
EVENT_DATE: dict[str, str] = {
    "copies": "submitted_on",
    "tutoring": "received_at",
    "interviews": "held_on",
    "sessions": "held_on",
    "diagnostics": "assessed_on",
    "learners": "entry_date",
    "assignments": "due_on",
}

_UNREADABLE = {
    "date": "date illisible (attendu jj/mm/aaaa ou une date Excel)",
    "datetime": "date et heure illisibles (attendu jj/mm/aaaa hh:mm)",
    "number": "nombre illisible",
    "grade": "note illisible (attendu un nombre de 0 à 20, ex. 12,5)",
    "integer": "nombre entier attendu",
    "hours": "durée illisible (ex. 2h30, 2,5 ou 150 min)",
    "minutes": "durée illisible (ex. 45 min, 1h30)",
    "bool": "présence illisible (attendu oui/non ou présent/absent)",
}


PLAUSIBLE_FROM = date(1990, 1, 1)
PLAUSIBLE_YEARS_AHEAD = 2
INT32 = 2**31 - 1
"""Integers are 32-bit in the database (PostgreSQL INTEGER)."""
_LARGEST = {
    "duration_minutes": (24 * 60, "durée de plus de 24 h"),
    "objectives_set": (100, "plus de 100 objectifs"),
    "objectives_met": (100, "plus de 100 objectifs"),
    "weekly_hours_available": (80, "plus de 80 h par semaine"),
}
"""field -> (largest plausible value, reason beyond it)"""


def plausible_until(today: date | None = None) -> date:
    today = today or date.today()
    return today.replace(year=today.year + PLAUSIBLE_YEARS_AHEAD, day=min(today.day, 28))


def empty_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


@dataclass(frozen=True)
class ParsedRows:
    """The mapped fields of every data row: ``<field>`` parsed and ``<field>__raw`` as written."""

    kind: str
    mapping: dict[str, str]
    """header as written -> field name"""
    headers: dict[str, str]
    """field name -> header as written"""
    frame: pl.DataFrame
    header_row: int

    def has(self, field: str) -> bool:
        return field in self.headers


def parse_rows(raw: RawSheet, kind: str, mapping: dict[str, str]) -> ParsedRows:
    """Parse the mapped columns of the sheet (vectorised, one pass per column)."""
    specs = fields_of(kind)
    headers = {f: h for h, f in mapping.items() if f in specs and h in raw.headers}
    columns: list[pl.Series] = [raw.rows.get_column("_row")]
    for field, header in headers.items():
        text = raw.rows.get_column(raw.column_of(header)).alias(f"{field}__raw")
        columns.append(text)
        columns.append(parse_column(text, specs[field]).alias(field))
    frame = pl.DataFrame(columns)
    if kind == "copies" and "assignment" in frame.columns:
        frame = frame.with_columns(pl.col("assignment").fill_null(""))
    elif kind == "copies":
        frame = frame.with_columns(pl.lit("").alias("assignment"))
    return ParsedRows(kind, {h: f for f, h in headers.items()}, headers, frame, raw.header_row)


def _problems(
    frame: pl.DataFrame, mask: pl.Expr, header: str, raw_column: str, reason: pl.Expr | str
) -> pl.DataFrame:
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    return frame.filter(mask).select(
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit(header).alias("column"),
        pl.col(raw_column).cast(pl.String).alias("value"),
        reason_expr.cast(pl.String).alias("reason"),
    )


def _choices_text(spec: FieldSpec) -> str:
    return ", ".join(spec.choices)


def check_rows(parsed: ParsedRows) -> pl.DataFrame:
    """Problems that need no database: missing columns, values, impossible combinations."""
    kind, frame, headers = parsed.kind, parsed.frame, parsed.headers
    specs = fields_of(kind)
    found: list[pl.DataFrame] = []
    missing = missing_required(kind, parsed.mapping)
    if missing:
        recognised = ", ".join(parsed.mapping) or "aucun"
        found.append(
            pl.DataFrame(
                [
                    {
                        "row": parsed.header_row,
                        "column": "",
                        "value": "",
                        "reason": f"colonne obligatoire absente : « {spec.label} » "
                        f"(titres reconnus : {recognised})",
                    }
                    for spec in missing
                ],
                schema=PROBLEM_SCHEMA,
            )
        )
    for field, header in headers.items():
        spec = specs[field]
        raw, value = pl.col(f"{field}__raw"), pl.col(field)
        if spec.required:
            found.append(
                _problems(
                    frame, raw.is_null(), header, f"{field}__raw", "valeur obligatoire manquante"
                )
            )
        if spec.type == "enum":
            reason = f"valeur inconnue : attendu {_choices_text(spec)}"
            found.append(
                _problems(
                    frame, raw.is_not_null() & value.is_null(), header, f"{field}__raw", reason
                )
            )
        elif spec.type in _UNREADABLE:
            found.append(
                _problems(
                    frame,
                    raw.is_not_null() & value.is_null(),
                    header,
                    f"{field}__raw",
                    _UNREADABLE[spec.type],
                )
            )
        found.extend(_storable(frame, field, header, spec))
    for field, mask, reason in _rules(kind, parsed):
        found.append(_problems(frame, mask, headers[field], f"{field}__raw", reason))
    found.append(check_identities(parsed))
    return _sorted(found)


def _storable(frame: pl.DataFrame, field: str, header: str, spec: FieldSpec) -> list[pl.DataFrame]:
    """What either database would refuse, and what no real export holds: a NUL character,
    an integer beyond 32 bits, a date before 1990 or more than two years ahead."""
    raw, value = pl.col(f"{field}__raw"), pl.col(field)
    found = [
        _problems(
            frame,
            raw.str.contains("\x00", literal=True),
            header,
            f"{field}__raw",
            "caractère nul (octet 0) dans la cellule : le fichier est sans doute corrompu",
        )
    ]
    if spec.type in ("integer", "minutes"):
        found.append(
            _problems(frame, value.abs() > INT32, header, f"{field}__raw", "nombre trop grand")
        )
    if field in _LARGEST:
        largest, reason = _LARGEST[field]
        found.append(_problems(frame, value > largest, header, f"{field}__raw", reason))
    if spec.type in ("date", "datetime"):
        day = value.cast(pl.Date)
        until = plausible_until()
        found.append(
            _problems(
                frame,
                day < PLAUSIBLE_FROM,
                header,
                f"{field}__raw",
                f"date invraisemblable : antérieure au {PLAUSIBLE_FROM:%d/%m/%Y}",
            )
        )
        found.append(
            _problems(
                frame,
                day > until,
                header,
                f"{field}__raw",
                f"date invraisemblable : postérieure au {until:%d/%m/%Y}",
            )
        )
    return found


def check_identities(parsed: ParsedRows) -> pl.DataFrame:
    """Rows whose learner identifier names someone else than on its first row in the file
    (another last or first name; case, accents and spaces aside; an empty name agrees)."""
    names = [f for f in ("last_name", "first_name") if parsed.has(f)]
    if not parsed.has("learner_id") or not names:
        return empty_problems()
    frame = parsed.frame.filter(pl.col("learner_id").is_not_null())
    keyed = frame.with_columns(key_expr(pl.col(f)).alias(f"_k_{f}") for f in names)
    keyed = keyed.with_columns(
        pl.col(f"_k_{f}").drop_nulls().first().over("learner_id").alias(f"_k_{f}_first")
        for f in names
    )
    differs = pl.any_horizontal(
        pl.col(f"_k_{f}").is_not_null() & (pl.col(f"_k_{f}") != pl.col(f"_k_{f}_first"))
        for f in names
    )
    reference = (
        keyed.filter(pl.any_horizontal(pl.col(f"_k_{f}").is_not_null() for f in names))
        .group_by("learner_id", maintain_order=True)
        .agg(
            pl.col("_row").first().alias("_first_row"),
            pl.concat_str([pl.col(f).fill_null("") for f in names], separator=" ")
            .first()
            .str.strip_chars()
            .alias("_who"),
        )
    )
    bad = keyed.filter(differs).join(reference, on="learner_id", how="left")
    return bad.select(
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit(parsed.headers["learner_id"]).alias("column"),
        pl.col("learner_id__raw").alias("value"),
        pl.format(
            "cet identifiant désigne déjà {} (ligne {}) : même identifiant, autre nom",
            pl.col("_who"),
            pl.col("_first_row"),
        ).alias("reason"),
    )


def check_sheet(raw: RawSheet, parsed: ParsedRows) -> pl.DataFrame:
    """Problems found while reading the sheet: CSV lines with too many or too few fields,
    and formula cells without a computed value in the columns imported."""
    rows = [
        {"row": row, "column": column, "value": value, "reason": reason}
        for row, column, value, reason in raw.problems
    ]
    mapped = {raw.columns[raw.headers.index(h)]: h for h in parsed.mapping if h in raw.headers}
    if raw.columns:
        rows += [
            {
                "row": row,
                "column": mapped[column],
                "value": f"={formula}" if formula else "",
                "reason": (
                    f"formule sans résultat calculé (cellule {column_letters(column)}{row}) : "
                    "ouvrez le fichier dans Excel ou LibreOffice, enregistrez-le, puis "
                    "importez-le à nouveau"
                ),
            }
            for row, column, formula in raw.formulas
            if column in mapped
        ]
    return pl.DataFrame(rows, schema=PROBLEM_SCHEMA)


def sheet_warnings(raw: RawSheet) -> pl.DataFrame:
    """What the sheet does that loses nothing silently but deserves a word: a header written
    twice (the second column is not read unless chosen)."""
    rows = [
        {
            "row": raw.header_row,
            "column": renamed,
            "value": header,
            "reason": (
                f"deux colonnes s'appellent « {header} » (colonnes {raw.letter_of(header)} et "
                f"{raw.letter_of(renamed)}) : seule la première est lue ; pour lire l'autre, "
                f'associez « {renamed} » à un champ (--map "{renamed}=champ")'
            ),
        }
        for header, renamed in raw.repeated
    ]
    return pl.DataFrame(rows, schema=PROBLEM_SCHEMA)


def _rules(kind: str, parsed: ParsedRows) -> list[tuple[str, pl.Expr, pl.Expr | str]]:
    """(field reported, mask of bad rows, reason) for the kind's impossible values."""
    has = parsed.has
    c = pl.col
    rules: list[tuple[str, pl.Expr, pl.Expr | str]] = []
    if kind == "learners":
        if has("exit_date") and has("entry_date"):
            rules.append(
                (
                    "exit_date",
                    c("exit_date") < c("entry_date"),
                    pl.format("sortie avant l'entrée ({})", c("entry_date__raw")),
                )
            )
        if has("exit_reason"):
            no_date = c("exit_date").is_null() if has("exit_date") else pl.lit(True)
            rules.append(
                (
                    "exit_reason",
                    c("exit_reason").is_not_null() & no_date,
                    "motif de sortie sans date de sortie",
                )
            )
        if has("exit_date"):
            no_reason = c("exit_reason__raw").is_null() if has("exit_reason") else pl.lit(True)
            rules.append(
                (
                    "exit_date",
                    c("exit_date").is_not_null() & no_reason,
                    "date de sortie sans motif de sortie",
                )
            )
    if kind == "copies":
        if has("corrected_on"):
            rules.append(
                (
                    "corrected_on",
                    c("corrected_on") < c("submitted_on"),
                    pl.format("correction avant le dépôt ({})", c("submitted_on__raw")),
                )
            )
        if has("grade"):
            rules.append(("grade", ~c("grade").is_between(0, 20), "note hors de l'échelle 0 à 20"))
    if kind == "tutoring" and has("answered_at"):
        rules.append(
            (
                "answered_at",
                c("answered_at") < c("received_at"),
                pl.format("réponse avant la demande ({})", c("received_at__raw")),
            )
        )
    if kind == "interviews":
        if has("duration_minutes"):
            rules.append(("duration_minutes", c("duration_minutes") < 0, "durée négative"))
        if has("objectives_set"):
            rules.append(("objectives_set", c("objectives_set") < 0, "nombre négatif"))
        if has("objectives_met"):
            rules.append(("objectives_met", c("objectives_met") < 0, "nombre négatif"))
            if has("objectives_set"):
                rules.append(
                    (
                        "objectives_met",
                        c("objectives_met") > c("objectives_set"),
                        pl.format(
                            "plus d'objectifs atteints que fixés ({})", c("objectives_set__raw")
                        ),
                    )
                )
        if has("autonomy_level"):
            rules.append(
                (
                    "autonomy_level",
                    ~c("autonomy_level").is_between(1, 4),
                    "niveau d'autonomie attendu de 1 à 4",
                )
            )
    if kind == "sessions" and has("duration_hours"):
        rules.append(
            (
                "duration_hours",
                ~c("duration_hours").is_between(0, 12, closed="right"),
                "durée de séance attendue entre 0 et 12 h",
            )
        )
    if kind == "staff" and has("weekly_hours_available"):
        rules.append(
            ("weekly_hours_available", c("weekly_hours_available") < 0, "nombre d'heures négatif")
        )
    return rules


def check_duplicates(parsed: ParsedRows) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows without exact repeats, problems for rows that repeat a key with other values)."""
    key = list(NATURAL_KEYS[parsed.kind])
    frame = parsed.frame
    if any(k not in frame.columns for k in key):
        return frame, empty_problems()
    values = [c for c in frame.columns if c != "_row" and not c.endswith("__raw")]
    frame = frame.unique(subset=values, keep="first", maintain_order=True)
    frame = frame.with_columns(pl.col("_row").min().over(key).alias("_first_row"))
    first_field = key[0] if key[0] in parsed.headers else next(iter(parsed.headers))
    duplicates = frame.filter(pl.col("_row") != pl.col("_first_row")).select(
        pl.col("_row").alias("row"),
        pl.lit(parsed.headers.get(first_field, "")).alias("column"),
        pl.col(f"{first_field}__raw").alias("value"),
        pl.format(
            "en double : même clé que la ligne {} avec d'autres valeurs", pl.col("_first_row")
        ).alias("reason"),
    )
    return frame.drop("_first_row"), duplicates


def _sorted(found: list[pl.DataFrame]) -> pl.DataFrame:
    if not found:
        return empty_problems()
    return pl.concat([f.cast(PROBLEM_SCHEMA) for f in found]).sort("row", maintain_order=True)


def merge_problems(*frames: pl.DataFrame) -> pl.DataFrame:
    return _sorted([f for f in frames if not f.is_empty()])
