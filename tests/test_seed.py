"""The demo data generator: deterministic, complete, valid for every model check, and
realistic enough that each indicator has something true to show (seasonality, surge,
delays, response times, dropouts that differ by public, interview phases)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal

import domain
from data_access import db, models
from data_access.errors import PilotageError
from data_access.frames import FRAME_TABLES, Frames, load_frames, schema_of
from data_access.settings import Settings
from seed.generate import SCALES, generate, seed_database

YEAR_START, YEAR_END = date(2025, 9, 1), date(2026, 8, 31)


@pytest.fixture(scope="module")
def demo() -> dict[str, pl.DataFrame]:
    return generate("demo", 42)


@pytest.fixture(scope="module")
def small_national() -> dict[str, pl.DataFrame]:
    return generate(replace(SCALES["national"], learners=4_000), 3)


# --- determinism ----------------------------------------------------------------------------


def test_same_seed_gives_the_same_frames_byte_for_byte(demo: dict[str, pl.DataFrame]) -> None:
    again = generate("demo", 42)
    assert list(again) == list(FRAME_TABLES)
    for name in FRAME_TABLES:
        assert_frame_equal(again[name], demo[name], check_exact=True)
        assert again[name].hash_rows().to_list() == demo[name].hash_rows().to_list()


def test_another_seed_gives_other_rows(demo: dict[str, pl.DataFrame]) -> None:
    other = generate("demo", 43)
    assert not other["copies"].equals(demo["copies"])
    assert not other["learners"].equals(demo["learners"])
    assert not other["interviews"].equals(demo["interviews"])


def test_unknown_scale_is_refused_in_french() -> None:
    with pytest.raises(PilotageError, match="Échelle inconnue"):
        generate("régional", 1)


# --- shape ------------------------------------------------------------------------------------


def test_demo_shape(demo: dict[str, pl.DataFrame]) -> None:
    assert demo["sites"].height == 2
    assert 550 <= demo["learners"].height <= 650
    for name, frame in demo.items():
        assert frame.height > 0, name
        assert frame.schema == schema_of(FRAME_TABLES[name]), name
    assert set(demo["interviews"]["interview_type"]) == set(domain.INTERVIEW_TYPES)
    assert set(demo["enrolments"]["exit_reason"].drop_nulls()) == set(domain.EXIT_REASONS)
    assert set(demo["support_sessions"]["kind"]) == set(domain.SUPPORT_KINDS)
    assert set(demo["groups"]["public"]) == set(domain.PUBLICS)
    assert set(demo["groups"]["modality"]) == set(domain.MODALITIES)
    assert set(demo["staff"]["role"]) >= {"enseignant", "formateur", "tuteur", "conseiller"}
    assert demo["staff"]["weekly_hours_available"].null_count() == 0
    assert (demo["enrolments"]["exit_reason"] == "abandon").sum() >= 20
    assert demo["tutoring_requests"]["answered_at"].null_count() > 0
    assert demo["copies"]["corrected_on"].null_count() > 0
    assert demo["copies"]["grade"].null_count() == demo["copies"]["corrected_on"].null_count()
    # some learners were reoriented into a second group
    assert demo["enrolments"]["learner_id"].is_duplicated().any()
    # every learner has a referent, a French name and an external id
    learners = demo["learners"]
    assert learners["referent_id"].null_count() == 0
    assert learners["external_id"].str.contains(r"^LP25\d{6}$").all()
    # the group names of the brief
    names = set(demo["groups"]["name"])
    assert {"2nde MELEC A", "1re AGORA", "CAP 1 EPC", "BTS NDRC 1"} <= names
    # every date of activity lies in the 2025-2026 school year
    for name, column in (("copies", "submitted_on"), ("interviews", "held_on")):
        days = demo[name][column]
        assert days.min() >= YEAR_START and days.max() <= date(2026, 7, 10)


def test_reduced_national_keeps_the_national_proportions(
    small_national: dict[str, pl.DataFrame],
) -> None:
    frames = small_national
    assert frames["sites"].height == 8
    assert frames["learners"].height == 4_000
    # 1 401 126 copies and 120 896 requests for 200 000 learners (CNED 2020)
    assert 0.85 * 7.0 <= frames["copies"].height / 4_000 <= 1.1 * 7.0
    assert 0.85 * 0.6 <= frames["tutoring_requests"].height / 4_000 <= 1.15 * 0.6
    assert frames["interviews"].height / 4_000 >= 2.0
    assert (frames["groups"]["modality"] == "distance").mean() > 0.5


# --- every row satisfies the models' checks ------------------------------------------------------


def _natural_keys(table: type) -> list[list[str]]:
    sql_table = table.__table__
    keys = [[c.name for c in sql_table.primary_key.columns]]
    keys += [
        [c.name for c in constraint.columns]
        for constraint in sql_table.constraints
        if isinstance(constraint, sa.UniqueConstraint)
    ]
    keys += [[c.name] for c in sql_table.columns if c.unique]
    return keys


@pytest.mark.parametrize("which", ["demo", "small_national"])
def test_rows_satisfy_every_check(which: str, request: pytest.FixtureRequest) -> None:
    frames = request.getfixturevalue(which)
    for name, table in FRAME_TABLES.items():
        frame = frames[name]
        for key in _natural_keys(table):
            assert not frame.select(key).is_duplicated().any(), (name, key)
        for column in table.__table__.columns:
            if not column.nullable and not column.primary_key:
                assert frame[column.name].null_count() == 0, (name, column.name)
            for foreign_key in column.foreign_keys:
                parent = next(
                    n for n, t in FRAME_TABLES.items() if t.__table__ is foreign_key.column.table
                )
                values = frame[column.name].drop_nulls()
                assert values.is_in(frames[parent]["id"].implode()).all(), (name, column.name)
    enrolments = frames["enrolments"]
    assert (enrolments["exit_date"].is_null() == enrolments["exit_reason"].is_null()).all()
    assert enrolments.filter(pl.col("exit_date") < pl.col("entry_date")).is_empty()
    assert set(enrolments["exit_reason"].drop_nulls()) <= set(domain.EXIT_REASONS)
    copies = frames["copies"]
    assert copies.filter(pl.col("corrected_on") < pl.col("submitted_on")).is_empty()
    assert copies["grade"].drop_nulls().is_between(0, 20).all()
    requests = frames["tutoring_requests"]
    assert requests.filter(pl.col("answered_at") < pl.col("received_at")).is_empty()
    assert set(requests["channel"]) <= set(domain.TUTORING_CHANNELS)
    interviews = frames["interviews"]
    assert interviews.filter(pl.col("objectives_met") > pl.col("objectives_set")).is_empty()
    assert interviews["autonomy_level"].drop_nulls().is_between(1, 4).all()
    assert (interviews["duration_minutes"] > 0).all()
    assert set(interviews["channel"]) <= set(domain.INTERVIEW_CHANNELS)
    sessions = frames["support_sessions"]
    assert sessions["duration_hours"].is_between(0, 12, closed="right").all()
    assert (sessions["group_id"].is_not_null() | sessions["need_group_id"].is_not_null()).all()
    need_groups = frames["need_groups"]
    assert need_groups.filter(pl.col("period_end") < pl.col("period_start")).is_empty()
    assert set(frames["diagnostics"]["level"]) <= set(domain.DIAGNOSTIC_LEVELS)
    # nothing happens outside an enrolment of the learner
    _assert_events_within_enrolments(frames)


def _assert_events_within_enrolments(frames: dict[str, pl.DataFrame]) -> None:
    spans = (
        frames["enrolments"]
        .group_by("learner_id")
        .agg(
            pl.col("entry_date").min().alias("first"),
            pl.col("exit_date").max().alias("last"),
            pl.col("exit_date").is_null().any().alias("open"),
        )
    )
    for name, column in (("copies", "submitted_on"), ("interviews", "held_on")):
        outside = (
            frames[name]
            .join(spans, on="learner_id")
            .filter(
                (pl.col(column) < pl.col("first"))
                | (~pl.col("open") & (pl.col(column) > pl.col("last")))
            )
        )
        assert outside.is_empty(), name


# --- realism -----------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=[42, 7])
def seeded(request: pytest.FixtureRequest) -> dict[str, pl.DataFrame]:
    return generate("demo", request.param)


def test_correction_delay_is_about_three_days_with_a_long_tail(
    seeded: dict[str, pl.DataFrame],
) -> None:
    corrected = seeded["copies"].filter(pl.col("corrected_on").is_not_null())
    delay = (corrected["corrected_on"] - corrected["submitted_on"]).dt.total_days()
    assert 2.0 <= delay.mean() <= 4.0
    assert delay.quantile(0.9, "linear") >= 5
    assert delay.max() >= 15
    # the delay worsens during the surge (mid-April to May)
    in_surge = (
        corrected.with_columns(delay.alias("delay"))
        .group_by(
            pl.col("submitted_on").is_between(date(2026, 4, 20), date(2026, 5, 29)).alias("surge")
        )
        .agg(pl.col("delay").mean())
    )
    means = dict(zip(in_surge["surge"], in_surge["delay"], strict=True))
    assert means[True] > 1.3 * means[False]


def test_about_81_percent_of_requests_answered_within_48_hours(
    seeded: dict[str, pl.DataFrame],
) -> None:
    requests = seeded["tutoring_requests"]
    hours = (requests["answered_at"] - requests["received_at"]).dt.total_seconds() / 3600
    within = (hours <= 48).fill_null(False).sum() / requests.height
    assert 0.75 <= within <= 0.87
    assert 0 < hours.null_count() < 0.1 * requests.height


def _weekly_copies_by_site_and_discipline(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    site_of = (
        frames["enrolments"]
        .sort("entry_date")
        .group_by("learner_id", maintain_order=True)
        .first()
        .join(frames["groups"].select(pl.col("id").alias("group_id"), "site_id"), on="group_id")
        .select("learner_id", "site_id")
    )
    counts = (
        frames["copies"]
        .join(site_of, on="learner_id")
        .group_by("site_id", "discipline", pl.col("submitted_on").dt.truncate("1w").alias("week"))
        .agg(pl.len().alias("copies"))
    )
    weeks = pl.DataFrame(
        {"week": pl.date_range(date(2025, 9, 1), date(2026, 7, 6), "1w", eager=True)}
    )
    return (
        counts.select("site_id", "discipline")
        .unique()
        .join(weeks, how="cross")
        .join(counts, on=["site_id", "discipline", "week"], how="left")
        .with_columns(pl.col("copies").fill_null(0))
        .sort("site_id", "discipline", "week")
        .with_columns(
            pl.col("copies")
            .shift(1)
            .rolling_median(8)
            .over("site_id", "discipline")
            .alias("baseline")
        )
    )


def test_copies_surge_in_april_may_in_some_disciplines(seeded: dict[str, pl.DataFrame]) -> None:
    weekly = _weekly_copies_by_site_and_discipline(seeded)
    spring = weekly.filter(pl.col("week").dt.month().is_in([4, 5]) & (pl.col("baseline") > 0))
    surging = spring.filter((pl.col("copies") >= 3 * pl.col("baseline")) & (pl.col("copies") >= 30))
    assert surging["discipline"].n_unique() >= 2
    # and not everywhere: some discipline stays below twice its baseline all spring
    peaks = spring.group_by("site_id", "discipline").agg(
        (pl.col("copies") / pl.col("baseline")).max().alias("ratio")
    )
    assert (peaks["ratio"] < 2).any()


def test_little_activity_during_school_holidays(seeded: dict[str, pl.DataFrame]) -> None:
    days = seeded["copies"]["submitted_on"]
    christmas = days.is_between(date(2025, 12, 22), date(2026, 1, 2)).sum() / 10
    december = days.is_between(date(2025, 12, 1), date(2025, 12, 12)).sum() / 10
    assert christmas < 0.2 * december
    weekend = days.dt.weekday().is_in([6, 7]).sum() / 2
    weekday = days.dt.weekday().is_in([1, 2, 3, 4, 5]).sum() / 5
    assert weekend < 0.5 * weekday


def _dropout_by_public(frames: dict[str, pl.DataFrame]) -> dict[str, float]:
    rates = (
        frames["enrolments"]
        .join(frames["groups"].select(pl.col("id").alias("group_id"), "public"), on="group_id")
        .filter(
            (pl.col("entry_date") <= YEAR_END)
            & (pl.col("exit_date").is_null() | (pl.col("exit_date") >= YEAR_START))
        )
        .group_by("public")
        .agg(
            pl.len().alias("enrolments"),
            (
                (pl.col("exit_reason") == "abandon")
                & pl.col("exit_date").is_between(YEAR_START, YEAR_END)
            )
            .fill_null(False)
            .mean()
            .alias("rate"),
        )
        .filter(pl.col("enrolments") >= 30)
    )
    return dict(zip(rates["public"], rates["rate"], strict=True))


def test_dropout_rates_differ_by_public(seeded: dict[str, pl.DataFrame]) -> None:
    rates = _dropout_by_public(seeded)
    assert len(rates) >= 3
    assert max(rates.values()) - min(rates.values()) >= 0.05
    assert 0.02 <= rates["jeunes"] <= 0.15


def test_only_short_programmes_end_with_fin_de_parcours(
    seeded: dict[str, pl.DataFrame],
) -> None:
    completed = (
        seeded["enrolments"]
        .filter(pl.col("exit_reason") == "fin de parcours")
        .join(seeded["groups"].select(pl.col("id").alias("group_id"), "level"), on="group_id")
    )
    assert completed.height > 0
    assert set(completed["level"]) <= {"Titre professionnel", "Remise à niveau"}


def test_learners_drift_before_they_drop_out(seeded: dict[str, pl.DataFrame]) -> None:
    """Copies per day in the last three weeks before an abandon, against the same learners'
    earlier rhythm: the drift (fewer copies, then none) must show."""
    dropouts = seeded["enrolments"].filter(
        (pl.col("exit_reason") == "abandon")
        & ((pl.col("exit_date") - pl.col("entry_date")).dt.total_days() >= 90)
    )
    copies = seeded["copies"].join(
        dropouts.select("learner_id", "entry_date", "exit_date"), on="learner_id"
    )
    before_exit = (pl.col("exit_date") - pl.col("submitted_on")).dt.total_days()
    late = copies.filter(before_exit.is_between(0, 20)).height / (21 * dropouts.height)
    early_days = ((dropouts["exit_date"] - dropouts["entry_date"]).dt.total_days() - 90).sum()
    early = copies.filter(before_exit > 90).height / max(early_days, 1)
    assert late < 0.3 * early
    # and their grades fall: the mean of their last graded copies is lower than before
    graded = copies.filter(pl.col("grade").is_not_null())
    last = graded.filter(before_exit.is_between(0, 45))["grade"].mean()
    first = graded.filter(before_exit > 90)["grade"].mean()
    assert last < first - 1.0


def test_interviews_follow_the_phases(seeded: dict[str, pl.DataFrame]) -> None:
    first_of_type = (
        seeded["interviews"]
        .join(
            seeded["enrolments"].group_by("learner_id").agg(pl.len().alias("enrolments")),
            on="learner_id",
        )
        .filter(pl.col("enrolments") == 1)
        .group_by("learner_id")
        .agg(
            pl.col("held_on").filter(pl.col("interview_type") == kind).min().alias(kind)
            for kind in domain.INTERVIEW_TYPES
        )
    )
    order = list(domain.INTERVIEW_TYPES)
    for before, after in zip(order, order[1:], strict=False):
        misplaced = first_of_type.filter(pl.col(after) < pl.col(before))
        assert misplaced.is_empty(), (before, after)
    # a few learners miss their diagnostic, a few interviews have no objectives
    n = first_of_type.height
    missing = first_of_type["diagnostic"].null_count()
    assert 0 < missing < 0.15 * n
    no_objectives = seeded["interviews"]["objectives_set"].null_count()
    assert 0 < no_objectives < 0.1 * seeded["interviews"].height
    # suivi every few weeks after the contractualisation
    gaps = (
        seeded["interviews"]
        .filter(pl.col("interview_type") == "suivi")
        .sort("learner_id", "held_on")
        .select(pl.col("held_on").diff().dt.total_days().over("learner_id").alias("gap"))
        .drop_nulls()
    )
    assert 21 <= gaps["gap"].median() <= 42


def test_interview_notes_are_short_neutral_sentences_or_null(
    demo: dict[str, pl.DataFrame],
) -> None:
    notes = demo["interviews"]["notes"]
    assert 0 < notes.null_count() < notes.len()
    assert (notes.drop_nulls().str.len_chars() <= 80).all()
    learner_names = set(demo["learners"]["last_name"])
    assert not any(name in note for note in notes.drop_nulls().unique() for name in learner_names)


def test_support_matches_the_references(demo: dict[str, pl.DataFrame]) -> None:
    sessions = demo["support_sessions"]
    ap = sessions.filter(pl.col("kind") == "AP")
    assert 2.3 <= ap["duration_hours"].mean() <= 2.6
    # one AP session a week per class, on school weeks
    per_week = ap.group_by("group_id", pl.col("held_on").dt.truncate("1w")).len()
    assert per_week["len"].max() == 1
    per_group = ap.group_by("group_id").agg(pl.col("duration_hours").sum())
    assert per_group["duration_hours"].is_between(50, 80).all()
    # aide individualisée: 1 h a week, at most 8 learners a group, CAP 1 only
    need_groups = demo["need_groups"]
    aide = need_groups.filter(pl.col("kind") == "aide individualisée")
    assert aide.height > 0 and (aide["planned_hours_per_week"] == 1.0).all()
    assert aide["name"].str.starts_with("CAP 1").all()
    sizes = demo["need_group_members"].group_by("need_group_id").len()
    aide_sizes = sizes.filter(pl.col("need_group_id").is_in(aide["id"].implode()))
    assert aide_sizes["len"].max() <= 8
    # need groups change over the year: several periods
    assert need_groups["period_start"].n_unique() >= 4
    # attendance: most present, some absent
    present = demo["attendance"]["present"].mean()
    assert 0.75 <= present <= 0.97


def test_diagnostics_cover_the_needs_and_levels(demo: dict[str, pl.DataFrame]) -> None:
    diagnostics = demo["diagnostics"]
    assert set(diagnostics["level"]) == set(domain.DIAGNOSTIC_LEVELS)
    assert {"Compréhension écrite", "Calcul", "Expression orale", "Méthodologie",
            "Projet professionnel"} <= set(diagnostics["need"])  # fmt: skip
    # a second positioning for some learners after their support group
    assert diagnostics.select("learner_id", "need").is_duplicated().any()


# --- writing -------------------------------------------------------------------------------------


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.execute(
                sa.select(sa.func.count()).select_from(table.__table__)
            ).scalar_one()
            for name, table in FRAME_TABLES.items()
        }


def test_seed_database_writes_everything_once(engine: sa.Engine) -> None:
    """SQLite always, PostgreSQL when PILOTAGE_TEST_POSTGRES_URL is set (then dropped)."""
    frames = generate("demo", 5)
    before = db.data_version(engine)
    report = seed_database(scale="demo", seed=5, engine=engine)
    assert _counts(engine) == {name: frame.height for name, frame in frames.items()}
    assert db.data_version(engine) == before + 1
    assert "apprenants" in report and "600" in report and "Durée" in report
    loaded = load_frames(engine)
    for name in ("learners", "copies", "tutoring_requests", "interviews", "attendance"):
        key = "id" if "id" in frames[name].columns else ["session_id", "learner_id"]
        assert_frame_equal(getattr(loaded, name).sort(key), frames[name].sort(key))
    assert Frames(**frames).total_rows() == sum(_counts(engine).values())

    # a second seed without --reset is refused, and writes nothing
    with pytest.raises(PilotageError, match="--reset"):
        seed_database(scale="demo", seed=6, engine=engine)
    # --if-empty does nothing on a database that has learners
    message = seed_database(scale="demo", seed=6, if_empty=True, engine=engine)
    assert "rien" in message or "aucune" in message
    assert _counts(engine)["copies"] == frames["copies"].height
    version = db.data_version(engine)

    # --reset replaces everything, and the data version keeps moving forward
    seed_database(scale="demo", seed=6, reset=True, engine=engine)
    other = generate("demo", 6)
    assert _counts(engine) == {name: frame.height for name, frame in other.items()}
    assert db.data_version(engine) > version
    # ids continue after the seeded ones (sequences reset on PostgreSQL)
    with db.write_transaction(engine) as connection:
        connection.execute(sa.insert(models.Site.__table__).values(name="Nouveau site"))
        new_id = connection.execute(
            sa.select(models.Site.id).where(models.Site.name == "Nouveau site")
        ).scalar_one()
    assert new_id == other["sites"].height + 1


def test_a_failed_reset_seed_leaves_the_database_as_it_was(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import seed.generate as generator

    seed_database(scale="demo", seed=8, engine=engine)
    before, version = _counts(engine), db.data_version(engine)
    real_insert = generator.bulk_insert

    def failing_insert(connection, table, frame):  # noqa: ANN001, ANN202
        if table is models.Copy:
            raise RuntimeError("disque plein")
        return real_insert(connection, table, frame)

    monkeypatch.setattr(generator, "bulk_insert", failing_insert)
    with pytest.raises(RuntimeError):
        seed_database(scale="demo", seed=9, reset=True, engine=engine)
    assert _counts(engine) == before
    assert db.data_version(engine) == version


def test_if_empty_seeds_an_empty_database(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = db.get_engine(Settings(database_url=url))
    try:
        report = seed_database(scale="demo", seed=1, if_empty=True, engine=engine)
        assert "apprenants" in report
        assert _counts(engine)["learners"] > 0
    finally:
        db.forget_engine(url)


def test_cli_seed(tmp_path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("PILOTAGE_DATABASE_URL", url)
    try:
        assert main(["seed", "--scale", "demo", "--seed", "3"]) == 0
        assert "inscriptions" in capsys.readouterr().out
        assert main(["seed", "--scale", "demo", "--seed", "3"]) == 2
        assert "--reset" in capsys.readouterr().err
        assert main(["seed", "--if-empty"]) == 0
    finally:
        db.forget_engine(url)
