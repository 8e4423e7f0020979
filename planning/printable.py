"""A plan as people read it outside the page: a French text for the command line, JSON for
schools' own scripts, and a workbook ready to print (a summary, the unplaced needs, one sheet
per group)."""

from __future__ import annotations

import io
import re

import polars as pl

from data_access.exports import new_workbook, write_table
from planning.plan import (
    UNPLACED_LABELS,
    Plan,
    group_summary,
    plan_figures,
    plan_title,
    unplaced_view,
)
from ui import format as fmt

SUMMARY_LABELS = {
    "name": "Groupe",
    "need": "Besoin",
    "level": "Niveau",
    "staff": "Intervenant",
    "hours_per_week": "Heures par semaine",
    "slot": "Créneau",
    "size": "Élèves",
}
MEMBER_LABELS = {
    "learner": "Identifiant",
    "name": "Nom",
    "class_group": "Classe",
    "level": "Niveau",
}


def plan_text(plan: Plan, limit: int = 30) -> str:
    """A French summary of the plan for the command line."""
    figures = plan_figures(plan)
    placed, waiting = figures["placed"], figures["waiting"]
    out = [
        f"{plan_title(plan)} : {fmt.number(plan.groups.height)} groupe(s), {fmt.number(placed)} élève(s) placé(s), "
        f"{fmt.number(waiting)} besoin(s) sans groupe (groupes de {plan.max_size} élèves au plus, "
        f"{fmt.duration(plan.learner_budget)} par semaine et par élève).",
        "",
        "Groupes :",
    ]
    for row in group_summary(plan).iter_rows(named=True):
        out.append(
            f"- {row['name']} ({row['size']} élèves) : {row['staff'] or 'sans intervenant'}, "
            f"{row['slot'] or 'sans créneau'}, {fmt.hours(row['hours_per_week'], None)} par semaine"
        )
    if plan.unplaced.height:
        out += ["", "Non placés :"]
        for row in unplaced_view(plan).head(limit).iter_rows(named=True):
            need = f" — {row['need']}" if row["need"] else ""
            out.append(f"- {row['learner']}{need} : {row['reason']}")
        if plan.unplaced.height > limit:
            out.append(f"… et {plan.unplaced.height - limit} autre(s) (voir --out ou --json).")
    if plan.problems:
        out += ["", "Points à revoir :", *[f"- {p}" for p in plan.problems[:limit]]]
        if len(plan.problems) > limit:
            out.append(f"… et {len(plan.problems) - limit} autre(s).")
    else:
        out += ["", "Toutes les contraintes sont respectées."]
    return "\n".join(out)


def plan_json(plan: Plan) -> dict:
    """{"groups": [{name, need, staff, slot, hours_per_week, members}], "unplaced": [...],
    "problems": [...]} for schools' own scripts."""
    members = plan.members.group_by("group_id").agg(pl.col("learner").sort().alias("members"))
    groups = plan.groups.join(members, on="group_id", how="left").sort("group_id")
    return {
        "groups": [
            {
                "name": row["name"],
                "need": row["need"],
                "staff": row["staff"],
                "slot": row["slot"],
                "hours_per_week": row["hours_per_week"],
                "members": row["members"] or [],
            }
            for row in groups.iter_rows(named=True)
        ],
        "unplaced": [
            {"learner": row["learner"], "need": row["need"], "reason": row["reason"]}
            for row in plan.unplaced.iter_rows(named=True)
        ],
        "problems": list(plan.problems),
    }


def workbook_content(plan: Plan) -> dict:
    """What the printable workbook holds: title, summary (one row per group, French labels),
    groups [(name, header lines, members)], unplaced (with reasons) and problems."""
    summary = group_summary(plan).drop("group_id").rename(SUMMARY_LABELS)
    sheets = []
    for row in plan.groups.sort("group_id").iter_rows(named=True):
        lines = [
            f"Groupe : {row['name']}",
            f"Besoin : {row['need']} ({row['level'] or 'niveau libre'})",
            f"Intervenant : {row['staff'] or 'à désigner'}",
            f"Créneau : {row['slot'] or 'à fixer'}, {fmt.hours(row['hours_per_week'], None)} par semaine",
            f"Période : du {plan.period.start:%d/%m/%Y} au {plan.period.end:%d/%m/%Y}",
        ]
        people = (
            plan.members.filter(pl.col("group_id") == row["group_id"])
            .sort("class_group", "learner", nulls_last=True)
            .select(*MEMBER_LABELS)
            .rename(MEMBER_LABELS)
        )
        sheets.append((row["name"], lines, people))
    unplaced = unplaced_view(plan).rename(UNPLACED_LABELS)
    return {
        "title": plan_title(plan),
        "summary": summary,
        "groups": sheets,
        "unplaced": unplaced,
        "problems": list(plan.problems),
    }


def workbook_bytes(plan: Plan) -> bytes:
    """The plan as a workbook ready to print: "Synthèse" (title, groups, problems), "Non
    placés", then one sheet per group (header lines, then the members' table), landscape,
    fitted to the page. Text cells are only ever text (data_access.exports.new_workbook)."""
    content = workbook_content(plan)
    summary, title, unplaced = content["summary"], content["title"], content["unplaced"]
    problems, groups = content["problems"], content["groups"]
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

    with new_workbook(buffer) as workbook:
        bold = workbook.add_format({"bold": True, "font_size": 13})
        header = {"bold": True, "bg_color": "#E8EEF7", "border": 1}

        def table(sheet, frame: pl.DataFrame, first_row: int) -> None:
            write_table(
                workbook,
                sheet,
                frame,
                position=(first_row, 0),
                autofit=True,
                header_format=header,
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
        if unplaced.height:
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
