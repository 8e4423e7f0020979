"""Which sites an import touches: a user limited to some sites may not add or change another
site's data, whatever the kind of file.

The check reads the import's plan (the rows it would add and change, whatever their kind): a
site, group, need group or member of staff belongs to its site; an enrolment to its group's
site; a session to its group's or need group's site; a learner, and every row about a learner
(copies, requests, interviews, diagnostics, attendance, members of need groups), to the sites
of the learner's enrolments, in the database or in the file, and is allowed when one of them is
(a learner who moved from another site is partly the user's). A row of no site (a learner with
no enrolment yet, staff of no site) is allowed.
"""

from __future__ import annotations

from collections import Counter

import polars as pl
from sqlalchemy import Connection, select

from data_access.frames import FRAME_TABLES
from data_access.importing.errors import ImportRejected
from data_access.importing.writing import Plan

_SITE_OWNED = ("staff", "groups", "need_groups")
_LEARNER_OWNED = (
    "copies",
    "tutoring_requests",
    "interviews",
    "diagnostics",
    "absences",
    "need_group_members",
    "attendance",
)
_OWNERS = {
    "sites": ("id",),
    "staff": ("site_id",),
    "groups": ("site_id",),
    "need_groups": ("site_id",),
    "learners": ("id",),
    "enrolments": ("group_id",),
    "assignments": ("group_id",),
    "support_sessions": ("group_id", "need_group_id"),
    **{name: ("learner_id",) for name in _LEARNER_OWNED},
}


class OutsidePerimeter(ImportRejected):
    """The file would add or change data of a site outside the user's sites."""


def _read(connection: Connection | None, name: str, columns: tuple[str, ...]) -> pl.DataFrame:
    table = FRAME_TABLES[name].__table__
    schema = {c: pl.Int64 if c != "name" else pl.String for c in columns}
    if connection is None:
        return pl.DataFrame(schema=schema)
    rows = connection.execute(select(*[table.c[c] for c in columns])).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def _with_plan(base: pl.DataFrame, plan: Plan, name: str) -> pl.DataFrame:
    new = plan.inserts.get(name)
    if new is None or new.is_empty():
        return base
    return pl.concat([base, new.select(base.columns).cast(base.schema)])


def _rows_with_owners(connection: Connection | None, plan: Plan, name: str) -> pl.DataFrame:
    """The rows of the table that the plan adds or changes, with their owner columns."""
    owners = _OWNERS[name]
    parts = []
    for frames in (plan.inserts, plan.updates):
        frame = frames.get(name)
        if frame is None or frame.is_empty():
            continue
        if all(c in frame.columns for c in owners):
            parts.append(frame.select(pl.col(c).cast(pl.Int64) for c in owners))
        elif "id" in frame.columns:  # an update naming the row by id: its owners are stored
            stored = _read(connection, name, ("id", *owners))
            parts.append(frame.select(pl.col("id").cast(pl.Int64)).join(stored, on="id").drop("id"))
    if not parts:
        return pl.DataFrame(schema={c: pl.Int64 for c in owners})
    return pl.concat(parts)


def foreign_sites(
    connection: Connection | None, plan: Plan, allowed: tuple[str, ...], *, ignore: str = ""
) -> Counter[str]:
    """The sites outside ``allowed`` that the plan's rows belong to, with how many rows of
    each (see the module docstring). ``ignore``: a site name taken as no site (the importer's
    "site non précisé" of a file analysed without saving)."""
    names = _with_plan(_read(connection, "sites", ("id", "name")), plan, "sites")
    groups = _with_plan(_read(connection, "groups", ("id", "site_id")), plan, "groups")
    need_groups = _with_plan(
        _read(connection, "need_groups", ("id", "site_id")), plan, "need_groups"
    )
    enrolments = _with_plan(
        _read(connection, "enrolments", ("learner_id", "group_id")), plan, "enrolments"
    )
    site_name = dict(names.iter_rows())
    group_site = dict(groups.iter_rows())
    need_site = dict(need_groups.iter_rows())
    learner_sites: dict[int, set[str]] = {}
    for learner, group in enrolments.iter_rows():
        site = site_name.get(group_site.get(group))
        if site is not None:
            learner_sites.setdefault(learner, set()).add(site)

    def outside(sites: set[str]) -> str | None:
        sites = {s for s in sites if s and s != ignore}
        if not sites or sites & set(allowed):
            return None
        return sorted(sites)[0]

    found: Counter[str] = Counter()
    for name in _OWNERS:
        rows = _rows_with_owners(connection, plan, name)
        for values in rows.iter_rows():
            if name == "sites" or name in _SITE_OWNED:
                sites = {site_name.get(values[0])}
            elif name in ("enrolments", "assignments"):
                sites = {site_name.get(group_site.get(values[0]))}
            elif name == "support_sessions":
                group, need_group = values
                site_id = group_site.get(group) if group is not None else need_site.get(need_group)
                sites = {site_name.get(site_id)}
            else:  # a learner, or a row about a learner
                sites = learner_sites.get(values[0], set())
            site = outside({s for s in sites if s is not None})
            if site is not None:
                found[site] += 1
    return found


def refuse_outside(
    connection: Connection | None, plan: Plan, allowed: tuple[str, ...], *, ignore: str = ""
) -> None:
    """Raise OutsidePerimeter (French) when the plan touches a site outside ``allowed``."""
    found = foreign_sites(connection, plan, allowed, ignore=ignore)
    if not found:
        return
    touched = ", ".join(f"« {site} » ({rows} ligne(s))" for site, rows in sorted(found.items()))
    raise OutsidePerimeter(
        f"Import refusé : ce fichier ajouterait ou modifierait des données d'un site hors de "
        f"votre périmètre : {touched}. Votre compte importe pour : {', '.join(allowed)}. "
        "Retirez ces lignes du fichier, ou demandez à la direction de l'importer. Rien n'a été "
        "enregistré."
    )
