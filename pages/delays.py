"""Délais de correction : répartition, moyenne, médiane, 90e centile et part dans l'objectif,
par discipline, site et correcteur ; évolution par semaine ; les copies en attente les plus
anciennes ; les devoirs remis en retard et non rendus, par groupe et discipline."""

import polars as pl
import streamlit as st

from indicators import compare, deadlines, delays
from ui import cached, charts, charts_activity, notices, sidebar, tables
from ui import format as fmt
from ui.definitions import help_for
from ui.settings_view import show_settings
from ui.text import escape
from ui.tiles import change_tile

BREAKDOWNS = {"discipline": "Par discipline", "site": "Par site", "corrector": "Par correcteur"}
COMPARED = {
    "copies_corrected": "count",
    "correction_delay_days_median": "count",
    "correction_within_target_share": "rate",
}
# Compared with the same period a year earlier when the sidebar asks: counts and delays in per
# cent, the share in the target in points.
YEAR_BEFORE_NOTE = (
    "Un an plus tôt : la même période un an avant ({what}) ; une ligne absente alors a une "
    "case vide. Évolution en % (copies, délai médian) ou en points (part dans l'objectif)."
)
CAP_DAYS = 30
OLDEST_SHOWN = 200

sel = sidebar.selection()
scope = sel.scope
period, settings = scope.period, scope.settings
target = settings.correction_target_days

st.title("Délais de correction")
notices.period_outside_data(sel)
st.caption(
    f"Du {fmt.day(period.start)} au {fmt.day(period.end)}. Délai d'une copie : date de "
    "correction moins date de remise, en jours calendaires. Les statistiques portent sur les "
    "copies corrigées dans la période, même remises avant ; les copies en attente n'y sont pas "
    f"mais sont listées plus bas avec leur ancienneté. Source : {escape(sel.source)}."
)
show_settings(settings, ["correction_target_days"])

overall = cached.compute(delays.summary, sel, scope=scope).row(0, named=True)
waiting = cached.compute(delays.waiting_summary, sel, scope=scope).row(0, named=True)
if overall["copies_corrected"] == 0 and waiting["copies_waiting"] == 0:
    st.info(
        "Aucune copie corrigée ni en attente dans la période et les filtres choisis : "
        "élargissez la période ou retirez des filtres dans le panneau de gauche."
    )
    st.stop()

earlier = notices.year_before(sel)
last_year = (
    cached.compute(delays.summary, sel, scope=scope.with_period(earlier)).row(0, named=True)
    if earlier is not None
    else dict.fromkeys(overall)
)
tiles = st.columns(5)
for tile, (label, name, value) in zip(
    tiles,
    [
        ("Copies corrigées", "copies_corrected", fmt.number(overall["copies_corrected"])),
        (
            "Délai moyen",
            "correction_delay_days_mean",
            fmt.days(overall["correction_delay_days_mean"]),
        ),
        (
            "Délai médian",
            "correction_delay_days_median",
            fmt.days(overall["correction_delay_days_median"]),
        ),
        (
            "90e centile",
            "correction_delay_days_p90",
            fmt.days(overall["correction_delay_days_p90"]),
        ),
        (
            f"Corrigées en {target} j au plus",
            "correction_within_target_share",
            fmt.share(overall["correction_within_target_share"]),
        ),
    ],
    strict=True,
):
    kind = {"copies_corrected": "number", "correction_within_target_share": "share"}.get(
        name, "days"
    )
    change_tile(
        tile,
        label,
        value,
        overall[name],
        last_year[name],
        kind=kind,
        inverse=kind == "days",
        help=help_for(name, settings),
    )
as_of = fmt.day(waiting["as_of"])
tiles = st.columns(3)
tiles[0].metric(
    f"Copies en attente au {as_of}",
    fmt.number(waiting["copies_waiting"]),
    help=help_for("copies_waiting", settings),
    border=True,
)
tiles[1].metric(
    f"dont en attente depuis plus de {target} j",
    fmt.number(waiting["copies_waiting_over_target"]),
    help=help_for("copies_waiting_over_target", settings),
    border=True,
)
tiles[2].metric(
    "Attente la plus longue",
    fmt.days(waiting["oldest_age_days"], 0),
    help=help_for("oldest_waiting_days", settings),
    border=True,
)

