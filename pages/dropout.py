"""Décrochage : taux d'abandon par groupe, site et public ; sorties par mois et par motif ;
taux d'absence par mois, groupe et apprenant ; maintien selon les semaines depuis l'entrée ;
la liste des apprenants à risque, à appeler."""

import streamlit as st

from indicators import absences, compare, dataset, dropout, risk
from ui import cached, charts_learners, drill, follow_up, notices, sidebar, tables
from ui import format as fmt
from ui.definitions import help_for
from ui.text import escape
from ui.tiles import change_tile

BY_TITLES = {"group": "Par groupe", "site": "Par site", "public": "Par public"}
CHOICES = {"group": "groupe", "site": "site", "public": "public"}
KEYS = {"group": ["site", "group", "public"], "site": ["site"], "public": ["public"]}
COMPARED = {"dropout_rate": "rate", "learners_enrolled": "count"}
# Compared with the same period a year earlier when the sidebar asks (the rate in points).
CURVES_BY = {"public": "Public", "site": "Site"}
RATES = {"dropout_rate": "share", "retention": "share"}
LABELS = dropout.COLUMN_LABELS
ABSENCE_RATES = {"absence_rate": "share", "unjustified_rate": "share"}


def row_name(row: dict, by: str) -> str:
    return f"{row['group']} ({row['site']})" if by == "group" else str(row[by])


sel = sidebar.selection()
scope = sel.scope
period, settings = scope.period, scope.settings
as_of = dataset.as_of(sel.dataset, period)

st.title("Décrochage")
notices.period_outside_data(sel)
st.caption(
    f"Du {fmt.day(period.start)} au {fmt.day(period.end)}. Taux d'abandon : parmi les "
    "inscriptions actives à un moment de la période (entrée avant la fin, sortie après le "
    "début ou pas de sortie), la part sorties pour « abandon » pendant la période. Un apprenant "
    "réorienté compte une inscription dans chaque groupe. Source : " + escape(sel.source) + "."
)

total = cached.compute(dropout.headline, sel, scope=scope)
figures = total.row(0, named=True)
if figures["learners_enrolled"] == 0:
    st.info(
        "Aucune inscription active dans la période et les filtres choisis : élargissez la "
        "période ou retirez des filtres dans le panneau de gauche."
    )
    st.stop()

at_risk = follow_up.at_risk(sel, as_of)
first, second, third, fourth = st.columns(4)
earlier = notices.year_before(sel)
last_year = (
    cached.compute(dropout.headline, sel, scope=scope.with_period(earlier)).row(0, named=True)
    if earlier is not None
    else dict.fromkeys(figures)
)
for column, label, name, value, kind, inverse in (
    (first, "Inscriptions actives", "learners_enrolled", fmt.number, "number", False),
    (second, "Abandons", "dropouts", fmt.number, "number", True),
    (third, "Taux d'abandon", "dropout_rate", lambda v: fmt.share(v, 1), "share", True),
):
    change_tile(
        column,
        label,
        value(figures[name]),
        figures[name],
        last_year[name],
        kind=kind,
        inverse=inverse,
        help=help_for(name, settings),
    )
fourth.metric(
    "Apprenants à risque",
    fmt.number(risk.learners_count(at_risk)),
    help=help_for("at_risk", settings, f"Jour regardé : le {fmt.day(as_of)}."),
    border=True,
)

st.header("Taux d'abandon par groupe, site et public")
if earlier is not None:
    st.caption(
        f"Un an plus tôt : du {fmt.day(earlier.start)} au {fmt.day(earlier.end)} ; un groupe, "
        "un site ou un public absent alors a une case vide."
    )
