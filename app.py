"""Pilotage : point d'entrée de l'application web.

It only routes (st.navigation) and holds the shared sidebar; every screen is a file in pages/.
"""

from __future__ import annotations

import pandas  # noqa: F401  (see below)
import streamlit as st

from data_access.errors import PilotageError, report_unexpected
from ui import sidebar
from ui.text import escape

# pandas is imported here, fully, before any page runs: Altair looks it up in sys.modules,
# and a page run started by a click while another run was still importing it saw a
# half-initialised module ("partially initialized module 'pandas'").

st.set_page_config(page_title="Pilotage", page_icon=":material/monitoring:", layout="wide")

# French URL paths (which also differ from the file names: Streamlit's test harness would
# otherwise run a page file on its own, without this script and its sidebar).
PAGES = {
    "Suivi de l'activité": [
        st.Page(
            "pages/overview.py",
            url_path="vue-d-ensemble",
            title="Vue d'ensemble",
            icon=":material/dashboard:",
            default=True,
        ),
        st.Page(
            "pages/activity.py",
            url_path="activite",
            title="Activité et pics",
            icon=":material/trending_up:",
        ),
        st.Page(
            "pages/delays.py",
            url_path="delais",
            title="Délais de correction",
            icon=":material/timer:",
        ),
        st.Page("pages/tutoring.py", url_path="tutorat", title="Tutorat", icon=":material/forum:"),
    ],
    "Suivi des apprenants": [
        st.Page(
            "pages/dropout.py", url_path="decrochage", title="Décrochage", icon=":material/flag:"
        ),
        st.Page(
            "pages/support.py",
            url_path="accompagnement",
            title="Accompagnement personnalisé",
            icon=":material/diversity_3:",
        ),
        st.Page(
            "pages/interviews.py",
            url_path="entretiens",
            title="Entretiens",
            icon=":material/folder_shared:",
        ),
    ],
    "Données et organisation": [
        st.Page(
            "pages/import_data.py",
            url_path="importer",
            title="Importer des données",
            icon=":material/upload_file:",
        ),
        st.Page(
            "pages/plan_ap.py",
            url_path="planifier-ap",
            title="Planifier l'AP",
            icon=":material/calendar_month:",
        ),
    ],
}

page = st.navigation(PAGES)
st.sidebar.title("Pilotage")

try:
    sidebar.render()
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