if overall["copies_corrected"] == 0:
    st.info("Aucune copie corrigée dans la période : pas de statistiques de délai.")
else:
    st.header("Répartition des délais")
    spread = cached.compute(
        delays.distribution,
        sel,
        scope=scope,
        cap_days=CAP_DAYS,
    )
    cached.chart(
        sel,
        lambda: charts_activity.distribution(
            delays.with_day_labels(spread, CAP_DAYS),
            label="label",
            count="copies",
            within="within_target",
            x_title="Délai de correction",
            y_title="Copies corrigées",
        ),
        scope=scope,
        cap_days=CAP_DAYS,
    )
    st.caption(f"La dernière barre regroupe les délais de {CAP_DAYS} jours et plus.")
    with st.expander("Voir les chiffres du graphique"):
        tables.show(
            spread,
            delays.COLUMN_LABELS,
            "repartition_delais",
            title="Répartition des délais de correction",
        )

    st.header("Évolution par semaine")
    trend = cached.compute(delays.weekly_trend, sel, scope=scope)
    median_before = None
    if earlier is not None:
        median_before = compare.brought_forward(
            cached.compute(delays.weekly_trend, sel, scope=scope.with_period(earlier)).select(
                "week_start", pl.col("correction_delay_days_median").alias("value")
            ),
            "week",
            x="week_start",
        )
    cached.chart(
        sel,
        lambda: charts_activity.statistics_over_time(
            trend,
            x="week_start",
            lines={
                "correction_delay_days_median": "Délai médian",
                "correction_delay_days_mean": "Délai moyen",
                "correction_delay_days_p90": "90e centile",
            },
            y_title="Délai (jours)",
            target=target,
            target_title="Objectif (jours)",
            year_before=median_before,
            year_before_title="Délai médian un an plus tôt",
        ),
        scope=scope,
    )
    st.caption("Semaine de la correction ; le trait rouge marque l'objectif.")
    if earlier is not None:
        st.caption(
            notices.year_before_dashes(earlier).replace(
                "Tirets gris :", "Tirets gris : le délai médian de"
            )
        )
    with st.expander("Voir les chiffres par semaine"):
        tables.show(
            trend,
            delays.COLUMN_LABELS,
            "delais_par_semaine",
            title="Délais de correction par semaine",
        )

    st.header("Par discipline, site et correcteur")
    for tab, by in zip(st.tabs(list(BREAKDOWNS.values())), BREAKDOWNS, strict=True):
        with tab:
            rows = cached.compute(delays.breakdown, sel, scope=scope, by=by)
            cached.chart(
                sel,
                lambda rows=rows, by=by: charts.bars(
                    tables.named(rows, by),
                    category=by,
                    value="correction_delay_days_median",
                    category_title=delays.COLUMN_LABELS[by],
                    value_title="Délai médian (jours)",
                    kind="days",
                    target=target,
                    target_title="Objectif (jours)",
                    extra_tooltips=[
                        ("copies_corrected", "Copies corrigées", "count"),
                        ("correction_delay_days_p90", "90e centile (jours)", "days"),
                        ("correction_within_target_share", "Part dans l'objectif", "share"),
                    ],
                    max_categories=30,
                ),
                scope=scope,
                by=by,
            )
            if rows.height > 30:
                st.caption("Le graphique montre les 30 délais médians les plus longs.")
            before = (
                cached.compute(delays.breakdown, sel, scope=scope.with_period(earlier), by=by)
                if earlier is not None
                else None
            )
            shown, labels, kinds = compare.labelled(
                rows, before, [by], COMPARED, delays.COLUMN_LABELS
            )
            tables.show(
                shown,
                labels,
                f"delais_par_{by}",
                title=f"Délais de correction {BREAKDOWNS[by].lower()}",
                kinds=kinds,
                key=f"delays_{by}",
            )
            if before is not None:
                st.caption(YEAR_BEFORE_NOTE.format(what=BREAKDOWNS[by].lower()))

