"""Entretiens : le parcours de chaque apprenant (initial, diagnostic, co-élaboration,
contractualisation, suivi, bilan) ; les entretiens manquants ou en retard ; les entretiens
enregistrés sans objectifs."""

import streamlit as st

from domain import INTERVIEW_TYPES
from indicators import compare, dataset, interviews, risk
from ui import cached, charts_learners, follow_up, notices, sidebar, tables
from ui import format as fmt
from ui.definitions import help_for
from ui.settings_view import show_settings
from ui.text import escape
from ui.tiles import change_tile

LABELS = {
    **risk.CONTACT_LABELS,
    **interviews.COLUMN_LABELS,
    "interviews": "Entretiens tenus",
    "without_objectives": "Sans objectifs",
}

TO_SEE = (
    "learner_name",
    "missing",
    "days_since_entry",
    "referent",
    "group",
    "site",
    "external_id",
    "entry_date",
    "due_on",
)
# The learners to see, the most useful columns first: who, which interviews, since when.
LEFT_WITHOUT = (
    "learner_name",
    "missing",
    "exit_reason",
    "days_enrolled",
    "exit_date",
    "referent",
    "group",
    "site",
    "external_id",
    "entry_date",
)

sel = sidebar.selection()
scope = sel.scope
period, settings = scope.period, scope.settings
as_of = dataset.as_of(sel.dataset, period)

st.title("Entretiens")
notices.period_outside_data(sel)
st.caption(
    f"Du {fmt.day(period.start)} au {fmt.day(period.end)}, situation au {fmt.day(as_of)}. "
    "Parcours : accueil (initial, diagnostic), construction (co-élaboration, "
    "contractualisation), accompagnement (suivi, bilan). Un parcours par inscription active "
    "dans la période : un apprenant réorienté commence un nouveau parcours. Source : "
    + escape(sel.source)
    + "."
)
show_settings(settings, ["pathway_first_interviews_due_days", "risk_suivi_due_days"])

pathway = cached.compute(interviews.pathway, sel, scope=scope, as_of=as_of)
if pathway.is_empty():
    st.info(
        "Aucune inscription active dans la période et les filtres choisis : élargissez la "
        "période ou retirez des filtres dans le panneau de gauche."
    )
    st.stop()

by_type = cached.compute(interviews.interviews_by_type, sel, scope=scope)
missing = cached.compute(
    interviews.missing_first_interviews,
    sel,
    scope=scope,
    as_of=as_of,
)
left = cached.compute(
    interviews.left_without_first_interviews,
    sel,
    scope=scope,
    as_of=as_of,
)
overdue = cached.compute(interviews.overdue_suivi, sel, scope=scope, as_of=as_of)
undocumented = cached.compute(interviews.without_objectives, sel, scope=scope)
held = int(by_type["interviews"].sum())

earlier = notices.year_before(sel)
before = {"interviews": None, "missing": None, "overdue": None, "undocumented": None}
if (
    earlier is not None
):  # the same figures a year earlier; situations on the same day a year earlier
    then = scope.with_period(earlier)
    as_of_then = compare.day_a_year_before(as_of)
    before = {
        "interviews": int(
            cached.compute(interviews.interviews_by_type, sel, scope=then)["interviews"].sum()
        ),
        "missing": cached.compute(
            interviews.missing_first_interviews, sel, scope=then, as_of=as_of_then
        ).height,
        "overdue": cached.compute(
            interviews.overdue_suivi, sel, scope=then, as_of=as_of_then
        ).height,
        "undocumented": cached.compute(interviews.without_objectives, sel, scope=then).height,
    }
for column, (label, name, value, definition, detail, inverse) in zip(
    st.columns(4),
    [
        ("Entretiens tenus", "interviews", held, "interviews", None, False),
        (
            "Sans entretien d'accueil",
            "missing",
            missing.height,
            "missing_first_interviews",
            f"Jour regardé : le {fmt.day(as_of)}.",
            True,
        ),
        ("Suivis en retard", "overdue", overdue.height, "overdue_suivi", None, True),
        (
            "Entretiens sans objectifs",
            "undocumented",
            undocumented.height,
            "without_objectives",
            None,
            True,
        ),
    ],
    strict=True,
):
    change_tile(
        column,
        label,
        fmt.number(value),
        value,
        before[name],
        inverse=inverse,
        help=help_for(definition, settings, detail),
    )
