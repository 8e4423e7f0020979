"""A user's file read for use without importing it (the diagnostics file of "Planifier l'AP"
and of ``pilotage plan-groups --diagnostics``): the same reader, headers, values and checks as
the import, and every row right or the file refused."""

from __future__ import annotations

import polars as pl

from data_access.importing.errors import ImportRejected
from data_access.importing.mapping import guess_mapping
from data_access.importing.pipeline import open_sheet
from data_access.importing.validation import (
    check_duplicates,
    check_rows,
    merge_problems,
    parse_rows,
)

MAX_PROBLEMS_LISTED = 10


def problem_text(problem: dict) -> str:
    """One problem of a file (row, column, value, reason) as a French line."""
    column = f", colonne « {problem['column']} »" if problem["column"] else ""
    value = f", valeur « {problem['value']} »" if problem["value"] else ""
    return f"ligne {problem['row']}{column}{value} : {problem['reason']}"


def read_checked(file_name: str, content: bytes, kind: str) -> pl.DataFrame:
    """The rows of a file of the given kind, one column per field the file has, typed.

    Raises ImportRejected (French) when the file cannot be read, or when a column the kind
    requires is missing or a row is wrong: the message lists the problems by row and column.
    """
    raw = open_sheet(file_name, content)
    parsed = parse_rows(raw, kind, guess_mapping(raw.headers, kind))
    rows, duplicates, _repeats = check_duplicates(parsed)
    problems = merge_problems(check_rows(parsed), duplicates)
    if not problems.is_empty():
        listed = [problem_text(p) for p in problems.head(MAX_PROBLEMS_LISTED).iter_rows(named=True)]
        more = problems.height - len(listed)
        raise ImportRejected(
            f"Le fichier « {file_name} » contient des erreurs : {' ; '.join(listed)}"
            + (f" ; et {more} autre(s)" if more > 0 else "")
            + "."
        )
    return rows.select(field for field in parsed.headers)