for tab, by in zip(st.tabs(list(BY_TITLES.values())), BY_TITLES, strict=True):
    with tab:
        rates = cached.compute(dropout.dropout_by, sel, scope=scope, by=by)
        labels, kinds = LABELS, RATES
        if earlier is not None:
            before = cached.compute(
                dropout.dropout_by, sel, scope=scope.with_period(earlier), by=by
            )
            rates = compare.beside(rates, before.drop("label"), KEYS[by], COMPARED)
            labels = LABELS | compare.labels(LABELS, COMPARED)
            kinds = RATES | compare.kinds(COMPARED)
        drill.bars(
            lambda rates=rates, by=by: charts_learners.category_bars(
                rates,
                category="label",
                value="dropout_rate",
                category_title=dropout.COLUMN_LABELS[by],
                value_title="Taux d'abandon",
                kind="share",
                extra_tooltips=[
                    ("dropouts", "Abandons", "count"),
                    ("learners_enrolled", "Inscriptions actives", "count"),
                ],
                max_categories=30,
            ),
            selection=sel,
            memo={"scope": scope, "by": by},
            key=f"dropout_{by}",
            field="label",
        )
        if by == "group" and rates.height > 30:
            st.caption("Le graphique montre les 30 groupes aux taux les plus élevés.")
        row = drill.pick(
            rates.drop("label"),
            labels,
            f"taux_abandon_{by}",
            title=f"Taux d'abandon {BY_TITLES[by].lower()}",
            kinds=kinds,
            key=f"dropout_{by}",
            choice=f"Les inscriptions derrière le taux d'un {CHOICES[by]}",
            names=rates.get_column("label").to_list(),
        )
        if row is not None:
            behind = cached.compute(
                dropout.enrolments_behind,
                sel,
                scope=scope,
                row=tuple((k, row[k]) for k in KEYS[by]),
            )
            st.caption(
                f"{fmt.number(behind.height)} inscriptions actives dans la période, dont "
                f"{fmt.number(behind.get_column('dropout').sum())} abandons (en premier)."
            )
            tables.show(
                behind,
                LABELS,
                f"inscriptions_{by}",
                title=f"Inscriptions actives : {row_name(row, by)}",
                key=f"dropout_{by}_behind",
            )

st.header("Sorties par mois et par motif")
exits = cached.compute(dropout.exits_by_month, sel, scope=scope)
if exits.is_empty():
    st.info("Aucune sortie dans la période et les filtres choisis.")
else:
    cached.chart(
        sel,
        lambda: charts_learners.monthly_bars(
            exits,
            month="month_label",
            value="exits",
            months=dropout.months_of(period),
            value_title="Sorties",
            color="exit_reason",
            color_title="Motif de sortie",
        ),
        scope=scope,
    )
    tables.show(
        exits.drop("month"), LABELS, "sorties_par_mois", title="Sorties par mois et par motif"
    )

st.header("Absences")
absent = cached.compute(absences.summary, sel, scope=scope).row(0, named=True)
st.caption(
    "Taux d'absence : les demi-journées d'absence sur les demi-journées de cours de "
    "l'inscription dans la période (deux par jour, une le mercredi, aucune le week-end ni "
    "pendant les vacances), de l'entrée ou du début de la période à la sortie ou au "
    f"{fmt.day(absent['as_of'])}. Une absence compte une demi-journée le matin ou l'après-midi, "
    "deux pour la journée, ses heures divisées par 4 quand l'export ne donne que des heures ; "
    "une absence dont la justification n'est pas connue compte comme non justifiée."
)
if sel.dataset.absences.is_empty():
    st.caption(
        "Aucune absence n'est connue : importez l'export des absences de la vie scolaire (page "
        "« Importer des données », type « Absences (vie scolaire) »)."
    )
elif absent["expected_half_days"] == 0:
    st.info("Aucune demi-journée de cours dans la période et les filtres choisis.")
