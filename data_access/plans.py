"""Plans of personalised support in the database (need groups + members), the diagnostics file
read for planning, and the printable workbook of a plan.

A plan is identified by its kind (AP, aide individualisée), its period (start, end) and its
site (or none). Saving a plan replaces the previous plan of the same kind, period and site in
one transaction: groups kept under the same name keep their id (so support sessions already
recorded for them stay attached), groups no longer in the plan are deleted (refused if
sessions were recorded for them), and the members are replaced.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl
import xlsxwriter
from sqlalchemy import Engine, and_, delete, select, update

from data_access import models
from data_access.db import write_transaction
from data_access.errors import PilotageError
from data_access.exports import escape_formulas
from data_access.frames import conform
from data_access.writes import bulk_insert
from domain import SUPPORT_KINDS

PLAN_GROUP_COLUMNS = ("name", "need", "staff", "hours_per_week", "slot")


class PlanRejected(PilotageError):
    """The plan or the diagnostics file cannot be used (French message says why and where)."""


@dataclass(frozen=True)
class SavedPlan:
    groups: int
    members: int
    groups_replaced: int

    def __str__(self) -> str:
        text = f"Plan enregistré : {self.groups} groupe(s), {self.members} placement(s)"
        if self.groups_replaced:
            text += f" ; {self.groups_replaced} groupe(s) du plan précédent remplacé(s)"
        return text + "."


def _names_to_ids(engine: Engine, table: type, column: str, names: list[str]) -> dict[str, int]:
    sql = table.__table__
    found: dict[str, int] = {}
    wanted = sorted(set(names))
    with engine.connect() as connection:
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            rows = connection.execute(
                select(sql.c[column], sql.c.id).where(sql.c[column].in_(chunk))
            ).all()
            found.update({name: int(identifier) for name, identifier in rows})
    return found


def _listing(items: list[str], limit: int = 10) -> str:
    text = ", ".join(f"« {x} »" for x in items[:limit])
    return text + (f" et {len(items) - limit} autre(s)" if len(items) > limit else "")


def save_plan(
    engine: Engine,
    *,
    kind: str,
    period_start: date,
    period_end: date,
    site: str | None,
    groups: pl.DataFrame,
    members: pl.DataFrame,
) -> SavedPlan:
    """Save the plan of the period (replacing the previous one of the same kind, period, site).

    groups: group_id (the plan's own number), name, need, staff (name or null),
    hours_per_week, slot. members: learner (external identifier), group_id.
    Raises PlanRejected (French) when a name, teacher, learner or site is unknown or invalid.
    """
    if kind not in SUPPORT_KINDS:
        raise PlanRejected(f"Type d'accompagnement inconnu : « {kind} ».")
    if period_end < period_start:
        raise PlanRejected("La fin de la période précède son début.")
    names = [str(n).strip() if n is not None else "" for n in groups.get_column("name").to_list()]
    if any(not n for n in names):
        raise PlanRejected("Un groupe n'a pas de nom : nommez chaque groupe avant d'enregistrer.")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise PlanRejected(f"Plusieurs groupes portent le même nom : {_listing(repeated)}.")
    hours = groups.get_column("hours_per_week")
    if hours.is_null().any() or (hours < 0).any():
        raise PlanRejected("Chaque groupe doit avoir un nombre d'heures par semaine positif.")

    site_id = None
    if site is not None:
        site_ids = _names_to_ids(engine, models.Site, "name", [site])
        if site not in site_ids:
            raise PlanRejected(f"Site inconnu : « {site} ».")
        site_id = site_ids[site]
    staff_names = [s for s in groups.get_column("staff").drop_nulls().to_list()]
    staff_ids = _names_to_ids(engine, models.Staff, "name", staff_names)
    unknown_staff = sorted(set(staff_names) - set(staff_ids))
    if unknown_staff:
        raise PlanRejected(f"Intervenant(s) inconnu(s) de la base : {_listing(unknown_staff)}.")
    learners = members.get_column("learner").to_list()
    learner_ids = _names_to_ids(engine, models.Learner, "external_id", learners)
    unknown_learners = sorted(set(learners) - set(learner_ids))
    if unknown_learners:
        raise PlanRejected(
            f"{len(unknown_learners)} élève(s) du plan sont inconnus de la base "
            f"({_listing(unknown_learners)}) : importez-les avant d'enregistrer le plan."
        )
    known_groups = set(groups.get_column("group_id").to_list())
    if not set(members.get_column("group_id").to_list()) <= known_groups:
        raise PlanRejected("Un placement renvoie à un groupe absent du plan.")

    table = models.NeedGroup.__table__
    members_table = models.NeedGroupMember.__table__
    sessions_table = models.SupportSession.__table__
    same_plan = and_(
        table.c.kind == kind,
        table.c.period_start == period_start,
        table.c.period_end == period_end,
        table.c.site_id.is_(None) if site_id is None else table.c.site_id == site_id,
    )
    with write_transaction(engine) as connection:
        previous = dict(connection.execute(select(table.c.name, table.c.id).where(same_plan)).all())
        clashes = (
            connection.execute(
                select(table.c.name).where(
                    table.c.period_start == period_start,
                    table.c.name.in_(names),
                    ~table.c.id.in_(list(previous.values()) or [-1]),
                )
            )
            .scalars()
            .all()
        )
        if clashes:
            raise PlanRejected(
                f"Un autre plan commençant le {period_start:%d/%m/%Y} (autre site ou autre type) "
                f"a déjà des groupes nommés {_listing(sorted(clashes))} : renommez ces groupes."
            )
        leaving = {name: gid for name, gid in previous.items() if name not in names}
        if leaving:
            held = (
                connection.execute(
                    select(table.c.name)
                    .join(sessions_table, sessions_table.c.need_group_id == table.c.id)
                    .where(table.c.id.in_(list(leaving.values())))
                    .distinct()
                )
                .scalars()
                .all()
            )
            if held:
                raise PlanRejected(
                    f"Des séances sont déjà enregistrées pour {_listing(sorted(held))} : ces "
                    "groupes ne peuvent pas disparaître du plan (gardez leur nom)."
                )
        if previous:
            connection.execute(
                delete(members_table).where(
                    members_table.c.need_group_id.in_(list(previous.values()))
                )
            )
        if leaving:
            connection.execute(delete(table).where(table.c.id.in_(list(leaving.values()))))
        ids: dict[int, int] = {}
        new_rows = []
        for row in groups.iter_rows(named=True):
            name = row["name"].strip()
            values = {
                "name": name,
                "need": row["need"],
                "kind": kind,
                "site_id": site_id,
                "period_start": period_start,
                "period_end": period_end,
                "staff_id": staff_ids.get(row["staff"]) if row["staff"] else None,
                "planned_hours_per_week": float(row["hours_per_week"]),
                "slot": row["slot"] or None,
            }
            if name in previous:
                connection.execute(
                    update(table).where(table.c.id == previous[name]).values(**values)
                )
                ids[row["group_id"]] = previous[name]
            else:
                new_rows.append((row["group_id"], values))
        if new_rows:
            connection.execute(table.insert(), [values for _, values in new_rows])
            created = dict(
                connection.execute(
                    select(table.c.name, table.c.id).where(
                        table.c.period_start == period_start,
                        table.c.name.in_([v["name"] for _, v in new_rows]),
                    )
                ).all()
            )
            ids.update({group_id: created[values["name"]] for group_id, values in new_rows})
        placed = members.select(
            pl.col("group_id").replace_strict(ids, return_dtype=pl.Int64).alias("need_group_id"),
            pl.col("learner")
            .replace_strict(learner_ids, return_dtype=pl.Int64)
            .alias("learner_id"),
        ).unique()
        bulk_insert(connection, models.NeedGroupMember, placed)
    return SavedPlan(groups=groups.height, members=placed.height, groups_replaced=len(previous))


def _read(engine: Engine, table: type) -> pl.DataFrame:
    """A (small) table through SQLAlchemy: plans are read right after being written, and
    connectorx does not always see a SQLite write made by this process's open connections."""
    sql = table.__table__
    with engine.connect() as connection:
        result = connection.execute(select(sql))
        rows = [tuple(row) for row in result]
    names = [c.name for c in sql.columns]
    frame = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
    return conform(table, frame)


def list_plans(engine: Engine) -> pl.DataFrame:
    """The saved plans: kind, site, period_start, period_end, groups (count), newest first."""
    groups = _read(engine, models.NeedGroup)
    sites = _read(engine, models.Site).select(
        pl.col("id").alias("site_id"), pl.col("name").alias("site")
    )
    return (
        groups.join(sites, on="site_id", how="left")
        .group_by("kind", "site", "period_start", "period_end")
        .agg(pl.len().cast(pl.Int64).alias("groups"))
        .sort("period_start", descending=True)
    )


def load_plan(
    engine: Engine, *, kind: str, period_start: date, period_end: date, site: str | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A saved plan as (groups, members) frames.

    groups: group_id (database id), name, need, staff, hours_per_week, slot.
    members: learner (external identifier), name, group_id. Both empty when no such plan.
    """
    need_groups = _read(engine, models.NeedGroup)
    sites = _read(engine, models.Site).select(
        pl.col("id").alias("site_id"), pl.col("name").alias("site")
    )
    staff = _read(engine, models.Staff).select(
        pl.col("id").alias("staff_id"), pl.col("name").alias("staff")
    )
    chosen = need_groups.join(sites, on="site_id", how="left").filter(
        (pl.col("kind") == kind)
        & (pl.col("period_start") == period_start)
        & (pl.col("period_end") == period_end)
        & (pl.col("site").is_null() if site is None else pl.col("site") == site)
    )
    groups = (
        chosen.join(staff, on="staff_id", how="left")
        .select(
            pl.col("id").alias("group_id"),
            "name",
            "need",
            "staff",
            pl.col("planned_hours_per_week").alias("hours_per_week"),
            "slot",
        )
        .sort("name")
    )
    learners = _read(engine, models.Learner).select(
        pl.col("id").alias("learner_id"),
        pl.col("external_id").alias("learner"),
        pl.concat_str(
            [pl.col("last_name").fill_null(""), pl.col("first_name").fill_null("")], separator=" "
        )
        .str.strip_chars()
        .alias("name"),
    )
    members = (
        _read(engine, models.NeedGroupMember)
        .filter(pl.col("need_group_id").is_in(groups.get_column("group_id").implode()))
        .join(learners, on="learner_id", how="left")
        .select("learner", "name", pl.col("need_group_id").alias("group_id"))
        .sort("group_id", "learner")
    )
    return groups, members


# --- diagnostics file (a small reader until the importer's own is available) -------------

_SYNONYMS = {
    "learner": (
        "identifiant",
        "id",
        "identifiant eleve",
        "n eleve",
        "no eleve",
        "num eleve",
        "n apprenant",
        "n stagiaire",
        "identifiant apprenant",
        "identifiant stagiaire",
        "eleve",
        "apprenant",
        "stagiaire",
        "matricule",
        "ine",
        "numero",
        "numero eleve",
        "learner",
        "external id",
        "external_id",
    ),
    "need": (
        "besoin",
        "besoins",
        "competence",
        "competences",
        "besoin competence",
        "need",
        "domaine",
        "besoin ou competence",
    ),
    "level": (
        "niveau",
        "niveau d acquisition",
        "positionnement",
        "level",
        "resultat",
        "acquisition",
        "niveau atteint",
    ),
    "assessed_on": (
        "date",
        "date du diagnostic",
        "date de diagnostic",
        "date du positionnement",
        "date de positionnement",
        "date d evaluation",
        "assessed on",
        "assessed_on",
    ),
    "name": ("nom", "nom prenom", "nom et prenom", "nom complet", "name"),
    "class_group": ("classe", "groupe", "division", "class", "groupe classe"),
}
_REQUIRED = ("learner", "need", "level")
_FRENCH = {
    "learner": "identifiant de l'élève",
    "need": "besoin",
    "level": "niveau",
    "assessed_on": "date",
}
_LEVELS = {
    "non acquis": "non acquis",
    "non-acquis": "non acquis",
    "na": "non acquis",
    "en cours": "en cours",
    "en cours d acquisition": "en cours",
    "eca": "en cours",
    "ec": "en cours",
    "acquis": "acquis",
    "a": "acquis",
}


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9_]+", " ", text.lower()).strip()


def _read_any(source: str | Path | bytes, file_name: str) -> pl.DataFrame:
    suffix = Path(file_name).suffix.lower()
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
            return pl.read_excel(io.BytesIO(data), engine="calamine", infer_schema_length=0)
        if suffix in (".csv", ".txt"):
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
            first = text.splitlines()[0] if text else ""
            separator = ";" if first.count(";") >= first.count(",") else ","
            return pl.read_csv(io.StringIO(text), separator=separator, infer_schema=False)
    except PlanRejected:
        raise
    except Exception:  # noqa: BLE001 (any reader failure becomes one French message)
        raise PlanRejected(
            f"Le fichier « {file_name} » ne peut pas être lu : est-ce bien un classeur Excel "
            "ou un CSV non endommagé ?"
        ) from None
    raise PlanRejected(
        f"Le fichier « {file_name} » n'est ni un classeur Excel (.xlsx, .xls, .ods) ni un CSV."
    )


def _parse_day(value: str | None) -> date | None:
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    for pattern in (
        "%d/%m/%Y",
        "%Y-%m-%d",
        "%d-%m-%Y",
        "%d/%m/%y",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%d/%m/%Y %H:%M",
    ):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # an Excel serial day
        return date.fromordinal(date(1899, 12, 30).toordinal() + int(float(text)))
    raise ValueError(text)


def read_diagnostics_file(source: str | Path | bytes, file_name: str | None = None) -> pl.DataFrame:
    """Diagnostics from an Excel or CSV file: learner, need, level, assessed_on, name, class_group.

    Headers are recognised with their usual French synonyms (« Identifiant », « Besoin » or
    « Compétence », « Niveau » or « Positionnement », « Date »). Levels: non acquis / en cours /
    acquis (also NA, ECA, A). Raises PlanRejected with the file, column and line at fault.
    """
    file_name = file_name or Path(str(source)).name
    raw = _read_any(source, file_name)
    columns: dict[str, str] = {}
    for header in raw.columns:
        plain = _plain(header)
        for field, synonyms in _SYNONYMS.items():
            if plain in synonyms and field not in columns:
                columns[field] = header
                break
    missing = [_FRENCH[f] for f in _REQUIRED if f not in columns]
    if missing:
        raise PlanRejected(
            f"Le fichier « {file_name} » n'a pas de colonne pour : {', '.join(missing)} "
            f"(colonnes trouvées : {', '.join(raw.columns) or 'aucune'})."
        )
    frame = raw.select(
        [
            pl.col(columns[f]).cast(pl.String).str.strip_chars().alias(f)
            if f in columns
            else pl.lit(None, pl.String).alias(f)
            for f in ("learner", "need", "level", "assessed_on", "name", "class_group")
        ]
    ).filter(pl.any_horizontal(pl.col("learner", "need", "level").is_not_null()))
    errors: list[str] = []
    levels: list[str | None] = []
    days: list[date | None] = []
    for line, row in enumerate(frame.iter_rows(named=True), start=2):
        for field in _REQUIRED:
            if not row[field]:
                errors.append(f"ligne {line} : {_FRENCH[field]} manquant")
        level = _LEVELS.get(_plain(row["level"] or ""))
        if row["level"] and level is None:
            errors.append(
                f"ligne {line} : niveau « {row['level']} » inconnu (attendu : non acquis, "
                "en cours ou acquis)"
            )
        levels.append(level)
        try:
            days.append(_parse_day(row["assessed_on"]))
        except ValueError:
            errors.append(
                f"ligne {line} : date « {row['assessed_on']} » illisible (attendu jj/mm/aaaa)"
            )
            days.append(None)
    if errors:
        shown = "; ".join(errors[:10]) + (
            f" ; et {len(errors) - 10} autre(s)" if len(errors) > 10 else ""
        )
        raise PlanRejected(f"Le fichier « {file_name} » contient des erreurs : {shown}.")
    if frame.is_empty():
        raise PlanRejected(f"Le fichier « {file_name} » ne contient aucun diagnostic.")
    return frame.with_columns(
        pl.Series("level", levels, dtype=pl.String),
        pl.Series("assessed_on", days, dtype=pl.Date),
    )


# --- printable workbook ------------------------------------------------------------------


def plan_workbook_bytes(
    summary: pl.DataFrame,
    groups: list[tuple[str, list[str], pl.DataFrame]],
    *,
    title: str,
    unplaced: pl.DataFrame | None = None,
    problems: list[str] | tuple[str, ...] = (),
) -> bytes:
    """A workbook ready to print: "Synthèse" (title, groups, problems), "Non placés", then one
    sheet per group (header lines, then the members' table), landscape, fitted to the page."""
    buffer = io.BytesIO()
    used: set[str] = set()

    def sheet_name(text: str) -> str:
        base = re.sub(r"[\[\]:*?/\\']", " ", text).strip()[:31] or "Groupe"
        name, number = base, 2
        while name.lower() in used:
            suffix = f" ({number})"
            name, number = base[: 31 - len(suffix)] + suffix, number + 1
        used.add(name.lower())
        return name

    with xlsxwriter.Workbook(buffer, {"remove_timezone": True}) as workbook:
        bold = workbook.add_format({"bold": True, "font_size": 13})
        header = {"bold": True, "bg_color": "#E8EEF7", "border": 1}

        def table(sheet, frame: pl.DataFrame, first_row: int) -> None:
            escape_formulas(frame).write_excel(
                workbook,
                worksheet=sheet,
                position=(first_row, 0),
                autofit=True,
                header_format=header,
                float_precision=2,
                dtype_formats={pl.Date: "dd/mm/yyyy"},
            )

        def page_setup(sheet, header_row: int) -> None:
            sheet.set_landscape()
            sheet.set_paper(9)  # A4
            sheet.fit_to_pages(1, 0)
            sheet.repeat_rows(header_row)

        summary_sheet = workbook.add_worksheet(sheet_name("Synthèse"))
        summary_sheet.write_string(0, 0, title, bold)
        table(summary_sheet, summary, 2)
        row = summary.height + 4
        if problems:
            summary_sheet.write_string(row, 0, "Points à revoir", bold)
            for offset, problem in enumerate(problems, start=1):
                summary_sheet.write_string(row + offset, 0, problem)
        page_setup(summary_sheet, 2)
        if unplaced is not None and unplaced.height:
            sheet = workbook.add_worksheet(sheet_name("Non placés"))
            sheet.write_string(0, 0, "Besoins sans groupe et raisons", bold)
            table(sheet, unplaced, 2)
            page_setup(sheet, 2)
        for group_name, lines, members in groups:
            sheet = workbook.add_worksheet(sheet_name(group_name))
            sheet.write_string(0, 0, lines[0] if lines else group_name, bold)
            for offset, line in enumerate(lines[1:], start=1):
                sheet.write_string(offset, 0, line)
            first = len(lines) + 1
            table(sheet, members, first)
            page_setup(sheet, first)
    return buffer.getvalue()
