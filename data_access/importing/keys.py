"""The one normalisation of the text values that identify a row (identifiers, groups, sites,
disciplines, assignments, needs, staff names), used on every import.

Two spellings are the same value when they differ only by case, accents, the kind or number
of spaces (non-breaking ones included), invisible characters (soft hyphen, zero-width), or the
kind of dash (hyphen, non-breaking hyphen, en dash, minus...) and the spaces around it:
"Mathématiques" = "MATHEMATIQUES", "2nde MELEC‑A" (non-breaking hyphen) = "2nde  melec - a".
Other punctuation counts ("Devoir 1.2" is not "Devoir 12"). The spelling kept is the one
already in the database, else the file's first.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

_INVISIBLE_AND_ACCENTS = r"[\u00ad\u200b-\u200d\u2060\ufeff]|\p{M}"
_DASH = r"\s*[\-\u2010-\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d]\s*"


def key_expr(text: pl.Expr) -> pl.Expr:
    """The comparison key of a natural-key text: 'Français  – 2NDE' -> 'francais-2nde'."""
    return (
        text.str.normalize("NFKD")
        .str.replace_all(_INVISIBLE_AND_ACCENTS, "")
        .str.replace_all(_DASH, "-")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .str.to_lowercase()
    )


def keys_of(values: pl.Series) -> pl.Series:
    return pl.select(key_expr(pl.lit(values, dtype=pl.String))).to_series()


def key_text(value: object) -> str:
    """key_expr for one value (None -> '')."""
    if value is None:
        return ""
    return keys_of(pl.Series([str(value)])).item() or ""


def canonical_spellings(values: pl.Series, known: Iterable[str | None] = ()) -> pl.Series:
    """Each value replaced by the first spelling with the same key: a known one (from the
    database) first, else the first met in ``values``. Nulls stay null."""
    distinct = values.drop_nulls().unique(maintain_order=True)
    known_spellings = pl.Series(list(known), dtype=pl.String).drop_nulls()
    exact = set(known_spellings.to_list())
    if distinct.is_empty() or all(v in exact for v in distinct.to_list()):
        return values  # the usual re-import: every value already spelled as stored
    candidates = pl.concat([known_spellings.alias("v"), distinct.alias("v")])
    spellings = (
        pl.DataFrame({"spelling": candidates, "key": keys_of(candidates)})
        .unique("key", keep="first", maintain_order=True)
        .select("key", pl.col("spelling").alias("canonical"))
    )
    mapping = (
        pl.DataFrame({"value": distinct, "key": keys_of(distinct)})
        .join(spellings, on="key", how="left")
        .filter(pl.col("value") != pl.col("canonical"))
    )
    if mapping.is_empty():
        return values
    return values.replace(mapping.get_column("value"), mapping.get_column("canonical"))
