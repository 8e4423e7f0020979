"""The shared sidebar: data source, period, filters and settings, kept across pages.

app.py renders it once per run (before the page), so its widgets and their session-state
keys persist when the user moves between pages. Pages read the result with ``selection()``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import parse_qsl, urlencode

import polars as pl
import streamlit as st
from streamlit.navigation.page import StreamlitPage

from data_access import db, saved_views
from domain import school_year_name, school_year_of, school_year_of_expr
from indicators.common import (
    DEFAULT_SETTINGS,
    Filters,
    IndicatorSettings,
    Perimeter,
    Period,
    Scope,
)
from indicators.dataset import Dataset
from ui import auth, cache, cached, view_url, writes
from ui import format as fmt
from ui.auth import User
from ui.text import escape

PSEUDONYMISE_KEY = "pseudonymise_downloads"
"""session_state key: whether downloads of per-learner tables are pseudonymised."""
QUICK_ANALYSIS_KEY = "quick_analysis"
"""session_state key of a (file name, Dataset) analysed without saving (page Importer)."""

_SELECTION_KEY = "_pilotage_selection"
_DATABASE_DATASET_KEY = "_pilotage_database_dataset"
"""session_state key: the database's dataset of this run (to tell it from a file analysed)."""
_WRITTEN_KEY = "_view_params_written"
COMPARE_KEY = "compare_year"
"""session_state key: the view parameters last written to (or read from) the address."""
SURGE_RATIOS = (1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 8.0, 10.0)
"""The surge thresholds offered (a slider of French values, not a field showing "2.00")."""
SOURCE_DATABASE = "Base de données"


@dataclass(frozen=True)
class Selection:
    dataset: Dataset
    scope: Scope
    """The period, filters and settings chosen: the one argument of every indicator."""
    source: str
    data_key: str
    """Identifies the data (database URL and data version, or the analysed file): cache key."""
    year_before: bool = False
    """Whether figures, tables and charts show the same period a year earlier beside them."""


def _school_years(dataset: Dataset) -> list[int]:
    """First years of the school years that hold data, most recent first: those of the
    database (whose dataset holds only the years shown, see ``_year_to_load``) and those of
    the dataset (a file analysed)."""
    in_database = cache.school_years() if dataset is _database_dataset() else []
    return _years_offered(dataset, in_database)


def _years_offered(dataset: Dataset, in_database: list[int]) -> list[int]:
    return sorted(set(in_database) | set(cached.of_dataset(_years_in, dataset)), reverse=True)


def default_selection(dataset: Dataset, data_key: str, perimeter: Perimeter) -> Selection:
    """The selection a new session on the database's data (``dataset``, of key ``data_key``)
    starts with: no address read, no widget touched (the latest school year, no filter, the
    default settings). What a server process computes before it answers (ui/warmup.py)."""
    year = _years_offered(dataset, cache.school_years())[0]
    scope = Scope(Period.school_year(year), Filters(), DEFAULT_SETTINGS, perimeter)
    return Selection(dataset, scope, SOURCE_DATABASE, data_key)


def filter_lists(selection: Selection) -> None:
    """The lists of the filters of a selection with no filter chosen, computed as ``render``
    asks for them (memoised per dataset): what a server computes before it answers."""
    dataset = selection.dataset
    for column in ("site", "group", "public"):
        cached.of_dataset(_column_options, dataset, column)
    cached.of_dataset(_group_options, dataset, selection.scope.period, ())
    cached.of_dataset(_disciplines, dataset)


def _database_dataset() -> Dataset | None:
    return st.session_state.get(_DATABASE_DATASET_KEY)


def _years_in(dataset: Dataset) -> list[int]:
    """First years of the school years the dataset's enrolments and copies fall in (from
    their distinct days: a few hundred, not the 2,7 million copies of the national data)."""
    days = (
        pl.concat(
            [
                dataset.enrolments.select(pl.col("entry_date").unique().alias("d")),
                dataset.copies.select(pl.col("submitted_on").unique().alias("d")),
            ]
        )
        .drop_nulls()
        .unique()
    )
    if days.is_empty():
        return [school_year_of(date.today())]
    years = days.select(school_year_of_expr(pl.col("d")).unique().sort(descending=True))
    return years.to_series().to_list()


