"""Headline figures and `pilotage indicators`, against a data set worked out by hand.

Period: 01/10/2025 to 31/12/2025. Two sites, Nord (group "2nde A", jeunes) and Sud
(group "CAP 1", alternants).
- L1 (Nord) from 01/09/2025. L2 (Sud) from 01/09/2025, left 15/11/2025 for "abandon".
  L3 (Sud) enters 10/01/2026, after the period.
- Copies: L1 Maths submitted 25/09 corrected 02/10 (before the period, corrected in it: 7 d);
  L1 Maths 06/10 -> 08/10 (2 d); L2 Français 10/10 -> 13/10 (3 d); L2 Français 03/11, waiting.
  Received 3, corrected 3, delays [2, 3, 7]: mean 4, median 3, p90 = 3 + 0.8 * 4 = 6.2
  (PERCENTILE.INC), within 3 days 2/3.
- Requests: L1 05/10 09:00 answered after 24 h; L2 20/10 answered after 72 h; L1 30/12 never
  answered. 3 received, 2 answered, within 48 h 1/3 (denominator: all received).
- Interviews: L1 initial 05/09 (before), L1 suivi 15/10, L2 suivi 01/11: 2 in the period.
- Active enrolments: L1, L2 (L3 not yet): 2, one dropout: rate 1/2.
- Sessions: "2nde A" AP 06/10 and 13/10, 2.5 h each; "CAP 1" soutien 20/09 (before): 5 h in the period.
By site — Nord: received 1, corrected 2, delays [7, 2]: mean 4.5, median 4.5, p90 6.5, within
1/2; requests 2, within 48 h 1/2; interviews 1; enrolled 1, dropouts 0, rate 0; 5 h.
Sud: received 2, corrected 1 (3 d): mean = median = p90 = 3, within 1; requests 1, within 0;
interviews 1; enrolled 1, dropouts 1, rate 1; 0 h.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from world import World

from data_access.frames import Frames
from indicators import summary
from indicators.common import Filters, Period, Scope
from indicators.dataset import as_of, prepare

PERIOD = Period(date(2025, 10, 1), date(2025, 12, 31))


def hand_made_world() -> World:
    d = date
    w = World()
    w.group("2nde A", site="Nord", public="jeunes")
    w.group("CAP 1", site="Sud", public="alternants")
    w.learner("L1", group="2nde A", entered=d(2025, 9, 1))
    w.learner("L2", group="CAP 1", entered=d(2025, 9, 1), left=d(2025, 11, 15), reason="abandon")
    w.learner("L3", group="CAP 1", entered=d(2026, 1, 10))
    w.copy("L1", "Maths", assignment="D1", submitted=d(2025, 9, 25), corrected=d(2025, 10, 2))
    w.copy("L1", "Maths", assignment="D2", submitted=d(2025, 10, 6), corrected=d(2025, 10, 8))
    w.copy("L2", "Français", assignment="D1", submitted=d(2025, 10, 10), corrected=d(2025, 10, 13))
    w.copy("L2", "Français", assignment="D2", submitted=d(2025, 11, 3))
    w.request(
        "L1",
        "Maths",
        channel="forum",
        received=datetime(2025, 10, 5, 9),
        answered=datetime(2025, 10, 6, 9),
    )
    w.request(
        "L2",
        "Français",
        channel="électronique",
        received=datetime(2025, 10, 20, 10),
        answered=datetime(2025, 10, 23, 10),
    )
    w.request("L1", "Maths", channel="téléphone", received=datetime(2025, 12, 30, 8))
    w.interview("L1", d(2025, 9, 5), "initial")
    w.interview("L1", d(2025, 10, 15), "suivi")
    w.interview("L2", d(2025, 11, 1), "suivi")
    w.session("AP", d(2025, 10, 6), 2.5, group="2nde A")
    w.session("AP", d(2025, 10, 13), 2.5, group="2nde A")
    w.session("soutien", d(2025, 9, 20), 1.0, group="CAP 1")
    return w


def hand_made_frames() -> Frames:
    return hand_made_world().frames()


EXPECTED_WHOLE = {
    "copies_received": 3,
    "copies_corrected": 3,
    "correction_delay_days_mean": 4.0,
    "correction_delay_days_median": 3.0,
    "correction_delay_days_p90": 6.2,
    "correction_within_target_share": 2 / 3,
    "tutoring_requests": 3,
    "tutoring_answered": 2,
    "tutoring_answered_within_48h_share": 1 / 3,
    "interviews": 2,
    "learners_enrolled": 2,
    "dropouts": 1,
    "dropout_rate": 0.5,
    "support_hours_delivered": 5.0,
}
EXPECTED_BY_SITE = {
    "Nord": {
        "copies_received": 1,
        "copies_corrected": 2,
        "correction_delay_days_mean": 4.5,
        "correction_delay_days_median": 4.5,
        "correction_delay_days_p90": 6.5,
        "correction_within_target_share": 0.5,
        "tutoring_requests": 2,
        "tutoring_answered_within_48h_share": 0.5,
        "interviews": 1,
        "learners_enrolled": 1,
        "dropouts": 0,
        "dropout_rate": 0.0,
        "support_hours_delivered": 5.0,
    },
    "Sud": {
        "copies_received": 2,
        "copies_corrected": 1,
        "correction_delay_days_mean": 3.0,
        "correction_delay_days_median": 3.0,
        "correction_delay_days_p90": 3.0,
        "correction_within_target_share": 1.0,
        "tutoring_requests": 1,
        "tutoring_answered_within_48h_share": 0.0,
        "interviews": 1,
        "learners_enrolled": 1,
        "dropouts": 1,
        "dropout_rate": 1.0,
        "support_hours_delivered": 0.0,
    },
}


def _assert_row(row: dict, expected: dict) -> None:
    for key, value in expected.items():
        assert row[key] == pytest.approx(value), key


def test_headline_of_the_period() -> None:
    table = summary.headline(prepare(hand_made_frames()), Scope(PERIOD))
    assert table.columns == list(summary.HEADLINE_COLUMNS)
    _assert_row(table.row(0, named=True), EXPECTED_WHOLE)


def test_headline_by_site() -> None:
    table = summary.headline(prepare(hand_made_frames()), Scope(PERIOD), by="site")
    rows = {row["site"]: row for row in table.iter_rows(named=True)}
    assert set(rows) == {"Nord", "Sud"}
    for site, expected in EXPECTED_BY_SITE.items():
        _assert_row(rows[site], expected)


def test_a_site_filter_gives_that_site_row() -> None:
    table = summary.headline(prepare(hand_made_frames()), Scope(PERIOD, Filters(sites=("Sud",))))
    _assert_row(table.row(0, named=True), EXPECTED_BY_SITE["Sud"])


def test_an_empty_period_counts_zero_and_leaves_ratios_null() -> None:
    empty = Period(date(2024, 1, 1), date(2024, 1, 31))
    row = summary.headline(prepare(hand_made_frames()), Scope(empty)).row(0, named=True)
    for column in summary.COUNT_COLUMNS:
        assert row[column] == 0, column
    assert row["support_hours_delivered"] == 0
    for column in (
        "correction_delay_days_mean",
        "correction_delay_days_median",
        "correction_delay_days_p90",
        "correction_within_target_share",
        "tutoring_answered_within_48h_share",
        "dropout_rate",
    ):
        assert row[column] is None, column


def test_data_period_and_as_of() -> None:
    dataset = prepare(hand_made_frames())
    # every record, enrolment dates included: from the first entry to L3's entry in January
    assert summary.data_period(dataset) == Period(date(2025, 9, 1), date(2026, 1, 10))
    # as of: the period end, or the last event (the 30/12 request) if earlier, never before
    # the period start
    assert as_of(dataset, Period(date(2025, 9, 1), date(2026, 8, 31))) == date(2025, 12, 30)
    assert as_of(dataset, Period(date(2025, 10, 1), date(2025, 10, 31))) == date(2025, 10, 31)
    assert as_of(dataset, Period(date(2027, 1, 1), date(2027, 1, 31))) == date(2027, 1, 1)


@pytest.fixture
def hand_made_database(app_database) -> str:
    return app_database(hand_made_world())


def test_cli_json_object(hand_made_database: str, capsys: pytest.CaptureFixture) -> None:
    from cli import main

    code = main(["indicators", "--from", "2025-10-01", "--to", "2025-12-31", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    _assert_row(result, EXPECTED_WHOLE)


def test_cli_json_by_site(hand_made_database: str, capsys: pytest.CaptureFixture) -> None:
    from cli import main

    assert (
        main(["indicators", "--from", "2025-10-01", "--to", "2025-12-31", "--json", "--by", "site"])
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert [row["site"] for row in result] == ["Nord", "Sud"]
    for row in result:
        _assert_row(row, EXPECTED_BY_SITE[row["site"]])


def test_cli_empty_period_prints_null_not_nan(hand_made_database: str, capsys) -> None:
    from cli import main

    assert main(["indicators", "--from", "2020-01-01", "--to", "2020-01-31", "--json"]) == 0
    out = capsys.readouterr().out
    assert "NaN" not in out
    result = json.loads(out)
    assert result["copies_received"] == 0 and result["dropout_rate"] is None


def test_cli_without_dates_covers_all_the_data(hand_made_database: str, capsys) -> None:
    from cli import main

    assert main(["indicators", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["copies_received"] == 4


def test_cli_readable_french_table(hand_made_database: str, capsys) -> None:
    from cli import main

    assert main(["indicators", "--from", "2025-10-01", "--to", "2025-12-31"]) == 0
    out = capsys.readouterr().out
    assert "Indicateurs du 01/10/2025 au 31/12/2025" in out
    assert "Taux d'abandon" in out and "50,0" in out


def test_cli_rejects_a_reversed_period(hand_made_database: str, capsys) -> None:
    from cli import main

    assert main(["indicators", "--from", "2025-12-31", "--to", "2025-10-01"]) == 2
    assert "précède" in capsys.readouterr().err
