"""The app survives the hostile files (tests/hostile.py): uploaded on the import page and as
the planning page's diagnostics file, each gets one French message and no exception; then
the overview still serves its figures. AppTest runs the pages in this very process, as the
Streamlit server would: a reader allocating by a declared size would kill the test run."""

from __future__ import annotations

import hostile
import pytest
from apptest import open_page, page_problems


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return {name: build() for name, build in hostile.HOSTILE.items()}


def test_the_import_page_refuses_each_hostile_file_then_the_overview_opens(
    demo_env: str, files: dict[str, bytes]
) -> None:
    app = open_page("pages/import_data.py")
    for name, content in files.items():
        app.file_uploader(key="import_file").upload(name, content).run()
        assert not app.exception, (name, app.exception)
        messages = [e.value for e in app.error]
        assert len(messages) == 1 and "refusé" in messages[0], (name, messages)
    app.switch_page("pages/overview.py").run()
    assert not page_problems(app)
    assert app.title[0].value == "Vue d'ensemble"
    assert [m.label for m in app.metric][:2] == ["Copies reçues", "Copies corrigées"]


def test_the_planning_page_refuses_each_hostile_diagnostics_file(
    demo_env: str, files: dict[str, bytes]
) -> None:
    app = open_page("pages/plan_ap.py")
    app.radio(key="plan_ap_source").set_value("Fichier de diagnostics").run()
    for name, content in files.items():
        if name.endswith(".txt"):
            continue
        app.file_uploader(key="plan_ap_file").upload(name, content).run()
        assert not app.exception, (name, app.exception)
        messages = [e.value for e in app.error]
        assert len(messages) == 1 and "refusé" in messages[0], (name, messages)
    app.switch_page("pages/overview.py").run()
    assert not page_problems(app)