def _year_to_load() -> int | None:
    """The school year whose data the sidebar loads (with the one before, for comparisons):
    the one an address not read yet asks for, else the one chosen, else None (the latest)."""
    params = _address_params()
    asked = params.get(view_url.YEAR)
    if asked and params != st.session_state.get(_WRITTEN_KEY):
        first = asked[0].strip()[:4]
        if first.isdigit() and int(first) in cache.school_years():
            return int(first)
    return cache.session_year()


def _choose_source(user: User) -> tuple[Dataset, str, str]:
    """The dataset to analyse, its label and its cache key."""
    analysed = st.session_state.get(QUICK_ANALYSIS_KEY)
    if analysed is not None:
        file_name, dataset = analysed
        label = f"Fichier « {file_name} » (analyse rapide, non enregistré)"
        choice = st.sidebar.radio(
            "Source des données", [label, SOURCE_DATABASE], format_func=escape, key="source"
        )
        if choice != SOURCE_DATABASE:
            return dataset, label, f"file:{file_name}:{id(dataset)}"
    dataset, data_key = cache.current_dataset(user, _year_to_load())
    st.session_state[_DATABASE_DATASET_KEY] = dataset
    cache.data_notice()
    return dataset, SOURCE_DATABASE, data_key


def _choose_period(dataset: Dataset) -> Period:
    years = _school_years(dataset)
    year = st.sidebar.selectbox(
        "Année scolaire",
        years,
        format_func=school_year_name,
        key="school_year",
        placeholder="Choisissez une année",
    )
    school_year = Period.school_year(year)
    if st.session_state.get("_period_year") != year:  # a new year resets the dates
        st.session_state["_period_year"] = year
        st.session_state["period"] = (school_year.start, school_year.end)
    chosen = st.sidebar.date_input(
        "Période",
        key="period",
        format="DD/MM/YYYY",
        help=(
            "Toutes les dates des indicateurs se rapportent à cette période. Dans le calendrier, "
            "« Date range » (plage de dates, libellé de Streamlit) propose des périodes toutes "
            "faites ; on peut aussi taper les dates au format jj/mm/aaaa."
        ),
    )
    if isinstance(chosen, tuple | list) and len(chosen) == 2:
        return Period(chosen[0], chosen[1])
    st.sidebar.caption("Choisissez la date de fin de la période.")
    start = chosen[0] if isinstance(chosen, tuple | list) and chosen else school_year.start
    return Period(start, max(start, school_year.end))


def _options(frame: pl.DataFrame, column: str) -> list[str]:
    return sorted(frame.get_column(column).drop_nulls().unique().to_list())


def _keep_known(user: User, key: str, known: list[str], what: str) -> None:
    """Check the multiselect's values against the user's data: a value the user's data do not
    hold is refused (recorded) when the user's perimeter is limited, and dropped otherwise (a
    name that no longer exists)."""
    chosen = list(st.session_state.get(key) or [])
    unknown = [value for value in chosen if value not in known]
    if not unknown:
        return
    st.session_state[key] = [value for value in chosen if value in known]
    if not user.perimeter.is_everything:
        _refuse_names(user, what, unknown)


def _refuse_names(user: User, what: str, names: list[str]) -> None:
    listed = ", ".join(f"« {value} »" for value in names)
    auth.refuse(
        user, f"{what} {listed}", f"{what.capitalize()} {listed} : hors de votre périmètre."
    )


def _column_options(dataset: Dataset, column: str) -> list[str]:
    return _options(dataset.enrolments, column)


