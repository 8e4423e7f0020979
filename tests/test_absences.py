"""Absences (vie scolaire): the import kind and its checks, and the absence rate per learner,
group and month, on a small world whose figures are worked out by hand."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa
from apptest import open_page, page_problems
from world import World

from data_access.importing import import_file
from data_access.importing.mapping import guess_kind
from indicators import absences
from indicators.common import Filters, Period, Scope

SEPTEMBER = Period(date(2025, 9, 1), date(2025, 9, 30))
AUTUMN = Period(date(2025, 9, 1), date(2025, 10, 31))


def csv_of(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\n").writerows(rows)
    return text.getvalue().encode("utf-8")


def autumn() -> World:
    """2nde A (Lyon): A001 from 01/09/2025, A002 from 01/09 until their dropout on 17/10, A003
    from 22/09. No other event: every week is a school week. A school week has 9 half-days
    (none on Wednesday afternoon): September 2025 (Monday 1 to Tuesday 30) has 4 x 9 + 2 + 2
    = 40; A003's September from Monday 22: 9 + 4 = 13. October: 1 (Wed) + 2 + 2, then 4 x 9 = 41;
    A002's October to Friday 17: 5 + 9 + 9 = 23.

    Absences: A001 on 08/09 in the morning (1, justified), 09/09 all day (2, unjustified),
    10/09 for 3 h (0.75, justification unknown: unjustified), 31/10 in the afternoon (1,
    justified); A002 on 15/09 all day (2, justified); A003 on 19/09 (before entering: not
    counted) and 25/09 in the morning (1, unjustified).
    """
    world = World()
    world.group("2nde A", site="Lyon")
    world.learner("A001", group="2nde A", entered=date(2025, 9, 1), last_name="Martin")
    world.learner(
        "A002", group="2nde A", entered=date(2025, 9, 1), left=date(2025, 10, 17), reason="abandon"
    )
    world.learner("A003", group="2nde A", entered=date(2025, 9, 22))
    world.absence("A001", date(2025, 9, 8), half_day="matin", justified=True)
    world.absence("A001", date(2025, 9, 9), half_day="journée", half_days=2, justified=False)
    world.absence("A001", date(2025, 9, 10), half_days=0.75, hours=3)
    world.absence("A001", date(2025, 10, 31), half_day="après-midi", justified=True)
    world.absence("A002", date(2025, 9, 15), half_days=2, justified=True)
    world.absence("A003", date(2025, 9, 19), justified=False)
    world.absence("A003", date(2025, 9, 25), half_day="matin", justified=False)
    return world


@pytest.fixture(scope="module")
def data():
    return autumn().dataset()


def test_rates_per_learner_in_september(data) -> None:
    rows = absences.by_learner(data, Scope(SEPTEMBER))
    got = rows.select(
        "external_id", "expected_half_days", "absent_half_days", "justified_half_days"
    ).rows()
    assert got == [("A001", 40, 3.75, 1.0), ("A003", 13, 1.0, 0.0), ("A002", 40, 2.0, 2.0)]
    rates = dict(zip(rows["external_id"], rows["absence_rate"], strict=True))
    assert rates == pytest.approx({"A001": 3.75 / 40, "A003": 1 / 13, "A002": 2 / 40})
    unjustified = dict(zip(rows["external_id"], rows["unjustified_rate"], strict=True))
    assert unjustified == pytest.approx({"A001": 2.75 / 40, "A003": 1 / 13, "A002": 0.0})


def test_per_group_and_summary(data) -> None:
    """September: 40 + 40 + 13 = 93 half-days, 3.75 + 2 + 1 = 6.75 absent (3 justified)."""
    group = absences.by_group(data, Scope(SEPTEMBER)).row(0, named=True)
    assert (group["group"], group["learners"], group["expected_half_days"]) == ("2nde A", 3, 93)
    assert group["absent_half_days"] == pytest.approx(6.75)
    assert group["absence_rate"] == pytest.approx(6.75 / 93)
    assert group["unjustified_rate"] == pytest.approx(3.75 / 93)
    total = absences.summary(data, Scope(SEPTEMBER)).row(0, named=True)
    assert total["as_of"] == date(2025, 9, 30)
    assert total["absence_rate"] == pytest.approx(6.75 / 93)


def test_per_month(data) -> None:
    """October: A001 41, A002 23 (left on 17/10), A003 41 = 105 half-days; 1 absent."""
    months = absences.by_month(data, Scope(AUTUMN))
    assert months.select("label", "expected_half_days", "absent_half_days").rows() == [
        ("septembre 2025", 93, 6.75),
        ("octobre 2025", 105, 1.0),
    ]
    assert months["absence_rate"].to_list() == pytest.approx([6.75 / 93, 1 / 105])


def test_nothing_to_count(data) -> None:
    elsewhere = Scope(SEPTEMBER, Filters(sites=("Rennes",)))
    total = absences.summary(data, elsewhere).row(0, named=True)
    assert (total["learners"], total["expected_half_days"], total["absence_rate"]) == (0, 0, None)
    assert absences.by_group(data, elsewhere).is_empty()
    assert absences.by_month(data, elsewhere).is_empty()


LEARNERS = [
    ["N° INE", "Classe", "Date d'entrée", "Date de sortie", "Motif de sortie"],
    ["A1", "2nde A", "01/09/2025", "", ""],
    ["A2", "2nde A", "01/09/2025", "15/10/2025", "abandon"],
]
ABSENCES = [
    ["N° INE", "Date", "Demi-journée", "Demi-journées", "Heures", "Justifiée", "Motif"],
    ["A1", "06/10/2025", "matin", "1", "3", "Oui", "Maladie"],
    ["A1", "06/10/2025", "après-midi", "", "", "Non justifiée", ""],
    ["A1", "07/10/2025", "", "", "2h", "", ""],
    ["A2", "13/10/2025", "journée", "", "", "excusée", "Rendez-vous médical"],
]


def stored(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.text(
                    "SELECT l.external_id, a.absent_on, a.half_day, a.half_days, a.hours, "
                    "a.justified, a.reason FROM absence a JOIN learner l ON l.id = a.learner_id "
                    "ORDER BY 1, 2, 3"
                )
            ).all()
        ]


def test_absences_import(engine: sa.Engine) -> None:
    assert guess_kind(ABSENCES[0]) == "absences"
    import_file(engine, "eleves.csv", csv_of(LEARNERS))
    report = import_file(engine, "absences.csv", csv_of(ABSENCES))
    assert (report.kind, report.status, report.added) == ("absences", "importé", 4)
    assert [
        (w, str(d), h, n, hours, bool(j) if j is not None else None)
        for w, d, h, n, hours, j, _ in stored(engine)
    ] == [
        ("A1", "2025-10-06", "après-midi", 1.0, None, False),
        ("A1", "2025-10-06", "matin", 1.0, 3.0, True),
        ("A1", "2025-10-07", "", 0.5, 2.0, None),
        ("A2", "2025-10-13", "journée", 2.0, None, True),
    ]
    justified = [row for row in ABSENCES]
    justified[3] = ["A1", "07/10/2025", "", "", "2h", "oui", "Retard de transport"]
    again = import_file(engine, "absences.csv", csv_of(justified))
    assert (again.added, again.updated, again.unchanged) == (0, 1, 3)


def test_absences_checks(engine: sa.Engine) -> None:
    import_file(engine, "eleves.csv", csv_of(LEARNERS))
    rows = [
        ABSENCES[0],
        ["A1", "06/10/2025", "matin", "2", "", "", ""],  # a morning is one half-day
        ["A1", "07/10/2025", "", "1", "5", "", ""],  # 5 h in one half-day
        ["A2", "20/10/2025", "", "1", "", "", ""],  # A2 left on 15/10
        ["A1", "25/08/2025", "", "1", "", "", ""],  # before A1 entered
        ["A1", "08/10/2025", "", "", "", "", ""],  # how long?
        ["A1", "09/10/2025", "", "", "", "peut-être", ""],
    ]
    report = import_file(engine, "absences.csv", csv_of(rows))
    assert report.status == "refusé"
    assert report.problems.select("row", "column", "reason").rows() == [
        (2, "Demi-journées", "ne concorde pas avec la demi-journée indiquée (matin)"),
        (
            3,
            "Heures",
            "ne concorde pas avec les demi-journées indiquées (1 : au plus 4 h par demi-journée)",
        ),
        (
            4,
            "Date",
            "absence un jour où l'apprenant n'est pas inscrit (inscrit du 01/09/2025 au 15/10/2025)",
        ),
        (5, "Date", "absence un jour où l'apprenant n'est pas inscrit (inscrit du 01/09/2025)"),
        (
            6,
            "Date",
            "durée de l'absence manquante : donnez la demi-journée (matin, après-midi, "
            "journée), le nombre de demi-journées ou les heures",
        ),
        (
            7,
            "Date",
            "durée de l'absence manquante : donnez la demi-journée (matin, après-midi, "
            "journée), le nombre de demi-journées ou les heures",
        ),
        (7, "Justifiée", "valeur illisible (attendu oui ou non)"),
    ]
    assert stored(engine) == []


def test_the_dropout_page_shows_absence_rates(app_database) -> None:  # noqa: ANN001
    app_database(autumn())
    app = open_page("pages/dropout.py")
    app.sidebar.date_input(key="period").set_value((date(2025, 9, 1), date(2025, 9, 30))).run()
    assert not page_problems(app), page_problems(app)
    tiles = {m.label: m.value for m in app.metric}
    assert tiles["Taux d'absence"] == "7,3\u00a0%"  # 6.75 / 93
    assert tiles["dont non justifiée"] == "4,0\u00a0%"  # 3.75 / 93
    assert tiles["Demi-journées d'absence"] == "6,75"
    by_learner = next(
        f
        for f in app.dataframe
        if "Identifiant apprenant" in f.value.columns and "Taux d'absence" in f.value.columns
    ).value
    assert list(by_learner["Identifiant apprenant"]) == ["A001", "A003", "A002"]


def test_the_reasons_of_absences_are_personal(engine: sa.Engine) -> None:
    """The lecture role reads no reason of absence, and anonymising a learner who left drops
    them (health, family); the counts stay."""
    from data_access.pseudonyms import anonymise_left_before, pseudonym
    from indicators.common import Perimeter
    from indicators.dataset import within, without_names

    part = within(autumn().dataset(), Perimeter(sites=("Lyon",)))
    assert part.absences.height == 7
    reader = without_names(part, lambda ids: ids.map_elements(lambda v: pseudonym(b"k", v)))
    assert reader.absences.get_column("reason").null_count() == 7
    assert reader.frames.absences.get_column("reason").null_count() == 7
    assert absences.summary(reader, Scope(SEPTEMBER)).equals(
        absences.summary(part, Scope(SEPTEMBER))
    )

    import_file(engine, "eleves.csv", csv_of(LEARNERS))
    import_file(engine, "absences.csv", csv_of(ABSENCES))
    assert anonymise_left_before(engine, date(2025, 11, 1), b"k") == 1  # A2 left on 15/10
    reasons = [(w.startswith("P-"), h, r) for w, _, h, *_, r in stored(engine)]
    assert sorted(reasons, key=str) == sorted(
        [
            (False, "après-midi", None),
            (False, "matin", "Maladie"),  # A1 is still enrolled: kept
            (False, "", None),
            (True, "journée", None),  # A2's "Rendez-vous médical": dropped
        ],
        key=str,
    )
