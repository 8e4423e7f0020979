"""La ligne de commande `pilotage` : les mêmes opérations que l'application, pour les scripts.

Each command is a pair, listed in COMMANDS: ``_add_<name>(subparsers)`` declares its parser
and options (French help) and returns it;
``_run_<name>(args) -> int`` does the work through the layers and returns
the exit code. Keep each command's pair in its own section below.
Exit codes: 0 success, 1 the input was rejected (or the database was busy: try again),
2 usage error (argparse) or unusable setting, 3 unexpected error (one French line with a
reference; the log line with the same reference names the error's type and place only).
With --json, every outcome is a JSON object on stdout, errors included; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from data_access.errors import DatabaseBusy, PilotageError, report_unexpected
from domain import BY_DIMENSIONS, KIND_AIDE, KIND_AP

if TYPE_CHECKING:
    import polars as pl

_FRENCH_ERRORS = (
    ("one of the arguments ", "une de ces options est obligatoire : "),
    (" is required", ""),
    ("not allowed with argument", "incompatible avec l'option"),
    ("the following arguments are required", "options obligatoires manquantes"),
    ("unrecognized arguments", "arguments non reconnus"),
    ("invalid choice", "choix invalide"),
    ("choose from", "choix possibles :"),
    ("expected one argument", "une valeur est attendue"),
    ("argument ", "option "),
)


class FrenchArgumentParser(argparse.ArgumentParser):
    """argparse with its own words in French (help flag, usage line, common errors)."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "Utilisation :", 1)

    def format_help(self) -> str:
        text = super().format_help().replace("usage:", "Utilisation :", 1)
        return text.replace("\noptions:\n", "\noptions :\n")

    def error(self, message: str) -> None:  # type: ignore[override]
        for english, french in _FRENCH_ERRORS:
            message = message.replace(english, french)
        self.print_usage(sys.stderr)
        self.exit(2, f"Erreur : {message}\n")


Subparsers = argparse._SubParsersAction
Command = tuple[
    Callable[[Subparsers], argparse.ArgumentParser], Callable[[argparse.Namespace], int]
]


# --- seed -------------------------------------------------------------------------------


def _add_seed(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "seed",
        help="remplir la base avec des données de démonstration réalistes",
        description=(
            "Crée le schéma si besoin et remplit la base avec deux années scolaires de données "
            "de démonstration : 2024-2025 complète, puis 2025-2026 jusqu'au 07/07/2026."
        ),
    )
    parser.add_argument(
        "--scale",
        choices=["demo", "national"],
        default="demo",
        help="demo : 2 sites, ~600 apprenants par an ; national : 8 sites, 200 000 apprenants par an",
    )
    parser.add_argument("--seed", type=int, default=42, help="graine du générateur (défaut 42)")
    parser.add_argument(
        "--years",
        type=int,
        default=2,
        help="nombre d'années scolaires, la dernière étant 2025-2026 (défaut 2 ; 4 : deux fois "
        "les lignes, 8 : quatre fois)",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="vider la base avant de la remplir (sinon refus si elle contient déjà des données)",
    )
    parser.add_argument(
        "--if-empty", action="store_true", help="ne rien faire si la base contient déjà des données"
    )
    return parser


def _run_seed(args: argparse.Namespace) -> int:
    from seed.generate import seed_database

    report = seed_database(
        scale=args.scale,
        seed=args.seed,
        reset=args.reset,
        if_empty=args.if_empty,
        years=args.years,
    )
    print(report)
    return 0


# --- indicators -------------------------------------------------------------------------


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date invalide : « {text} » (format attendu AAAA-MM-JJ, ex. 2026-03-31)"
        ) from None


def _add_indicators(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "indicators",
        help="calculer les indicateurs d'une période",
        description=(
            "Calcule les chiffres clés de la période (flux, délais, tutorat, abandons, heures "
            "d'accompagnement). Sans --from ni --to : toute la période couverte par les données."
        ),
    )
    parser.add_argument(
        "--from", dest="start", type=_day, metavar="AAAA-MM-JJ", help="début de période"
    )
    parser.add_argument("--to", dest="end", type=_day, metavar="AAAA-MM-JJ", help="fin de période")
    parser.add_argument(
        "--site", action="append", default=[], metavar="NOM", help="site (répétable)"
    )
    parser.add_argument(
        "--group", action="append", default=[], metavar="NOM", help="groupe (répétable)"
    )
    parser.add_argument(
        "--discipline", action="append", default=[], metavar="NOM", help="discipline (répétable)"
    )
    parser.add_argument("--public", action="append", default=[], help="public (répétable)")
    parser.add_argument("--by", choices=BY_DIMENSIONS, help="une ligne par valeur")
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    _add_user_option(parser)
    return parser


def _run_indicators(args: argparse.Namespace) -> int:
    import json

    from data_access.db import get_engine
    from data_access.frames import load_frames
    from indicators import summary
    from indicators.common import Filters, Period, Scope
    from indicators.dataset import prepare

    filters = Filters(
        sites=tuple(args.site),
        groups=tuple(args.group),
        disciplines=tuple(args.discipline),
        publics=tuple(args.public),
    )
    perimeter = _perimeter_of(args.user, filters, learners=False, as_json=args.json)
    if perimeter is None:
        return 1
    dataset = _within(prepare(load_frames(get_engine())), perimeter)
    covered = summary.data_period(dataset, filters)
    start = args.start or (covered.start if covered else args.end)
    end = args.end or (covered.end if covered else args.start)
    if start is None or end is None:
        print("La base ne contient aucune donnée : précisez --from et --to.", file=sys.stderr)
        return 1
    if end < start:
        print(f"Période invalide : --to ({end}) précède --from ({start}).", file=sys.stderr)
        return 2
    scope = Scope(Period(start, end), filters, perimeter=perimeter)
    table = summary.headline(dataset, scope, by=args.by)
    if args.json:
        rows = table.to_dicts()
        print(json.dumps(rows if args.by else rows[0], ensure_ascii=False, indent=2))
    else:
        print(f"Indicateurs du {start:%d/%m/%Y} au {end:%d/%m/%Y}")
        print(_as_text(table))
    return 0


