"""Vue d'ensemble : les chiffres clés de la période, les alertes en cours, les pics en cours,
les apprenants à risque."""

import streamlit as st

from alerts import rules
from indicators import dataset, risk, surges
from ui import cached, deferred, follow_up, notices, overview, sidebar
from ui import format as fmt
from ui.definitions import help_for
from ui.text import escape
from ui.tiles import change_tile

sel = sidebar.selection()
scope = sel.scope
period, settings = scope.period, scope.settings

st.title("Vue d'ensemble")
outside = notices.period_outside_data(sel)
st.caption(f"Du {fmt.day(period.start)} au {fmt.day(period.end)}. Source : {escape(sel.source)}.")

now, before = overview.headline_figures(sel)
current = now.row(0, named=True)
earlier = overview.earlier_period(sel)
against = (
    "à la même période un an plus tôt" if sel.year_before else f"aux {period.days} jours précédents"
)
if before is not None:
    previous = before.row(0, named=True)
    st.caption(
        f"Évolutions par rapport {against} (du {fmt.day(earlier.start)} au {fmt.day(earlier.end)})."
    )
else:  # the data do not reach back that far: no comparison rather than a false one
    previous = dict.fromkeys(current)
    st.caption(
        f"Pas d'évolution affichée : les données ne remontent pas {against} "
        f"(du {fmt.day(earlier.start)} au {fmt.day(earlier.end)})."
    )


def tile(column, label: str, key: str, value: str, kind="number", inverse=False, detail=None):
    """A figure of the period with its change against the previous period; its « ? » is its
    definition (ui/definitions.py), then the detail of this period."""
    change_tile(
        column,
        label,
        value,
        current[key],
        previous[key],
        kind=kind,
        inverse=inverse,
        help=help_for(key, settings, detail),
    )


first, second, third = st.columns(3)
tile(first, "Copies reçues", "copies_received", fmt.number(current["copies_received"]))
tile(second, "Copies corrigées", "copies_corrected", fmt.number(current["copies_corrected"]))
tile(
    third,
    "Délai moyen de correction",
    "correction_delay_days_mean",
    fmt.days(current["correction_delay_days_mean"]),
    kind="days",
    inverse=True,
    detail=(
        f"Médiane {fmt.days(current['correction_delay_days_median'])}, 90e centile "
        f"{fmt.days(current['correction_delay_days_p90'])} ; "
        f"{fmt.share(current['correction_within_target_share'])} corrigées en "
        f"{settings.correction_target_days} jours ou moins (objectif)."
    ),
)
fourth, fifth, sixth = st.columns(3)
tile(
    fourth,
    "Tutorat : réponse sous 48 h",
    "tutoring_answered_within_48h_share",
    fmt.share(current["tutoring_answered_within_48h_share"]),
    kind="share",
    detail=(
        f"Sur les {fmt.number(current['tutoring_requests'])} sollicitations reçues dans la "
        "période, répondues ou non."
    ),
)
tile(
    fifth,
    "Taux d'abandon",
    "dropout_rate",
    fmt.share(current["dropout_rate"], 1),
    kind="share",
    inverse=True,
    detail=(
        f"{fmt.number(current['dropouts'])} abandons parmi "
        f"{fmt.number(current['learners_enrolled'])} inscriptions actives dans la période."
    ),
)
tile(
    sixth,
    "Heures d'accompagnement assurées",
    "support_hours_delivered",
    fmt.hours(current["support_hours_delivered"]),
    kind="hours",
)
st.caption(f"{fmt.number(current['interviews'])} entretiens tenus dans la période.")

st.subheader("Alertes en cours")
day = dataset.as_of(sel.dataset, period)
risk_key = overview.risk_key(sel, day)
risk_ready = deferred.ready(
    risk_key, lambda: overview.risk_figures(sel, day, outside), overview.RISK_WORK
)
if outside:
    st.info("Pas d'alerte à lire : la période ne contient aucune activité.")
elif not risk_ready:
    deferred.waiting(risk_key, "Alertes en cours de calcul : elles s'afficheront ici.")
