"""Every row checked before anything is written: required fields, types, impossible values,
duplicates, references. Each problem names the sheet's row number, the column header as
written in the file, the value as written and the reason, in French.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from data_access.importing.extent import column_letters
from data_access.importing.fields import FieldSpec
from data_access.importing.keys import key_expr
from data_access.importing.mapping import fields_of, missing_required
from data_access.importing.reading import RawSheet
from data_access.importing.values import parse_column
from domain import HALF_DAY_AFTERNOON, HALF_DAY_HOURS, HALF_DAY_MORNING, HALF_DAY_WHOLE

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
    "absences": ("learner_id", "absent_on", "half_day"),
}
EVENT_DATE: dict[str, str] = {
    "copies": "submitted_on",
    "tutoring": "received_at",
    "interviews": "held_on",
    "sessions": "held_on",
    "diagnostics": "assessed_on",
    "learners": "entry_date",
    "assignments": "due_on",
    "absences": "absent_on",
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
    if kind == "absences":
        half_day = pl.col("half_day").fill_null("") if "half_day" in frame.columns else pl.lit("")
        frame = frame.with_columns(half_day.alias("half_day"))
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
            unreadable = _UNREADABLE[spec.type]
            if spec.type == "bool" and field != "present":
                unreadable = "valeur illisible (attendu oui ou non)"
            found.append(
                _problems(
                    frame,
                    raw.is_not_null() & value.is_null(),
                    header,
                    f"{field}__raw",
                    unreadable,
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
                    pl.format("sortie avant l'entrée ({})", french_day(c("entry_date"))),
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
                    pl.format("correction avant le dépôt ({})", french_day(c("submitted_on"))),
                )
            )
        if has("grade"):
            rules.append(("grade", ~c("grade").is_between(0, 20), "note hors de l'échelle 0 à 20"))
    if kind == "tutoring" and has("answered_at"):
        rules.append(
            (
                "answered_at",
                c("answered_at") < c("received_at"),
                pl.format("réponse avant la demande ({})", french_day(c("received_at"), time=True)),
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
    if kind == "absences":
        rules.extend(_absence_rules(parsed))
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


def natural_key(parsed: ParsedRows) -> list[str]:
    """The fields that name one row of the kind in a file: for copies, the copy number when the
    file has one; otherwise nothing (two copies of one learner, discipline, assignment and day
    are two copies, told apart by their order: see writing.py)."""
    if parsed.kind == "copies":
        return ["copy_number"] if parsed.has("copy_number") else []
    return list(NATURAL_KEYS[parsed.kind])


def counted_half_days(parsed: ParsedRows) -> pl.Expr:
    """The half-days an absence counts: the number the export gives, else its half-day (a
    morning or an afternoon 1, the whole day 2), else its hours / HALF_DAY_HOURS (2 at most)."""
    given = pl.col("half_days") if parsed.has("half_days") else pl.lit(None, pl.Float64)
    of_half_day = (
        pl.when(pl.col("half_day") == HALF_DAY_WHOLE)
        .then(2.0)
        .when(pl.col("half_day").is_in([HALF_DAY_MORNING, HALF_DAY_AFTERNOON]))
        .then(1.0)
        .otherwise(None)
    )
    of_hours = (
        (pl.col("hours") / HALF_DAY_HOURS).clip(upper_bound=2.0)
        if parsed.has("hours")
        else pl.lit(None, pl.Float64)
    )
    return pl.coalesce(given, of_half_day, of_hours).cast(pl.Float64).alias("half_days")


def _absence_rules(parsed: ParsedRows) -> list[tuple[str, pl.Expr, pl.Expr | str]]:
    """An absence's duration: given one way at least, possible, and the same when given twice
    (a half-day and a number of half-days, or half-days and hours, that disagree)."""
    has, c = parsed.has, pl.col
    rules: list[tuple[str, pl.Expr, pl.Expr | str]] = []
    given = [f for f in ("half_day", "half_days", "hours") if has(f)]
    nothing = pl.all_horizontal(c(f"{f}__raw").is_null() for f in given) if given else pl.lit(True)
    rules.append(
        (
            "absent_on",
            nothing,
            "durée de l'absence manquante : donnez la demi-journée (matin, après-midi, journée), "
            "le nombre de demi-journées ou les heures",
        )
    )
    if has("half_days"):
        rules.append(
            (
                "half_days",
                ~c("half_days").is_between(0, 2, closed="right"),
                "attendu de 0,5 à 2 demi-journées (une ligne par jour d'absence)",
            )
        )
        if has("half_day"):
            expected = (
                pl.when(c("half_day") == HALF_DAY_WHOLE)
                .then(2.0)
                .when(c("half_day").is_in([HALF_DAY_MORNING, HALF_DAY_AFTERNOON]))
                .then(1.0)
            )
            rules.append(
                (
                    "half_days",
                    expected.is_not_null() & (c("half_days") != expected),
                    pl.format(
                        "ne concorde pas avec la demi-journée indiquée ({})", c("half_day__raw")
                    ),
                )
            )
    if has("hours"):
        rules.append(
            (
                "hours",
                ~c("hours").is_between(0, 12, closed="right"),
                "attendu plus de 0 et au plus 12 h d'absence par jour",
            )
        )
        count = counted_half_days(
            replace(parsed, headers={k: v for k, v in parsed.headers.items() if k != "hours"})
        )
        limit = HALF_DAY_HOURS
        rules.append(
            (
                "hours",
                count.is_not_null() & (c("hours") > count * limit),
                pl.format(
                    "ne concorde pas avec les demi-journées indiquées ({} : au plus "
                    + f"{limit:g} h par demi-journée)",
                    pl.coalesce(
                        c("half_days__raw") if has("half_days") else pl.lit(None, pl.String),
                        c("half_day__raw") if has("half_day") else pl.lit(None, pl.String),
                    ),
                ),
            )
        )
    return rules


def check_duplicates(parsed: ParsedRows) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(rows without exact repeats, problems for rows that repeat a key with other values,
    notes for the exact repeats: a row written twice counts once)."""
    key = natural_key(parsed)
    frame = parsed.frame
    values = [c for c in frame.columns if c != "_row" and not c.endswith("__raw")]
    frame = frame.with_columns(pl.col("_row").min().over(values).alias("_same_as"))
    first_field = next(iter(parsed.headers), "")
    repeats = frame.filter(pl.col("_row") != pl.col("_same_as")).select(
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit(parsed.headers.get(first_field, "")).alias("column"),
        (pl.col(f"{first_field}__raw") if first_field else pl.lit(None, pl.String)).alias("value"),
        pl.format("ligne identique à la ligne {} : comptée une fois", pl.col("_same_as")).alias(
            "reason"
        ),
    )
    frame = frame.filter(pl.col("_row") == pl.col("_same_as")).drop("_same_as")
    if not key or any(k not in frame.columns for k in key):
        return frame, empty_problems(), repeats
    keyed = pl.all_horizontal(pl.col(k).is_not_null() for k in key)
    frame = frame.with_columns(
        pl.when(keyed)
        .then(pl.col("_row").min().over(key))
        .otherwise(pl.col("_row"))
        .alias("_first_row")
    )
    shown = key[0] if key[0] in parsed.headers else first_field
    same = "même n° de copie" if key == ["copy_number"] else "même clé"
    duplicates = frame.filter(pl.col("_row") != pl.col("_first_row")).select(
        pl.col("_row").alias("row"),
        pl.lit(parsed.headers.get(shown, "")).alias("column"),
        pl.col(f"{shown}__raw").alias("value"),
        pl.format(
            f"en double : {same} que la ligne {{}} avec d'autres valeurs", pl.col("_first_row")
        ).alias("reason"),
    )
    return frame.drop("_first_row"), duplicates, repeats