def _group_options(dataset: Dataset, period: Period, sites: tuple[str, ...]) -> list[str]:
    in_scope = dataset.enrolments.filter(
        (pl.col("entry_date") <= period.end)
        & (pl.col("exit_date").is_null() | (pl.col("exit_date") >= period.start))
    )
    if sites:
        in_scope = in_scope.filter(pl.col("site").is_in(sites))
    return _options(in_scope, "group")


def _disciplines(dataset: Dataset) -> list[str]:
    return dataset.disciplines


def _choose_filters(dataset: Dataset, period: Period, user: User) -> Filters:
    """The filters; their lists are computed once per dataset (and period, for the groups):
    ``cached.of_dataset``, not at every rerun."""
    site_options = cached.of_dataset(_column_options, dataset, "site")
    _keep_known(user, "filter_sites", site_options, "site")
    _keep_known(
        user, "filter_groups", cached.of_dataset(_column_options, dataset, "group"), "groupe"
    )
    sites = st.sidebar.multiselect("Site", site_options, key="filter_sites", placeholder="Tous")
    group_options = cached.of_dataset(_group_options, dataset, period, tuple(sites))
    if any(g not in group_options for g in st.session_state.get("filter_groups") or []):
        kept = [g for g in st.session_state["filter_groups"] if g in group_options]
        st.session_state["filter_groups"] = kept  # groups of another year or site
    groups = st.sidebar.multiselect(
        "Groupe / classe", group_options, key="filter_groups", placeholder="Tous"
    )
    disciplines = st.sidebar.multiselect(
        "Discipline",
        cached.of_dataset(_disciplines, dataset),
        key="filter_disciplines",
        placeholder="Toutes",
    )
    publics = st.sidebar.multiselect(
        "Public",
        cached.of_dataset(_column_options, dataset, "public"),
        key="filter_publics",
        placeholder="Tous",
    )
    return Filters(
        sites=tuple(sites),
        groups=tuple(groups),
        disciplines=tuple(disciplines),
        publics=tuple(publics),
    )


SETTING_WIDGETS = {
    "correction_target_days": (1, 60),
    "surge_ratio": SURGE_RATIOS,
    "surge_min_volume": (1, 100_000),
    "risk_inactivity_weeks": (1, 52),
}
"""The settings the sidebar sets: (lowest, highest) of a whole number, or the values offered."""


def _setting_key(name: str) -> str:
    return f"set_{name}"


def _choose_settings() -> IndicatorSettings:
    labels = DEFAULT_SETTINGS.labels
    for name in SETTING_WIDGETS:  # the defaults, unless the user or an address set them
        st.session_state.setdefault(_setting_key(name), getattr(DEFAULT_SETTINGS, name))
    with st.sidebar.expander("Seuils et objectifs"):
        correction = st.number_input(
            labels["correction_target_days"],
            *SETTING_WIDGETS["correction_target_days"],
            key=_setting_key("correction_target_days"),
        )
        ratio = st.select_slider(
            labels["surge_ratio"],
            options=SURGE_RATIOS,
            format_func=lambda value: f"×{fmt.number(value, None)}",
            key=_setting_key("surge_ratio"),
        )
        minimum = st.number_input(
            labels["surge_min_volume"],
            *SETTING_WIDGETS["surge_min_volume"],
            key=_setting_key("surge_min_volume"),
        )
        inactivity = st.number_input(
            labels["risk_inactivity_weeks"],
            *SETTING_WIDGETS["risk_inactivity_weeks"],
            key=_setting_key("risk_inactivity_weeks"),
        )
        st.caption("Les seuils en vigueur et leur définition : page « Aide ».")
    return replace(
        DEFAULT_SETTINGS,
        correction_target_days=int(correction),
        surge_ratio=float(ratio),
        surge_min_volume=int(minimum),
        risk_inactivity_weeks=int(inactivity),
    )