def _as_text(table: pl.DataFrame) -> str:
    """The headline table as readable French text: one block per row, labels and values."""
    from indicators.summary import LABELS
    from ui import format as fmt  # French formatting only (no Streamlit call)

    kinds = {
        "correction_delay_days_mean": fmt.days,
        "correction_delay_days_median": fmt.days,
        "correction_delay_days_p90": fmt.days,
        "correction_within_target_share": fmt.share,
        "tutoring_answered_within_48h_share": fmt.share,
        "dropout_rate": lambda v: fmt.share(v, 1),
        "support_hours_delivered": lambda v: fmt.hours(v, 0),
    }
    width = max(len(label) for label in LABELS.values())
    blocks = []
    for row in table.iter_rows(named=True):
        lines = []
        for column, value in row.items():
            shown = value if column in BY_DIMENSIONS else kinds.get(column, fmt.number)(value)
            lines.append(f"  {LABELS[column]:<{width}}  {shown}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# --- forecast ---------------------------------------------------------------------------

_FORECAST_JSON_NAMES = {"week_start": "week", "copies_backlog_projected": "backlog_projected"}


def _weeks(text: str) -> int:
    from forecast.plan import MAX_WEEKS

    value = _positive_int(text)
    if value > MAX_WEEKS:
        raise argparse.ArgumentTypeError(f"au plus {MAX_WEEKS} semaines : « {text} »")
    return value


def _add_forecast(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "forecast",
        help="prévoir les copies et sollicitations des semaines à venir et l'effectif nécessaire",
        description=(
            "Prévoit, semaine par semaine, par site et discipline, les copies reçues et les "
            "sollicitations de tutorat (les mêmes semaines des années précédentes, ajustées au "
            "niveau de cette année, avec un intervalle à 80 %), les correcteurs et tuteurs "
            "nécessaires pour tenir les objectifs de délai, et le stock et le délai prévus avec "
            "l'effectif actuel (file d'attente hebdomadaire). Une semaine sans historique n'a "
            "pas de prévision (null) et le dit."
        ),
    )
    parser.add_argument(
        "--as-of",
        type=_day,
        metavar="AAAA-MM-JJ",
        help="prévoir avec les données jusqu'à ce jour (défaut : le dernier jour des données)",
    )
    parser.add_argument(
        "--weeks", type=_weeks, default=12, metavar="N", help="semaines à prévoir (défaut 12)"
    )
    parser.add_argument(
        "--site", action="append", default=[], metavar="NOM", help="site (répétable)"
    )
    parser.add_argument(
        "--discipline", action="append", default=[], metavar="NOM", help="discipline (répétable)"
    )
    parser.add_argument("--json", action="store_true", help="sortie JSON (une liste d'objets)")
    _add_user_option(parser)
    return parser


def _run_forecast(args: argparse.Namespace) -> int:
    import json

    from data_access.db import get_engine
    from data_access.frames import load_frames
    from forecast import plan
    from forecast.history import first_week
    from indicators.common import Filters, Period, Scope
    from indicators.dataset import data_end, prepare
    from ui import format as fmt  # French formatting only (no Streamlit call)

    filters = Filters(sites=tuple(args.site), disciplines=tuple(args.discipline))
    perimeter = _perimeter_of(args.user, filters, learners=False, as_json=args.json)
    if perimeter is None:
        return 1
    dataset = _within(prepare(load_frames(get_engine())), perimeter)
    last = data_end(dataset)
    if last is None:
        return _fail(args, "la base ne contient aucune donnée : rien à prévoir.", 1)
    as_of = args.as_of or last
    if as_of > last + timedelta(days=6 - last.weekday()):  # after the data's last week
        return _fail(
            args,
            f"--as-of ({fmt.day(as_of)}) est après la dernière semaine des données (dernier "
            f"jour : {fmt.day(last)}) : les semaines entre les deux compteraient pour zéro.",
            1,
        )
    scope = Scope(Period(as_of, as_of), filters, perimeter=perimeter)
    table = plan.capacity_plan(dataset, scope, as_of=as_of, weeks=args.weeks)
    if args.json:
        rows = [
            {_FORECAST_JSON_NAMES.get(k, k): _json_value(v) for k, v in row.items()}
            for row in table.iter_rows(named=True)
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    start = first_week(as_of)
    print(
        f"Prévision faite avec les données jusqu'au {fmt.day(as_of)}, {args.weeks} semaine(s) "
        f"à partir du lundi {fmt.day(start)}."
    )
    if table.is_empty():
        print("Aucune copie ni sollicitation dans cette sélection : rien à prévoir.")
        return 0
    print(_forecast_text(table))
    return 0


def _json_value(value):  # noqa: ANN001, ANN202
    """A value of the plan as JSON writes it: dates ISO, floats rounded (null stays null)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 3)
    return value


def _forecast_text(table: pl.DataFrame) -> str:
    """One block per site and discipline, one line per week, in French."""
    from ui import format as fmt

    header = (
        f"  {'Semaine du':<10}  {'Copies prévues':>22}  {'Correcteurs':>16}  {'Stock':>7}  "
        f"{'Attente':>8}  {'Sollicitations':>14}  {'Tuteurs':>12}"
    )
    blocks = []
    for (site, discipline), rows in table.group_by("site", "discipline", maintain_order=True):
        lines = [f"{site} — {discipline}", header]
        for row in rows.sort("week_start").iter_rows(named=True):
            if row["copies_forecast"] is None:
                copies = "—"
            elif row["copies_low"] is None:
                copies = fmt.number(row["copies_forecast"])
            else:
                copies = (
                    f"{fmt.number(row['copies_forecast'])} ({fmt.number(row['copies_low'])}–"
                    f"{fmt.number(row['copies_high'])})"
                )
            staff = f"{fmt.number(row['correctors_needed'])} / {fmt.number(row['correctors'])}"
            tutors = f"{fmt.number(row['tutors_needed'])} / {fmt.number(row['tutors'])}"
            lines.append(
                f"  {fmt.day(row['week_start']):<10}  {copies:>22}  {staff:>16}  "
                f"{fmt.number(row['copies_backlog_projected']):>7}  "
                f"{fmt.days(row['correction_wait_days_projected']):>8}  "
                f"{fmt.number(row['requests_forecast']):>14}  {tutors:>12}"
            )
        notes = sorted({n for n in rows.get_column("copies_note").to_list() if n})
        lines += [f"  Sans prévision : {note}." for note in notes]
        blocks.append("\n".join(lines))
    legend = (
        "Copies prévues : prévision (intervalle à 80 %). Correcteurs, tuteurs : nécessaires / "
        "actuels. Stock et attente moyenne : prévus avec l'effectif actuel, en fin de semaine."
    )
    return "\n\n".join(blocks) + "\n\n" + legend


# --- --user: compute within an account's perimeter --------------------------------------


def _add_user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user",
        metavar="IDENTIFIANT",
        help="calculer dans le périmètre de ce compte (ses sites ou ses groupes) ; un site ou "
        "un groupe hors de ce périmètre est refusé (code 1)",
    )


def _refuse(login: str | None, message: str, detail: str, *, as_json: bool = False) -> None:
    """Record a refused attempt and say why (stderr; and stdout as JSON with --json)."""
    import json

    from data_access import audit
    from data_access.db import get_engine
    from domain import AUDIT_REFUSED

    channel = audit.CHANNEL_CLI
    audit.record(get_engine(), AUDIT_REFUSED, login=login, detail=detail, channel=channel)
    if as_json:
        print(json.dumps({"status": "refusé", "error": message}, ensure_ascii=False))
    print(f"Refusé : {message}", file=sys.stderr)


def _account(login: str, *, as_json: bool = False):  # noqa: ANN202
    """The active account of the login, or None after a French message."""
    from data_access import accounts
    from data_access.db import get_engine

    account = accounts.get_account(get_engine(), login)
    if account is None:
        unknown = f"aucun compte « {login} » (pilotage user list)."
        _refuse(None, unknown, "ligne de commande : compte inconnu", as_json=as_json)
        return None
    if account.disabled:
        disabled = f"le compte « {login} » est désactivé."
        _refuse(login, disabled, "ligne de commande : compte désactivé", as_json=as_json)
        return None
    return account


def _perimeter_of(login: str | None, filters, *, learners: bool, as_json: bool = False):  # noqa: ANN001, ANN202
    """The perimeter to compute within (everything without --user), or None after a French
    refusal (recorded): unknown or disabled account, a site or group outside its perimeter,
    learner-level output for the lecture role."""
    from domain import ROLE_READER
    from indicators.common import EVERYTHING, Perimeter

    if login is None:
        return EVERYTHING
    account = _account(login, as_json=as_json)
    if account is None:
        return None
    perimeter = Perimeter(sites=account.sites, groups=account.groups)
    outside = perimeter.outside(filters)
    if outside:
        names = ", ".join(f"« {name} »" for name in outside)
        _refuse(
            login,
            f"{names} hors du périmètre du compte « {login} » ({account.describe()}).",
            f"ligne de commande : {names} hors périmètre",
            as_json=as_json,
        )
        return None
    if learners and account.role == ROLE_READER:
        _refuse(
            login,
            "le rôle lecture voit des chiffres, pas de listes d'apprenants.",
            "ligne de commande : liste d'apprenants pour le rôle lecture",
            as_json=as_json,
        )
        return None
    return perimeter


def _within(dataset, perimeter):  # noqa: ANN001, ANN202
    from indicators.dataset import within

    return within(dataset, perimeter)


# --- at-risk ----------------------------------------------------------------------------


def _add_at_risk(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "at-risk",
        help="la liste des apprenants à risque, classée par score",
        description=(
            "Les inscriptions actives au niveau vigilance ou alerte (avec --all, toutes les "
            "inscriptions actives, niveau « aucun » compris), classées par score de risque. "
            "Sans --as-of : le dernier jour des données. Les signaux que les données ne "
            "permettent pas de calculer sont nommés."
        ),
    )
    parser.add_argument("--as-of", type=_day, metavar="AAAA-MM-JJ", help="jour de la situation")
    parser.add_argument(
        "--site", action="append", default=[], metavar="NOM", help="site (répétable)"
    )
    parser.add_argument(
        "--group", action="append", default=[], metavar="NOM", help="groupe (répétable)"
    )
    parser.add_argument("--public", action="append", default=[], help="public (répétable)")
    parser.add_argument("--limit", type=_positive_int, metavar="N", help="les N premières lignes")
    parser.add_argument(
        "--all", action="store_true", help="toutes les inscriptions actives, même sans risque"
    )
    parser.add_argument("--json", action="store_true", help="sortie JSON (une liste d'objets)")
    _add_user_option(parser)
    return parser


def _run_at_risk(args: argparse.Namespace) -> int:
    import json

    from data_access.db import get_engine
    from data_access.frames import load_frames
    from indicators import risk, risk_model
    from indicators.common import Filters, Period, Scope
    from indicators.dataset import data_end, prepare
    from ui import format as fmt

    filters = Filters(sites=tuple(args.site), groups=tuple(args.group), publics=tuple(args.public))
    perimeter = _perimeter_of(args.user, filters, learners=True, as_json=args.json)
    if perimeter is None:
        return 1
    dataset = _within(prepare(load_frames(get_engine())), perimeter)
    as_of = args.as_of or data_end(dataset)
    if as_of is None:
        return _fail(args, "la base ne contient aucune donnée : précisez --as-of.", 1)
    scope = Scope(Period(as_of, as_of), filters, perimeter=perimeter)
    model = risk_model.train(dataset, as_of, scope.settings)
    usable = model if isinstance(model, risk_model.RiskModel) else None
    listed = risk.at_risk(dataset, scope, as_of, usable, everyone=args.all)
    if args.limit:
        listed = listed.head(args.limit)
    missing = risk.unavailable(dataset)
    not_computed = [f"{row['label']} : {row['reason']}" for row in missing.iter_rows(named=True)]
    checked = _model_sentence(model)
    if args.json:
        rows = [
            {
                "learner": row["external_id"],
                "name": row["learner_name"] or None,
                "group": row["group"],
                "site": row["site"],
                "referent": row["referent"],
                "score": None if row["score"] is None else round(row["score"], 4),
                "level": row["level"],
                "signals": [risk.SIGNALS[name] for name in risk.SIGNALS if row[name]],
                "signal_levels": {risk.SIGNALS[n]: row[n] for n in risk.SIGNALS if row[n]},
                "signal_details": [t for t in row["signals"].split(" ; ") if t],
                "reasons": [t for t in row["reasons"].split(" ; ") if t],
            }
            for row in listed.iter_rows(named=True)
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        print(f"Au {as_of:%d/%m/%Y}. {checked}", file=sys.stderr)
        for line in not_computed:
            print(f"Non calculé — {line}", file=sys.stderr)
        return 0
    print(f"Apprenants à risque au {as_of:%d/%m/%Y} : {fmt.number(listed.height)} inscription(s)")
    print(checked)
    for line in not_computed:
        print(f"Non calculé — {line}")
    for rank, row in enumerate(listed.iter_rows(named=True), start=1):
        score = "—" if row["score"] is None else fmt.share(row["score"])
        who = row["learner_name"] or row["external_id"]
        print(
            f"{rank:>4}. {who} ({row['external_id']}), {row['group']}, {row['site']} — "
            f"{row['level']}, score {score} — référent : {row['referent'] or 'aucun'}"
        )
        if row["reasons"]:
            print(f"      raisons : {row['reasons']}")
        if row["signals"]:
            print(f"      signaux : {row['signals']}")
    return 0


def _model_sentence(model) -> str:  # noqa: ANN001
    from ui.risk_text import check_sentence

    return check_sentence(model)


# --- plan-groups ------------------------------------------------------------------------

_PLAN_KINDS = {"ap": KIND_AP, "aide-individualisee": KIND_AIDE}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"nombre entier positif attendu : « {text} »")
    return value


def _add_plan_groups(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "plan-groups",
        help="proposer des groupes de besoins (AP, aide individualisée) pour une période",
        description=(
            "Propose des groupes de besoins à partir des diagnostics (les plus récents de chaque "
            "élève et besoin ; un besoin « acquis » ne demande pas de groupe), des intervenants "
            "et de leurs heures disponibles par semaine. Chaque groupe réunit un même besoin et "
            "un niveau proche, reçoit un intervenant et un créneau hebdomadaire sans conflit ; "
            "ce qui n'a pas pu être placé est expliqué. Le plan n'est enregistré qu'avec --save."
        ),
    )
    parser.add_argument("--start", type=_day, required=True, help="début de période (AAAA-MM-JJ)")
    parser.add_argument("--end", type=_day, required=True, help="fin de période (AAAA-MM-JJ)")
    parser.add_argument(
        "--site",
        help="site : ses élèves, ses intervenants (et ceux sans site) ; le plan lui est rattaché",
    )
    parser.add_argument(
        "--group", action="append", default=[], help="classe / groupe d'élèves (répétable)"
    )
    parser.add_argument(
        "--kind",
        choices=sorted(_PLAN_KINDS),
        default="ap",
        help="ap : 2,5 h par semaine, pas de quota (groupes de 15 au plus par défaut) ; "
        "aide-individualisee : 1 h par semaine, 8 élèves au plus par groupe",
    )
    parser.add_argument(
        "--max-size",
        type=_positive_int,
        help="élèves au plus par groupe (défaut : 15 en AP, 8 en aide)",
    )
    parser.add_argument(
        "--needs-per-learner",
        type=_positive_int,
        default=1,
        metavar="N",
        help="partager le temps hebdomadaire de chaque élève entre N besoins (défaut 1 : un "
        "groupe prend tout le temps, un seul besoin par élève ; 2 : deux groupes de 1 h 15 en AP)",
    )
    parser.add_argument(
        "--diagnostics",
        metavar="FICHIER",
        help="lire les diagnostics dans ce fichier Excel ou CSV (colonnes identifiant, besoin, "
        "niveau, date ; classe et nom facultatifs) au lieu de la base ; --group filtre alors "
        "sur la colonne classe du fichier",
    )
    parser.add_argument("--out", metavar="plan.xlsx", help="écrire le plan dans ce classeur Excel")
    parser.add_argument(
        "--json",
        action="store_true",
        help='sortie JSON : {"groups": [{"name", "need", "staff", "slot", "hours_per_week", '
        '"members"}], "unplaced": [{"learner", "need", "reason"}], "problems": [...]}',
    )
    parser.add_argument(
        "--save",
        action="store_true",
        help="enregistrer le plan dans la base comme plan de la période (remplace le plan "
        "précédent de même type, période et site)",
    )
    _add_user_option(parser)
    return parser


def _run_plan_groups(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from data_access.db import get_engine
    from data_access.frames import load_frames
    from data_access.importing import ImportRejected, read_checked
    from data_access.plans import PlanRejected, save_plan
    from indicators.common import Period
    from planning.printable import plan_json, plan_text, workbook_bytes
    from planning.request import INPUT_TABLES, NoDiagnostics, PlanRequest, propose

    if args.end < args.start:
        print(
            f"Période invalide : --end ({args.end}) précède --start ({args.start}).",
            file=sys.stderr,
        )
        return 2
    from indicators.common import Filters
    from indicators.dataset import prepare

    engine = get_engine()
    asked = Filters(sites=(args.site,) if args.site else (), groups=tuple(args.group))
    perimeter = _perimeter_of(args.user, asked, learners=True, as_json=args.json)
    if perimeter is None:
        return 1
    frames = _within(prepare(load_frames(engine, INPUT_TABLES)), perimeter).frames
    if args.site and args.site not in frames.sites.get_column("name").to_list():
        print(f"Site inconnu : « {args.site} ».", file=sys.stderr)
        return 1
    request = PlanRequest(
        Period(args.start, args.end),
        kind=_PLAN_KINDS[args.kind],
        max_size=args.max_size,
        sites=(args.site,) if args.site else perimeter.sites,
        groups=tuple(args.group) or perimeter.groups,
        needs_per_learner=args.needs_per_learner,
    )
    if args.save and args.user is not None:
        refusal = _save_refusal(args.user, request.site, perimeter)
        if refusal:
            detail = f"ligne de commande : plan {request.kind} refusé"
            _refuse(args.user, refusal, detail, as_json=args.json)
            return 1
    diagnostics, source = None, "la base"
    if args.diagnostics:
        path = Path(args.diagnostics)
        try:
            diagnostics = read_checked(path.name, path.read_bytes(), "diagnostics")
        except OSError:
            print(f"Fichier illisible ou introuvable : « {args.diagnostics} ».", file=sys.stderr)
            return 1
        except ImportRejected as error:
            print(f"Erreur : {error}", file=sys.stderr)
            return 1
        source = f"le fichier « {path.name} »"
    try:
        plan = propose(frames, request, diagnostics=diagnostics)
    except NoDiagnostics:
        print(
            f"Aucun diagnostic dans {source} pour ces élèves et cette période : importez-les "
            "(pilotage import --kind diagnostics) ou donnez --diagnostics FICHIER.",
            file=sys.stderr,
        )
        return 1
    except ValueError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
    if args.out:
        try:
            Path(args.out).write_bytes(workbook_bytes(plan))
        except OSError:
            print(f"Impossible d'écrire « {args.out} ».", file=sys.stderr)
            return 1
    saved = None
    if args.save:
        try:
            saved = save_plan(engine, plan)
        except PlanRejected as error:
            print(f"Erreur : {error}", file=sys.stderr)
            return 1
        _record(
            args.user,
            "plan enregistré",
            f"{plan.kind} du {plan.period.start:%d/%m/%Y} au {plan.period.end:%d/%m/%Y}, site "
            f"{plan.site or 'aucun'} : {saved.groups} groupe(s), {saved.members} placement(s)",
        )
    if args.json:
        print(json.dumps(plan_json(plan), ensure_ascii=False, indent=2))
    else:
        print(plan_text(plan))
        if args.out:
            print(f"Classeur écrit : {args.out}")
        if saved is not None:
            print(saved)
    return 0


def _save_refusal(login: str, site: str | None, perimeter) -> str | None:  # noqa: ANN001
    """Why the account may not save this plan (None: it may)."""
    from data_access.accounts import get_account
    from data_access.db import get_engine
    from domain import WRITING_ROLES

    account = get_account(get_engine(), login)
    if account.role not in WRITING_ROLES:
        return f"le rôle {account.role} ne permet pas d'enregistrer un plan."
    if perimeter.sites and site not in perimeter.sites:
        return f"un plan de ce compte doit être rattaché à l'un de ses sites ({', '.join(perimeter.sites)}) : précisez --site."
    return None


def _record(login: str | None, event: str, detail: str) -> None:
    """One entry of the audit trail for a command (the account of --user, else the system
    user who ran it)."""
    import getpass

    from data_access import audit
    from data_access.db import get_engine

    who = login or f"système:{getpass.getuser()}"
    audit.record(get_engine(), event, login=who, detail=detail, channel=audit.CHANNEL_CLI)


# --- import ---------------------------------------------------------------------------


def _add_import(subparsers: Subparsers) -> argparse.ArgumentParser:
    from data_access.importing import KINDS

    parser = subparsers.add_parser(
        "import",
        help="importer un export Excel ou CSV (tout ou rien, rapport des problèmes)",
        description=(
            "Importe un fichier .xlsx, .xlsm, .xls, .ods ou .csv. Chaque ligne est vérifiée avant "
            "l'écriture : un fichier avec un problème n'écrit rien (sauf --skip-invalid). "
            "Codes de sortie : 0 importé, 1 fichier refusé (rien d'écrit), 2 erreur d'utilisation."
        ),
    )
    parser.add_argument("file", metavar="FICHIER", help="le fichier à importer")
    parser.add_argument(
        "--kind",
        choices=list(KINDS),
        help="type de données (deviné d'après les titres de colonnes sinon)",
    )
    parser.add_argument("--sheet", metavar="FEUILLE", help="nom de la feuille (la première sinon)")
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="'Titre=champ'",
        help="corriger l'association d'une colonne, ex. --map 'Déposé le=submitted_on' "
        "(champ vide pour ignorer la colonne) ; répétable ; pour ce fichier seulement, sauf "
        "avec --remember-map",
    )
    parser.add_argument(
        "--remember-map",
        action="store_true",
        help="mémoriser l'association des colonnes (avec les --map) pour les prochains "
        "fichiers de même présentation",
    )
    parser.add_argument(
        "--update-names",
        action="store_true",
        help="remplacer les noms des apprenants déjà en base par ceux du fichier (sinon la "
        "base garde les siens et le rapport signale les différences)",
    )
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="importer seulement les lignes valides (les autres sont dans le rapport)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="vérifier sans rien écrire dans la base"
    )
    parser.add_argument("--json", action="store_true", help="afficher le rapport en JSON")
    parser.add_argument(
        "--user",
        metavar="IDENTIFIANT",
        help="importer au nom de ce compte : refusé (code 1) si son rôle n'écrit pas ou si le "
        "fichier touche un site hors de ses sites",
    )
    return parser


def _run_import(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from data_access import db
    from data_access.importing import ImportRejected, import_file

    path = Path(args.file)
    if not path.is_file():
        return _fail(args, f"le fichier « {args.file} » n'existe pas.", 2)
    from data_access.importing import OutsidePerimeter, sha256_of
    from domain import WRITING_ROLES

    engine = db.get_engine()
    sites = None
    if args.user is not None:
        account = _account(args.user, as_json=args.json)
        if account is None:
            return 1
        if account.role not in WRITING_ROLES:
            _refuse(
                args.user,
                f"le rôle {account.role} ne permet pas d'importer.",
                f"ligne de commande : import de {path.name} par le rôle {account.role}",
                as_json=args.json,
            )
            return 1
        sites = account.sites or None
    content = path.read_bytes()
    try:
        report = import_file(
            engine,
            path.name,
            content,
            kind=args.kind,
            sheet=args.sheet,
            overrides=args.map,
            skip_invalid=args.skip_invalid,
            dry_run=args.dry_run,
            update_names=args.update_names,
            remember=args.remember_map,
            sites=sites,
        )
    except ValueError as error:  # a --map that cannot apply
        return _fail(args, str(error), 2)
    except OutsidePerimeter as error:
        detail = f"import de {path.name} (SHA-256 {sha256_of(content)}) : données d'un autre site"
        _refuse(args.user, str(error), f"ligne de commande : {detail}", as_json=args.json)
        return 1
    except ImportRejected as error:
        if args.json:
            print(json.dumps({"status": "refusé", "error": str(error)}, ensure_ascii=False))
        print(f"Fichier refusé : {error}", file=sys.stderr)
        return 1
    if not args.dry_run:
        _record(
            args.user,
            "import",
            f"{report.file_name} (SHA-256 {report.sha256}) : {report.kind}, {report.status}, "
            f"{report.counts()}",
        )
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        if report.remembered:
            pairs = ", ".join(f"« {h} » → {f}" for h, f in report.mapping.items())
            print(
                "Association des colonnes reprise d'un import précédent de même présentation : "
                f"{pairs}. Corrigez-la avec --map (et --remember-map pour la garder)."
            )
        from ui import format as fmt  # French formatting only (no Streamlit call)

        print(report.summary(fmt.number))
        for row, text in report.ignored:
            print(f"  ligne {row} ignorée : ligne de total (« {text} »)")
        _print_rows(report.problems, "problèmes")
        _print_rows(report.warnings, "avertissements", "avertissement : ")
    if args.dry_run:
        usable = args.skip_invalid and report.rows > report.rejected
        return 0 if report.problems.is_empty() or usable else 1
    return 0 if report.written else 1


def _print_rows(frame: pl.DataFrame, what: str, prefix: str = "") -> None:
    from data_access.importing import problem_text

    for item in frame.head(200).iter_rows(named=True):
        print(f"  {prefix}{problem_text(item)}")
    if frame.height > 200:
        print(f"  … et {frame.height - 200} autres {what} (voir --json).")


# --- user -----------------------------------------------------------------------------

_ROLE_CHOICES = {"direction": "direction", "site": "site", "equipe": "équipe", "équipe": "équipe",
                 "lecture": "lecture"}  # fmt: skip


def _add_user(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "user",
        help="gérer les comptes (créer, lister, désactiver, changer un mot de passe)",
        description=(
            "Les comptes de l'application. Tant qu'aucun compte n'existe, l'application est "
            "ouverte à qui l'atteint (usage local) ; dès le premier compte, il faut se connecter. "
            "Le mot de passe est demandé (ou lu sur l'entrée standard avec --password-stdin), "
            "jamais donné sur la ligne de commande."
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", title="actions")
    add = actions.add_parser(
        "add",
        help="créer un compte",
        description="Rôles : direction (tous les sites), site (les sites donnés), equipe (les "
        "groupes donnés, éventuellement de sites donnés), lecture (chiffres seulement, de tous "
        "les sites ou des sites et groupes donnés). Un compte sans mot de passe (réponse vide) "
        "se connecte par OpenID Connect avec son adresse e-mail.",
    )
    add.add_argument("login", metavar="IDENTIFIANT")
    add.add_argument("--role", required=True, choices=list(_ROLE_CHOICES), help="le rôle")
    add.add_argument("--site", action="append", default=[], metavar="NOM", help="site (répétable)")
    add.add_argument(
        "--group", action="append", default=[], metavar="NOM", help="groupe (répétable)"
    )
    add.add_argument("--email", help="adresse e-mail (connexion OpenID Connect)")
    add.add_argument(
        "--password-stdin", action="store_true", help="lire le mot de passe sur l'entrée standard"
    )
    listing = actions.add_parser("list", help="lister les comptes")
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    for name, text in (
        ("disable", "désactiver un compte (ses sessions ouvertes se ferment)"),
        ("enable", "réactiver un compte"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("login", metavar="IDENTIFIANT")
    change = actions.add_parser(
        "set-password", help="changer le mot de passe d'un compte (et le débloquer)"
    )
    change.add_argument("login", metavar="IDENTIFIANT")
    change.add_argument(
        "--password-stdin", action="store_true", help="lire le mot de passe sur l'entrée standard"
    )
    return parser


def _read_password(from_stdin: bool, *, optional: bool = False) -> str | None:
    """The password from standard input (one line) or typed twice at a hidden prompt."""
    import getpass

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n") or None
    hint = " (vide : connexion par OpenID Connect seulement)" if optional else ""
    first = getpass.getpass(f"Mot de passe{hint} : ")
    if not first and optional:
        return None
    if getpass.getpass("Le même mot de passe, encore : ") != first:
        raise _Refused("les deux mots de passe diffèrent.")
    return first


class _Refused(Exception):
    pass


def _run_user(args: argparse.Namespace) -> int:
    import json

    from data_access import accounts
    from data_access.db import get_engine
    from domain import AUDIT_ACCOUNT

    engine = get_engine()
    try:
        if args.action == "add":
            password = _read_password(args.password_stdin, optional=bool(args.email))
            account = accounts.add_account(
                engine,
                login=args.login,
                role=_ROLE_CHOICES[args.role],
                sites=tuple(args.site),
                groups=tuple(args.group),
                email=args.email,
                password=password,
            )
            _record(None, AUDIT_ACCOUNT, f"compte « {account.login} » créé : {account.describe()}")
            print(f"Compte « {account.login} » créé : {account.describe()}.")
        elif args.action == "list":
            found = accounts.list_accounts(engine)
            if args.json:
                rows = [
                    {
                        "login": a.login,
                        "role": a.role,
                        "sites": list(a.sites),
                        "groups": list(a.groups),
                        "email": a.email,
                        "disabled": a.disabled,
                        "password": a.has_password,
                        "last_login_at": a.last_login_at.isoformat() if a.last_login_at else None,
                    }
                    for a in found
                ]
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            elif not found:
                print("Aucun compte : l'application est ouverte (usage local, sans connexion).")
            for a in [] if args.json else found:
                state = "désactivé" if a.disabled else "actif"
                how = "mot de passe" if a.has_password else "OpenID Connect"
                seen = (
                    f", dernière connexion le {a.last_login_at:%d/%m/%Y %H:%M}"
                    if a.last_login_at
                    else ""
                )
                email = f", {a.email}" if a.email else ""
                print(f"{a.login} — {a.describe()} ({state}, {how}{email}{seen})")
        elif args.action in ("disable", "enable"):
            accounts.set_disabled(engine, args.login, args.action == "disable")
            done = "désactivé" if args.action == "disable" else "réactivé"
            _record(None, AUDIT_ACCOUNT, f"compte « {args.login} » {done}")
            print(f"Compte « {args.login} » {done}.")
        elif args.action == "set-password":
            if accounts.get_account(engine, args.login) is None:
                raise _Refused(f"aucun compte « {args.login} ».")
            accounts.set_password(engine, args.login, _read_password(args.password_stdin) or "")
            _record(None, AUDIT_ACCOUNT, f"mot de passe du compte « {args.login} » changé")
            print(f"Mot de passe du compte « {args.login} » changé.")
        else:
            args._parser.print_help()
            return 2
    except (accounts.AccountRefused, _Refused) as refused:
        print(f"Refusé : {refused}", file=sys.stderr)
        return 1
    return 0


# --- audit ------------------------------------------------------------------------------


def _add_audit(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "audit",
        help="lire le journal d'audit (connexions, imports, plans, exports, refus)",
        description="Les entrées du journal d'audit, les plus récentes d'abord. Le journal ne "
        "contient aucun nom d'apprenant.",
    )
    parser.add_argument("--since", type=_day, metavar="AAAA-MM-JJ", help="depuis ce jour (inclus)")
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    return parser


def _run_audit(args: argparse.Namespace) -> int:
    import json

    from data_access import audit
    from data_access.db import get_engine

    found = audit.entries(get_engine(), since=args.since)
    if args.json:
        rows = [{**row, "at": row["at"].isoformat()} for row in found.to_dicts()]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if found.is_empty():
        print("Aucune entrée" + (f" depuis le {args.since:%d/%m/%Y}." if args.since else "."))
    for row in found.iter_rows(named=True):
        detail = f" — {row['detail']}" if row["detail"] else ""
        print(
            f"{row['at']:%d/%m/%Y %H:%M:%S}  {row['event']}  {row['login'] or '-'} "
            f"({row['channel']}){detail}"
        )
    return 0


# --- report ---------------------------------------------------------------------------


def _add_report(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "report",
        help="établir le rapport mensuel (PDF ou Excel) ou les chiffres annuels à publier",
        description=(
            "--month AAAA-MM : le rapport mensuel (chiffres clés du mois comparés au mois "
            "précédent et au même mois un an plus tôt, copies par semaine et pics, délais de "
            "correction par discipline, tutorat par site, décrochage, apprenants à risque, "
            "heures d'accompagnement). --year AAAA-AAAA --kind publication : les chiffres "
            "annuels à publier (article L6111-8 du Code du travail, indicateur 2 de Qualiopi). "
            "Le format suit l'extension de --out : .pdf (A4) ou .xlsx (une feuille par partie)."
        ),
    )
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--month", metavar="AAAA-MM", help="le mois du rapport, ex. 2026-03")
    when.add_argument("--year", metavar="AAAA-AAAA", help="l'année scolaire, ex. 2025-2026")
    parser.add_argument(
        "--kind",
        choices=["monthly", "publication"],
        help="monthly (avec --month, par défaut) ou publication (avec --year)",
    )
    parser.add_argument(
        "--site", action="append", default=[], metavar="NOM", help="site (répétable)"
    )
    parser.add_argument(
        "--out",
        metavar="rapport.pdf|rapport.xlsx",
        help="le fichier à écrire (défaut : rapport-AAAA-MM.pdf ou publication-AAAA-AAAA.pdf)",
    )
    parser.add_argument(
        "--send",
        action="store_true",
        help="envoyer aussi le fichier en pièce jointe à ceux qui voient tout ce périmètre "
        "(comptes ayant une adresse e-mail, sinon PILOTAGE_ALERT_RECIPIENTS) par "
        "PILOTAGE_SMTP_URL",
    )
    _add_user_option(parser)
    return parser


def _run_report(args: argparse.Namespace) -> int:
    from datetime import datetime
    from pathlib import Path

    from data_access.db import get_engine
    from data_access.follow_ups import contacts as contacts_table
    from indicators.common import Filters, Period, Scope
    from reports import files, monthly, publication

    kind = args.kind or ("monthly" if args.month else "publication")
    if (kind == "monthly") != bool(args.month):
        print(
            "Erreur : le rapport mensuel se demande avec --month, les chiffres à publier avec "
            "--year et --kind publication.",
            file=sys.stderr,
        )
        return 2
    try:
        if args.month:
            period = monthly.month_period(args.month)
        else:
            period = publication.year_period(args.year)
        stem = f"rapport-{args.month}" if args.month else f"publication-{args.year}"
        out = Path(args.out or f"{stem}.pdf")
        suffix = files.format_of(out.name)
    except monthly.ReportError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
    filters = Filters(sites=tuple(args.site))
    perimeter = _perimeter_of(args.user, filters, learners=False)
    if perimeter is None:
        return 1
    whole, write_snapshots = _prepared_dataset(monthly.TABLES)
    dataset = _within(whole, perimeter)
    known = set(dataset.enrolments.get_column("site").drop_nulls().to_list())
    unknown = [site for site in args.site if site not in known]
    if unknown:
        names = ", ".join(f"« {site} »" for site in unknown)
        print(f"Refusé : site inconnu dans les données : {names}.", file=sys.stderr)
        return 1
    scope = Scope(Period(period.start, period.end), filters, perimeter=perimeter)
    generated = datetime.now()
    if kind == "monthly":
        contacts = monthly.contact_pairs(contacts_table(get_engine()))
        document = monthly.document(monthly.monthly_report(dataset, scope, contacts), generated)
    else:
        document = publication.document(publication.publication_figures(dataset, scope), generated)
    content = files.render(document, suffix)
    try:
        out.write_bytes(content)
    except OSError:
        print(f"Impossible d'écrire « {out} ».", file=sys.stderr)
        return 1
    print(f"{document.title} ({document.context[1]}) écrit : {out}")
    code = 0
    if args.send:
        sites = tuple(args.site) or perimeter.sites
        code = _send_report(document, out.name, content, sites, perimeter.groups)
    write_snapshots()
    return code


def _prepared_dataset(tables: Sequence[str]):  # noqa: ANN202
    """The prepared dataset of the named tables (the others empty), as the app builds it:
    each table from its snapshot when the app (or an earlier command) wrote one for the
    table's current version, else from the database; each prepared frame from its snapshot
    likewise, else joined (data_access.snapshots). Returns the dataset and a function that
    writes the snapshots this run made, for the caller to call once its output is written."""
    from data_access import snapshots
    from data_access.db import get_engine
    from data_access.frames import Frames, load_versioned
    from data_access.settings import get_settings
    from indicators.dataset import DERIVED_FROM, prepare

    folder = snapshots.folder_of(get_settings())
    to_write: list = []
    loaded, versions = load_versioned(get_engine(), tables, folder=folder, to_write=to_write)
    known, made = {}, {}
    for name, sources in DERIVED_FROM.items():
        if not sources <= set(tables):  # made from a table not loaded: not the app's frame
            continue
        version = snapshots.derived_version(name, sources, versions)
        frame = (
            None if folder is None else snapshots.read(folder, snapshots.PREPARED + name, version)
        )
        if frame is None:
            made[name] = version
        else:
            known[name] = frame
    dataset = prepare(Frames.empty(**loaded), known=known)
    to_write += [(snapshots.PREPARED + n, v, getattr(dataset, n)) for n, v in made.items()]

    def write() -> None:
        if folder is not None:
            for name, version, frame in to_write:
                snapshots.write(folder, name, version, frame)

    return dataset, write


def _covers(account, sites: tuple[str, ...], groups: tuple[str, ...]) -> bool:  # noqa: ANN001
    """Whether the account sees the whole of a report over these sites and groups."""
    sites_ok = not account.sites or (bool(sites) and set(sites) <= set(account.sites))
    groups_ok = not account.groups or (bool(groups) and set(groups) <= set(account.groups))
    return sites_ok and groups_ok


def _send_report(document, file_name, content, sites, groups) -> int:  # noqa: ANN001
    """E-mail the report to those who see all of it: the accounts with an e-mail whose
    perimeter covers it, else PILOTAGE_ALERT_RECIPIENTS."""
    from alerts.messages import report_mail
    from data_access import mail
    from data_access.accounts import mail_recipients
    from data_access.db import get_engine
    from data_access.settings import get_settings
    from reports.files import FORMATS, format_of

    settings = get_settings()
    try:
        server = mail.smtp_server(settings.smtp_url)
        sender = mail.sender_of(server, settings.mail_from)
        accounts = mail_recipients(get_engine())
        if accounts:
            addresses = [
                mail.checked_address(a.email) for a in accounts if _covers(a, sites, groups)
            ]
        else:
            addresses = [mail.checked_address(a) for a in settings.alert_recipients]
        if not addresses:
            raise mail.MailError(
                "Aucun destinataire pour ce rapport : aucun compte ayant une adresse e-mail ne "
                "voit tout son périmètre (et PILOTAGE_ALERT_RECIPIENTS ne sert que sans compte)."
            )
        scope = document.context[1].removeprefix("Périmètre : ")
        subject, body = report_mail(document.title, scope, file_name, settings.app_url)
        attachment = (file_name, content, FORMATS[format_of(file_name)])
        with mail.connection(server) as client:
            for address in addresses:
                letter = mail.message(
                    sender=sender, to=address, subject=subject, body=body, attachment=attachment
                )
                mail.send(client, letter)
                print(f"Rapport envoyé à {address}.")
    except mail.MailError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 1
    return 0


# --- alerts ---------------------------------------------------------------------------


def _add_alerts(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "alerts",
        help="évaluer les alertes (pics, délais, tutorat, stock, apprenants à risque) et les "
        "envoyer par e-mail",
        description=(
            "Évalue les règles d'alerte au jour donné (aujourd'hui par défaut, au plus le "
            "dernier jour des données) : pic d'activité en cours, 90e centile du délai de "
            "correction de la dernière semaine au-dessus de l'objectif, part de sollicitations "
            "répondues sous 48 h sous l'objectif, stock de copies ou copie en attente au-delà "
            "des seuils, nouveaux apprenants au niveau d'alerte. Avec --send, chaque destinataire "
            "(comptes ayant une adresse e-mail, sinon PILOTAGE_ALERT_RECIPIENTS) reçoit les "
            "alertes de son périmètre qu'il n'a pas déjà reçues pour la même semaine, par le "
            "serveur de PILOTAGE_SMTP_URL. Codes de sortie : 0 réussi, 1 envoi impossible."
        ),
    )
    parser.add_argument("--as-of", type=_day, metavar="AAAA-MM-JJ", help="jour d'évaluation")
    parser.add_argument("--send", action="store_true", help="envoyer les nouvelles alertes")
    parser.add_argument(
        "--json",
        action="store_true",
        help='sortie JSON : une liste d\'alertes {"rule", "site", "discipline", "week", '
        '"figure", "threshold", "message", "link", "key"}',
    )
    _add_user_option(parser)
    return parser


def _run_alerts(args: argparse.Namespace) -> int:
    import json

    from alerts import rules
    from data_access.settings import get_settings
    from indicators.common import Filters, Period, Scope
    from reports.monthly import TABLES

    settings = get_settings()
    perimeter = _perimeter_of(args.user, Filters(), learners=False, as_json=args.json)
    if perimeter is None:
        return 1
    whole, write_snapshots = _prepared_dataset(TABLES)
    day = rules.reading_day(whole, args.as_of)
    if day is None:
        if args.json:
            print("[]")
        print("La base ne contient aucune donnée : aucune alerte.", file=sys.stderr)
        return 0
    evaluated: dict = {}

    def alerts_within(sites: tuple[str, ...], groups: tuple[str, ...]):  # noqa: ANN202
        from indicators.common import Perimeter

        key = (sites, groups)
        if key not in evaluated:
            part = Perimeter(sites, groups)
            scope = Scope(Period(day, day), perimeter=part)
            evaluated[key] = rules.evaluate(_within(whole, part), scope, day)
        return evaluated[key]

    shown = alerts_within(perimeter.sites, perimeter.groups)
    if args.json:
        print(json.dumps(rules.as_json(shown, settings.app_url), ensure_ascii=False, indent=2))
    else:
        print(f"Alertes au {day:%d/%m/%Y} : {shown.height}")
        for row in shown.iter_rows(named=True):
            print(f"  - {row['message']}")
    code = _send_alerts(settings, day, alerts_within) if args.send else 0
    write_snapshots()
    return code


def _recipients(settings) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:  # noqa: ANN001
    """(address, sites, groups) of each recipient: the accounts with an e-mail, else the
    addresses of PILOTAGE_ALERT_RECIPIENTS (every site). MailError for an invalid address."""
    from data_access.accounts import mail_recipients
    from data_access.db import get_engine
    from data_access.mail import MailError, checked_address

    accounts = mail_recipients(get_engine())
    if accounts:
        return [(checked_address(a.email), a.sites, a.groups) for a in accounts]
    if not settings.alert_recipients:
        raise MailError(
            "Aucun destinataire : aucun compte n'a d'adresse e-mail (pilotage user add … "
            "--email) et PILOTAGE_ALERT_RECIPIENTS est vide."
        )
    return [(checked_address(address), (), ()) for address in settings.alert_recipients]


def _send_alerts(settings, day, alerts_within) -> int:  # noqa: ANN001
    from datetime import datetime

    from alerts.messages import alert_mail
    from data_access import mail
    from data_access.db import get_engine

    engine = get_engine()
    try:
        server = mail.smtp_server(settings.smtp_url)
        sender = mail.sender_of(server, settings.mail_from)
        recipients = _recipients(settings)
    except mail.MailError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 1
    todo = []
    for address, sites, groups in recipients:
        alerts = alerts_within(sites, groups)
        sent = mail.already_sent(engine, address, alerts.get_column("key").to_list())
        new = alerts.filter(~alerts["key"].is_in(list(sent)))
        if not new.is_empty():
            todo.append((address, new))
    if not todo:
        print("Aucune nouvelle alerte à envoyer : chacune a déjà été envoyée cette semaine.")
        return 0
    failures = 0
    try:
        with mail.connection(server) as client:
            for address, new in todo:
                subject, body = alert_mail(new, day, settings.app_url)
                try:
                    mail.send(
                        client, mail.message(sender=sender, to=address, subject=subject, body=body)
                    )
                except mail.MailError as error:
                    print(f"Erreur : {error} Ses alertes restent à envoyer.", file=sys.stderr)
                    failures += 1
                    continue
                mail.mark_sent(
                    engine, address, new.select("key", "week").iter_rows(), datetime.now()
                )
                print(f"{new.height} alerte(s) envoyée(s) à {address}.")
    except mail.MailError as error:
        print(f"Erreur : {error} Aucune alerte n'est marquée comme envoyée.", file=sys.stderr)
        return 1
    return 1 if failures else 0


# --- anonymise --------------------------------------------------------------------------


def _add_anonymise(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "anonymise",
        help="pseudonymiser les apprenants sortis avant une date (durée de conservation)",
        description=(
            "Pour chaque apprenant dont toutes les inscriptions se sont terminées avant la date : "
            "l'identifiant est remplacé par son pseudonyme, le nom, le prénom et les notes "
            "d'entretien sont effacés. Ses inscriptions, copies, sollicitations et entretiens "
            "restent : tous les indicateurs sont inchangés. Irréversible sans la clé des "
            "pseudonymes."
        ),
    )
    parser.add_argument(
        "--left-before", type=_day, required=True, metavar="AAAA-MM-JJ", help="sortis avant ce jour"
    )
    return parser


def _run_anonymise(args: argparse.Namespace) -> int:
    from data_access.db import get_engine
    from data_access.pseudonyms import anonymise_left_before, pseudonym_key
    from domain import AUDIT_ANONYMISE

    changed = anonymise_left_before(get_engine(), args.left_before, pseudonym_key())
    _record(
        None,
        AUDIT_ANONYMISE,
        f"{changed} apprenant(s) sorti(s) avant le {args.left_before:%d/%m/%Y} pseudonymisé(s)",
    )
    print(
        f"{changed} apprenant(s) sorti(s) avant le {args.left_before:%d/%m/%Y} : identifiant "
        "remplacé par un pseudonyme, nom, prénom et notes d'entretien effacés."
    )
    return 0


# --- serve ------------------------------------------------------------------------------


def _add_serve(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "serve",
        help="servir l'application web, prête dès qu'elle répond",
        description=(
            "Sert l'application (Streamlit) sur le port donné, après l'avoir préparée : modules "
            "importés, données de la dernière année scolaire chargées, chiffres de la vue "
            "d'ensemble calculés. Le port ne s'ouvre qu'ensuite : quand l'application répond "
            "(/_stcore/health), la première page est dessinée depuis la mémoire. Les options "
            "après « -- » vont à Streamlit (par exemple -- --server.address 127.0.0.1)."
        ),
    )
    parser.add_argument("--port", type=int, default=8501, help="port HTTP (8501 par défaut)")
    parser.add_argument(
        "streamlit", nargs=argparse.REMAINDER, help="options de Streamlit, après « -- »"
    )
    return parser


def _run_serve(args: argparse.Namespace) -> int:
    import threading

    from ui.warmup import APP, Warmed, warm_up

    warmed: list[Warmed] = []
    preparing = threading.Thread(
        target=lambda: warmed.append(warm_up()), name="pilotage-preparation", daemon=True
    )
    preparing.start()
    from streamlit.web import cli as streamlit_cli  # its server's modules, meanwhile

    preparing.join()
    print(warmed[0].describe(), file=sys.stderr, flush=True)
    options = [option for option in args.streamlit if option != "--"]
    streamlit_cli.main(
        ["run", str(APP), "--server.port", str(args.port), "--server.headless", "true", *options],
        prog_name="streamlit",
        standalone_mode=False,
    )
    return 0


COMMANDS: list[Command] = [
    (_add_seed, _run_seed),
    (_add_indicators, _run_indicators),
    (_add_at_risk, _run_at_risk),
    (_add_forecast, _run_forecast),
    (_add_plan_groups, _run_plan_groups),
    (_add_import, _run_import),
    (_add_user, _run_user),
    (_add_report, _run_report),
    (_add_alerts, _run_alerts),
    (_add_audit, _run_audit),
    (_add_anonymise, _run_anonymise),
    (_add_serve, _run_serve),
]


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchArgumentParser(
        prog="pilotage",
        description="Pilotage de l'accompagnement pédagogique : données, indicateurs, imports.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMANDE", title="commandes")
    for add, run in COMMANDS:
        command = add(subparsers)
        command.set_defaults(_run=run, _parser=command)
    return parser


def _fail(args: argparse.Namespace, message: str, code: int, **extra: str) -> int:
    """Say what went wrong (stderr; and stdout as JSON with --json) and return the exit code."""
    import json

    if getattr(args, "json", False):
        print(json.dumps({"status": "erreur", "error": message, **extra}, ensure_ascii=False))
    print(f"Erreur : {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args._run(args)
    except DatabaseBusy as error:
        return _fail(args, str(error), 1)
    except PilotageError as error:
        return _fail(args, str(error), 2)
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 (no traceback, no row value, ever)
        reference = report_unexpected(error, f"pilotage {args.command}")
        return _fail(
            args,
            f"erreur inattendue (référence {reference}) : l'opération n'a pas abouti. "
            "Si le problème persiste, signalez cette référence.",
            3,
            reference=reference,
        )


if __name__ == "__main__":
    sys.exit(main())