if earlier is not None:
    st.caption(
        f"Évolutions : par rapport à la même période un an plus tôt (du {fmt.day(earlier.start)} "
        f"au {fmt.day(earlier.end)}) ; les situations (apprenants à voir, suivis en retard) au "
        f"{fmt.day(compare.day_a_year_before(as_of))}, le même jour un an plus tôt."
    )

if held == 0:
    st.info("Aucun entretien n'a eu lieu dans la période et les filtres choisis.")
else:
    cached.chart(
        sel,
        lambda: charts_learners.ordered_bars(
            by_type,
            category="interview_type",
            value="interviews",
            category_title="Type d'entretien",
            value_title="Entretiens tenus",
            order=list(INTERVIEW_TYPES),
            extra_tooltips=[("without_objectives", "Sans objectifs", "count")],
            title="Entretiens tenus dans la période, par type (ordre du parcours)",
        ),
        scope=scope,
    )

st.header("Parcours de chaque apprenant")
st.caption(
    "Date du premier entretien de chaque type (vide : pas encore eu lieu), nombre de suivis."
)
shown = pathway.drop("enrolment_id", "learner_id")
if shown.height > tables.MAX_ROWS_SHOWN:
    st.caption(
        f"{fmt.number(shown.height)} parcours : seuls les {fmt.number(tables.MAX_ROWS_SHOWN)} premiers "
        "sont affichés ; le téléchargement contient toute la liste."
    )
tables.show(
    shown,
    LABELS,
    "parcours_entretiens",
    title="Parcours d'entretiens de chaque apprenant",
    max_rows=tables.MAX_ROWS_SHOWN,
)

st.header("Entretiens manquants ou en retard")
st.subheader(
    f"Sans entretien initial ou diagnostic {settings.pathway_first_interviews_due_days} jours "
    "après l'entrée"
)
st.caption(
    f"Apprenants encore inscrits au {fmt.day(as_of)}, à recevoir ; jours comptés de l'entrée "
    "à cette date."
)
if missing.is_empty():
    st.success("Chaque apprenant encore inscrit a eu ses entretiens d'accueil dans le délai.")
else:
    table = missing.select(TO_SEE)
    tables.show(
        table,
        LABELS,
        "entretiens_accueil_manquants",
        title="Apprenants inscrits sans entretien initial ou diagnostic",
        max_rows=tables.MAX_ROWS_SHOWN,
    )
if not left.is_empty():
    st.markdown("**Sortis sans leurs entretiens d'accueil**")
    st.caption(
        f"{fmt.number(left.height)} inscriptions terminées sans entretien initial ou diagnostic "
        "alors qu'il était dû avant la sortie : plus rien à faire pour eux, mais leur dossier "
        "est incomplet. Jours comptés de l'entrée à la sortie."
    )
    table = left.select(LEFT_WITHOUT)
    tables.show(
        table,
        LABELS,
        "sortis_sans_entretiens_accueil",
        title="Sortis sans leurs entretiens d'accueil",
        max_rows=tables.MAX_ROWS_SHOWN,
    )
st.subheader("Suivis en retard après une contractualisation")
if overdue.is_empty():
    st.success("Aucun suivi en retard.")
else:
    table = overdue.drop("enrolment_id", "learner_id")
    tables.show(
        table,
        LABELS,
        "suivis_en_retard",
        title="Suivis en retard après une contractualisation",
        max_rows=tables.MAX_ROWS_SHOWN,
    )

st.header("Entretiens enregistrés sans objectifs")
if held == 0:
    st.info("Aucun entretien dans la période : aucun à vérifier.")
elif undocumented.is_empty():
    st.success(
        f"Les {fmt.number(held)} entretiens de la période ont tous des objectifs fixés."
        if held > 1
        else "L'entretien de la période a des objectifs fixés."
    )
else:
    tables.show(
        undocumented,
        LABELS,
        "entretiens_sans_objectifs",
        title="Entretiens enregistrés sans objectifs",
        max_rows=tables.MAX_ROWS_SHOWN,
    )

st.header("Contacts de suivi")
st.caption(
    "Les contacts notés depuis la page « Apprenants à risque » (appel, message, rendez-vous), "
    "du plus récent au plus ancien, pour les apprenants de votre périmètre."
)
contacts = follow_up.contacts_of(sel)
if contacts.is_empty():
    st.caption("Aucun contact de suivi noté.")
else:
    tables.show(
        contacts.drop("contact_id", "learner_id"),
        LABELS,
        "contacts_de_suivi",
        title="Contacts de suivi",
        max_rows=tables.MAX_ROWS_SHOWN,
        wide=("next_step",),
        key="interview_contacts",
    )
