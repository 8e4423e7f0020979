"""Accompagnement personnalisé : heures assurées par groupe, site et type de séance, face aux
heures attendues à date ; heures reçues par apprenant et ceux qui en ont trop peu ; groupes
d'aide individualisée au-delà de leur plafond."""

import polars as pl
import streamlit as st

from domain import KIND_AIDE, KIND_AP
from indicators import compare, dataset, support_hours
from indicators.learner_file import COLUMN_LABELS as EVENT_LABELS
from ui import cached, charts_learners, drill, notices, sidebar, tables
from ui import format as fmt
from ui.definitions import help_for
from ui.settings_view import show_settings
from ui.text import escape
from ui.tiles import change_tile

LABELS = {**support_hours.COLUMN_LABELS, "exit_date": "Sorti le"}
COMPARED = {"hours_delivered": "count", "delivered_share": "rate"}
# Compared with the same period a year earlier when the sidebar asks (the share in points).

sel = sidebar.selection()
scope = sel.scope
period, settings = scope.period, scope.settings
as_of = dataset.as_of(sel.dataset, period)
window = support_hours.expected_window(period, as_of)

st.title("Accompagnement personnalisé")
notices.period_outside_data(sel)
st.caption(
    f"Du {fmt.day(period.start)} au {fmt.day(period.end)}. Heures assurées : durée des séances "
    "tenues dans la période, chaque séance comptée une fois quelle que soit la présence. Heures "
    "reçues : durée des séances auxquelles l'apprenant était présent. Source : "
    + escape(sel.source)
    + "."
)
weekly = support_hours.weekly_reference(settings)
st.caption(
    f"Heures attendues à date : l'AP compte {fmt.hours(settings.ap_hours_per_year, None)} par "
    f"an, l'aide individualisée {fmt.hours(settings.aide_hours_per_year, None)} ; chaque "
    f"semaine de cours en apporte 1/{settings.school_weeks_per_year}e "
    f"({fmt.hours(weekly[KIND_AP], 2)} d'AP, {fmt.hours(weekly[KIND_AIDE], 2)} d'aide "
    "individualisée), si bien qu'en fin d'année les heures attendues sont les heures annuelles. "
    "Semaines de cours écoulées : "
    + (
        f"du {fmt.day(window.start)} au {fmt.day(window.end)}"
        if window
        else "aucune dans la période"
    )
    + " (une semaine de cours est une semaine où une séance a lieu quelque part dans les "
    "données). Pour un groupe de besoins, seules les semaines de sa période comptent ; pour un "
    "apprenant, celles de son inscription, de son entrée à sa sortie, face aux heures reçues "
    "pendant ce temps. Tutorat et soutien n'ont pas d'heures de référence."
)
show_settings(
    settings,
    [
        "ap_hours_per_year",
        "aide_hours_per_year",
        "school_weeks_per_year",
        "aide_max_group_size",
        "support_min_share",
    ],
)

per_group = cached.compute(
    support_hours.delivered_by_group,
    sel,
    scope=scope,
    as_of=as_of,
)
if per_group.is_empty():
    st.info(
        "Aucune séance d'accompagnement dans la période et les filtres choisis : élargissez la "
        "période ou retirez des filtres dans le panneau de gauche."
    )
    st.stop()

by_kind = support_hours.totals_by_kind(per_group)
received = cached.compute(
    support_hours.received_by_learner,
    sel,
    scope=scope,
    as_of=as_of,
)
too_few = support_hours.too_few_hours(received)
over = cached.compute(support_hours.over_cap, sel, scope=scope)
delivered = cached.compute(support_hours.headline, sel, scope=scope).item(
    0, "support_hours_delivered"
)
weeks = support_hours.school_weeks(sel.dataset, window)

earlier = notices.year_before(sel)
before: dict = dict.fromkeys(("delivered", "too_few", "over"))
before_by_kind: dict[str, float] = {}
before_by_group = None
if (
    earlier is not None
):  # the same figures a year earlier; situations on the same day a year earlier
    then = scope.with_period(earlier)
    as_of_then = compare.day_a_year_before(as_of)
    before_by_group = cached.compute(
        support_hours.delivered_by_group, sel, scope=then, as_of=as_of_then
    )
    before = {
        "delivered": cached.compute(support_hours.headline, sel, scope=then).item(
            0, "support_hours_delivered"
        ),
        "too_few": support_hours.too_few_hours(
            cached.compute(support_hours.received_by_learner, sel, scope=then, as_of=as_of_then)
        ).height,
        "over": cached.compute(support_hours.over_cap, sel, scope=then).height,
    }
    before_by_kind = dict(
        support_hours.totals_by_kind(before_by_group).select("kind", "hours_delivered").iter_rows()
    )

first, second, third, fourth = st.columns(4)
change_tile(
    first,
    "Heures assurées",
    fmt.hours(delivered),
    delivered,
    before["delivered"],
    kind="hours",
    help=help_for("support_hours_delivered", settings),
)
second.metric(
    "Semaines de cours écoulées",
    fmt.number(len(weeks)),
    help=help_for("school_weeks", settings),
    border=True,
)
change_tile(
    third,
    "Trop peu d'heures d'AP",
    fmt.number(too_few.height),
    too_few.height,
    before["too_few"],
    inverse=True,
    help=help_for("too_few_ap_hours", settings),
)
change_tile(
    fourth,
    "Groupes au-delà du plafond",
    fmt.number(over.height),
    over.height,
    before["over"],
    inverse=True,
    help=help_for("groups_over_cap", settings),
)
if earlier is not None:
    st.caption(
        f"Évolutions : par rapport à la même période un an plus tôt (du {fmt.day(earlier.start)} "
        f"au {fmt.day(earlier.end)}), en heures pour les heures assurées ; les apprenants avec "
        f"trop peu d'heures au {fmt.day(compare.day_a_year_before(as_of))}, le même jour un an "
        "plus tôt."
    )