def french_day(day: pl.Expr, *, time: bool = False) -> pl.Expr:
    """A date (or date-time) as a French reader writes it: 01/02/2014 (09:15)."""
    return day.dt.strftime("%d/%m/%Y %H:%M" if time else "%d/%m/%Y")


def as_read_in_french(text: pl.Expr) -> pl.Expr:
    """A cell as a French reader writes it: a date a spreadsheet gave as "2014-02-01" or
    "2014-02-01 00:00:00" shows "01/02/2014" (with its time when it has one), a number given
    as "12.5" shows "12,5"; any other text as it is."""
    return (
        text.str.replace(r"^(-?\d+)\.(\d+)$", "$1,$2")
        .str.replace(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$", "$3/$2/$1")
        .str.replace(
            r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$", "$3/$2/$1 $4:$5"
        )
    )


def _sorted(found: list[pl.DataFrame]) -> pl.DataFrame:
    """The problems (or warnings) in row order, each value as a French reader writes it."""
    if not found:
        return empty_problems()
    return (
        pl.concat([f.cast(PROBLEM_SCHEMA) for f in found])
        .sort("row", maintain_order=True)
        .with_columns(as_read_in_french(pl.col("value")).alias("value"))
    )


def merge_problems(*frames: pl.DataFrame) -> pl.DataFrame:
    return _sorted([f for f in frames if not f.is_empty()])
