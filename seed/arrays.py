"""Small numpy/Polars helpers shared by the generator's modules."""

from __future__ import annotations

import numpy as np
import polars as pl

from seed import calendar as cal


def labels(
    values: tuple[str, ...] | list[str], index: np.ndarray, null: np.ndarray | None = None
) -> pl.Series:
    """The labels at the given positions; null where ``null`` is true."""
    series = pl.Series(list(values), dtype=pl.String).gather(np.asarray(index, dtype=np.int64))
    if null is not None and np.any(null):
        series = series.scatter(np.flatnonzero(null), None)
    return series


def nullable(values: np.ndarray, null: np.ndarray, dtype: pl.DataType) -> pl.Series:
    """The values as a typed series, null where ``null`` is true."""
    series = pl.Series(values).cast(dtype)
    if np.any(null):
        series = series.scatter(np.flatnonzero(null), None)
    return series


def dates(year: cal.SchoolYear, days: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    """Day indices of the school year (0 = its 1 September) as dates, null where ``null``."""
    series = year.to_dates(np.where(null, 0, days) if null is not None else days)
    if null is not None and np.any(null):
        series = series.scatter(np.flatnonzero(null), None)
    return series


def rank_in_runs(*keys: np.ndarray) -> np.ndarray:
    """For rows already sorted by ``keys``, the 0-based rank of each row within its run."""
    n = keys[0].size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for key in keys:
        change[1:] |= key[1:] != key[:-1]
    starts = np.flatnonzero(change)
    run_start = np.repeat(starts, np.diff(np.append(starts, n)))
    return np.arange(n) - run_start


def choose(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category per row, drawn from each row's probabilities (rows sum to 1)."""
    cumulative = np.cumsum(probabilities, axis=1)
    draws = rng.random(probabilities.shape[0])[:, None]
    return np.minimum((draws > cumulative).sum(axis=1), probabilities.shape[1] - 1)
