"""The way to a learner's file (page « Fiche apprenant »): the search box, the address that
names the learner (``?apprenant=<identifiant>``, so a file can be sent as a link or reloaded),
the link under a per-learner table when a row is selected, and printing.

The file's address is ``LEARNER_PAGE`` with the parameter ``PARAMETER``; only roles that see
names have the page (app.py), and the dataset searched is the user's part of the data.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from indicators import learner_file
from ui import format as fmt
from ui.text import escape

LEARNER_PAGE = "pages/learner.py"
PARAMETER = "apprenant"
"""The URL parameter naming the learner shown (their identifier)."""
_SHOWN_KEY = "_learner_shown"
_FROM_URL_KEY = "_learner_from_url"
_CHOICE_KEY = "learner_choice"

PRINT_CSS = """
<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDownloadButton"], [data-testid="stElementToolbar"], iframe { display: none !important; }
  [data-testid="stMain"] { margin-left: 0 !important; }
}
</style>
"""


def _show(external_id: str | None) -> None:
    st.session_state[_SHOWN_KEY] = external_id


def _chosen() -> None:  # the selectbox of the search results
    _show(st.session_state.get(_CHOICE_KEY))


def _label(row: dict) -> str:
    name = row["learner_name"] or "(sans nom)"
    return f"{name} — {row['external_id']} — {row['group']}, {row['site']} ({row['school_year']})"


def choose_learner(index: pl.DataFrame) -> str | None:
    """The search box and its results; the identifier of the learner to show (from the search,
    or from the address when it names one), kept in the address. None: nobody chosen yet."""
    from_url = st.query_params.get(PARAMETER)
    if from_url and st.session_state.get(_FROM_URL_KEY) != from_url:
        st.session_state[_FROM_URL_KEY] = from_url
        _show(from_url)
    query = st.text_input(
        "Rechercher un apprenant",
        key="learner_query",
        placeholder="Nom, prénom ou identifiant",
        help="Sans tenir compte des majuscules ni des accents ; chaque mot tapé doit se trouver "
        "dans le nom ou l'identifiant.",
    )
    if query and query.strip():
        found = learner_file.find_learners(index, query)
        limit = learner_file.SEARCH_LIMIT
        if found.is_empty():
            st.info(
                f"Aucun apprenant ne correspond à « {escape(query.strip())} » dans vos données."
            )
        elif found.height == 1:
            only = found.get_column("external_id").item(0)
            if st.session_state.get(_SHOWN_KEY) != only:
                _show(only)
        else:
            rows = found.head(limit).to_dicts()
            labels = {row["external_id"]: _label(row) for row in rows}
            st.selectbox(
                f"Apprenants trouvés ({fmt.number(len(rows))}"
                + (" premiers" if found.height > limit else "")
                + ")",
                list(labels),
                format_func=labels.get,
                index=None,
                key=_CHOICE_KEY,
                on_change=_chosen,
                placeholder="Choisissez un apprenant",
            )
            if found.height > limit:
                st.caption(
                    f"Plus de {fmt.number(limit)} apprenants correspondent : précisez la recherche."
                )
    shown = st.session_state.get(_SHOWN_KEY)
    if shown:
        st.session_state[_FROM_URL_KEY] = shown
        if st.query_params.get(PARAMETER) != shown:
            st.query_params[PARAMETER] = shown
    elif not (query and query.strip()):
        st.caption(
            "Tapez un nom ou un identifiant, ou sélectionnez une ligne d'un tableau d'apprenants "
            "(Décrochage, Accompagnement, Entretiens…) pour ouvrir sa fiche."
        )
    return shown or None


def identity_lines(identity: dict) -> list[tuple[str, str]]:
    """(label, value) of the file's heading: identifier, referent, group, site."""
    return [
        ("Identifiant", identity["external_id"]),
        ("Référent", identity["referent"] or "Sans référent"),
        ("Groupe", identity["group"] or "(non renseigné)"),
        ("Site", identity["site"] or "(non renseigné)"),
    ]


def print_style() -> None:
    """What printing leaves out: the sidebar, the toolbars and the download buttons."""
    st.html(PRINT_CSS)


def print_button() -> None:
    """A button that opens the browser's print dialogue for the page."""
    st.iframe(
        '<button onclick="window.parent.print()" style="font: 14px sans-serif; padding: 6px '
        '14px; border: 1px solid #ccc; border-radius: 8px; background: white; cursor: pointer">'
        "Imprimer la fiche</button>",
        height=44,
        width="content",
    )


def link_to_selected(frame: pl.DataFrame, selection: object) -> None:
    """Under a per-learner table whose row was selected: a link to that learner's file."""
    rows = getattr(getattr(selection, "selection", None), "rows", None) or []
    if not rows or "external_id" not in frame.columns or rows[0] >= frame.height:
        return
    row = frame.row(rows[0], named=True)
    name = row.get("learner_name") or row["external_id"]
    st.page_link(
        LEARNER_PAGE,
        label=f"Ouvrir la fiche de {escape(str(name))}",
        icon=":material/person_search:",
        query_params={PARAMETER: row["external_id"]},
    )
