"""A server made ready before it answers (``pilotage serve``, ui/warmup.py): the warm-up fills
the very caches the first page reads (no second load, no figure computed again), the port
opens only after it, and a database that cannot be reached is said in French."""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import streamlit as st
from apptest import open_page, page_problems

from alerts import rules
from indicators import risk, summary, surges
from ui import cache, warmup

PROJECT = Path(__file__).resolve().parent.parent


def _counted(monkeypatch: pytest.MonkeyPatch, made: list[str]) -> None:
    """Count the calls of the overview's indicators (the memoised calls name them the same)."""
    for module, name in [
        (summary, "headline"),
        (summary, "data_period"),
        (surges, "surges"),
        (surges, "watched"),
        (risk, "at_risk"),
        (rules, "event_alerts"),
    ]:
        original = getattr(module, name)

        @functools.wraps(original)
        def counted(*args, _original=original, **kwargs):  # noqa: ANN002, ANN003, ANN202
            made.append(_original.__qualname__)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)


def test_the_first_page_after_the_warm_up_loads_and_computes_nothing(
    demo_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmed = warmup.warm_up()
    assert warmed.problem is None
    assert list(warmed.steps) == ["modules", "données", "vue d'ensemble", "alertes"]
    store = cache.store()
    assert store.has_data and len(store.loads) == 1
    made: list[str] = []
    _counted(monkeypatch, made)

    app = open_page()

    assert not page_problems(app)
    assert [metric.label for metric in app.metric][:2] == ["Copies reçues", "Copies corrigées"]
    assert cache.store() is store  # the store the warm-up filled, in st.cache_resource
    assert len(store.loads) == 1  # read once, before the page
    assert made == []  # every figure of the page was computed before it


def test_without_the_warm_up_the_first_page_computes_its_figures(
    demo_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test above can fail: without the warm-up, the same page computes them."""
    made: list[str] = []
    _counted(monkeypatch, made)
    assert not page_problems(open_page())
    assert "headline" in made and "at_risk" in made


def test_the_app_and_every_page_import_what_is_warmed_up() -> None:
    modules = warmup.modules_of_the_app()
    assert {"pandas", "ui.sidebar", "ui.overview", "indicators.summary", "alerts.rules"} <= set(
        modules
    )
    assert warmup.import_app_modules() >= len([name for name in modules if name.count(".") == 0])


def test_an_unreachable_database_stops_the_warm_up_with_a_french_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "PILOTAGE_DATABASE_URL", "postgresql+psycopg://pilote:tres-secret@127.0.0.1:1/pilotage"
    )
    st.cache_data.clear()
    st.cache_resource.clear()
    warmed = warmup.warm_up()
    assert warmed.problem is not None
    assert "inaccessible" in warmed.problem and "127.0.0.1:1" in warmed.problem
    assert "tres-secret" not in warmed.describe()
    assert "Préparation interrompue" in warmed.describe()
    assert "Traceback" not in warmed.describe()


def test_streamlit_starts_only_once_the_warm_up_is_done(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from streamlit.web import cli as streamlit_cli

    import cli

    events: list[object] = []

    def slow_warm_up() -> warmup.Warmed:
        time.sleep(0.3)
        events.append("préparé")
        return warmup.Warmed({"modules": 0.3})

    monkeypatch.setattr(warmup, "warm_up", slow_warm_up)
    monkeypatch.setattr(streamlit_cli, "main", lambda args, **_: events.append(args))

    assert cli.main(["serve", "--port", "8765", "--", "--server.address", "127.0.0.1"]) == 0

    assert events[0] == "préparé"
    arguments = events[1]
    assert arguments[:2] == ["run", str(warmup.APP)]
    assert arguments[arguments.index("--server.port") + 1] == "8765"
    assert arguments[-2:] == ["--server.address", "127.0.0.1"]
    assert "Pilotage préparé en" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_served_process_answers_once_prepared(demo_database: str, tmp_path: Path) -> None:
    """The real command: when /_stcore/health first answers, the warm-up is already done."""
    port = _free_port()
    log_path = tmp_path / "serve.log"
    env = {**os.environ, "PILOTAGE_DATABASE_URL": demo_database}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "cli.py", "serve", "--port", str(port), "--", "--server.address",
             "127.0.0.1"],
            cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                assert process.poll() is None, log_path.read_text()
                try:
                    url = f"http://127.0.0.1:{port}/_stcore/health"
                    with urllib.request.urlopen(url, timeout=2):
                        break
                except OSError:
                    time.sleep(0.2)
            prepared = log_path.read_text()
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert "Pilotage préparé en" in prepared
    assert "Préparation interrompue" not in prepared
    text = log_path.read_text()
    assert "Traceback" not in text and "No runtime found" not in text
