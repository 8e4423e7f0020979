"""Careless files: nothing lost or changed without a word (issue 8, items 6 to 13 and the
messages). Each file is built here; every import runs on SQLite and on PostgreSQL, and the dry
run must say what the import then does."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa
import xlsxwriter
from test_import_database import LEARNERS, count, csv_of, table_contents

import cli
from data_access import db, models
from data_access.importing import ImportRejected, archive, import_file, open_sheet
from data_access.importing.keys import canonical_spellings, key_text


def problems_of(report) -> list[tuple]:  # noqa: ANN001
    return report.problems.select("row", "column", "value", "reason").rows()


def dry_run_then_import(engine: sa.Engine, name: str, content: bytes, **options: object):  # noqa: ANN201
    """The dry run, then the import: they must agree on every row (and the dry run writes
    nothing); returns the import's report."""
    before = table_contents(engine)
    trial = import_file(engine, name, content, dry_run=True, **options)
    assert table_contents(engine) == before
    report = import_file(engine, name, content, **options)
    assert problems_of(trial) == problems_of(report)
    assert trial.rejected == report.rejected
    if report.written:
        assert (trial.added, trial.updated, trial.unchanged) == (
            report.added,
            report.updated,
            report.unchanged,
        )
    else:
        assert table_contents(engine) == before
    return report


# --- 6. total rows by their shape -----------------------------------------------------------