def _choose_pseudonyms(user: User) -> None:
    if not user.sees_names:
        st.sidebar.caption(
            ":material/shield_person: Rôle lecture : chiffres seulement ; les listes "
            "d'apprenants ne sont pas affichées et se téléchargent pseudonymisées."
        )
        return
    st.sidebar.toggle(
        "Pseudonymiser les téléchargements",
        key=PSEUDONYMISE_KEY,
        help="Dans les fichiers des listes d'apprenants, l'identifiant est remplacé par un "
        "pseudonyme stable (le même d'un fichier à l'autre) et les noms sont retirés.",
    )


def pseudonymised_downloads(user: User) -> bool:
    """Whether this user's downloads of per-learner tables are pseudonymised."""
    return not user.sees_names or bool(st.session_state.get(PSEUDONYMISE_KEY))


def _address_params() -> dict[str, list[str]]:
    return {
        name: st.query_params.get_all(name)
        for name in view_url.PARAMETERS
        if name in st.query_params
    }


def _apply_address(user: User, dataset: Dataset) -> None:
    """When the address holds view parameters this session did not write (a link opened, a
    reload, an address typed), put what they ask into the sidebar's widgets; one notice for the
    values left at their default; a site or group outside a limited perimeter refused."""
    params = _address_params()
    if not params or params == st.session_state.get(_WRITTEN_KEY):
        return
    enrolments = dataset.enrolments
    asked = view_url.parse(
        params,
        years=_school_years(dataset),
        known={
            "site": _options(enrolments, "site"),
            "groupe": _options(enrolments, "group"),
            "discipline": dataset.disciplines,
            "public": _options(enrolments, "public"),
        },
        limits=SETTING_WIDGETS,
    )
    st.session_state[_WRITTEN_KEY] = params  # read once: a rerun keeps what the user changes
    problems = list(asked.problems)
    for parameter, values in asked.unknown.items():
        if not user.perimeter.is_everything:
            del st.query_params[parameter]
            _refuse_names(user, parameter, values)
        names = ", ".join(f"« {value} »" for value in values)
        problems.append(f"{view_url.UNKNOWN[parameter]} dans vos données : {names}")
    if asked.year is not None:
        st.session_state["school_year"] = asked.year
        st.session_state["_period_year"] = asked.year
        year = Period.school_year(asked.year)
        st.session_state["period"] = (year.start, year.end)
    if asked.period is not None:
        if asked.year is None:  # dates of a year the data do not hold: the current year kept
            current = st.session_state.get("school_year") or _school_years(dataset)[0]
            st.session_state["school_year"] = current
            st.session_state["_period_year"] = current
        st.session_state["period"] = asked.period
    for parameter, key in view_url.LISTS.items():
        st.session_state[key] = asked.lists.get(parameter, [])
    st.session_state[COMPARE_KEY] = asked.compare
    for name in SETTING_WIDGETS:
        st.session_state[_setting_key(name)] = asked.thresholds.get(
            name, getattr(DEFAULT_SETTINGS, name)
        )
    if problems:
        st.warning(escape(view_url.notice(problems)), icon=":material/link_off:")


def _write_address(
    period: Period, filters: Filters, settings: IndicatorSettings, compare: bool
) -> None:
    """The selection shown, in the address (other parameters, such as a learner's, kept)."""
    params = view_url.encode(
        year=st.session_state.get("school_year") or school_year_of(period.start),
        period=(period.start, period.end),
        lists={
            "site": filters.sites,
            "groupe": filters.groups,
            "discipline": filters.disciplines,
            "public": filters.publics,
        },
        settings=settings,
        compare=compare,
    )
    for name in view_url.PARAMETERS:
        if name not in params and name in st.query_params:
            del st.query_params[name]
    for name, values in params.items():
        if st.query_params.get_all(name) != values:
            st.query_params[name] = values
    st.session_state[_WRITTEN_KEY] = params


VIEW_NAME_KEY = "saved_view_name"
"""session_state key of the name typed for the view to save."""


