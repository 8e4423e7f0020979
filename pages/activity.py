"""Activité et pics : flux de copies, de sollicitations de tutorat et d'entretiens par jour,
semaine ou mois, par site et discipline ; les pics d'activité marqués et listés ; le stock en
attente au fil du temps."""

from datetime import date

import streamlit as st

from indicators import compare, flows, surges
from indicators.learner_file import COLUMN_LABELS as EVENT_LABELS
from ui import cached, charts, charts_activity, drill, notices, sidebar, tables
from ui import format as fmt
from ui.definitions import help_for
from ui.text import escape
from ui.tiles import change_tile

GRAINS = {"day": "Jour", "week": "Semaine", "month": "Mois"}
BREAKDOWNS = {"none": "Ensemble", "site": "Par site", "discipline": "Par discipline"}
SURGE_SOURCES = {"copies": "Copies reçues", "tutoring": "Sollicitations de tutorat reçues"}
SURGE_UNITS = {"copies": "copies", "tutoring": "sollicitations"}
SURGE_OF_MEASURE = {"copies_received": "copies", "tutoring_requests": "tutoring"}
SURGE_BY = ("site", "discipline")
TILES = {
    "copies_received": "Copies reçues",
    "copies_corrected": "Copies corrigées",
    "tutoring_requests": "Sollicitations reçues",
    "tutoring_answered": "Sollicitations répondues",
    "interviews": "Entretiens menés",
}

BACKLOG_TITLES = {"copies": "Copies en attente", "tutoring": "Sollicitations sans réponse"}
WAITING_DEFINITIONS = {"copies": "copies_waiting", "tutoring": "requests_waiting"}


def show_behind(
    week_start: date, series: tuple[tuple[str, str | None], ...], source: str, key: str = ""
) -> None:
    """The copies (or requests) of one week of one site and discipline, whether chosen by a
    click on the chart or in the list of surges."""
    behind = cached.compute(
        surges.events_behind, sel, scope=scope, week_start=week_start, series=series, source=source
    )
    where = dict(series)
    st.caption(
        f"{fmt.number(behind.height)} {SURGE_UNITS[source]} de la semaine du "
        f"{fmt.day(week_start)}, {escape(where['discipline'] or '')} à "
        f"{escape(where['site'] or '')}."
    )
    tables.show(
        behind,
        EVENT_LABELS,
        f"pic_{source}_{week_start:%Y%m%d}",
        title=f"{SURGE_SOURCES[source]} de la semaine du {fmt.day(week_start)}",
        kinds={"response_hours": "hours"},
        key=f"surges_{source}_behind{key}",
    )


sel = sidebar.selection()
scope = sel.scope
period, settings = scope.period, scope.settings

st.title("Activité et pics")
notices.period_outside_data(sel)
st.caption(
    f"Du {fmt.day(period.start)} au {fmt.day(period.end)}. Copies reçues : remises dans la "
    "période ; copies corrigées : corrigées dans la période, quelle que soit la date de remise. "
    f"Source : {escape(sel.source)}."
)

totals = cached.compute(flows.headline, sel, scope=scope).row(0, named=True)
if not any(totals.values()):
    st.info(
        "Aucune copie, sollicitation ni entretien dans la période et les filtres choisis : "
        "élargissez la période ou retirez des filtres dans le panneau de gauche."
    )
    st.stop()

earlier = notices.year_before(sel)
last_year = (
    cached.compute(flows.headline, sel, scope=scope.with_period(earlier)).row(0, named=True)
    if earlier is not None
    else dict.fromkeys(totals)
)
for tile, measure in zip(st.columns(len(flows.MEASURES)), flows.MEASURES, strict=True):
    change_tile(
        tile,
        TILES[measure],
        fmt.number(totals[measure]),
        totals[measure],
        last_year[measure],
        help=help_for(measure, settings),
    )

# --- Flux -----------------------------------------------------------------------------------
st.header("Flux")
left, middle, right = st.columns(3)
measure = left.selectbox(
    "Flux",
    list(flows.MEASURES),
    format_func=flows.MEASURE_LABELS.get,
    key="activity_measure",
    placeholder="Choisissez un flux",
)
grain = middle.radio(
    "Pas de temps",
    list(GRAINS),
    index=1,
    format_func=GRAINS.get,
    horizontal=True,
    key="activity_grain",
)
breakdown = right.radio(
    "Ventilation", list(BREAKDOWNS), format_func=BREAKDOWNS.get, horizontal=True, key="activity_by"
)
if measure == "interviews" and breakdown == "discipline":
    st.caption("Les entretiens n'ont pas de discipline : ils sont montrés dans leur ensemble.")
    breakdown = "none"