st.header("Heures assurées face aux heures attendues")
columns = st.columns(max(1, by_kind.height))
for column, row in zip(columns, by_kind.iter_rows(named=True), strict=False):
    change_tile(
        column,
        escape(row["kind"][:1].upper() + row["kind"][1:]),
        fmt.hours(row["hours_delivered"]),
        row["hours_delivered"],
        before_by_kind.get(row["kind"]),
        kind="hours",
        help=help_for(
            "support_hours_delivered", settings, f"{fmt.number(row['sessions'])} séances."
        ),
    )
    column.caption(
        f"Attendues à date : {fmt.hours(row['hours_expected'])} "
        f"({fmt.share(row['delivered_share'])} assurées)"
        if row["hours_expected"] is not None
        else "Pas de référence horaire pour ce type de séance."
    )
cached.chart(
    sel,
    lambda: charts_learners.category_bars(
        cached.compute(support_hours.delivered_by_site_kind, sel, scope=scope),
        category="site",
        value="hours_delivered",
        category_title="Site",
        value_title="Heures assurées",
        kind="hours",
        color="kind",
        color_title="Type de séance",
        title="Heures assurées par site et type de séance",
    ),
    scope=scope,
)
drill.bars(
    lambda: charts_learners.delivered_against_expected(
        per_group.filter(per_group["hours_expected"].is_not_null()),
        category="label",
        delivered="hours_delivered",
        expected="hours_expected",
        category_title="Groupe",
        title="Par groupe : heures assurées (barres) et attendues à date (trait rouge)",
    ),
    selection=sel,
    memo={"scope": scope},
    key="hours_by_group",
    field="label",
)
group_table, group_labels, group_kinds = per_group, LABELS, None
if before_by_group is not None:
    group_table = compare.beside(
        per_group,
        before_by_group.filter(pl.col("label").is_unique()).drop("group_id", "need_group_id"),
        ["label"],
        COMPARED,
    )
    group_labels, group_kinds = LABELS | compare.labels(LABELS, COMPARED), compare.kinds(COMPARED)
    st.caption(
        "Un an plus tôt : le même groupe (même nom, même site, même type de séance) ; un groupe "
        "absent alors a une case vide."
    )
group = drill.pick(
    group_table.drop("label"),
    group_labels,
    "heures_par_groupe",
    kinds=group_kinds,
    hidden=("group_id", "need_group_id"),
    title="Heures assurées et attendues par groupe",
    max_rows=tables.MAX_ROWS_SHOWN,
    key="hours_by_group",
    choice="Les séances derrière les heures d'un groupe",
    names=per_group.get_column("label").to_list(),
)
if group is not None:
    behind = cached.compute(
        support_hours.sessions_behind,
        sel,
        scope=scope,
        group_id=group["group_id"],
        need_group_id=group["need_group_id"],
        kind=group["kind"],
    )
    st.caption(
        f"{fmt.number(behind.height)} séances, "
        f"{fmt.hours(behind.get_column('duration_hours').sum())} en tout."
    )
    tables.show(
        behind,
        EVENT_LABELS,
        "seances_du_groupe",
        title=f"Séances : {group['group']} ({group['kind']})",
        kinds={"duration_hours": "hours"},
        key="hours_by_group_behind",
    )

st.header("Heures reçues par apprenant")
st.subheader("Apprenants avec trop peu d'heures d'AP")
st.caption(
    f"Apprenants encore inscrits au {fmt.day(as_of)} qui ont reçu moins de "
    f"{fmt.share(settings.support_min_share)} des heures d'AP attendues depuis leur entrée. "
    "Ceux qui sont sortis n'y sont plus : leurs heures attendues s'arrêtent à leur sortie."
)
if too_few.is_empty():
    st.success("Aucun apprenant n'a reçu moins que la part minimale des heures d'AP attendues.")
else:
    shown = too_few.drop("learner_id", "too_few", "exit_date")
    tables.show(
        shown,
        LABELS,
        "apprenants_heures_insuffisantes",
        title="Apprenants avec trop peu d'heures d'AP",
        max_rows=tables.MAX_ROWS_SHOWN,
    )
st.subheader("Tous les apprenants inscrits à une séance")
everyone = received.drop("learner_id", "too_few")
if everyone.height > tables.MAX_ROWS_SHOWN:
    st.caption(
        f"{fmt.number(everyone.height)} apprenants : seuls les {fmt.number(tables.MAX_ROWS_SHOWN)} "
        "premiers sont affichés ; le téléchargement contient toute la liste."
    )
tables.show(
    everyone,
    LABELS,
    "heures_par_apprenant",
    title="Heures reçues par apprenant",
    max_rows=tables.MAX_ROWS_SHOWN,
)

st.header("Groupes d'aide individualisée au-delà du plafond")
if over.is_empty():
    st.success(
        f"Aucune séance d'aide individualisée n'a plus de {settings.aide_max_group_size} élèves "
        "inscrits."
    )
else:
    tables.show(
        over,
        LABELS,
        "groupes_au_dela_du_plafond",
        title="Groupes d'aide individualisée au-delà du plafond",
    )