else:
    tiles = st.columns(3)
    tiles[0].metric(
        "Taux d'absence",
        fmt.share(absent["absence_rate"], 1),
        help=help_for("absence_rate", settings),
        border=True,
    )
    tiles[1].metric(
        "dont non justifiée",
        fmt.share(absent["unjustified_rate"], 1),
        help=help_for("unjustified_absence_rate", settings),
        border=True,
    )
    tiles[2].metric(
        "Demi-journées d'absence",
        fmt.number(absent["absent_half_days"], None),
        help=help_for(
            "absent_half_days",
            settings,
            f"Sur {fmt.number(absent['expected_half_days'])} demi-journées de cours.",
        ),
        border=True,
    )
    cached.chart(
        sel,
        lambda: charts_learners.monthly_bars(
            cached.compute(absences.monthly_half_days, sel, scope=scope),
            month="label",
            value="half_days",
            months=dropout.months_of(period),
            value_title="Demi-journées d'absence",
            color="justification",
            color_title="Absences",
        ),
        scope=scope,
    )
    month_tab, group_tab, learner_tab = st.tabs(["Par mois", "Par groupe", "Par apprenant"])
    with month_tab:
        tables.show(
            cached.compute(absences.by_month, sel, scope=scope).drop("month"),
            absences.COLUMN_LABELS | {"label": "Mois"},
            "absences_par_mois",
            title="Taux d'absence par mois",
            kinds=ABSENCE_RATES,
            key="absences_month",
        )
    with group_tab:
        tables.show(
            cached.compute(absences.by_group, sel, scope=scope),
            absences.COLUMN_LABELS,
            "absences_par_groupe",
            title="Taux d'absence par groupe",
            kinds=ABSENCE_RATES,
            key="absences_group",
        )
    with learner_tab:
        tables.show(
            cached.compute(absences.by_learner, sel, scope=scope),
            absences.COLUMN_LABELS,
            "absences_par_apprenant",
            title="Taux d'absence par apprenant",
            kinds=ABSENCE_RATES,
            max_rows=tables.MAX_ROWS_SHOWN,
            key="absences_learner",
        )

st.header("Maintien selon les semaines depuis l'entrée")
curve_by = st.radio(
    "Une courbe par",
    list(CURVES_BY),
    format_func=CURVES_BY.get,
    horizontal=True,
    key="retention_by",
)
kept = cached.compute(dropout.retention, sel, scope=scope, as_of=as_of, by=curve_by)
st.caption(
    "Pour chaque nombre de semaines depuis l'entrée, la part des inscriptions qui n'ont pas "
    "abandonné (méthode de Kaplan-Meier). Seul l'abandon fait baisser la courbe. Une fin de "
    "parcours, une exclusion ou un autre motif de sortie, et la fin des données "
    f"(le {fmt.day(as_of)} pour les inscriptions en cours) arrêtent le suivi d'une inscription "
    "sans la compter comme abandon. Une réorientation aussi : l'apprenant n'a pas abandonné, "
    "et son inscription dans son nouveau groupe commence sa propre courbe à la semaine 0. La "
    "courbe ne remonte donc jamais ; elle s'arrête quand plus aucune inscription n'est suivie "
    "aussi longtemps."
)
if kept.is_empty():
    st.info("Aucune inscription de la période n'a commencé avant la fin des données.")
else:
    cached.chart(
        sel,
        lambda: charts_learners.curves(
            kept,
            x="weeks",
            y="retention",
            x_title="Semaines depuis l'entrée",
            y_title="Part sans abandon",
            color=curve_by,
            color_title=dropout.COLUMN_LABELS[curve_by],
            extra_tooltips=[
                ("followed", "Inscriptions encore suivies", "count"),
                ("dropouts", "Abandons", "count"),
            ],
        ),
        scope=scope,
        by=curve_by,
    )
    tables.downloads(
        kept,
        LABELS,
        f"maintien_par_{curve_by}",
        title=f"Maintien selon les semaines depuis l'entrée, par {CURVES_BY[curve_by].lower()}",
        kinds=RATES,
    )

st.header(f"Apprenants à risque au {fmt.day(as_of)}")
st.caption(
    "Inscriptions actives au niveau vigilance ou alerte, par signal (une inscription peut en "
    "montrer plusieurs). La liste classée par score de risque, les raisons, les référents et "
    "le suivi des contacts sont sur la page « Apprenants à risque »."
)
if at_risk.is_empty():
    st.success("Aucun apprenant encore inscrit ne présente de signal de décrochage.")
else:
    cached.chart(
        sel,
        lambda: charts_learners.category_bars(
            risk.signal_counts(at_risk),
            category="signal",
            value="learners",
            category_title="Signal",
            value_title="Inscriptions",
            extra_tooltips=[("alerts", "Dont en alerte", "count")],
        ),
        scope=scope,
    )
st.page_link("pages/at_risk.py", label="Voir la liste et qui appeler", icon=":material/call:")