by = None if breakdown == "none" else breakdown
series = cached.compute(
    flows.throughput,
    sel,
    scope=scope,
    grain=grain,
    by=by,
    measures=(measure,),
)
surge_source = SURGE_OF_MEASURE.get(measure)
marks = None
if surge_source:
    measure_weeks = cached.compute(  # the same memoised series as the surge section below
        surges.weekly_series,
        sel,
        scope=scope,
        source=surge_source,
    )
    marks = surges.marks(surges.flagged(measure_weeks), SURGE_BY)
last_series = None
if earlier is not None and by is None:
    last_series = compare.brought_forward(
        cached.compute(
            flows.throughput,
            sel,
            scope=scope.with_period(earlier),
            grain=grain,
            by=None,
            measures=(measure,),
        ),
        grain,
    )
cached.chart(
    sel,
    lambda: charts_activity.activity(
        series,
        marks,
        year_before=last_series,
        y_title=flows.MEASURE_LABELS[measure],
        grain=grain,
        color=by,
        color_title=flows.COLUMN_LABELS.get(by) if by else None,
        marks_title="Pics (site · discipline)",
    ),
    scope=scope,
    grain=grain,
    by=by,
    measure=measure,
)
notes = ["Les premières et dernières périodes peuvent être incomplètes."]
if last_series is not None:
    notes.append(notices.year_before_dashes(earlier, grain))
elif earlier is not None:
    notes.append("L'année précédente se superpose à la courbe sans ventilation.")
if marks is not None and not marks.is_empty():
    notes.insert(
        0, "Les traits rouges marquent les semaines où un site et une discipline ont un pic."
    )
st.caption(" ".join(notes))
with st.expander("Voir les chiffres du graphique"):
    tables.show(
        series.drop("measure"),
        flows.COLUMN_LABELS | {"count": flows.MEASURE_LABELS[measure]},
        f"flux_{measure}_{grain}",
        title=f"{flows.MEASURE_LABELS[measure]} par {GRAINS[grain].lower()}",
    )

# --- Pics d'activité ------------------------------------------------------------------------
st.header("Pics d'activité")
source = st.radio(
    "Série surveillée",
    list(SURGE_SOURCES),
    format_func=SURGE_SOURCES.get,
    horizontal=True,
    key="surge_source",
)
ratio_text = fmt.number(settings.surge_ratio, None)
st.caption(
    f"Seuil : ×{ratio_text} ; volume minimal : {fmt.number(settings.surge_min_volume)} "
    f"{SURGE_UNITS[source]} ; référence : médiane des {settings.surge_baseline_weeks} semaines "
    "d'activité précédentes, par site et discipline (les semaines de vacances, où presque rien "
    "n'arrive nulle part, sont sautées ; une semaine d'activité sans rien dans la série compte "
    "pour zéro). "
    "Une semaine est un pic quand son volume atteint le seuil et le volume minimal. La même "
    "semaine un an plus tôt est donnée quand les données la contiennent. Réglages : « Seuils "
    "et objectifs » dans le panneau de gauche."
)
weekly = cached.compute(surges.weekly_series, sel, scope=scope, source=source)
if weekly.is_empty():
    st.info("Aucune donnée pour cette série dans la période et les filtres choisis.")