st.header(f"Copies en attente les plus anciennes au {as_of}")
st.caption(
    f"Copies remises au plus tard le {as_of} et pas encore corrigées à cette date, les plus "
    f"anciennes d'abord. Les {OLDEST_SHOWN} premières sont affichées ; le téléchargement "
    "contient toute la liste."
)
if waiting["copies_waiting"] == 0:
    st.success("Aucune copie en attente.")
else:
    oldest = cached.compute(delays.oldest_waiting, sel, scope=scope, limit=None)
    tables.show(
        oldest,
        delays.COLUMN_LABELS,
        "copies_en_attente",
        title=f"Copies en attente au {as_of}",
        max_rows=OLDEST_SHOWN,
    )

st.header("Devoirs : remis en retard, non rendus")
deadline = cached.compute(deadlines.summary, sel, scope=scope).row(0, named=True)
due_as_of = fmt.day(deadline["as_of"])
st.caption(
    f"Devoirs dont la date limite tombe dans la période et est passée au {due_as_of}. Une "
    "copie est en retard quand elle est remise après la date limite de son devoir (celui de son "
    "groupe, de sa discipline et de son intitulé) ; un devoir est non rendu par un apprenant "
    f"inscrit dans le groupe à la date limite qui n'a remis aucune copie au {due_as_of}."
)
if deadline["assignments_dated"] == 0:
    st.caption(
        "Aucune date limite de devoir n'est connue : elles viennent d'un fichier de devoirs "
        "(page « Importer des données », type « Devoirs (dates limites) ») ou d'une colonne "
        "« Date limite » de l'export des copies."
    )
elif deadline["assignments_due"] == 0:
    st.info(
        "Aucun devoir dont la date limite tombe dans la période et les filtres choisis et soit "
        "passée : élargissez la période ou retirez des filtres dans le panneau de gauche."
    )
else:
    tiles = st.columns(3)
    tiles[0].metric(
        "Devoirs à rendre",
        fmt.number(deadline["assignments_due"]),
        help=help_for("assignments_due", settings),
        border=True,
    )
    tiles[1].metric(
        "Copies remises en retard",
        f"{fmt.number(deadline['copies_late'])} ({fmt.share(deadline['late_share'])})",
        help=help_for(
            "copies_late",
            settings,
            f"Sur {fmt.number(deadline['copies_received'])} copies reçues pour ces devoirs.",
        ),
        border=True,
    )
    tiles[2].metric(
        "Devoirs non rendus",
        f"{fmt.number(deadline['assignments_missed'])} ({fmt.share(deadline['missed_share'])})",
        help=help_for(
            "assignments_missed",
            settings,
            f"Sur {fmt.number(deadline['learners_expected'])} copies attendues.",
        ),
        border=True,
    )
    per_group = cached.compute(deadlines.breakdown, sel, scope=scope, by=("group", "discipline"))
    st.subheader("Par groupe et discipline")
    tables.show(
        per_group,
        deadlines.COLUMN_LABELS,
        "devoirs_par_groupe_et_discipline",
        title="Devoirs remis en retard et non rendus par groupe et discipline",
        key="deadlines_by_group",
    )
    missed_tab, late_tab = st.tabs(["Devoirs non rendus", "Copies remises en retard"])
    with missed_tab:
        tables.show(
            cached.compute(deadlines.missed, sel, scope=scope),
            deadlines.COLUMN_LABELS,
            "devoirs_non_rendus",
            title=f"Devoirs non rendus au {due_as_of}",
            max_rows=OLDEST_SHOWN,
            key="deadlines_missed",
        )
    with late_tab:
        tables.show(
            cached.compute(deadlines.late, sel, scope=scope),
            deadlines.COLUMN_LABELS,
            "copies_en_retard",
            title="Copies remises après la date limite",
            max_rows=OLDEST_SHOWN,
            key="deadlines_late",
        )
