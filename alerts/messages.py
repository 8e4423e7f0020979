"""The e-mails of alerts and reports: short, French, with the figure, the threshold and a link
to the page (pure: alerts in, subject and text out)."""

from __future__ import annotations

from datetime import date

import polars as pl

from alerts.rules import page_link
from ui import format as fmt


def alert_mail(alerts: pl.DataFrame, day: date, app_url: str) -> tuple[str, str]:
    """The subject and text of the e-mail that carries these alerts."""
    count = alerts.height
    plural = "s" if count > 1 else ""
    subject = f"Pilotage : {fmt.number(count)} nouvelle{plural} alerte{plural} au {fmt.day(day)}"
    lines = [
        "Bonjour,",
        "",
        f"Pilotage a relevé au {fmt.day(day)} :",
        "",
    ]
    for row in alerts.sort("rule", "site", "discipline", nulls_last=True).iter_rows(named=True):
        lines.append(f"- {row['message']}")
        lines.append(f"  Voir : {page_link(app_url, row['page'])}")
    lines += [
        "",
        "Chaque alerte n'est envoyée qu'une fois par semaine. Les seuils sont ceux des réglages "
        "de Pilotage (objectif de délai, seuil d'un pic, part attendue sous 48 h, stock de "
        "copies).",
        "",
        "— Pilotage",
    ]
    return subject, "\n".join(lines)


def report_mail(title: str, scope: str, file_name: str, app_url: str) -> tuple[str, str]:
    """The subject and text of the e-mail that carries a report as attachment."""
    body = "\n".join(
        [
            "Bonjour,",
            "",
            f"Veuillez trouver ci-joint « {title} » ({scope}), fichier {file_name}.",
            f"Les mêmes chiffres, à jour, sont sur la page Rapport : {page_link(app_url, 'rapport')}",
            "",
            "— Pilotage",
        ]
    )
    return f"Pilotage : {title}", body