def _saved_views(user: User, page: StreamlitPage | None) -> None:
    """The account's named views: save the view shown (its address parameters) under a name,
    open one (a link to this page with its parameters), delete one. Open access: one line."""
    if page is None:
        return
    if user.is_open:
        st.sidebar.caption("Vues enregistrées : disponibles une fois connecté à un compte.")
        return
    with st.sidebar.expander("Vues enregistrées"):
        name = st.text_input(
            "Nom de la vue",
            key=VIEW_NAME_KEY,
            help="Période, filtres et seuils de cette vue, rouverts d'un clic. Un nom déjà "
            "utilisé remplace la vue de ce nom.",
        )
        if st.button("Enregistrer cette vue", icon=":material/bookmark_add:"):
            query = urlencode(st.session_state.get(_WRITTEN_KEY) or {}, doseq=True)
            saved, refused = writes.save_view(name, query)
            if refused:
                st.error(escape(refused))
            elif saved is not None:
                st.success(f"Vue « {escape(saved.name)} » enregistrée.")
        views = saved_views.views_of(db.get_engine(), user.login)  # read fresh: tiny
        if not views:
            st.caption("Aucune vue enregistrée.")
        for view in views:
            link, remove = st.columns([5, 1], vertical_alignment="center")
            with link:
                st.page_link(
                    page,
                    label=escape(view.name),
                    icon=":material/bookmark:",
                    query_params=parse_qsl(view.query),
                )
            with remove:
                if st.button(
                    "",
                    icon=":material/delete:",
                    key=f"delete_view_{view.id}",
                    help=f"Supprimer la vue « {view.name} »",
                ):
                    writes.delete_view(view.id)
                    st.rerun()
        if views:
            _rename_view({view.id: view.name for view in views})


def _rename_view(names: dict[int, str]) -> None:
    """Rename one of the account's views: which, its new name, a button."""
    chosen = st.selectbox(
        "Vue à renommer",
        list(names),
        format_func=names.get,
        index=None,
        key="rename_view_choice",
        placeholder="Choisissez une vue",
    )
    new_name = st.text_input("Nouveau nom", key="rename_view_name")
    if st.button("Renommer la vue", icon=":material/edit:", key="rename_view"):
        if chosen is None:
            st.error("Choisissez la vue à renommer.")
            return
        renamed, refused = writes.rename_view(chosen, new_name)
        if refused:
            st.error(escape(refused))
        elif renamed is not None:
            st.success(f"Vue renommée « {escape(renamed.name)} ».")


def render(user: User, page: StreamlitPage | None = None) -> Selection:
    """Draw the sidebar and remember the selection for the page of this run (``page``, the page
    shown: the target of the saved views' links)."""
    dataset, source, data_key = _choose_source(user)
    _apply_address(user, dataset)
    period = _choose_period(dataset)
    compare = st.sidebar.toggle(
        "Comparer à la même période un an plus tôt",
        key=COMPARE_KEY,
        help="Chiffres clés, tableaux par site, groupe ou public, et courbes d'activité : la "
        "même période un an plus tôt à côté, avec l'évolution (en points pour un taux, en % "
        "pour un nombre).",
    )
    filters = _choose_filters(dataset, period, user)
    outside = user.perimeter.outside(filters)
    if outside:  # never reached through the widgets: their options are the user's data
        names = ", ".join(f"« {name} »" for name in outside)
        auth.refuse(user, f"filtre {names}", f"Filtre {names} : hors de votre périmètre.")
    settings = _choose_settings()
    _choose_pseudonyms(user)
    st.sidebar.caption(f"Du {fmt.day(period.start)} au {fmt.day(period.end)}")
    _write_address(period, filters, settings, compare)
    _saved_views(user, page)
    scope = Scope(period, filters, settings, user.perimeter)
    current = Selection(dataset, scope, source, data_key, compare)
    st.session_state[_SELECTION_KEY] = current
    return current


def selection() -> Selection:
    """The sidebar's selection for this run (rendered by app.py before the page)."""
    current = st.session_state.get(_SELECTION_KEY)
    if current is None:  # a page run on its own (tests): draw the sidebar now
        current = render(auth.current())
    return current
