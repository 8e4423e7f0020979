"""Sections computed in the background (ui/deferred.py): the overview draws its figures
without waiting for the risk lists, each work runs once however many sessions ask for it, and
the alerts and the at-risk count come with the next run once it is done."""

from __future__ import annotations

import threading

import pytest
from apptest import open_page
from test_summary import hand_made_world

from ui import deferred


def test_a_work_runs_once_for_every_caller_and_is_ready_when_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(deferred, "GRACE_SECONDS", 0.0)
    release, runs = threading.Event(), []

    def work() -> None:
        runs.append(1)
        release.wait(10)

    key = ("test", object())
    assert [deferred.ready(key, work) for _ in range(5)] == [False] * 5
    release.set()
    deferred.start(key, work).result(timeout=10)
    assert deferred.ready(key, work)
    assert runs == [1]


def test_a_failed_work_is_ready_and_logged_without_its_message(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The page then computes the figures itself and shows its own error message."""

    def broken() -> None:
        raise ValueError("Dupont Marie")

    key = ("broken", object())
    deferred.start(key, broken, "un essai").result(timeout=10)
    assert deferred.ready(key, broken)
    assert "ValueError" in caplog.text
    assert "Dupont" not in caplog.text


def test_the_overview_draws_its_tiles_before_the_risk_lists(
    app_database,  # noqa: ANN001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the risk lists are computed, the tiles are there and the alerts and at-risk count
    say they are coming; once computed, the next run draws them (no error either time)."""
    from ui import follow_up

    app_database(hand_made_world())
    monkeypatch.setattr(deferred, "GRACE_SECONDS", 0.0)
    release = threading.Event()
    listed = follow_up.at_risk

    def slow_list(*arguments, **named):  # noqa: ANN002, ANN003, ANN202
        release.wait(30)
        return listed(*arguments, **named)

    monkeypatch.setattr(follow_up, "at_risk", slow_list)
    app = open_page()
    assert not app.exception
    labels = [metric.label for metric in app.metric]
    assert "Copies reçues" in labels
    assert not any(label.startswith("Apprenants à risque au") for label in labels)
    captions = " ".join(caption.value for caption in app.caption)
    assert "Alertes en cours de calcul" in captions
    assert "Liste en cours de calcul" in captions

    release.set()
    deferred._POOL.submit(lambda: None).result(timeout=30)  # the work queued before is done
    app.run()
    assert not app.exception
    labels = [metric.label for metric in app.metric]
    assert any(label.startswith("Apprenants à risque au") for label in labels)
    assert "Alertes en cours de calcul" not in " ".join(c.value for c in app.caption)


def test_after_a_restart_the_risk_list_is_read_from_disk_not_scored_again(
    app_database,  # noqa: ANN001
    tmp_path,  # noqa: ANN001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The overview's at-risk count comes from the list kept beside the snapshots: a restart
    (caches emptied) neither trains the score nor lists the learners again."""
    import streamlit as st

    from indicators import risk, risk_model

    monkeypatch.setenv("PILOTAGE_SNAPSHOT_DIR", str(tmp_path / "snapshots"))
    app_database(hand_made_world())

    def at_risk_count(app) -> str:  # noqa: ANN001
        return next(m.value for m in app.metric if m.label.startswith("Apprenants à risque au"))

    first = at_risk_count(open_page())
    st.cache_resource.clear()  # a restart of the process

    def refused(*_arguments, **_named):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("computed again")

    monkeypatch.setattr(risk_model, "train", refused)
    listed = risk.at_risk

    def only_without_score(dataset, scope, as_of, model=None, **named):  # noqa: ANN001, ANN003, ANN202
        assert model is None, "the scored list was computed again"
        return listed(dataset, scope, as_of, **named)

    monkeypatch.setattr(risk, "at_risk", only_without_score)
    app = open_page()
    assert not app.exception
    assert at_risk_count(app) == first
