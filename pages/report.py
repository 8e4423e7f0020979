"""Rapport : le rapport mensuel (PDF, Excel) et les chiffres annuels à publier, pour le
périmètre de l'utilisateur et les sites ou groupes choisis dans le panneau latéral."""

from datetime import datetime

import streamlit as st

from domain import school_year_name
from indicators import summary
from indicators.common import Filters, Period, Scope
from reports import monthly, publication
from reports.document import table_text
from reports.files import FORMATS, render
from ui import cached, follow_up, sidebar
from ui import format as fmt
from ui.text import escape

sel = sidebar.selection()
chosen = Filters(sites=sel.scope.filters.sites, groups=sel.scope.filters.groups)

st.title("Rapport")
st.caption(
    "Le rapport mensuel à envoyer au conseil et aux sites, et les chiffres annuels à publier. "
    "Ils portent sur votre périmètre et sur les sites et groupes choisis dans le panneau "
    f"latéral ({escape(monthly.scope_label(sel.scope))}). Les "
    "mêmes fichiers s'obtiennent par « pilotage report » (voir le README pour l'envoi mensuel "
    "par e-mail)."
)

covered = cached.compute(summary.data_period, sel, filters=chosen)
st.subheader("Rapport mensuel")
if covered is None:
    st.info("Aucune donnée dans ce périmètre : pas de rapport à établir.")
    st.stop()
months = monthly.months_between(covered.start, covered.end)
complete = [index for index, period in enumerate(months) if period.end <= covered.end]
month = st.selectbox(
    "Mois du rapport",
    months,
    index=complete[0] if complete else 0,
    help="Par défaut, le dernier mois complet des données.",
    format_func=lambda period: monthly.month_name(period).capitalize(),
    key="report_month",
)
scope = Scope(month, chosen, sel.scope.settings, sel.scope.perimeter)
contacts = (
    monthly.contact_pairs(follow_up.contacts_of(sel)) if follow_up.contacts_known(sel) else None
)
report = cached.compute(monthly.monthly_report, sel, scope=scope, contacts=contacts)


def download_buttons(make_document, label: str, stem: str, key: str) -> None:
    """The PDF and Excel buttons of one document (``make_document(now)``), side by side; the
    file is rendered only when the button is clicked."""
    for column, suffix, kind, icon in zip(
        st.columns(2),
        (".pdf", ".xlsx"),
        ("PDF", "Excel"),
        (":material/picture_as_pdf:", ":material/table_view:"),
        strict=True,
    ):
        column.download_button(
            f"Télécharger {label} ({kind})",
            data=lambda suffix=suffix: render(make_document(datetime.now()), suffix),
            file_name=f"{stem}{suffix}",
            mime=FORMATS[suffix],
            on_click="ignore",
            icon=icon,
            width="stretch",
            key=f"{key}_{suffix[1:]}",
        )


download_buttons(
    lambda now: monthly.document(report, now),
    "le rapport",
    f"rapport-{month.start:%Y-%m}",
    "report",
)

st.markdown(f"**{escape(report.title)}** — du {fmt.day(month.start)} au {fmt.day(month.end)}")
for sentence in report.summary:
    st.markdown(f"- {escape(sentence)}")
if report.has_data:
    headline = monthly.headline_section(report).tables[0]
    rows = table_text(headline)
    st.dataframe(rows, hide_index=True, width="stretch", height=35 * (len(rows) + 1) + 3)
    st.caption(
        "Le rapport contient aussi : les copies reçues et corrigées par semaine avec les pics, "
        "les délais de correction par discipline, le tutorat par site, le décrochage par public "
        "et par groupe, les apprenants à risque par niveau, les heures d'accompagnement "
        "assurées et attendues par groupe."
    )

st.subheader("Chiffres annuels à publier")
year = Period.school_year_of(sel.scope.period.start)
name = school_year_name(year.start.year)
st.caption(
    f"Année scolaire {name} (celle du panneau latéral) : taux d'interruption en cours de "
    "formation (article L6111-8 du Code du travail) et indicateurs de résultats de Qualiopi "
    "(indicateur 2), avec leur définition exacte et la liste des chiffres que les données ne "
    "permettent pas de calculer."
)
year_scope = Scope(year, chosen, sel.scope.settings, sel.scope.perimeter)
figures = cached.compute(publication.publication_figures, sel, scope=year_scope)


download_buttons(
    lambda now: publication.document(figures, now),
    "les chiffres à publier",
    f"publication-{name}",
    "publication",
)
