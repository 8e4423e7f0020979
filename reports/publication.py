"""The yearly figures a training body publishes (pure: dataset in, figures out).

Two texts ask for them:

- Code du travail, article L6111-8: each CFA (and, through InserJeunes, each lycée
  professionnel) publishes every year, per training, the rate of success in the exams, of
  further study, of interruption during the training, of professional integration after 6
  months, the added value of the establishment, and (for apprentices) the rate of breach of
  apprenticeship contracts.
- Qualiopi, indicator 2 (criterion 1): the provider publishes result indicators suited to its
  services and publics (numbers of learners, interruption, completion, satisfaction...).

Only what the data hold is computed, each with its exact definition; the other figures are
listed as not supported, with the reason. Over the school year (1 September to 31 August),
or up to the data's last day for a year still running (said in the document).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from domain import DROPOUT_REASON, KIND_AP, school_year_name
from indicators import delays, dropout, support_hours, tutoring
from indicators.common import Period, Scope, active_in, safe_ratio
from indicators.dataset import Dataset, as_of, data_end
from reports.document import Document, Section, Table
from reports.monthly import ReportError, scope_label
from ui import format as fmt

YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{4})$")
COMPLETED = "fin de parcours"


def year_period(text: str) -> Period:
    """'2025-2026' -> 01/09/2025 to 31/08/2026; ReportError otherwise."""
    found = YEAR_PATTERN.match(text.strip())
    if not found or int(found.group(2)) != int(found.group(1)) + 1:
        raise ReportError(
            f"Année scolaire invalide : « {text} » (format attendu AAAA-AAAA, ex. 2025-2026)."
        )
    return Period.school_year(int(found.group(1)))


@dataclass(frozen=True)
class Figure:
    """One published figure: its name, value (None: nothing to count), kind (see
    document.KINDS), exact definition and the text it answers (L6111-8, Qualiopi 2)."""

    name: str
    value: float | None
    kind: str
    definition: str
    source: str


UNSUPPORTED: tuple[tuple[str, str, str], ...] = (
    (
        "Taux d'obtention des diplômes ou titres",
        "L6111-8 ; Qualiopi 2",
        "les résultats aux examens ne sont pas dans les données (ni import ni saisie).",
    ),
    (
        "Taux de poursuite d'études",
        "L6111-8 ; Qualiopi 2",
        "les données ne distinguent pas la fin d'un cycle de diplôme du passage dans l'année "
        "suivante, et ne suivent pas les sortants dans un autre établissement.",
    ),
    (
        "Taux d'insertion professionnelle à 6 mois",
        "L6111-8 ; Qualiopi 2",
        "la situation des sortants après la formation n'est pas collectée.",
    ),
    (
        "Valeur ajoutée de l'établissement",
        "L6111-8",
        "calculée par le ministère (InserJeunes) à partir des résultats et du profil des "
        "apprenants, absents des données.",
    ),
    (
        "Taux de rupture des contrats d'apprentissage",
        "L6111-8",
        "les contrats d'apprentissage et leurs ruptures ne sont pas dans les données (le taux "
        "d'interruption des alternants, ci-dessus, n'en est pas un substitut).",
    ),
    (
        "Taux de satisfaction des apprenants",
        "Qualiopi 2",
        "aucune enquête de satisfaction n'est enregistrée.",
    ),
)
"""Figures the data cannot support: name, the text asking for it, why."""


@dataclass(frozen=True)
class PublicationFigures:
    period: Period
    """The school year."""
    measured: Period
    """The part of the year the data cover (to the data's last day when the year runs on)."""
    scope_label: str
    data_end: date | None
    figures: tuple[Figure, ...]
    by_public: pl.DataFrame
    """public, learners, learners_enrolled, dropouts, dropout_rate, early_exits,
    early_exit_rate."""

    @property
    def title(self) -> str:
        return f"Chiffres à publier — année scolaire {school_year_name(self.period.start.year)}"


def _enrolment_figures(enrolments: pl.DataFrame, period: Period, keys: list[str]) -> pl.DataFrame:
    exited = period.contains("exit_date").fill_null(False)
    aggregates = [
        pl.col("learner_id").n_unique().cast(pl.Int64).alias("learners"),
        pl.len().cast(pl.Int64).alias("learners_enrolled"),
        ((pl.col("exit_reason") == DROPOUT_REASON) & exited)
        .fill_null(False)
        .sum()
        .cast(pl.Int64)
        .alias("dropouts"),
        ((pl.col("exit_reason") != COMPLETED) & exited)
        .fill_null(False)
        .sum()
        .cast(pl.Int64)
        .alias("early_exits"),
        exited.sum().cast(pl.Int64).alias("exits"),
        ((pl.col("exit_reason") == COMPLETED) & exited)
        .fill_null(False)
        .sum()
        .cast(pl.Int64)
        .alias("completions"),
    ]
    frame = enrolments.filter(active_in(period))
    counted = frame.group_by(keys).agg(aggregates).sort(keys) if keys else frame.select(aggregates)
    return counted.with_columns(
        safe_ratio(pl.col("dropouts"), pl.col("learners_enrolled"))
        .cast(pl.Float64)
        .alias("dropout_rate"),
        safe_ratio(pl.col("early_exits"), pl.col("learners_enrolled"))
        .cast(pl.Float64)
        .alias("early_exit_rate"),
        safe_ratio(pl.col("completions"), pl.col("exits"))
        .cast(pl.Float64)
        .alias("completion_rate"),
    )


def publication_figures(dataset: Dataset, scope: Scope) -> PublicationFigures:
    """The year's figures (scope.period: a school year, see year_period)."""
    period = scope.period
    end = as_of(dataset, period)
    measured = Period(period.start, max(period.start, end))
    enrolments = scope.keep(dataset.enrolments, disciplines=False)
    whole = _enrolment_figures(enrolments, period, []).row(0, named=True)
    rate = dropout.headline(dataset, scope).row(0, named=True)
    corrected = delays.summary(dataset, scope).row(0, named=True)
    answered = tutoring.headline(dataset, scope).row(0, named=True)
    hours = support_hours.totals_by_kind(support_hours.delivered_by_group(dataset, scope, end))
    ap = hours.filter(pl.col("kind") == KIND_AP)
    ap_row = ap.row(0, named=True) if not ap.is_empty() else None
    target = scope.settings.correction_target_days
    figures = (
        Figure(
            "Apprenants accueillis",
            whole["learners"],
            "number",
            "Personnes ayant au moins une inscription active dans l'année (entrée au plus tard "
            "le dernier jour, sans sortie ou sortie à partir du premier jour), comptées une fois.",
            "Qualiopi 2",
        ),
        Figure(
            "Inscriptions actives",
            whole["learners_enrolled"],
            "number",
            "Inscriptions (apprenant, groupe) actives à un moment de l'année ; un apprenant "
            "réorienté vers un autre groupe en compte deux.",
            "Qualiopi 2",
        ),
        Figure(
            "Taux d'interruption en cours de formation (abandon)",
            rate["dropout_rate"],
            "share1",
            "Parmi les inscriptions actives dans l'année, la part sortie pour le motif « abandon » "
            "avec une date de sortie dans l'année (même définition que la page Décrochage et "
            "pilotage indicators).",
            "L6111-8 ; Qualiopi 2",
        ),
        Figure(
            "Sorties avant terme, tous motifs",
            whole["early_exit_rate"],
            "share1",
            "Parmi les inscriptions actives dans l'année, la part sortie dans l'année pour un "
            "autre motif que « fin de parcours » (abandon, réorientation, exclusion, autre).",
            "Qualiopi 2",
        ),
        Figure(
            "Taux d'achèvement des parcours",
            whole["completion_rate"],
            "share1",
            "Parmi les inscriptions terminées dans l'année (date de sortie dans l'année), la part "
            "terminée en « fin de parcours ».",
            "Qualiopi 2",
        ),
        Figure(
            f"Copies corrigées en {target} jours ou moins",
            corrected["correction_within_target_share"],
            "share1",
            f"Parmi les copies corrigées dans l'année, la part dont le délai de correction "
            f"(corrigée le − déposée le, en jours calendaires) est d'au plus {target} jours ; "
            f"{fmt.number(corrected['copies_corrected'])} copies corrigées.",
            "Qualiopi 2 (indicateur adapté à l'accompagnement à distance)",
        ),
        Figure(
            "Sollicitations de tutorat répondues sous 48 h",
            answered["tutoring_answered_within_48h_share"],
            "share1",
            "Parmi toutes les sollicitations reçues dans l'année, répondues ou non, la part "
            "répondue en 48 heures ou moins.",
            "Qualiopi 2 (indicateur adapté à l'accompagnement)",
        ),
        Figure(
            "Heures d'AP assurées sur heures attendues",
            ap_row["delivered_share"] if ap_row else None,
            "share1",
            "Heures des séances d'accompagnement personnalisé tenues dans l'année (chaque séance "
            "une fois) sur les heures attendues (70 h par an réparties sur les semaines de "
            "cours), sommées sur les groupes"
            + (
                f" : {fmt.hours(ap_row['hours_delivered'])} sur "
                f"{fmt.hours(ap_row['hours_expected'])}."
                if ap_row
                else "."
            ),
            "Qualiopi 2 (indicateur adapté au public)",
        ),
    )
    by_public = _enrolment_figures(enrolments, period, ["public"]).select(
        "public",
        "learners",
        "learners_enrolled",
        "dropouts",
        "dropout_rate",
        "early_exits",
        "early_exit_rate",
    )
    return PublicationFigures(
        period=period,
        measured=measured,
        scope_label=scope_label(scope),
        data_end=data_end(dataset),
        figures=figures,
        by_public=by_public,
    )


def document(figures: PublicationFigures, generated: datetime) -> Document:
    """The figures as a Document: the figures with their definitions, by public, then the
    figures the data cannot support."""
    running = figures.measured.end < figures.period.end
    context = (
        f"Année scolaire : du {fmt.day(figures.period.start)} au {fmt.day(figures.period.end)}"
        + (f" (année en cours : chiffres au {fmt.day(figures.measured.end)})" if running else ""),
        f"Périmètre : {figures.scope_label}",
        f"Données au {fmt.day(figures.data_end)} ; établi le {generated:%d/%m/%Y à %H:%M}",
    )
    sections = (
        Section(
            title="Chiffres publiés et leur définition",
            sheet="Chiffres",
            paragraphs=(
                "Article L6111-8 du Code du travail (CFA, lycées professionnels) et indicateur 2 "
                "du référentiel Qualiopi (indicateurs de résultats adaptés aux prestations et aux "
                "publics). Une inscription est active dans l'année si elle commence au plus tard "
                "le dernier jour et ne se termine pas avant le premier.",
            ),
            tables=(
                Table(
                    columns=("Indicateur", "Valeur", "Définition", "Texte"),
                    kinds=("text", "row", "text", "text"),
                    rows=tuple((f.name, f.value, f.definition, f.source) for f in figures.figures),
                    row_kinds=tuple(f.kind for f in figures.figures),
                ),
            ),
        ),
        Section(
            title="Par public",
            sheet="Par public",
            paragraphs=("Les mêmes définitions, pour chaque public.",),
            tables=(
                Table(
                    columns=(
                        "Public",
                        "Apprenants accueillis",
                        "Inscriptions actives",
                        "Abandons",
                        "Taux d'interruption",
                        "Sorties avant terme",
                        "Part des sorties avant terme",
                    ),
                    kinds=("text", "number", "number", "number", "share1", "number", "share1"),
                    rows=tuple(figures.by_public.iter_rows()),
                ),
            ),
        ),
        Section(
            title="Chiffres que les données ne permettent pas de calculer",
            sheet="Non disponibles",
            paragraphs=(
                "Ces chiffres sont demandés mais les données de Pilotage ne les contiennent pas : "
                "ils sont à publier à partir d'autres sources (InserJeunes, enquêtes, résultats "
                "aux examens).",
            ),
            tables=(
                Table(
                    columns=("Indicateur", "Texte", "Pourquoi"),
                    kinds=("text", "text", "text"),
                    rows=UNSUPPORTED,
                ),
            ),
        ),
    )
    stem = f"publication-{school_year_name(figures.period.start.year)}"
    return Document(figures.title, context, sections, stem)
