"""A Document as an A4 PDF, typeset by typst (through its Python binding: no browser, no
external program), charts as vector graphics (SVG from vl-convert).

typst was chosen over WeasyPrint (HTML and CSS: needs Pango and its system libraries) and
ReportLab (a low-level drawing API, tables and page breaks by hand): one wheel, a page layout
language made for documents (running footer, tables that break across pages with their
header repeated) and a compile in a few hundredths of a second.

The template below is fixed; the document's text and figures reach it as one JSON value
(``sys.inputs``), read by typst as data: a name from the data is always shown as text, never
read as typst markup or code.
"""

from __future__ import annotations

import json

from reports.charts import to_svg
from reports.document import Document, Table, cell_text

RIGHT_ALIGNED = {"number", "decimal", "days", "share", "share1", "hours", "ratio", "row"}

TEMPLATE = r"""
#let data = json(bytes(sys.inputs.at("data")))
#let blue = rgb("#2E5A88")
#set document(title: data.title)
#set page(
  paper: "a4",
  margin: (x: 1.7cm, top: 1.8cm, bottom: 2cm),
  footer: context [
    #set text(size: 7.5pt, fill: luma(90))
    #data.title — #data.scope
    #h(1fr)
    page #counter(page).display() sur #counter(page).final().first()
  ],
)
// Liberation Sans has no narrow no-break space (the thousands separator: 1 401 126), so
// that one character comes from DejaVu Sans; without it the digits would run together
#let spaces = (name: "DejaVu Sans", covers: regex("[\u{202F}\u{00A0}]"))
#set text(lang: "fr", font: (spaces, "Liberation Sans", "DejaVu Sans", "Libertinus Serif"), size: 9.5pt)
#set par(leading: 0.55em, spacing: 0.8em)
#show heading.where(level: 1): set text(size: 17pt, fill: blue)
#show heading.where(level: 2): it => block(above: 1.3em, below: 0.7em, text(size: 12.5pt, fill: blue, it.body))
#set table(stroke: (x, y) => (bottom: 0.4pt + luma(200)), inset: (x: 4pt, y: 3.2pt))

#heading(level: 1, data.title)
#for line in data.context [
  #text(fill: luma(70), line) \
]

#for section in data.sections {
  heading(level: 2, section.title)
  for paragraph in section.paragraphs {
    par(paragraph)
  }
  if section.chart != none {
    align(center, image(bytes(sys.inputs.at(section.chart)), format: "svg", width: 92%))
  }
  for t in section.tables {
    if t.title != "" {
      block(above: 0.9em, below: 0.4em, strong(t.title))
    }
    set text(size: 8.5pt)
    table(
      columns: t.widths.map(w => if w == "auto" { auto } else { 1fr }),
      align: t.aligns.map(a => if a == "right" { right } else { left }),
      fill: (x, y) => if y == 0 { rgb("#E3EAF2") } else if calc.even(y) { luma(247) },
      table.header(..t.columns.map(c => strong(c))),
      ..t.cells,
    )
    if t.note != "" {
      text(size: 8pt, fill: luma(70), t.note)
    }
  }
}
"""


def _table_json(table: Table) -> dict:
    rows = table.rows
    note = ""
    if table.pdf_rows is not None and len(rows) > table.pdf_rows:
        note = (
            f"Les {table.pdf_rows} premières lignes sur {len(rows)} : toutes sont dans la "
            "version Excel du rapport."
        )
        rows = rows[: table.pdf_rows]
    cells = [
        cell_text(table.kind_of(r, c), value)
        for r, row in enumerate(rows)
        for c, value in enumerate(row)
    ]
    if not rows:
        note = "Rien à compter ce mois-ci."
    return {
        "title": table.title,
        "columns": list(table.columns),
        "widths": ["1fr" if kind == "text" else "auto" for kind in table.kinds],
        "aligns": ["right" if kind in RIGHT_ALIGNED else "left" for kind in table.kinds],
        "cells": cells,
        "note": note,
    }


def document_json(document: Document) -> tuple[dict, dict[str, str]]:
    """The JSON value the template reads, and the SVG of each chart by its input name."""
    charts: dict[str, str] = {}
    sections = []
    for index, section in enumerate(document.sections):
        name = None
        if section.chart is not None:
            name = f"chart-{index}"
            charts[name] = to_svg(section.chart)
        sections.append(
            {
                "title": section.title,
                "paragraphs": list(section.paragraphs),
                "chart": name,
                "tables": [_table_json(table) for table in section.tables],
            }
        )
    scope = next((line for line in document.context if line.startswith("Périmètre")), "")
    data = {
        "title": document.title,
        "scope": scope.removeprefix("Périmètre : "),
        "context": list(document.context),
        "sections": sections,
    }
    return data, charts


def pdf_bytes(document: Document) -> bytes:
    """The document as a PDF."""
    import typst

    data, charts = document_json(document)
    inputs = {"data": json.dumps(data, ensure_ascii=False, default=str), **charts}
    return typst.compile(TEMPLATE.encode("utf-8"), format="pdf", sys_inputs=inputs)
