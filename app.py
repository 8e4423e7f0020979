"""Pilotage : point d'entrée de l'application web.

It only routes (st.navigation) and holds the shared sidebar; every screen is a file in pages/.
"""

from __future__ import annotations

import streamlit as st

from data_access.errors import PilotageError, report_unexpected
from ui import auth, cache
from ui.text import escape

st.set_page_config(page_title="Pilotage", page_icon=":material/monitoring:", layout="wide")

# French URL paths (which also differ from the file names: Streamlit's test harness would
# otherwise run a page file on its own, without this script and its sidebar). Each page says
# who may use it: everyone, those who see learners by name, those who write, the direction.
EVERYONE, NAMES, WRITE, AUDIT = "tous", "noms", "écriture", "audit"
PAGES: dict[str, list[tuple[str, str, str, str, str]]] = {
    "Suivi de l'activité": [
        ("pages/overview.py", "vue-d-ensemble", "Vue d'ensemble", ":material/dashboard:", EVERYONE),
        ("pages/activity.py", "activite", "Activité et pics", ":material/trending_up:", EVERYONE),
        ("pages/delays.py", "delais", "Délais de correction", ":material/timer:", EVERYONE),
        ("pages/tutoring.py", "tutorat", "Tutorat", ":material/forum:", EVERYONE),
        (
            "pages/forecast.py",
            "prevoir-la-charge",
            "Prévoir la charge",
            ":material/query_stats:",
            EVERYONE,
        ),
        ("pages/report.py", "rapport", "Rapport", ":material/description:", EVERYONE),
    ],
    "Suivi des apprenants": [
        (
            "pages/learner.py",
            "fiche-apprenant",
            "Fiche apprenant",
            ":material/person_search:",
            NAMES,
        ),
        ("pages/dropout.py", "decrochage", "Décrochage", ":material/flag:", EVERYONE),
        (
            "pages/at_risk.py",
            "apprenants-a-risque",
            "Apprenants à risque",
            ":material/call:",
            EVERYONE,
        ),
        (
            "pages/support.py",
            "accompagnement",
            "Accompagnement personnalisé",
            ":material/diversity_3:",
            EVERYONE,
        ),
        ("pages/interviews.py", "entretiens", "Entretiens", ":material/folder_shared:", EVERYONE),
    ],
    "Données et organisation": [
        (
            "pages/import_data.py",
            "importer",
            "Importer des données",
            ":material/upload_file:",
            WRITE,
        ),
        ("pages/plan_ap.py", "planifier-ap", "Planifier l'AP", ":material/calendar_month:", NAMES),
        ("pages/audit.py", "journal", "Journal d'audit", ":material/policy:", AUDIT),
        ("pages/help.py", "aide", "Aide", ":material/help:", EVERYONE),
    ],
}


def _allowed(user: auth.User, right: str) -> bool:
    return {
        EVERYONE: True,
        NAMES: user.sees_names,
        WRITE: user.may_write,
        AUDIT: user.reads_audit,
    }[right]


def navigation_of(user: auth.User) -> dict[str, list[st.Page]]:
    """The pages of the user's role. A page the role may not use is not there: its address
    only leads to a refusal (recorded), never to the page."""
    sections: dict[str, list[st.Page]] = {}
    refusals = []
    for section, pages in PAGES.items():
        for path, url, title, icon, right in pages:
            if _allowed(user, right):
                default = url == "vue-d-ensemble"
                page = st.Page(path, url_path=url, title=title, icon=icon, default=default)
                sections.setdefault(section, []).append(page)
            else:
                refused = auth.refused_page(title)
                refusals.append(st.Page(refused, url_path=url, title=title, visibility="hidden"))
    if refusals:
        sections[list(sections)[-1]] += refusals
    return sections


def login_navigation() -> list[st.Page]:
    """Before login: the login form, at every address (the asked page opens after login)."""
    first = st.Page(auth.login_screen, title="Connexion", default=True)
    others = [
        st.Page(auth.login_screen, title="Connexion", url_path=url)
        for pages in PAGES.values()
        for _path, url, *_ in pages
        if url != "vue-d-ensemble"
    ]
    return [first, *others]


try:
    user = auth.session_user()
except PilotageError as error:  # the database cannot be reached: nobody can be checked
    st.navigation(login_navigation(), position="hidden")
    st.error(escape(str(error)))
    st.stop()
if user is None:
    st.navigation(login_navigation(), position="hidden").run()
    st.stop()
auth.remember(user)
# Signed in: the data are read first, on another thread (their snapshots after a start, outside
# Python's lock), while the rest of the app is imported. Not before: a login form needs none.
cache.start_loading()

# pandas is imported here, fully, before any page runs: Altair looks it up in sys.modules,
# and a page run started by a click while another run was still importing it saw a
# half-initialised module ("partially initialized module 'pandas'").
import pandas  # noqa: E402, F401

from ui import notices, sidebar  # noqa: E402

# Every page of the role listed (beyond twelve, Streamlit would hide some behind "View more").
page = st.navigation(navigation_of(user), expanded=True)
st.sidebar.title("Pilotage")
auth.user_box(user)

try:
    notices.stale_sources(sidebar.render(user, page))
    page.run()
except PilotageError as error:
    st.error(escape(str(error)))
except Exception as error:  # no traceback ever reaches a user
    # Only the error's type and place are logged: its message could hold personal data.
    reference = report_unexpected(error, f"la page {page.title}")
    st.error(
        f"Une erreur inattendue empêche d'afficher cette page (référence {reference}). Les "
        "données n'ont pas été modifiées. Réessayez ; si le problème persiste, signalez "
        "cette référence."
    )
