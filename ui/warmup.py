"""A server process made ready before it answers (``pilotage serve``, cli.py): the app's
modules imported, the data of the latest school years loaded into the process's data store
(ui/cache.py: from their snapshots after a first start) and the overview's figures of the
whole perimeter computed (ui/overview.py), its alerts and learners at risk included (they are
read from disk after a restart, but take seconds at national scale after the data changed:
computed while the first page is drawn, they slowed it down), all before the port opens. The
first page after a start is then drawn from memory, like any later one.

Everything is kept where a page's run looks for it: Streamlit's ``st.cache_resource`` values
belong to the process (keyed by the function and its arguments), whether they were filled by
a page's run or before the server started (tests/test_warmup.py checks it).

A database that cannot be reached does not stop the start: the message says so (in French)
and every page says it too, until the database answers.
"""

from __future__ import annotations

import ast
import importlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"
PAGES = PROJECT / "pages"


def modules_of_the_app() -> list[str]:
    """The modules app.py and every page import at their top (read from their source, so that
    a page's new import is warmed up too), in the order first met."""
    names: dict[str, None] = {}
    for path in [APP, *sorted(PAGES.glob("*.py"))]:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names.update((alias.name, None) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names[node.module] = None
                for alias in node.names:  # ``from ui import cached``: the module ui.cached
                    names[f"{node.module}.{alias.name}"] = None
    return [name for name in names if name != "__future__"]


def import_app_modules() -> int:
    """Import the modules of the app and its pages (their imported names that are not modules
    are skipped); the number imported."""
    imported = 0
    for name in modules_of_the_app():
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:  # a name imported from a module, not a module
            continue
        imported += 1
    return imported


@dataclass
class Warmed:
    """What the warm-up did, and how long each step took (seconds)."""

    steps: dict[str, float] = field(default_factory=dict)
    problem: str | None = None
    """The French message of what stopped it (the database cannot be reached), if anything."""

    @property
    def seconds(self) -> float:
        return sum(self.steps.values())

    def describe(self) -> str:
        """One French line for the server's log."""
        done = ", ".join(f"{name} {_seconds(value)}" for name, value in self.steps.items())
        line = f"Pilotage préparé en {_seconds(self.seconds)} ({done})."
        if self.problem:
            line += f" Préparation interrompue : {self.problem}"
        return line


def _seconds(value: float) -> str:
    return f"{value:.1f} s".replace(".", ",")


def _no_runtime_warning(record: logging.LogRecord) -> bool:
    return "No runtime found" not in record.getMessage()


def warm_up() -> Warmed:
    """Import the app's modules, load the default data window and compute the overview's
    figures for the whole perimeter. Never raises: a problem is reported in ``problem`` (and
    an unexpected one logged with a reference, without its message)."""
    from data_access.errors import PilotageError, report_unexpected

    warmed = Warmed()
    start = time.perf_counter()

    def step(name: str) -> None:
        nonlocal start
        now = time.perf_counter()
        warmed.steps[name] = now - start
        start = now

    # Streamlit warns that a memoised call made before its server starts is kept in memory:
    # where its server keeps them too.
    quiet = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    quiet.addFilter(_no_runtime_warning)
    try:
        import_app_modules()
        step("modules")
        from indicators.common import EVERYTHING
        from indicators.dataset import as_of
        from ui import cache, overview, sidebar

        built = cache.store().current().built
        step("données")
        selection = sidebar.default_selection(built.dataset, cache.data_key_of(built), EVERYTHING)
        sidebar.filter_lists(selection)
        overview.key_figures(selection)
        step("vue d'ensemble")
        day = as_of(selection.dataset, selection.scope.period)
        overview.start_risk_figures(selection, day, overview.outside_data(selection)).result()
        step("alertes")
    except PilotageError as error:
        warmed.problem = str(error)
    except Exception as error:  # noqa: BLE001 (the pages compute it when asked, and say why not)
        reference = report_unexpected(error, "la préparation du serveur")
        warmed.problem = f"erreur inattendue (référence {reference})."
    finally:
        quiet.removeFilter(_no_runtime_warning)
    return warmed
