"""The layers import one way (README, "Architecture"): each rule below names what a layer may
not import, and the test lists every import that breaks it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = (
    "app",
    "cli",
    "domain",
    "data_access",
    "forecast",
    "indicators",
    "planning",
    "reports",
    "alerts",
    "pages",
    "seed",
    "ui",
)

RULES = {
    # files: forbidden top-level names (a dotted name forbids that module and below)
    "pages/*.py": ("data_access", "seed", "sqlalchemy", "sqlmodel"),
    "ui/*.py": ("pages", "seed"),
    "indicators/*.py": (
        "streamlit",
        "ui",
        "pages",
        "planning",
        "forecast",
        "reports",
        "alerts",
        "seed",
        "cli",
    ),
    "forecast/*.py": ("streamlit", "ui", "pages", "planning", "seed", "cli", "data_access"),
    "planning/*.py": ("streamlit", "pages", "seed", "cli", "ui.sidebar", "ui.cache", "ui.cached"),
    "data_access/**/*.py": (
        "streamlit",
        "ui",
        "pages",
        "indicators",
        "planning",
        "forecast",
        "reports",
        "alerts",
        "seed",
        "cli",
    ),
    "reports/*.py": ("streamlit", "pages", "seed", "cli", "ui.sidebar", "ui.cache", "ui.cached"),
    "alerts/*.py": ("streamlit", "pages", "seed", "cli", "ui.sidebar", "ui.cache", "ui.cached"),
    "domain.py": PROJECT,
    "seed/*.py": ("streamlit", "ui", "pages", "indicators", "planning", "forecast", "cli"),
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _breaks(name: str, forbidden: tuple[str, ...]) -> bool:
    return any(name == f or name.startswith(f + ".") for f in forbidden)


@pytest.mark.parametrize("pattern", RULES)
def test_each_layer_imports_only_below_it(pattern: str) -> None:
    files = sorted(ROOT.glob(pattern))
    assert files, pattern
    broken = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in _imports(path)
        if _breaks(name, RULES[pattern])
    ]
    assert broken == []


def test_reports_use_only_the_pure_helpers_of_ui() -> None:
    """reports/ writes French with ui/format.py and draws with ui/charts.py (pure Altair), and
    nothing else of ui/."""
    used = {
        name
        for path in [*ROOT.glob("reports/*.py"), *ROOT.glob("alerts/*.py")]
        for name in _imports(path)
        if name == "ui" or name.startswith("ui.")
    }
    assert {module.split(".")[1] for module in used if "." in module} <= {"format", "charts"}
    assert "streamlit" not in (ROOT / "ui" / "charts.py").read_text(encoding="utf-8")


def test_planning_uses_only_the_french_formatter_of_ui() -> None:
    """planning/ writes its messages with ui/format.py (pure, no Streamlit) and nothing else
    of ui/."""
    used = {
        name
        for path in ROOT.glob("planning/*.py")
        for name in _imports(path)
        if name == "ui" or name.startswith("ui.")
    }
    assert used <= {"ui", "ui.format"}
    assert "streamlit" not in (ROOT / "ui" / "format.py").read_text(encoding="utf-8")
