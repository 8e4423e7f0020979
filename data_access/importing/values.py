"""Parsing the text cells of a file, column-wise with Polars expressions.

Dates: Excel serial numbers, dd/mm/yyyy (or dd/mm/yy, dd-mm-yyyy, dd.mm.yyyy), yyyy-mm-dd,
with or without a time (any year: whether a date is plausible is the validation's business).
Numbers: decimal comma or point, spaces only as thousands separators ("1 200", not "1 2").
Durations: "2h30", "2 h", "2,5", "150 min", "1:30". Enumerations: their labels in any case,
with or without accents, plus a few usual synonyms. A value that cannot be read becomes null,
and the validation reports it with the text as written.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from data_access.importing.fields import FieldSpec
from data_access.importing.mapping import normalise

_EXCEL_EPOCH = datetime(1899, 12, 30)
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
)
_NUMBER = r"^[-+]?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)?(?:[.,]\d+)?(?:[eE][-+]?\d+)?$"


def _clean_date_text(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.strip_chars()
        .str.replace_all(r"\s+", " ")
        .str.replace(r"^(\d{4}-\d{2}-\d{2})T", "$1 ")
        .str.replace(r"^(\d{1,2})[.\-](\d{1,2})[.\-](\d{4})", "$1/$2/$3")
        .str.replace(r"^(\d{1,2})/(\d{1,2})/(\d{2})( |$)", "$1/$2/20$3$4")
        .str.replace(r"(\d{1,2})h(\d{2})$", "$1:$2")
    )


def parse_datetime(expr: pl.Expr) -> pl.Expr:
    """Text -> Datetime('us'); null when unreadable."""
    text = _clean_date_text(expr)
    serial = text.str.replace(",", ".").cast(pl.Float64, strict=False)
    from_serial = (
        pl.when(serial.is_between(1, 2_958_465))
        .then(pl.lit(_EXCEL_EPOCH) + pl.duration(milliseconds=(serial * 86_400_000).round(0)))
        .otherwise(None)
        .cast(pl.Datetime("us"))
    )
    parsed = pl.coalesce(
        from_serial,
        *[text.str.strptime(pl.Datetime("us"), f, strict=False) for f in _DATE_FORMATS],
    )
    return parsed


def parse_date(expr: pl.Expr) -> pl.Expr:
    return parse_datetime(expr).dt.date()


def parse_number(expr: pl.Expr) -> pl.Expr:
    """'12,5' -> 12.5, '1 200' -> 1200.0; '1 2', 'true', 'inf' -> null."""
    text = expr.str.strip_chars()
    return (
        pl.when(text.str.contains(_NUMBER) & text.str.contains(r"\d"))
        .then(text.str.replace_all(r"[ \u00a0\u202f]", "").str.replace(",", "."))
        .cast(pl.Float64, strict=False)
    )


def parse_grade(expr: pl.Expr) -> pl.Expr:
    """A grade out of 20: '12,5', '12.5', '15/20'."""
    return parse_number(expr.str.replace(r"\s*/\s*20\s*$", ""))


def parse_integer(expr: pl.Expr) -> pl.Expr:
    number = parse_number(expr)
    return pl.when(number == number.round(0)).then(number).cast(pl.Int64, strict=False)


def parse_minutes(expr: pl.Expr, bare_unit_minutes: float) -> pl.Expr:
    """A duration in minutes: '2h30' -> 150, '150 min' -> 150, '1:30' -> 90.

    A bare number is in the field's unit: bare_unit_minutes (60 for hours, 1 for minutes).
    """
    spaced = expr.str.to_lowercase().str.strip_chars()
    text = (
        pl.when(~spaced.str.contains(r"\d[\s\u00a0\u202f]+\d"))  # "1 30" is not "130"
        .then(spaced)
        .str.replace_all(r"[\s\u00a0\u202f]", "")
        .str.replace(",", ".")
    )
    hours_minutes = text.str.extract_groups(
        r"^(\d+(?:\.\d+)?)(?:h|hr|hrs|heure|heures)(\d{1,2})?(?:min|mn|m)?$"
    )
    minutes_only = text.str.extract(r"^(\d+(?:\.\d+)?)(?:min|mn|m|minute|minutes)$", 1)
    clock = text.str.extract_groups(r"^(\d{1,3}):(\d{2})(?::\d{2})?$")
    bare = text.str.extract(r"^(\d+(?:\.\d+)?)$", 1)
    return pl.coalesce(
        hours_minutes.struct.field("1").cast(pl.Float64) * 60
        + hours_minutes.struct.field("2").cast(pl.Float64).fill_null(0),
        minutes_only.cast(pl.Float64),
        clock.struct.field("1").cast(pl.Float64) * 60 + clock.struct.field("2").cast(pl.Float64),
        bare.cast(pl.Float64) * bare_unit_minutes,
    )


def enum_lookup(spec: FieldSpec) -> dict[str, str]:
    """Normalised label or synonym -> the label stored."""
    table = {normalise(choice): choice for choice in spec.choices}
    table.update({normalise(alias): label for alias, label in spec.aliases.items()})
    return table


def parse_enum(series: pl.Series, spec: FieldSpec) -> pl.Series:
    """Each text mapped to its label ('ABANDON', 'Abandon', 'abandon' -> 'abandon') or null."""
    table = enum_lookup(spec)
    distinct = series.drop_nulls().unique().to_list()
    mapping = {value: table.get(normalise(value)) for value in distinct}
    return series.replace_strict(mapping, default=None, return_dtype=pl.String)


_TRUE = {"oui", "o", "x", "1", "vrai", "true", "yes", "y", "present", "presente", "p", "ok"}
_FALSE = {
    "non",
    "n",
    "0",
    "faux",
    "false",
    "no",
    "absent",
    "absente",
    "a",
    "abs",
    "excuse",
    "excusee",
}


def parse_bool(series: pl.Series, aliases: dict[str, str] | None = None) -> pl.Series:
    """Yes/no words; ``aliases`` (normalised word -> "oui" or "non") come first: "excusée" is
    an absence for a presence, but a justified absence for an absence."""
    distinct = series.drop_nulls().unique().to_list()
    mapping: dict[str, bool | None] = {}
    for value in distinct:
        key = normalise(value)
        key = (aliases or {}).get(key, key)
        mapping[value] = True if key in _TRUE else False if key in _FALSE else None
    return series.replace_strict(mapping, default=None, return_dtype=pl.Boolean)


def parse_column(series: pl.Series, spec: FieldSpec) -> pl.Series:
    """The text column of a field parsed to the field's type (null where unreadable)."""
    if spec.type == "enum":
        return parse_enum(series, spec)
    if spec.type == "bool":
        return parse_bool(series, spec.aliases)
    if spec.type == "text":
        return series
    expression = {
        "date": parse_date,
        "datetime": parse_datetime,
        "number": parse_number,
        "grade": parse_grade,
        "integer": parse_integer,
        "hours": lambda e: parse_minutes(e, 60.0) / 60.0,
        "minutes": lambda e: parse_minutes(e, 1.0).round(0).cast(pl.Int64, strict=False),
    }[spec.type]
    # Exports repeat their values (a few hundred dates in 100 000 rows): parse each once.
    distinct = pl.DataFrame({"v": series.unique()})
    parsed = distinct.with_columns(expression(pl.col("v")).alias("parsed"))
    joined = pl.DataFrame({"v": series}).join(
        parsed, on="v", how="left", nulls_equal=True, maintain_order="left"
    )
    return joined.get_column("parsed").alias(series.name)