else:
    # the risk lists are those of the right column, memoised; the messages made once from them
    alerts = cached.derived(rules.messages_by_rule, *overview.risk_lists(sel, day), day=day)
    if not alerts:
        st.success(f"Aucune alerte au {fmt.day(day)}.")
    else:
        st.caption(
            f"{fmt.number(sum(map(len, alerts.values())))} alerte(s) au {fmt.day(day)}, le "
            "dernier jour de la période ou des données : les mêmes que `pilotage alerts`, "
            "envoyées chaque nuit par e-mail quand l'envoi est programmé (voir le README)."
        )
        for rule, messages in alerts.items():
            name = rules.RULES[rule]
            with st.expander(f"{name} : {fmt.number(len(messages))}", icon=":material/warning:"):
                # one list, not one element per alert (a hundred at national scale)
                st.markdown("\n".join(f"- {escape(message)}" for message in messages))

left, right = st.columns(2)
with left:
    st.subheader("Pics d'activité en cours")
    if outside:
        st.info("Pas de pic à regarder : la période ne contient aucune activité.")
    else:
        seen, found = overview.surge_figures(sel)
        ongoing = found.filter(found["ongoing"])
        if ongoing.is_empty():
            st.success(
                f"Aucun pic la semaine du {fmt.day(seen.last_full_week)}"
                + (
                    f" ni celle du {fmt.day(seen.current_week)}, en cours"
                    if seen.current_week
                    else ""
                )
                + "."
            )
        for row in ongoing.sort("ratio", descending=True).iter_rows(named=True):
            st.warning(
                f"{escape(row['discipline'])} à {escape(row['site'])} : {fmt.number(row['volume'])} copies la "
                f"semaine du {fmt.day(row['week_start'])}, ×{fmt.number(row['ratio'], 1)} la "
                f"médiane des {settings.surge_baseline_weeks} semaines d'activité précédentes.",
                icon=":material/trending_up:",
            )
        last = "des données" if seen.day == seen.data_end else "de la période"
        st.caption(
            f"Semaine regardée : celle du {fmt.day(seen.last_full_week)}, la dernière complète "
            f"{last}"
            + (f", et celle du {fmt.day(seen.current_week)}, en cours" if seen.current_week else "")
            + f". Données au {fmt.day(seen.data_end)}."
        )
        strongest = surges.largest_excess(found)
        if strongest is not None:
            st.info(
                f"{fmt.number(found.height)} semaines de pic dans la période ; le plus fort "
                f"dépassement de la médiane : {escape(strongest['discipline'])} à {escape(strongest['site'])}, "
                f"semaine du {fmt.day(strongest['week_start'])}, "
                f"{fmt.number(strongest['volume'])} copies pour une médiane de "
                f"{fmt.number(strongest['baseline_median'], None)} "
                f"({fmt.change(strongest['volume'], strongest['baseline_median'])}, "
                f"×{fmt.number(strongest['ratio'], 1)}).",
                icon=":material/history:",
            )
        st.caption(
            f"Un pic : au moins ×{fmt.number(settings.surge_ratio, None)} la médiane des "
            f"{settings.surge_baseline_weeks} semaines d'activité précédentes, sur au moins "
            f"{fmt.number(settings.surge_min_volume)} copies dans la semaine."
        )
    st.page_link(
        "pages/activity.py", label="Voir l'activité et tous les pics", icon=":material/trending_up:"
    )
with right:
    st.subheader("Apprenants à risque de décrochage")
    if not risk_ready:
        st.caption(
            ":material/hourglass_top: Liste en cours de calcul : le nombre d'apprenants à "
            "risque s'affichera ici."
        )
    else:
        at_risk = follow_up.at_risk(sel, day)
        learners = risk.learners_count(at_risk)
        alerts = risk.learners_count(risk.filter_at_risk(at_risk, [], [], [risk.ALERT]))
        st.metric(
            f"Apprenants à risque au {fmt.day(day)}",
            fmt.number(learners),
            border=True,
            help=help_for("at_risk", settings),
        )
        st.caption(f"Dont {fmt.number(alerts)} en alerte : à appeler en premier.")
    st.page_link("pages/at_risk.py", label="Voir la liste et qui appeler", icon=":material/call:")
