"""A downloadable Excel template for each kind: French headers and one example row."""

from __future__ import annotations

import io

from data_access.exports import new_workbook
from data_access.importing.fields import KIND_LABELS, KINDS


def template_bytes(kind: str) -> bytes:
    """The template workbook of a kind: a sheet of headers + example, and a sheet of help."""
    specs = KINDS[kind]
    buffer = io.BytesIO()
    with new_workbook(buffer) as workbook:
        bold = workbook.add_format({"bold": True, "bg_color": "#E8EEF7"})
        required = workbook.add_format({"bold": True, "bg_color": "#FCE4D6"})
        sheet = workbook.add_worksheet(KIND_LABELS[kind][:31])
        for column, spec in enumerate(specs):
            sheet.write_string(0, column, spec.label, required if spec.required else bold)
            if spec.example:
                sheet.write_string(1, column, spec.example)
            sheet.set_column(column, column, max(14, len(spec.label) + 2))
        sheet.freeze_panes(1, 0)
        notes = workbook.add_worksheet("Aide")
        for column, title in enumerate(["Colonne", "Obligatoire", "Valeurs acceptées"]):
            notes.write_string(0, column, title, bold)
        for row, spec in enumerate(specs, start=1):
            notes.write_string(row, 0, spec.label)
            notes.write_string(row, 1, "oui" if spec.required else "non")
            notes.write_string(row, 2, _accepted(spec.type, spec.choices))
        notes.set_column(0, 0, 32)
        notes.set_column(2, 2, 70)
    return buffer.getvalue()


def _accepted(kind: str, choices: tuple[str, ...]) -> str:
    if choices:
        return ", ".join(choices) + " (majuscules et accents indifférents)"
    return {
        "date": "jj/mm/aaaa, aaaa-mm-jj ou une date Excel",
        "datetime": "jj/mm/aaaa hh:mm (ou une date Excel)",
        "grade": "nombre de 0 à 20, virgule ou point (12,5)",
        "integer": "nombre entier",
        "number": "nombre, virgule ou point",
        "hours": "durée : 2h30, 2,5 (heures) ou 150 min",
        "minutes": "durée : 45 min, 1h30 (un nombre seul est en minutes)",
        "bool": "oui / non, présent / absent, 1 / 0",
    }.get(kind, "texte")