else:
    found = surges.flagged(weekly)
    ongoing = int(found.get_column("ongoing").sum())
    seen = cached.compute(surges.watched, sel, period=period)
    first, second = st.columns(2)
    first.metric(
        "Pics dans la période",
        fmt.number(found.height),
        help=help_for("surges", settings),
        border=True,
    )
    second.metric(
        "Pics en cours",
        fmt.number(ongoing),
        help=help_for(
            "surges_ongoing",
            settings,
            f"Pics de la semaine du {fmt.day(seen.last_full_week)}, la dernière complète "
            + ("des données" if seen.day == seen.data_end else "de la période")
            + (
                f", et de celle du {fmt.day(seen.current_week)}, en cours"
                if seen.current_week
                else ""
            )
            + f" (données au {fmt.day(seen.data_end)}).",
        ),
        border=True,
    )
    names = surges.series_names(weekly, SURGE_BY)
    name = st.selectbox(
        "Site · discipline",
        names,
        key="surge_series",
        placeholder="Choisissez une série",
        help="Les séries ayant eu les pics les plus récents viennent en premier.",
    )
    one_series = surges.one_series(weekly, name, SURGE_BY)
    clicked_week = drill.bars(
        lambda: charts_activity.surge_series(
            one_series,
            volume_title=f"{SURGE_SOURCES[source]} dans la semaine",
            surge_ratio=settings.surge_ratio,
            threshold_title=(
                f"Seuil d'un pic : ×{ratio_text} la médiane des "
                f"{settings.surge_baseline_weeks} semaines d'activité précédentes"
            ),
        ),
        selection=sel,
        memo={"scope": scope, "source": source, "name": name},
        key=f"surge_week_{source}_{name}",
        field="week_start",
        temporal=True,
        layer=1,  # the surge weeks' points
        chooses=False,
    )
    st.caption("Cliquez un point rouge (une semaine de pic) pour voir ce qu'elle contient.")
    if clicked_week is not None and not one_series.is_empty():
        chosen = one_series.row(0, named=True)
        show_behind(clicked_week, tuple((k, chosen[k]) for k in SURGE_BY), source, "_chart")
    if found.is_empty():
        st.success("Aucun pic d'activité dans la période et les filtres choisis.")
    else:
        st.subheader("Pics en cours et passés")
        week = drill.pick(
            found,
            surges.COLUMN_LABELS,
            f"pics_{source}",
            title=f"Pics d'activité : {SURGE_SOURCES[source].lower()}",
            kinds={"ratio": "ratio"},
            key=f"surges_{source}",
            choice=f"Les {SURGE_UNITS[source]} derrière un pic",
            names=[
                f"{row['discipline']} à {row['site']}, semaine du {fmt.day(row['week_start'])} "
                f"({fmt.number(row['volume'])} {SURGE_UNITS[source]})"
                for row in found.iter_rows(named=True)
            ],
        )
        if week is not None:
            show_behind(week["week_start"], tuple((k, week[k]) for k in SURGE_BY), source)

# --- Stock en attente -----------------------------------------------------------------------
st.header("Stock en attente")
backlog_grain = "day" if grain == "day" else "week"
st.caption(
    "À la fin de chaque "
    + ("jour" if backlog_grain == "day" else "semaine")
    + " : les copies remises et pas encore corrigées, les sollicitations reçues et encore "
    "sans réponse, quelle que soit leur date d'arrivée. La courbe s'arrête à la dernière date "
    f"des données ({fmt.day(cached.compute(flows.as_of, sel, period=period))})."
)
left, right = st.columns(2)
days_clicked = {}
for column, (backlog_source, title) in zip((left, right), BACKLOG_TITLES.items(), strict=True):
    waiting = cached.compute(
        flows.backlog,
        sel,
        scope=scope,
        grain=backlog_grain,
        source=backlog_source,
    )
    with column:
        st.metric(
            f"{title} au {fmt.day(waiting.get_column('on_day').max())}",
            fmt.number(waiting.get_column("waiting").last()),
            help=help_for(WAITING_DEFINITIONS[backlog_source], settings),
            border=True,
        )
        days_clicked[backlog_source] = drill.bars(
            lambda waiting=waiting, title=title: charts.time_series(
                waiting, x="on_day", y="waiting", y_title=title, grain="day", height=240, mark="bar"
            ),
            selection=sel,
            memo={"scope": scope, "grain": backlog_grain, "source": backlog_source},
            key=f"backlog_{backlog_source}_{backlog_grain}",
            field="on_day",
            temporal=True,
            chooses=False,
        )
        with st.expander("Voir les chiffres du graphique"):
            tables.show(
                waiting,
                flows.COLUMN_LABELS | {"waiting": title},
                f"stock_{backlog_source}",
                title=title,
            )
st.caption("Cliquez une barre pour voir ce qui était en attente ce jour-là.")
for backlog_source, day in days_clicked.items():
    if day is None:
        continue
    title = BACKLOG_TITLES[backlog_source]
    behind = cached.compute(
        surges.waiting_behind, sel, scope=scope, on_day=day, source=backlog_source
    )
    st.subheader(f"{title} au {fmt.day(day)}")
    st.caption(
        f"{fmt.number(behind.height)} {SURGE_UNITS[backlog_source]} en attente à la fin du "
        f"{fmt.day(day)}, les plus anciennes d'abord."
    )
    tables.show(
        behind,
        EVENT_LABELS,
        f"stock_{backlog_source}_{day:%Y%m%d}",
        title=f"{title} au {fmt.day(day)}",
        kinds={"response_hours": "hours"},
        key=f"backlog_{backlog_source}_behind",
    )
