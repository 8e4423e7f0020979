"""The at-risk list and the risk score on real data nobody here made: the Open University
Learning Analytics Dataset (OULAD, CC-BY 4.0; Kuzilek J., Hlosta M., Zdrahal Z., Sci. Data
4:170171, 2017), in ../shared/datasets/oulad (or $OULAD_DIR). Skips cleanly when it is absent.

For each cut-off D (30, 60 and 90 days after the start of the presentations) the script builds
the exports as known on day D, in the product's French layouts, and imports them through the
real import (``pilotage import``) into a fresh SQLite database:

- learners and enrolments: one per (student, module presentation); group "<module>
  <presentation>", site "Open University"; entry = registration day; exit on the day of
  unregistration (``abandon``) when it is on or before D, or, for the 2013 presentations
  (entirely past), at the end of the presentation (``fin de parcours``; ``abandon`` for a
  student withdrawn without a date); no referent (the data hold none);
- assignments (TMA, CMA and exams that have a date) with their due dates;
- copies submitted on or before D (grade = score / 5, known the day it is handed in).

The missed-deadline baseline counts every assignment due since entry (the rule of the issue);
the list's own signal counts those of the last 8 weeks (risk_missed_window_weeks).

Every presentation of a year is put on the same calendar (2013: from Monday 07/10/2013; 2014:
from Monday 06/10/2014; OULAD's days are relative to each start), so the 2013 presentations
have all ended when the 2014 ones are scored on day D; the model learns on the ended
enrolments in the database (the 2013 presentations, and the 2014 ones ended by D), described at
the same days since entry as the 2014 enrolments scored. Scored: the 2014 enrolments still
active on day D; the answer: ``final_result`` is ``Withdrawn``.

Printed for each D: the list's size, precision and recall, the AUC of the score, the precision
of its top 10 %, the two baselines (``no recent copy``: the group-activity rule, the list the
product had; ``missed an assignment whose due date passed``) and the score's top-k at the size of
the missed-deadline list.

    .venv/bin/python bench/bench_risk_oulad.py [--days 30 60 90]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_BESIDE = [up / "shared" / "datasets" / "oulad" for up in (ROOT.parent, ROOT.parent.parent)]
DATA = Path(os.environ.get("OULAD_DIR", next((p for p in _BESIDE if p.exists()), _BESIDE[0])))
"""../shared/datasets/oulad beside the checkout (or beside its folder, for a worktree)."""
STARTS = {2013: date(2013, 10, 7), 2014: date(2014, 10, 6)}
SITE = "Open University"
FILES = ("courses", "assessments", "studentInfo", "studentRegistration", "studentAssessment")


def _read() -> dict[str, pl.DataFrame]:
    return {
        name: pl.read_csv(DATA / f"{name}.csv", infer_schema_length=None, null_values=[""])
        for name in FILES
    }


def _day(start: pl.Expr, offset: str) -> pl.Expr:
    return start + pl.duration(days=pl.col(offset))


def exports(raw: dict[str, pl.DataFrame], cutoff: int) -> dict[str, pl.DataFrame]:
    """The three exports (French headers) as known on day ``cutoff`` of the 2014 presentations."""
    presentations = raw["courses"].with_columns(
        pl.col("code_presentation").str.slice(0, 4).cast(pl.Int32).alias("year"),
        pl.format("{} {}", "code_module", "code_presentation").alias("group"),
    )
    presentations = presentations.with_columns(
        pl.col("year").replace_strict(STARTS, return_dtype=pl.Date).alias("start"),
        pl.format("{}-{}", pl.col("year"), pl.col("year") + 1).alias("school_year"),
    )
    as_of = STARTS[2014] + timedelta(days=cutoff)
    keys = ["code_module", "code_presentation"]
    registrations = (
        raw["studentRegistration"]
        .join(
            raw["studentInfo"].select(*keys, "id_student", "final_result"), on=[*keys, "id_student"]
        )
        .join(presentations, on=keys)
        .with_columns(
            (pl.col("start") + pl.duration(days=pl.col("date_registration").fill_null(0))).alias(
                "entry"
            ),
            _day(pl.col("start"), "date_unregistration").alias("unregistered"),
            _day(pl.col("start"), "module_presentation_length").alias("end"),
        )
        .filter((pl.col("year") == 2013) | (pl.col("entry") <= as_of))
    )
    past = pl.col("year") == 2013
    withdrawn = (pl.col("final_result") == "Withdrawn") | pl.col("unregistered").is_not_null()
    exit_day = (
        pl.when(pl.col("unregistered").is_not_null() & (pl.col("unregistered") <= as_of))
        .then(pl.col("unregistered"))
        .when(past & withdrawn)
        .then(pl.coalesce("unregistered", "end"))
        .when(past)
        .then(pl.col("end"))
    )
    reason = (
        pl.when(exit_day.is_null())
        .then(None)
        .when(pl.col("unregistered").is_not_null() & (pl.col("unregistered") <= as_of))
        .then(pl.lit("abandon"))
        .when(past & withdrawn)
        .then(pl.lit("abandon"))
        .otherwise(pl.lit("fin de parcours"))
    )
    learners = registrations.select(
        pl.format("OU{}", "id_student").alias("Identifiant apprenant"),
        pl.col("group").alias("Groupe"),
        pl.lit(SITE).alias("Site"),
        pl.col("code_module").alias("Niveau"),
        pl.col("school_year").alias("Année scolaire"),
        pl.col("entry").alias("Date d'entrée"),
        pl.when(exit_day.is_not_null())
        .then(pl.max_horizontal(exit_day, pl.col("entry")))
        .alias("Date de sortie"),
        reason.alias("Motif de sortie"),
    )
    assessments = (
        raw["assessments"].join(presentations, on=keys).filter(pl.col("date").is_not_null())
    )
    titles = pl.format("{} {}", "assessment_type", "id_assessment")
    assignments = assessments.select(
        pl.col("group").alias("Groupe"),
        pl.lit(SITE).alias("Site"),
        pl.col("code_module").alias("Discipline"),
        titles.alias("Devoir"),
        _day(pl.col("start"), "date").alias("Date limite"),
    )
    copies = (
        raw["studentAssessment"]
        .join(
            assessments.select("id_assessment", *keys, "group", "start", "year", "assessment_type"),
            on="id_assessment",
        )  # fmt: skip
        .with_columns(_day(pl.col("start"), "date_submitted").alias("submitted"))
        .filter((pl.col("year") == 2013) | (pl.col("submitted") <= as_of))
        .join(
            registrations.select(*keys, "id_student", "entry"), on=[*keys, "id_student"], how="semi"
        )
        .select(
            pl.format("OU{}", "id_student").alias("Identifiant apprenant"),
            pl.col("group").alias("Groupe"),
            pl.col("code_module").alias("Discipline"),
            titles.alias("Devoir"),
            pl.col("submitted").alias("Date de dépôt"),
            pl.col("submitted").alias("Date de correction"),
            (pl.col("score") / 5).round(1).alias("Note"),
        )
        .unique(["Identifiant apprenant", "Discipline", "Devoir", "Date de dépôt"])
    )
    truth = registrations.filter(pl.col("year") == 2014).select(
        pl.format("OU{}", "id_student").alias("external_id"),
        "group",
        (pl.col("final_result") == "Withdrawn").alias("withdrew"),
    )
    return {"learners": learners, "assignments": assignments, "copies": copies, "truth": truth}


def _import(path: Path, kind: str) -> dict:
    import cli

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["import", str(path), "--kind", kind, "--json"])
    report = json.loads(out.getvalue())
    if code != 0 or report.get("rejected"):
        raise SystemExit(f"import {kind} refusé : {report}")
    return report


def _rate(hit: int, total: int) -> float | None:
    return hit / total if total else None


def _scores_of(frame: pl.DataFrame, chosen: pl.Series) -> dict:
    size, hits = int(chosen.sum()), int((chosen & frame["withdrew"]).sum())
    return {
        "size": size,
        "precision": _rate(hits, size),
        "recall": _rate(hits, int(frame["withdrew"].sum())),
    }


def evaluate(cutoff: int, raw: dict[str, pl.DataFrame], folder: Path) -> dict:
    from sklearn.metrics import roc_auc_score

    from data_access import db
    from data_access.frames import load_frames
    from indicators import risk, risk_model
    from indicators.common import DEFAULT_SETTINGS, Period, Scope
    from indicators.dataset import prepare

    url = f"sqlite:///{folder / f'oulad_d{cutoff}.db'}"
    os.environ["PILOTAGE_DATABASE_URL"] = url
    made = exports(raw, cutoff)
    started = time.perf_counter()
    reports = {}
    for kind in ("learners", "assignments", "copies"):
        path = folder / f"{kind}_d{cutoff}.csv"
        made[kind].write_csv(path, separator=";", date_format="%d/%m/%Y")
        reports[kind] = _import(path, kind)
    imported = time.perf_counter() - started
    dataset = prepare(load_frames(db.get_engine()))
    as_of = STARTS[2014] + timedelta(days=cutoff)
    started = time.perf_counter()
    model = risk_model.train(dataset, as_of, DEFAULT_SETTINGS)
    trained = time.perf_counter() - started
    if isinstance(model, risk_model.NoModel):
        raise SystemExit(model.reason)
    scope = Scope(Period(as_of, as_of))
    started = time.perf_counter()
    everyone = risk.at_risk(dataset, scope, as_of, model, everyone=True)
    scored = time.perf_counter() - started
    frame = everyone.join(made["truth"], on=["external_id", "group"], how="inner")
    no_dates = replace(dataset, assignments=dataset.assignments.clear())
    group_rule = risk.at_risk(no_dates, scope, as_of, everyone=True).select(
        "external_id", "group", pl.col("no_recent_copy").is_not_null().alias("group_rule")
    )
    frame = frame.join(group_rule, on=["external_id", "group"], how="left", maintain_order="left")
    since_entry = replace(DEFAULT_SETTINGS, risk_missed_window_weeks=10_000)
    missed_rule = risk.at_risk(dataset, Scope(Period(as_of, as_of), settings=since_entry), as_of,
                               everyone=True)  # fmt: skip
    frame = frame.join(
        missed_rule.select(
            "external_id", "group", pl.col("missed_assignments").is_not_null().alias("missed_any")
        ),
        on=["external_id", "group"],
        how="left",
        maintain_order="left",
    )
    labels, scores = frame["withdrew"].to_numpy(), frame["score"].to_numpy()
    order = np.argsort(-scores, kind="stable")
    top_count = max(1, round(0.1 * frame.height))
    missed = frame["missed_any"].fill_null(False)
    same_size = np.zeros(frame.height, dtype=bool)
    same_size[order[: int(missed.sum())]] = True
    return {
        "D": cutoff,
        "scored": frame.height,
        "withdrew": int(frame["withdrew"].sum()),
        "list": _scores_of(frame, frame["level"] != risk.NO_LEVEL),
        "auc": float(roc_auc_score(labels, scores)),
        "top10": float(labels[order[:top_count]].mean()),
        "no_recent_copy": _scores_of(frame, frame["group_rule"].fill_null(False)),
        "missed_deadline": _scores_of(frame, missed),
        "score_same_size": _scores_of(frame, pl.Series(same_size)),
        "check": model.check,
        "seconds": {"import": imported, "train": trained, "score": scored},
        "rows": {k: r.get("added", r.get("rows_added")) for k, r in reports.items()},
    }


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %".replace(".", ",")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[30, 60, 90])
    args = parser.parse_args()
    if not all((DATA / f"{name}.csv").exists() for name in FILES):
        print(f"OULAD absent de {DATA} : évaluation ignorée.")
        return 0
    raw = _read()
    print("| jour | évalués (abandons) | liste : taille, précision, rappel | AUC du score | "
          "précision des 10 % | « pas de copie récente » | « devoir manqué » | score, même "
          "taille que « devoir manqué » |")  # fmt: skip
    print("| ---: | ---: | --- | ---: | ---: | --- | --- | --- |")
    kept = os.environ.get("OULAD_KEEP")  # a folder to keep the databases and exports in
    with tempfile.TemporaryDirectory() if not kept else contextlib.nullcontext(kept) as folder:
        for cutoff in args.days:
            r = evaluate(cutoff, raw, Path(folder))

            def cell(s: dict) -> str:
                return f"{s['size']} ; {_pct(s['precision'])} ; {_pct(s['recall'])}"

            print(
                f"| J{r['D']} | {r['scored']} ({r['withdrew']}) | {cell(r['list'])} | "
                f"{r['auc']:.3f} | {_pct(r['top10'])} | {cell(r['no_recent_copy'])} | "
                f"{cell(r['missed_deadline'])} | {cell(r['score_same_size'])} |".replace(
                    "0.", "0,"
                ),
                flush=True,
            )
            seconds = r["seconds"]
            print(
                f"  (import {seconds['import']:.1f} s, apprentissage {seconds['train']:.1f} s, "
                f"liste {seconds['score']:.1f} s ; lignes importées {r['rows']} ; validation "
                f"croisée : AUC {r['check'].auc:.3f} sur {r['check'].examples} exemples, "
                f"{r['check'].ended} inscriptions terminées dont {r['check'].dropouts} "
                "abandons)",
                file=sys.stderr,
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