def test_rows_that_start_like_totals_but_are_data_are_kept(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    rows = [
        ["Devoir", "N° apprenant", "Matière", "Déposé le", "Note"],
        ["Moyenne et médiane", "A1", "Maths", "02/10/2025", "12"],
        ["Somme des angles d'un triangle", "A2", "Maths", "03/10/2025", "9"],
        ["Total des exercices", "A3", "Maths", "04/10/2025", "15"],
        ["Ensemble de définition", "A1", "Maths", "05/10/2025", "11"],
        ["Fractions", "A2", "Maths", "06/10/2025", "8"],
        ["Total", "", "", "", "55"],  # the export's own total: its shape says so
        ["Moyenne", "", "", "", "11"],
    ]
    report = dry_run_then_import(engine, "copies.csv", csv_of(rows))
    assert (report.status, report.added, report.rejected) == ("importé", 5, 0)
    assert report.ignored == [(7, "Total"), (8, "Moyenne")]
    assert "2 lignes de total ignorées (ligne 7, 8)" in report.summary()
    assert count(engine, models.Copy) == 5


def test_a_total_row_whose_figures_do_not_add_up_is_data() -> None:
    rows = [["Identifiant", "Matière", "Déposé le", "Note"], ["A1", "Maths", "02/10/2025", "12"]]
    raw = open_sheet("c.csv", csv_of([*rows, ["Total", "", "", "99"]]))
    assert raw.dropped == [] and raw.rows.height == 2  # checked as a row, then refused


# --- 8. fields missing or in excess -------------------------------------------------------


def test_csv_lines_with_missing_or_extra_fields_are_problems(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    text = (
        "N° apprenant;Matière;Devoir;Déposé le;Correcteur;Note\n"
        "A1;Maths;D1;02/10/2025;Paul Bernard;12\n"
        "A2;Maths;D1;02/10/2025\n"  # corrector and grade lost
        "A3;Maths;D1;02/10/2025;Paul; Bernard;15\n"  # a separator inside a value
        "A1;Maths;D2;03/10/2025;Paul Bernard;14;;\n"  # empty fields at the end: harmless
    )
    report = dry_run_then_import(engine, "copies.csv", text.encode())
    assert report.status == "refusé" and count(engine, models.Copy) == 0
    assert [(row, reason[:30]) for row, _, _, reason in problems_of(report)] == [
        (3, "la ligne a 4 champ(s) alors qu"),
        (4, "la ligne a 7 champs alors que "),
        (4, "note illisible (attendu un nom"),  # " Bernard", the rest of the corrector
    ]


# --- 9. one identifier, two identities ------------------------------------------------------


def test_one_identifier_with_two_names_in_a_file_is_refused(engine: sa.Engine) -> None:
    rows = [
        ["Identifiant", "Nom", "Prénom", "Classe", "Date d'entrée"],
        ["A1", "Martin", "Léa", "2nde A", "01/09/2025"],
        ["A1", "MARTIN", "Lea", "2nde B", "01/09/2025"],  # the same person, written otherwise
        ["A1", "Bernard", "Hugo", "CAP 1", "01/09/2025"],  # someone else
    ]
    report = dry_run_then_import(engine, "apprenants.csv", csv_of(rows))
    assert problems_of(report) == [
        (
            4,
            "Identifiant",
            "A1",
            "cet identifiant désigne déjà Martin Léa (ligne 2) : même identifiant, autre nom",
        )
    ]


def test_a_name_that_differs_from_the_database_is_reported_and_kept(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    copies = [
        ["N° apprenant", "Nom", "Prénom", "Matière", "Déposé le"],
        ["A1", "Dupont", "Léa", "Maths", "02/10/2025"],
        ["A1", "Dupont", "Léa", "Maths", "03/10/2025"],
        ["A2", "DURAND", "tom", "Maths", "02/10/2025"],  # case only: the same name
    ]
    report = dry_run_then_import(engine, "copies.csv", csv_of(copies))
    assert report.status == "importé" and report.added == 3
    assert report.warnings.select("row", "value", "reason").rows() == [
        (
            2,
            "Dupont Léa",
            "nom différent de celui de la base (Martin Léa) pour l'identifiant A1 : la base "
            "garde le sien, sauf si vous choisissez de mettre à jour les noms",
        )
    ]
    with engine.connect() as connection:
        names = dict(
            connection.execute(sa.text("SELECT external_id, last_name FROM learner")).all()
        )
    assert names["A1"] == "Martin" and names["A2"] == "Durand"

    report = import_file(engine, "copies.csv", csv_of(copies), update_names=True)
    assert report.renamed == 2 and "noms mis à jour : 2 apprenants" in report.summary()
    with engine.connect() as connection:
        names = dict(
            connection.execute(sa.text("SELECT external_id, last_name FROM learner")).all()
        )
    assert names["A1"] == "Dupont" and names["A2"] == "DURAND"


# --- 10. what the database would refuse, and the implausible -----------------------------


def test_values_the_database_refuses_are_refused_row_by_row(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    rows = [
        [
            "Identifiant",
            "Date de l'entretien",
            "Type",
            "Objectifs fixés",
            "Objectifs atteints",
            "Notes",
        ],
        ["A1", "02/10/2025", "suivi", "3000000000", "", ""],  # beyond PostgreSQL's INTEGER
        ["A2", "03/10/2025", "suivi", "2", "1", "Bon\x00début"],  # NUL: PostgreSQL refuses it
        ["A3", "04/10/2025", "suivi", "1 2", "", ""],  # not twelve
        ["A1", "15/03/1951", "bilan", "2", "", ""],  # the year of no export
        ["A1", "05/10/2025", "bilan", "2", "1", "Correct"],
    ]
    report = dry_run_then_import(engine, "entretiens.csv", csv_of(rows), skip_invalid=True)
    assert problems_of(report) == [
        (2, "Objectifs fixés", "3000000000", "nombre trop grand"),
        (2, "Objectifs fixés", "3000000000", "plus de 100 objectifs"),
        (
            3,
            "Notes",
            "Bon\x00début",
            "caractère nul (octet 0) dans la cellule : le fichier est sans doute corrompu",
        ),
        (4, "Objectifs fixés", "1 2", "nombre entier attendu"),
        (5, "Date de l'entretien", "15/03/1951", "date invraisemblable : antérieure au 01/01/1990"),
    ]
    assert (report.status, report.added) == ("importé partiellement", 1)
    assert count(engine, models.Interview) == 1


def test_an_update_is_checked_with_what_the_database_holds(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))  # A2 left on 15/01/2026
    later_entry = [
        ["Identifiant", "Classe", "Site", "Date d'entrée"],
        ["A2", "2nde A", "Lycée Nord", "01/02/2026"],  # after the exit date the base holds
        ["A1", "2nde A", "Lycée Nord", "02/09/2025"],
    ]
    report = dry_run_then_import(engine, "entrees.csv", csv_of(later_entry), skip_invalid=True)
    assert problems_of(report) == [
        (
            2,
            "Date d'entrée",
            "01/02/2026",
            "la date de sortie précède la date d'entrée, compte tenu de ce que la base contient "
            "déjà pour cette ligne",
        )
    ]
    assert (report.status, report.updated) == ("importé partiellement", 1)

    interviews = [
        ["Identifiant", "Date de l'entretien", "Type", "Objectifs fixés"],
        ["A1", "02/10/2025", "suivi", "2"],
    ]
    import_file(engine, "entretiens.csv", csv_of(interviews))
    met = [["Identifiant", "Date de l'entretien", "Type", "Objectifs atteints"]]
    met.append(["A1", "02/10/2025", "suivi", "3"])  # more than the 2 set, as recorded
    report = dry_run_then_import(engine, "atteints.csv", csv_of(met))
    assert report.status == "refusé"
    assert problems_of(report)[0][:3] == (2, "Objectifs atteints", "3")


# --- 11. small variants are the same value -----------------------------------------------


def test_case_accent_space_and_dash_variants_are_not_added_again(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    first = [
        ["N° apprenant", "Matière", "Devoir", "Déposé le", "Note"],
        ["A1", "Mathématiques", "Devoir 1-A", "02/10/2025", "12"],
        ["A2", "Histoire-Géographie", "Devoir 1-A", "02/10/2025", "9"],
    ]
    import_file(engine, "copies.csv", csv_of(first))
    variants = [
        first[0],
        ["a1", "MATHÉMATIQUES", "Devoir 1\u2011A", "02/10/2025", "13"],  # non-breaking hyphen
        ["A2", "histoire \u2013 geographie", "devoir\u00a01-a", "02/10/2025", "9"],
    ]
    report = dry_run_then_import(engine, "copies-bis.csv", csv_of(variants))
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    assert count(engine, models.Copy) == 2
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT discipline, assignment FROM copy")).all()
    assert sorted(map(tuple, stored)) == [
        ("Histoire-Géographie", "Devoir 1-A"),  # the database's spelling is kept
        ("Mathématiques", "Devoir 1-A"),
    ]


def test_the_key_normalisation() -> None:
    assert key_text("2nde MELEC\u2011A") == key_text("2nde  melec - a") == "2nde melec-a"
    assert key_text("Français\u00a0\u202f2") == "francais 2"
    assert key_text("Devoir 1.2") != key_text("Devoir 12")
    values = canonical_spellings(
        __import__("polars").Series(["maths", "MATHS", "Histoire", None]), ["Maths"]
    )
    assert values.to_list() == ["Maths", "Maths", "Histoire", None]


# --- 12. formulas without a computed value -------------------------------------------------


def _formulas_xlsx(cached: bool) -> bytes:
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as workbook:  # XlsxWriter computes nothing: 0 is cached
        sheet = workbook.add_worksheet("Copies")
        sheet.write_row(0, 0, ["N° apprenant", "Matière", "Déposé le", "Note", "Bonus"])
        sheet.write_row(1, 0, ["A1", "Maths", "02/10/2025"])
        sheet.write_formula(1, 3, "=10+2", None, 12)
        sheet.write_formula(1, 4, "=1+1")  # an unmapped column: not read, not refused
    content = buffer.getvalue()
    if not cached:
        return content

    def computed(data: bytes) -> bytes:  # as Excel saves it: values computed, no recalculation
        return re.sub(rb' fullCalcOnLoad="1"', b"", data)

    return _rewrite(content, "xl/workbook.xml", computed)


def _rewrite(content: bytes, member: str, change) -> bytes:  # noqa: ANN001
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == member else data)
    return buffer.getvalue()


def test_formulas_without_a_computed_value_are_refused_naming_the_cell(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    report = dry_run_then_import(
        engine, "notes.xlsx", _formulas_xlsx(cached=False), overrides=["Bonus="]
    )
    assert problems_of(report) == [
        (
            2,
            "Note",
            "=10+2",
            "formule sans résultat calculé (cellule D2) : ouvrez le fichier dans Excel ou "
            "LibreOffice, enregistrez-le, puis importez-le à nouveau",
        )
    ]
    workbook = openpyxl.Workbook()  # openpyxl writes a formula and no value at all
    workbook.active.append(["N° apprenant", "Matière", "Déposé le", "Note"])
    workbook.active.append(["A1", "Maths", "02/10/2025", "=SUM(10,2)"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = import_file(engine, "notes-2.xlsx", buffer.getvalue(), dry_run=True)
    assert problems_of(report)[0][:3] == (2, "Note", "=SUM(10,2)")


def test_formulas_with_their_computed_value_are_read(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    report = import_file(engine, "notes.xlsx", _formulas_xlsx(cached=True), overrides=["Bonus="])
    assert report.status == "importé"
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT grade FROM copy")).scalar_one() == 12.0


# --- 13. the same header twice -----------------------------------------------------------


def test_a_header_written_twice_is_reported(engine: sa.Engine) -> None:
    import_file(engine, "apprenants.csv", csv_of(LEARNERS))
    rows = [
        ["N° apprenant", "Matière", "Déposé le", "Note", "Note"],
        ["A1", "Maths", "02/10/2025", "12", "14"],
    ]
    report = dry_run_then_import(engine, "copies.csv", csv_of(rows))
    assert report.warnings.select("row", "column", "reason").rows() == [
        (
            1,
            "Note (2)",
            "deux colonnes s'appellent « Note » (colonnes D et E) : seule la première est lue ; "
            'pour lire l\'autre, associez « Note (2) » à un champ (--map "Note (2)=champ")',
        )
    ]
    assert "1 avertissement" in report.summary()


# --- the messages --------------------------------------------------------------------------


def test_row_numbers_after_a_multi_line_cell_are_excel_rows() -> None:
    text = (
        'Identifiant;Nom;Classe;Date d\'entrée\nA1;"Martin\nLéa\n(deux lignes)";2nde A;01/09/2025\n'
        "A2;Durand;2nde A;le 2 septembre\n"
    )
    raw = open_sheet("apprenants.csv", text.encode())
    assert raw.rows.get_column("_row").to_list() == [2, 3]  # as Excel numbers them


def test_a_sheet_without_header_points_to_the_sheet_that_has_one() -> None:
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as workbook:
        workbook.add_worksheet("Consignes").write_string(0, 0, "Lisez-moi")
        sheet = workbook.add_worksheet("Copies")
        sheet.write_row(0, 0, ["N° apprenant", "Matière", "Déposé le"])
        sheet.write_row(1, 0, ["A1", "Maths", "02/10/2025"])
    with pytest.raises(ImportRejected) as caught:
        open_sheet("export.xlsx", buffer.getvalue())
    message = str(caught.value)
    assert "dans la feuille « Copies »" in message and '--sheet "Copies"' in message


def test_sizes_are_written_the_french_way() -> None:
    assert archive.gigabytes(int(0.3 * 1024**3)) == "307\u00a0Mo"
    assert archive.gigabytes(int(2.5 * 1024**3)) == "2,5\u00a0Go"


def test_the_cli_says_when_a_remembered_mapping_applies(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,
    capsys,  # noqa: ANN001
) -> None:
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", database_url)
    (tmp_path / "apprenants.csv").write_bytes(csv_of(LEARNERS))
    assert cli.main(["import", str(tmp_path / "apprenants.csv")]) == 0
    rows = [["Élève", "Cours", "Remis", "Résultat"], ["A1", "Maths", "02/10/2025", "11"]]
    (tmp_path / "moodle.csv").write_bytes(csv_of(rows))
    command = ["import", str(tmp_path / "moodle.csv"), "--kind", "copies"]
    maps = ["--map", "Élève=learner_id", "--map", "Remis=submitted_on"]
    assert cli.main([*command, *maps, "--remember-map"]) == 0
    capsys.readouterr()
    assert cli.main(["import", str(tmp_path / "moodle.csv")]) == 0
    out = capsys.readouterr().out
    assert "Association des colonnes reprise d'un import précédent" in out
    assert "aucune ligne ajoutée, 1 inchangée" in out
    db.forget_engine(database_url)


def test_a_well_formed_old_date_is_called_implausible_not_unreadable() -> None:
    from data_access.importing.pipeline import suggest
    from data_access.importing.validation import check_rows, parse_rows

    text = "Identifiant;Matière;Déposé le\nA1;Maths;15/03/1899\nA2;Maths;31/02/2025\n"
    raw = open_sheet("copies.csv", text.encode())
    kind, mapping, _ = suggest(None, raw)
    reasons = check_rows(parse_rows(raw, kind, mapping)).select("row", "reason").rows()
    assert reasons == [
        (2, "date invraisemblable : antérieure au 01/01/1990"),
        (3, "date illisible (attendu jj/mm/aaaa ou une date Excel)"),
    ]


def test_a_csv_beyond_the_cell_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from data_access.importing import extent

    monkeypatch.setattr(extent, "MAX_SHEET_CELLS", 20)
    rows = [["Identifiant", "Matière", "Déposé le"]] + [["A1", "Maths", "02/10/2025"]] * 9
    with pytest.raises(ImportRejected, match="10 lignes d'au plus 3 champs font 30 cellules"):
        open_sheet("copies.csv", csv_of(rows))
