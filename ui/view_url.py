"""The sidebar's selection in the page's address, so that a reload keeps it and a link opens
the same view: ``?annee=2025-2026&du=2025-10-01&au=2025-12-31&site=Lyon&site=Nice&pic=3``.

The sidebar writes the address after every run (the school year and the period always, the
filters when chosen, the thresholds when they differ from the defaults). An address whose
parameters are not the ones written last (a link opened, a new browser tab, an address typed)
is read before the sidebar is drawn: what it says replaces the selection; a value the data or
the widgets cannot take (an unknown site, a date such as 2026-13-01, an end before the start,
a threshold out of range) is left at its default, and one French notice lists them. A site or
a group outside a user's perimeter is refused by the sidebar, as a filter would be.

``parse`` is pure (no Streamlit): the sidebar gives it what the data hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from domain import school_year_name, school_year_of
from indicators.common import DEFAULT_SETTINGS, IndicatorSettings
from ui import format as fmt

YEAR, START, END, COMPARE = "annee", "du", "au", "comparer"
LISTS = {
    "site": "filter_sites",
    "groupe": "filter_groups",
    "discipline": "filter_disciplines",
    "public": "filter_publics",
}
"""URL parameter -> key of its multiselect in the sidebar."""
THRESHOLDS = {
    "objectif": "correction_target_days",
    "pic": "surge_ratio",
    "volume": "surge_min_volume",
    "inactivite": "risk_inactivity_weeks",
}
"""URL parameter -> the setting (IndicatorSettings) its sidebar widget sets."""
PARAMETERS = (YEAR, START, END, COMPARE, *LISTS, *THRESHOLDS)
YES, NO = ("1", "oui"), ("0", "non")
UNKNOWN = {
    "site": "site inconnu",
    "groupe": "groupe inconnu",
    "discipline": "discipline inconnue",
    "public": "public inconnu",
}


@dataclass(frozen=True)
class Requested:
    """What an address asks for, checked: only the values it gives and the data can take."""

    year: int | None = None
    period: tuple[date, date] | None = None
    lists: dict[str, list[str]] = field(default_factory=dict)
    """URL parameter -> the values asked (every value is known to the data)."""
    thresholds: dict[str, float | int] = field(default_factory=dict)
    """setting name -> value."""
    unknown: dict[str, list[str]] = field(default_factory=dict)
    """site / groupe -> values the user's data do not hold (refused for a limited perimeter)."""
    problems: tuple[str, ...] = ()
    """Each value left at its default, said in French."""
    compare: bool = False
    """Whether figures are compared with the same period a year earlier."""


def _date(text: str, what: str, problems: list[str]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(
            f"la date de {what} « {text} » n'existe pas ou n'est pas au format AAAA-MM-JJ"
        )
        return None


def _year(text: str, years: list[int], problems: list[str]) -> int | None:
    first = text.split("-")[0].strip()
    if (
        first.isdigit()
        and int(first) in years
        and text.strip() in (first, school_year_name(int(first)))
    ):
        return int(first)
    problems.append(f"l'année scolaire « {text} » n'est pas dans les données")
    return None


def _threshold(
    parameter: str, text: str, limits: dict[str, tuple], problems: list[str]
) -> float | int | None:
    name = THRESHOLDS[parameter]
    allowed = limits[name]
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = None
    if value is not None and isinstance(allowed[0], int) and value.is_integer():
        low, high = allowed
        if low <= value <= high:
            return int(value)
    elif value is not None and value in allowed:
        return value
    problems.append(f"le seuil « {parameter} » ne peut pas valoir « {text} »")
    return None


def parse(
    params: dict[str, list[str]],
    *,
    years: list[int],
    known: dict[str, list[str]],
    limits: dict[str, tuple],
) -> Requested:
    """Read an address's view parameters (``params``: name -> its values) against what the
    data hold: ``years`` (first years of the school years), ``known`` (site, groupe,
    discipline, public -> the values the user's data hold), ``limits`` (setting name ->
    (lowest, highest) for whole numbers, or the tuple of values offered)."""
    problems: list[str] = []
    year = _year(params[YEAR][0], years, problems) if params.get(YEAR) else None
    period = None
    if params.get(START) or params.get(END):
        start_text, end_text = (params.get(START) or [""])[0], (params.get(END) or [""])[0]
        if not (start_text and end_text):
            problems.append("la période demande une date de début (du) et une date de fin (au)")
        else:
            start = _date(start_text, "début", problems)
            end = _date(end_text, "fin", problems)
            if start and end and end < start:
                problems.append(
                    f"la fin de la période ({fmt.day(end)}) précède son début ({fmt.day(start)})"
                )
            elif start and end:
                period = (start, end)
                if year is None and school_year_of(start) in years:
                    year = school_year_of(start)
    lists: dict[str, list[str]] = {}
    unknown: dict[str, list[str]] = {}
    for parameter in LISTS:
        values = [v for v in params.get(parameter, []) if v]
        if not values:
            continue
        outside = [v for v in values if v not in known.get(parameter, [])]
        if outside and parameter in ("site", "groupe"):
            unknown[parameter] = outside
        elif outside:
            names = ", ".join(f"« {v} »" for v in outside)
            problems.append(f"{UNKNOWN[parameter]} dans vos données : {names}")
        lists[parameter] = list(dict.fromkeys(v for v in values if v not in outside))
    compare = False
    if params.get(COMPARE):
        answer = params[COMPARE][0].strip().lower()
        compare = answer in YES
        if answer not in YES + NO:
            problems.append(f"« comparer » vaut 1 ou 0, pas « {params[COMPARE][0]} »")
    thresholds = {}
    for parameter, name in THRESHOLDS.items():
        if params.get(parameter):
            value = _threshold(parameter, params[parameter][0], limits, problems)
            if value is not None:
                thresholds[name] = value
    return Requested(year, period, lists, thresholds, unknown, tuple(problems), compare)


def notice(problems: tuple[str, ...] | list[str]) -> str:
    """The one French notice for the values of an address left at their default."""
    return (
        "Le lien ouvert contient des valeurs inutilisables, remplacées par les valeurs par "
        "défaut : " + " ; ".join(problems) + "."
    )


def encode(
    *,
    year: int,
    period: tuple[date, date],
    lists: dict[str, tuple[str, ...]],
    settings: IndicatorSettings,
    compare: bool = False,
) -> dict[str, list[str]]:
    """The parameters of a selection: year and period always, filters when chosen, thresholds
    when they differ from the defaults."""
    params = {
        YEAR: [school_year_name(year)],
        START: [period[0].isoformat()],
        END: [period[1].isoformat()],
    }
    if compare:
        params[COMPARE] = ["1"]
    for parameter, values in lists.items():
        if values:
            params[parameter] = list(values)
    for parameter, name in THRESHOLDS.items():
        value = getattr(settings, name)
        if value != getattr(DEFAULT_SETTINGS, name):
            params[parameter] = [f"{value:g}"]
    return params
