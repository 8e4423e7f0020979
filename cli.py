"""La ligne de commande `pilotage` : les mêmes opérations que l'application, pour les scripts.

Each command is a pair, listed in COMMANDS: ``_add_<name>(subparsers)`` declares its parser
and options (French help) and returns it;
``_run_<name>(args) -> int`` does the work through the layers and returns
the exit code. Keep each command's pair in its own section below.
Exit codes: 0 success, 1 the input was rejected, 2 usage error (argparse) or unusable setting.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from data_access.errors import PilotageError

Subparsers = argparse._SubParsersAction
Command = tuple[
    Callable[[Subparsers], argparse.ArgumentParser], Callable[[argparse.Namespace], int]
]


# --- seed -------------------------------------------------------------------------------


def _add_seed(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "seed",
        help="remplir la base avec des données de démonstration réalistes",
        description="Crée le schéma si besoin et remplit la base avec des données de démonstration.",
    )
    parser.add_argument(
        "--scale",
        choices=["demo", "national"],
        default="demo",
        help="demo : 2 sites, ~600 apprenants ; national : 8 sites, 200 000 apprenants",
    )
    parser.add_argument("--seed", type=int, default=42, help="graine du générateur (défaut 42)")
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
        scale=args.scale, seed=args.seed, reset=args.reset, if_empty=args.if_empty
    )
    print(report)
    return 0


COMMANDS: list[Command] = [(_add_seed, _run_seed)]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pilotage",
        description="Pilotage de l'accompagnement pédagogique : données, indicateurs, imports.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMANDE", title="commandes")
    for add, run in COMMANDS:
        add(subparsers).set_defaults(_run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args._run(args)
    except PilotageError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
