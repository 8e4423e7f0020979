"""Tutorat : sollicitations reçues et répondues, répartition des délais de réponse, part
répondue sous 48 h (sur toutes les sollicitations reçues), sollicitations sans réponse depuis
plus de 48 h, charge des tuteurs."""

import streamlit as st

from indicators import compare, flows, tutoring
from indicators.learner_file import COLUMN_LABELS as EVENT_LABELS
from ui import cached, charts, charts_activity, drill, notices, sidebar, tables
from ui import format as fmt
from ui.definitions import help_for
from ui.settings_view import show_settings
from ui.text import escape
from ui.tiles import change_tile

BREAKDOWNS = {"discipline": "Par discipline", "site": "Par site", "channel": "Par canal"}
OVERDUE_SHOWN = 200
COMPARED = {
    "requests_received": "count",
    "response_hours_median": "count",
    "answered_within_target_share": "rate",
}
# Compared with the same period a year earlier when the sidebar asks (the share in points).

sel = sidebar.selection()
scope = sel.scope
period, settings = scope.period, scope.settings
target = settings.tutoring_target_hours

st.title("Tutorat")
notices.period_outside_data(sel)
st.caption(
    f"Du {fmt.day(period.start)} au {fmt.day(period.end)}. Délai de réponse : heure de la "
    "réponse moins heure de réception. La part répondue dans le délai se calcule sur toutes "
    "les sollicitations reçues dans la période, qu'elles aient une réponse ou non. "
    f"Source : {escape(sel.source)}."
)
show_settings(settings, ["tutoring_target_hours"])

overall = cached.compute(tutoring.response_summary, sel, scope=scope).row(0, named=True)
overdue = cached.compute(tutoring.unanswered_summary, sel, scope=scope).row(0, named=True)
load = cached.compute(tutoring.tutor_load, sel, scope=scope)
if overall["requests_received"] == 0 and overdue["requests_unanswered_over_target"] == 0:
    st.info(
        "Aucune sollicitation de tutorat reçue dans la période et les filtres choisis, et "
        "aucune en attente : élargissez la période ou retirez des filtres dans le panneau de "
        "gauche."
    )
    if not load.is_empty():
        st.header("Charge des tuteurs")
        tables.show(load, tutoring.COLUMN_LABELS, "charge_tuteurs", title="Charge des tuteurs")
    st.stop()

as_of = fmt.day(overdue["as_of"])
tiles = st.columns(5)
earlier = notices.year_before(sel)
last_year = (
    cached.compute(tutoring.response_summary, sel, scope=scope.with_period(earlier)).row(
        0, named=True
    )
    if earlier is not None
    else dict.fromkeys(overall)
)
for tile, (label, name, definition, kind, value) in zip(
    tiles[:4],
    [
        ("Sollicitations reçues", "requests_received", "tutoring_requests", "number", fmt.number),
        ("Dont répondues", "requests_answered", "tutoring_received_answered", "number", fmt.number),
        (
            f"Répondues ≤ {target} h",
            "answered_within_target_share",
            "tutoring_answered_within_48h_share",
            "share",
            fmt.share,
        ),
        (
            "Délai médian de réponse",
            "response_hours_median",
            "response_hours_median",
            "hours",
            fmt.hours,
        ),
    ],
    strict=True,
):
    change_tile(
        tile,
        label,
        value(overall[name]),
        overall[name],
        last_year[name],
        kind=kind,
        inverse=kind == "hours",
        help=help_for(definition, settings),
    )
tiles[4].metric(
    f"En attente > {target} h",
    fmt.number(overdue["requests_unanswered_over_target"]),
    help=help_for(
        "requests_unanswered_over_target", settings, f"Jour regardé : le {as_of}, à minuit."
    ),
    border=True,
)

st.header("Sollicitations reçues et répondues par semaine")
weekly = cached.compute(
    flows.throughput,
    sel,
    scope=scope,
    grain="week",
    measures=("tutoring_requests", "tutoring_answered"),
)
weekly_before = None
if earlier is not None:
    weekly_before = compare.brought_forward(
        flows.labelled(
            cached.compute(
                flows.throughput,
                sel,
                scope=scope.with_period(earlier),
                grain="week",
                measures=("tutoring_requests", "tutoring_answered"),
            )
        ),
        "week",
    )
cached.chart(
    sel,
    lambda: charts.time_series(
        flows.labelled(weekly),
        x="period_start",
        y="count",
        y_title="Sollicitations",
        color="measure",
        color_title="Flux",
        grain="week",
        year_before=weekly_before,
    ),
    scope=scope,
)
if earlier is not None:
    st.caption(notices.year_before_dashes(earlier))
with st.expander("Voir les chiffres du graphique"):
    tables.show(
        flows.labelled(weekly),
        flows.COLUMN_LABELS,
        "sollicitations_par_semaine",
        title="Sollicitations reçues et répondues par semaine",
    )

st.header("Délais de réponse")
if overall["requests_received"] == 0:
    st.info("Aucune sollicitation de tutorat reçue dans la période et les filtres choisis.")
elif overall["requests_answered"] == 0:
    st.info(
        f"Aucune des {fmt.number(overall['requests_received'])} sollicitations reçues dans la "
        "période n'a encore de réponse."
    )
