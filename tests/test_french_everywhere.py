"""Every page on the demo data, as users get them: nothing a user reads shows a decimal point
in a number, Python's "None", a hyphen for a minus sign or a raw column name; every number
column of every table is written in the reader's language with the same decimals down the
column (Streamlit's "localized" and "percent" formats, never a printf format such as "%.2f",
which writes "2.50"). The planning page is walked with a proposal open (its editors)."""

from __future__ import annotations

import json
import re

import pytest
from apptest import identity, open_page
from streamlit.testing.v1 import AppTest

PAGES = [
    "pages/overview.py",
    "pages/activity.py",
    "pages/delays.py",
    "pages/tutoring.py",
    "pages/forecast.py",
    "pages/report.py",
    "pages/dropout.py",
    "pages/at_risk.py",
    "pages/support.py",
    "pages/interviews.py",
    "pages/import_data.py",
    "pages/plan_ap.py",
    "pages/help.py",
]
DECIMAL_POINT = re.compile(r"\d\.\d")
HYPHEN_MINUS = re.compile(r"(^|[\s(])-\d")
NONE = re.compile(r"\bNone\b|\bnan\b|\bNaN\b")
RAW_NAME = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
NUMBER_FORMATS = {"localized", "percent"}


def text_problems(where: str, text: str) -> list[str]:
    found = []
    if DECIMAL_POINT.search(text):
        found.append(f"{where}: decimal point in « {text} »")
    if NONE.search(text):
        found.append(f"{where}: None in « {text} »")
    if HYPHEN_MINUS.search(text):
        found.append(f"{where}: hyphen for a minus in « {text} »")
    return found


def table_problems(where: str, value, columns: str) -> list[str]:  # noqa: ANN001
    """A table (pandas, as AppTest gives it) and its column configuration (JSON)."""
    config = json.loads(columns or "{}")
    found = []
    for name in value.columns:
        column_config = config.get(str(name), {})
        label = column_config.get("label") or str(name)  # the header users read
        if RAW_NAME.match(label):
            found.append(f"{where}: raw column name « {label} »")
        column = value[name]
        if column.dtype.kind in "fiu":
            type_config = column_config.get("type_config", {})
            if type_config.get("format") not in NUMBER_FORMATS:
                found.append(f"{where}: column « {label} » formatted {type_config.get('format')!r}")
            elif column.dtype.kind == "f" and type_config.get("step") is None:
                found.append(f"{where}: column « {label} » has no fixed decimals")
        elif column.dtype == object or str(column.dtype) in ("str", "string"):
            for cell in column.dropna().astype(str).unique()[:500]:
                found += text_problems(f"{where} « {label} »", cell)
    return found


def page_problems(app: AppTest, page: str) -> list[str]:
    found = [f"{page}: exception {e.value}" for e in app.exception]
    for metric in app.metric:
        for text in (metric.label, metric.value, metric.proto.delta or ""):
            found += text_problems(f"{page} tile « {metric.label} »", text)
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "success",
                 "warning", "error"):  # fmt: skip
        for element in getattr(app, kind):
            found += text_problems(f"{page} {kind}", str(element.value))
    for widget in [*app.selectbox, *app.radio, *app.multiselect]:
        for option in widget.options:
            found += text_problems(f"{page} choice « {widget.label} »", str(option))
    for table in app.dataframe:  # the editors too
        found += table_problems(f"{page} table", table.value, table.proto.columns)
    return found


@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_a_decimal_point_none_or_a_raw_name(demo_env: str, page: str) -> None:
    app = open_page(page)
    assert app.main.title, page
    assert not page_problems(app, page), "\n".join(page_problems(app, page))


def test_the_plan_editors_are_french_too(demo_env: str) -> None:
    app = open_page("pages/plan_ap.py")
    app.button(key="plan_ap_propose").click().run()
    assert app.session_state["plan_ap_plan"] is not None
    assert len(app.data_editor) == 2, "the groups and the members editors"
    assert not page_problems(app, "plan"), "\n".join(page_problems(app, "plan"))


def test_a_learner_file_is_french_too(demo_env: str) -> None:
    """The fiche apprenant of a demo learner who has copies, requests, interviews and hours."""
    from seed.generate import generate

    tables = generate("demo", 42)
    asked = tables["tutoring_requests"].get_column("learner_id").implode()
    learners = tables["learners"].filter(tables["learners"].get_column("id").is_in(asked))
    learner = learners.get_column("external_id").item(0)
    app = open_page("pages/learner.py")
    app.query_params["apprenant"] = learner
    app.run()
    assert identity(app)[0] == learner
    assert len(app.dataframe) >= 5
    assert not page_problems(app, "fiche"), "\n".join(page_problems(app, "fiche"))
