"""Opening pages in Streamlit's AppTest as users get them (through app.py)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(page: str = "pages/overview.py", timeout: int = 120) -> AppTest:
    """The page as users get it: app.py runs (navigation, shared sidebar), then the page."""
    app = AppTest.from_file(APP, default_timeout=timeout)
    app.run()
    if page != "pages/overview.py":
        app.switch_page(page).run()
    return app


def page_problems(app: AppTest) -> list[str]:
    """Exceptions and error messages a page showed (empty when all went well)."""
    return [str(e.value) for e in app.exception] + [e.value for e in app.error]


def plain(markdown: str) -> str:
    """A Markdown body as the user reads it (the escapes of ui.text.escape removed)."""
    import re

    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def identity(app: AppTest) -> list[str]:
    """The values of the heading of a learner's file (identifier, referent, group, site)."""
    return [plain(m.value).strip("*") for m in app.main.markdown if m.value.startswith("**")][:4]
