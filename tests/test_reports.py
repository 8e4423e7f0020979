"""The monthly report and the yearly publication figures, against a world worked out by hand
and against `pilotage indicators --json` for the same period.

The world is test_summary's (two sites, Nord "2nde A" jeunes and Sud "CAP 1" alternants).
October 2025:
- copies received 2 (L1 06/10, L2 10/10); corrected 3: 02/10 (7 d), 08/10 (2 d), 13/10 (3 d):
  mean 4, median 3, P90 6.2, within 3 days 2/3. Maths: 7 and 2 d (mean 4.5, median 4.5,
  P90 2 + 0.9 * 5 = 6.5, within 1/2); Français: 3 d (all 3, within 1).
- weeks (Mondays): 29/09 (1-5 Oct only): 0 received, 1 corrected; 06/10: 2 received, 1
  corrected; 13/10: 0, 1; 20/10 and 27/10: 0, 0.
- tutoring: 2 received (05/10 answered in 24 h, Nord; 20/10 in 72 h, Sud): 1/2 within 48 h;
  Nord 1/1, Sud 0/1.
- interviews 1; active enrolments 2 (L1, L2; L2 leaves 15/11): dropouts 0, rate 0; jeunes 0/1,
  alternants 0/1. Support: AP 06/10 and 13/10 (2,5 h each): 5 h.
September 2025 (previous month): 1 copy received, none corrected, no request, 1 interview,
2 enrolments, 1 h (soutien 20/09). October 2024 (a year earlier): before the data, no figures.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from test_summary import hand_made_world
from world import World

from cli import main
from indicators.common import IndicatorSettings, Period, Scope
from reports import monthly, publication
from reports.document import cell_text
from reports.excel import xlsx_bytes
from reports.monthly import month_period, monthly_report, risk_levels
from reports.pdf import pdf_bytes

OCTOBER = month_period("2025-10")
NOW = datetime(2026, 1, 5, 8, 30)
PDFTOTEXT = shutil.which("pdftotext")
PDFTOPPM = shutil.which("pdftoppm")
needs_poppler = pytest.mark.skipif(
    PDFTOTEXT is None or PDFTOPPM is None, reason="poppler-utils (pdftotext, pdftoppm) absent"
)


def october_report() -> monthly.MonthlyReport:
    return monthly_report(hand_made_world().dataset(), Scope(OCTOBER))


def test_month_period_and_bad_months() -> None:
    assert month_period("2025-10") == Period(date(2025, 10, 1), date(2025, 10, 31))
    assert month_period("2024-02") == Period(date(2024, 2, 1), date(2024, 2, 29))
    assert month_period("2025-12").end == date(2025, 12, 31)
    for text in ("2025-13", "2025-00", "10-2025", "2025-1", "mars", ""):
        with pytest.raises(monthly.ReportError, match="Mois invalide"):
            month_period(text)
    assert monthly.shifted_month(month_period("2026-01"), -1) == month_period("2025-12")
    assert monthly.shifted_month(month_period("2026-03"), -12) == month_period("2025-03")


def test_headline_against_previous_month_and_year_before() -> None:
    table = {row["key"]: row for row in october_report().headline.iter_rows(named=True)}
    expected = {
        "copies_received": (2, 1),
        "copies_corrected": (3, 0),
        "correction_delay_days_mean": (4.0, None),
        "correction_delay_days_median": (3.0, None),
        "correction_delay_days_p90": (6.2, None),
        "correction_within_target_share": (2 / 3, None),
        "tutoring_requests": (2, 0),
        "tutoring_answered_within_48h_share": (0.5, None),
        "interviews": (1, 1),
        "learners_enrolled": (2, 2),
        "dropouts": (0, 0),
        "dropout_rate": (0.0, 0.0),
        "support_hours_delivered": (5.0, 1.0),
    }
    for key, (current, previous) in expected.items():
        assert table[key]["current"] == pytest.approx(current), key
        assert table[key]["previous_month"] == pytest.approx(previous), key
        assert table[key]["year_before"] is None, key  # October 2024 is before the data


def test_sections_worked_by_hand() -> None:
    report = october_report()
    assert report.has_data
    weekly = report.weekly.select("week_start", "copies_received", "copies_corrected").rows()
    assert weekly == [
        (date(2025, 9, 29), 0, 1),
        (date(2025, 10, 6), 2, 1),
        (date(2025, 10, 13), 0, 1),
        (date(2025, 10, 20), 0, 0),
        (date(2025, 10, 27), 0, 0),
    ]
    assert report.weekly.get_column("surges").sum() == 0  # 2 copies are under the minimum
    delays = {row["discipline"]: row for row in report.delays.iter_rows(named=True)}
    assert delays["Maths"]["copies_corrected"] == 2
    assert delays["Maths"]["correction_delay_days_p90"] == pytest.approx(6.5)
    assert delays["Maths"]["correction_within_target_share"] == pytest.approx(0.5)
    assert delays["Français"]["correction_delay_days_mean"] == pytest.approx(3.0)
    tutoring = {row["site"]: row for row in report.tutoring.iter_rows(named=True)}
    assert tutoring["Nord"]["answered_within_target_share"] == pytest.approx(1.0)
    assert tutoring["Sud"]["answered_within_target_share"] == pytest.approx(0.0)
    publics = report.dropout_public.select("public", "learners_enrolled", "dropouts").rows()
    assert publics == [("alternants", 1, 0), ("jeunes", 1, 0)]
    support = report.support.filter(report.support["kind"] == "AP").row(0, named=True)
    assert (support["group"], support["hours_delivered"]) == ("2nde A", 5.0)


def test_a_surge_week_is_marked() -> None:
    """One copy a week from 01/09/2025 for 8 weeks, then 3 the week of 27/10: the baseline
    (median of the 8 open weeks before) is 1, the ratio 3 >= 2 on 3 >= 1 copies: a surge."""
    w = World()
    w.group("CAP 1", site="Nord", public="jeunes")
    w.learner("A", group="CAP 1", entered=date(2025, 9, 1))
    for week in range(8):  # Mondays 01/09 to 20/10
        w.copy("A", "Maths", submitted=date(2025, 9, 1) + timedelta(weeks=week))
    for day in (27, 28, 29):
        w.copy("A", "Maths", submitted=date(2025, 10, day))
    settings = IndicatorSettings(surge_min_volume=1)
    report = monthly_report(w.dataset(), Scope(OCTOBER, settings=settings))
    surges = {row["week_start"]: row for row in report.weekly.iter_rows(named=True)}
    assert surges[date(2025, 10, 27)]["surges"] == 1
    assert surges[date(2025, 10, 27)]["surge_series"] == "Nord · Maths (×3,0)"
    (surge,) = report.surges.to_dicts()
    assert (surge["week_start"], surge["volume"], surge["baseline_median"]) == (
        date(2025, 10, 27),
        3,
        1.0,
    )
    assert surges[date(2025, 10, 20)]["surges"] == 0
    assert any("Pics d'activité" in sentence for sentence in report.summary)


def test_a_week_names_its_three_strongest_surges() -> None:
    """Four disciplines with one copy a week, then 3, 4, 5 and 6 copies the week of 27/10."""
    w = World()
    w.group("CAP 1", site="Nord", public="jeunes")
    w.learner("A", group="CAP 1", entered=date(2025, 9, 1))
    for last, discipline in zip((3, 4, 5, 6), ("D3", "D4", "D5", "D6"), strict=True):
        for week in range(8):
            w.copy("A", discipline, submitted=date(2025, 9, 1) + timedelta(weeks=week))
        for _ in range(last):
            w.copy("A", discipline, submitted=date(2025, 10, 28))
    settings = IndicatorSettings(surge_min_volume=1)
    report = monthly_report(w.dataset(), Scope(OCTOBER, settings=settings))
    week = report.weekly.filter(report.weekly["week_start"] == date(2025, 10, 27)).row(
        0, named=True
    )
    assert week["surges"] == 4
    assert week["surge_series"] == (
        "Nord · D6 (×6,0), Nord · D5 (×5,0), Nord · D4 (×4,0) et 1 autre"
    )
    assert report.surges.get_column("discipline").to_list() == ["D6", "D5", "D4", "D3"]


def test_risk_levels_by_signals_or_by_level() -> None:
    import polars as pl

    by_signals = risk_levels(pl.DataFrame({"signal_count": [1, 1, 2, 4, 3]}))
    assert by_signals.rows() == [("1 signal", 2), ("2 signaux", 1), ("3 signaux ou plus", 2)]
    by_level = risk_levels(pl.DataFrame({"level": ["alerte", "vigilance", "alerte"]}))
    assert by_level.rows() == [("alerte", 2), ("vigilance", 1)]


def test_summary_names_the_largest_changes() -> None:
    report = october_report()
    text = " ".join(report.summary)
    # copies received 1 -> 2 (+100 %), support hours 1 -> 5 (+400 %), interviews 1 -> 1 (no change)
    assert "Heures d'accompagnement assurées en hausse : 5\u00a0h contre 1\u00a0h" in text
    assert "Copies reçues en hausse : 2 contre 1 en septembre 2025 (+1, +100\u00a0%)." in text
    assert (
        "contre 1\u00a0h en septembre 2025 (+4,0\u00a0h, +400\u00a0%) — une amélioration." in text
    )
    assert "Entretiens" not in text


def test_a_month_without_data_says_so() -> None:
    report = monthly_report(hand_made_world().dataset(), Scope(month_period("2023-01")))
    assert not report.has_data
    assert report.summary == (
        "Aucune donnée pour janvier 2023 dans ce périmètre : le rapport est vide.",
    )
    document = monthly.document(report, NOW)
    assert [section.title for section in document.sections] == ["Aucune donnée pour ce mois"]
    assert xlsx_bytes(document)[:2] == b"PK"


# --- files: the figures of `pilotage indicators --json` in the PDF and the workbook ---------


@pytest.fixture
def hand_made_database(app_database) -> str:  # noqa: ANN001
    return app_database(hand_made_world())


def _indicators(capsys: pytest.CaptureFixture, *extra: str) -> dict:
    code = main(["indicators", "--from", "2025-10-01", "--to", "2025-10-31", "--json", *extra])
    assert code == 0
    return json.loads(capsys.readouterr().out)


LABEL_OF = {key: label for key, label, _kind in monthly.HEADLINE_ROWS}
KIND_OF = {
    key: ("share1" if kind == "share" else kind) for key, _label, kind in monthly.HEADLINE_ROWS
}


def test_excel_cells_equal_the_indicators(
    hand_made_database: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    expected = _indicators(capsys)
    out = tmp_path / "rapport.xlsx"
    assert main(["report", "--month", "2025-10", "--out", str(out)]) == 0
    capsys.readouterr()
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == [
        "Chiffres clés",
        "Copies par semaine",
        "Délais de correction",
        "Tutorat",
        "Décrochage",
        "Apprenants à risque",
        "Accompagnement",
    ]
    sheet = workbook["Chiffres clés"]
    cells = {row[0].value: row for row in sheet.iter_rows() if row[0].value in LABEL_OF.values()}
    for key, label in LABEL_OF.items():
        value = cells[label][1]
        if expected[key] is None:
            assert value.value is None, key
        else:
            assert isinstance(value.value, int | float), key  # a number, not text
            assert value.value == pytest.approx(expected[key]), key
    assert "%" in cells[LABEL_OF["dropout_rate"]][1].number_format
    assert cells[LABEL_OF["dropout_rate"]][2].value == pytest.approx(0.0)  # September
    delays = workbook["Délais de correction"]
    rows = {
        row[0]: row for row in delays.iter_rows(values_only=True) if row[0] in ("Maths", "Français")
    }
    assert rows["Maths"][1:] == (2, pytest.approx(4.5), pytest.approx(4.5), pytest.approx(6.5), 0.5)
    assert delays.cell(row=1, column=1).value == "Rapport mensuel — octobre 2025"


def _pdf_text(path: Path) -> str:
    result = subprocess.run(
        [PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return result.stdout


@needs_poppler
def test_pdf_text_shows_the_indicators_and_renders(
    hand_made_database: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    expected = _indicators(capsys)
    out = tmp_path / "rapport.pdf"
    assert main(["report", "--month", "2025-10", "--out", str(out)]) == 0
    assert "écrit" in capsys.readouterr().out
    text = _pdf_text(out).replace("\u202f", " ").replace("\u00a0", " ")
    for key, label in LABEL_OF.items():
        shown = cell_text(KIND_OF[key], expected[key]).replace("\u202f", " ").replace("\u00a0", " ")
        # the table's line: the label, then the columns (October first) two spaces apart or more
        line = re.search(rf"^\s*{re.escape(label)}\s{{2,}}(\S.*)$", text, re.MULTILINE)
        assert line is not None, key
        assert re.split(r"\s{2,}", line.group(1).strip())[0] == shown, key
    assert "Rapport mensuel — octobre 2025" in text
    assert "Septembre 2025 (mois précédent)" in text
    subprocess.run([PDFTOPPM, "-png", "-r", "40", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages and all(page.stat().st_size > 5_000 for page in pages)


def test_report_of_one_site_and_bad_inputs(
    hand_made_database: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    expected = _indicators(capsys, "--site", "Sud")
    out = tmp_path / "sud.xlsx"
    assert main(["report", "--month", "2025-10", "--site", "Sud", "--out", str(out)]) == 0
    sheet = openpyxl.load_workbook(out)["Chiffres clés"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}
    assert values[LABEL_OF["copies_received"]] == expected["copies_received"] == 1
    assert "Périmètre : Site : Sud" in values
    capsys.readouterr()
    assert main(["report", "--month", "2025-10", "--site", "Ouest", "--out", str(out)]) == 1
    assert "site inconnu" in capsys.readouterr().err
    assert main(["report", "--month", "2025-13"]) == 2
    assert "Mois invalide" in capsys.readouterr().err
    assert main(["report", "--month", "2025-10", "--out", str(tmp_path / "r.docx")]) == 2
    assert "Format de fichier" in capsys.readouterr().err
    assert main(["report", "--month", "2025-10", "--kind", "publication"]) == 2
    capsys.readouterr()
    assert main(["report", "--month", "2025-10", "--out", str(tmp_path / "nowhere" / "r.pdf")]) == 1
    assert "Impossible d'écrire" in capsys.readouterr().err


def test_report_within_a_users_perimeter(
    hand_made_database: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from data_access import accounts
    from data_access.db import get_engine

    accounts.add_account(
        get_engine(), login="sud", role="site", sites=("Sud",), password="une phrase de passe"
    )
    out = tmp_path / "sud.xlsx"
    assert main(["report", "--month", "2025-10", "--user", "sud", "--out", str(out)]) == 0
    values = {
        row[0]: row[1]
        for row in openpyxl.load_workbook(out)["Chiffres clés"].iter_rows(values_only=True)
    }
    assert values[LABEL_OF["copies_received"]] == 1  # Sud's copy only
    capsys.readouterr()
    assert main(["report", "--month", "2025-10", "--user", "sud", "--site", "Nord"]) == 1
    assert "hors du périmètre" in capsys.readouterr().err


# --- the yearly publication figures ---------------------------------------------------------


def test_publication_figures_worked_by_hand() -> None:
    """2025-2026: L1, L2, L3 active (3 learners, 3 enrolments); L2 leaves 15/11 for abandon:
    interruption 1/3, early exits 1/3, exits 1 of which 0 completed; copies corrected 3, 2 in
    3 days; requests 3, 1 within 48 h; AP 5 h delivered over 3 school weeks (weeks with a
    session: 15/09, 06/10, 13/10) x 70/36 h = 5,83 h expected."""
    figures = publication.publication_figures(
        hand_made_world().dataset(), Scope(publication.year_period("2025-2026"))
    )
    values = {figure.name: figure.value for figure in figures.figures}
    assert values["Apprenants accueillis"] == 3
    assert values["Inscriptions actives"] == 3
    assert values["Taux d'interruption en cours de formation (abandon)"] == pytest.approx(1 / 3)
    assert values["Sorties avant terme, tous motifs"] == pytest.approx(1 / 3)
    assert values["Taux d'achèvement des parcours"] == pytest.approx(0.0)
    assert values["Copies corrigées en 3 jours ou moins"] == pytest.approx(2 / 3)
    assert values["Sollicitations de tutorat répondues sous 48 h"] == pytest.approx(1 / 3)
    assert values["Heures d'AP assurées sur heures attendues"] == pytest.approx(5 / (70 / 36 * 3))
    assert figures.by_public.select("public", "learners", "dropouts").rows() == [
        ("alternants", 2, 1),
        ("jeunes", 1, 0),
    ]
    assert figures.measured.end == date(2025, 12, 30)  # the data's last day: year running


def test_publication_year_must_be_a_school_year() -> None:
    assert publication.year_period("2025-2026") == Period(date(2025, 9, 1), date(2026, 8, 31))
    for text in ("2025", "2025-2027", "2026-2025", "25-26"):
        with pytest.raises(monthly.ReportError, match="Année scolaire invalide"):
            publication.year_period(text)


@needs_poppler
def test_publication_document_defines_and_lists_unsupported(
    hand_made_database: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    year = ["indicators", "--from", "2025-09-01", "--to", "2026-08-31", "--json"]
    assert main(year) == 0
    expected = json.loads(capsys.readouterr().out)
    out = tmp_path / "publication.pdf"
    assert main(["report", "--year", "2025-2026", "--kind", "publication", "--out", str(out)]) == 0
    text = " ".join(_pdf_text(out).replace("\u202f", " ").split())
    rate = (
        cell_text("share1", expected["dropout_rate"]).replace("\u202f", " ").replace("\u00a0", " ")
    )
    assert rate in text and "Taux d'interruption en cours de" in text  # the name may wrap
    xlsx = openpyxl.load_workbook(io.BytesIO(publication_workbook(tmp_path, capsys)))
    rows = {row[0]: row[1] for row in xlsx["Chiffres"].iter_rows(values_only=True)}
    assert rows["Taux d'interruption en cours de formation (abandon)"] == pytest.approx(
        expected["dropout_rate"]
    )
    assert "L6111-8" in text and "Qualiopi 2" in text
    assert "Chiffres que les données ne permettent pas de calculer" in text
    listed = [row[0] for row in xlsx["Non disponibles"].iter_rows(values_only=True)]
    for name, _source, _why in publication.UNSUPPORTED:
        assert name in listed
        assert name.split()[0] in text
    assert xlsx.sheetnames == ["Chiffres", "Par public", "Non disponibles"]


def publication_workbook(tmp_path: Path, capsys: pytest.CaptureFixture) -> bytes:
    out = tmp_path / "publication.xlsx"
    assert main(["report", "--year", "2025-2026", "--kind", "publication", "--out", str(out)]) == 0
    capsys.readouterr()
    return out.read_bytes()


def test_text_from_the_data_is_text_in_the_pdf() -> None:
    """A group named like typst markup and code is printed as it is written."""
    w = World()
    name = '#panic("x") *gras* $x$ <l> @ref = Titre'
    w.group(name, site="Nord", public="jeunes")
    w.learner("A", group=name, entered=date(2025, 9, 1), left=date(2025, 10, 10), reason="abandon")
    w.copy("A", "Maths", submitted=date(2025, 10, 1), corrected=date(2025, 10, 2))
    report = monthly_report(w.dataset(), Scope(OCTOBER))
    content = pdf_bytes(monthly.document(report, NOW))
    assert content.startswith(b"%PDF")
    if PDFTOTEXT:
        path = Path(pytest.importorskip("tempfile").mkdtemp()) / "r.pdf"
        path.write_bytes(content)
        assert name in " ".join(_pdf_text(path).split())


def test_the_report_page_offers_the_last_complete_month(app_database) -> None:  # noqa: ANN001
    """The data run from 01/09/2025 to 10/01/2026 (L3's entry): December 2025 is the last
    complete month; its summary and headline table are shown with the four downloads."""
    from apptest import open_page, plain

    app_database(hand_made_world())
    app = open_page("pages/report.py")
    assert not app.exception
    assert app.selectbox(key="report_month").value == month_period("2025-12")
    texts = [plain(str(m.value)) for m in app.markdown]
    assert any("Rapport mensuel — décembre 2025" in text for text in texts)
    table = app.dataframe[0].value
    assert list(table.columns)[:2] == ["Indicateur", "Décembre 2025"]
    assert table.iloc[0].tolist()[:2] == ["Copies reçues", "0"]
    app.selectbox(key="report_month").set_value(OCTOBER).run()
    table = app.dataframe[0].value
    assert table.iloc[0].tolist()[:3] == ["Copies reçues", "2", "1"]
    labels = [button.proto.label for button in app.get("download_button")]
    assert len(labels) == 4 and "Télécharger le rapport (PDF)" in labels


def test_usage_errors_in_french(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["report"])
    assert stopped.value.code == 2
    assert "une de ces options est obligatoire : --month --year" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", "--month", "2026-01", "--year", "2025-2026"])
    assert "incompatible avec l'option --month" in capsys.readouterr().err
