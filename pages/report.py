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
from ui import cached, sidebar
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
report = cached.compute(monthly.monthly_report, sel, scope=scope)


def monthly_file(suffix: str):
    def build() -> bytes:
        return render(monthly.document(report, datetime.now()), suffix)

    return build


left, right = st.columns(2)
stem = f"rapport-{month.start:%Y-%m}"
left.download_button(
    "Télécharger le rapport (PDF)",
    data=monthly_file(".pdf"),
    file_name=f"{stem}.pdf",
    mime=FORMATS[".pdf"],
    on_click="ignore",
    icon=":material/picture_as_pdf:",
    width="stretch",
    key="report_pdf",
)
right.download_button(
    "Télécharger le rapport (Excel)",
    data=monthly_file(".xlsx"),
    file_name=f"{stem}.xlsx",
    mime=FORMATS[".xlsx"],
    on_click="ignore",
    icon=":material/table_view:",
    width="stretch",
    key="report_xlsx",
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


def publication_file(suffix: str):
    def build() -> bytes:
        return render(publication.document(figures, datetime.now()), suffix)

    return build


left, right = st.columns(2)
left.download_button(
    "Télécharger les chiffres à publier (PDF)",
    data=publication_file(".pdf"),
    file_name=f"publication-{name}.pdf",
    mime=FORMATS[".pdf"],
    on_click="ignore",
    icon=":material/picture_as_pdf:",
    width="stretch",
    key="publication_pdf",
)
right.download_button(
    "Télécharger les chiffres à publier (Excel)",
    data=publication_file(".xlsx"),
    file_name=f"publication-{name}.xlsx",
    mime=FORMATS[".xlsx"],
    on_click="ignore",
    icon=":material/table_view:",
    width="stretch",
    key="publication_xlsx",
)