else:
    spread = cached.compute(tutoring.distribution, sel, scope=scope)
    cached.chart(
        sel,
        lambda: charts_activity.distribution(
            tutoring.with_bin_labels(spread),
            label="label",
            count="requests",
            within="within_target",
            x_title="Délai de réponse",
            y_title="Sollicitations répondues",
        ),
        scope=scope,
    )
    st.caption(
        f"Sollicitations reçues dans la période et répondues ; en rouge, au-delà de {target} h. "
        f"Délai moyen : {fmt.hours(overall['response_hours_mean'])} ; 90e centile : "
        f"{fmt.hours(overall['response_hours_p90'])}."
    )
    with st.expander("Voir les chiffres du graphique"):
        tables.show(
            spread.drop("bin"),
            tutoring.COLUMN_LABELS,
            "repartition_delais_reponse",
            title="Répartition des délais de réponse",
            kinds={"lower_hours": "hours", "upper_hours": "hours"},
        )

st.header("Par discipline, site et canal")
for tab, by in zip(st.tabs(list(BREAKDOWNS.values())), BREAKDOWNS, strict=True):
    with tab:
        rows = cached.compute(
            tutoring.response_summary,
            sel,
            scope=scope,
            by=by,
        )
        cached.chart(
            sel,
            lambda rows=rows, by=by: charts.bars(
                tables.named(rows, by),
                category=by,
                value="answered_within_target_share",
                category_title=tutoring.COLUMN_LABELS[by],
                value_title=f"Part répondue en {target} h au plus",
                kind="share",
                extra_tooltips=[
                    ("requests_received", "Sollicitations reçues", "count"),
                    ("response_hours_median", "Délai médian (heures)", "hours"),
                ],
                max_categories=30,
            ),
            scope=scope,
            by=by,
        )
        before = (
            cached.compute(tutoring.response_summary, sel, scope=scope.with_period(earlier), by=by)
            if earlier is not None
            else None
        )
        shown, labels, kinds = compare.labelled(
            rows, before, [by], COMPARED, tutoring.COLUMN_LABELS
        )
        tables.show(
            shown,
            labels,
            f"tutorat_par_{by}",
            title=f"Tutorat {BREAKDOWNS[by].lower()}",
            kinds=kinds,
            key=f"tutoring_{by}",
        )
        if before is not None:
            st.caption(
                "Un an plus tôt : la même période un an avant ; une ligne absente alors a une "
                "case vide. Évolution en % (sollicitations, délai médian) ou en points (part "
                "répondue dans le délai)."
            )

st.header(f"Sans réponse depuis plus de {target} h au {as_of}")
if overdue["requests_unanswered_over_target"] == 0:
    st.success(f"Aucune sollicitation sans réponse depuis plus de {target} h.")
else:
    st.caption(
        f"Sollicitations reçues avant la fin du {as_of} et sans réponse à ce moment, les plus "
        f"anciennes d'abord. Les {OVERDUE_SHOWN} premières sont affichées ; le téléchargement "
        "contient toute la liste."
    )
    waiting = cached.compute(
        tutoring.unanswered_overdue,
        sel,
        scope=scope,
        limit=None,
    )
    tables.show(
        waiting.with_columns(tutoring.no_tutor_label()),
        tutoring.COLUMN_LABELS,
        "sollicitations_sans_reponse",
        title=f"Sollicitations sans réponse depuis plus de {target} h au {as_of}",
        max_rows=OVERDUE_SHOWN,
    )

st.header("Charge des tuteurs")
st.caption(
    "Apprenants suivis : apprenants dont le tuteur est le référent, avec une inscription active "
    "dans la période. Sollicitations : reçues dans la période et attribuées au tuteur."
)
if load.is_empty():
    st.info("Aucun apprenant suivi ni aucune sollicitation dans la période.")
else:
    named_load = load.with_columns(tutoring.no_tutor_label())
    drill.bars(
        lambda: charts.bars(
            named_load,
            category="tutor",
            value="requests",
            category_title="Tuteur",
            value_title="Sollicitations reçues",
            extra_tooltips=[
                ("learners", "Apprenants suivis", "count"),
                ("answered_within_target_share", f"Part répondue en {target} h", "share"),
            ],
            max_categories=30,
        ),
        selection=sel,
        memo={"scope": scope},
        key="tutor_load",
        field="tutor",
    )
    tutor = drill.pick(
        named_load,
        tutoring.COLUMN_LABELS,
        "charge_tuteurs",
        title="Charge des tuteurs",
        key="tutor_load",
        choice="Les sollicitations reçues par un tuteur",
        names=named_load.get_column("tutor").to_list(),
    )
    if tutor is not None:
        who = None if tutor["tutor"] == tutoring.NO_TUTOR else tutor["tutor"]
        behind = cached.compute(tutoring.requests_behind, sel, scope=scope, tutor=who)
        st.caption(
            f"{fmt.number(behind.height)} sollicitations reçues dans la période par "
            f"{escape(tutor['tutor'])}."
        )
        tables.show(
            behind,
            EVENT_LABELS,
            "sollicitations_tuteur",
            title=f"Sollicitations reçues par {tutor['tutor']}",
            kinds={"response_hours": "hours"},
            key="tutor_load_behind",
        )
