"""A user's part of the data (indicators.dataset.within), the pseudonyms, and the record of
downloads holding personal data."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from two_sites import LYON_LEARNERS, two_sites
from world import World

from data_access import accounts, audit, db
from data_access.pseudonyms import pseudonym, pseudonym_key, pseudonymise
from data_access.settings import get_settings
from domain import BY_DIMENSIONS
from indicators import summary
from indicators.common import Filters, Perimeter, Period, Scope
from indicators.dataset import as_of, within, without_names

YEAR = Period.school_year(2025)


@pytest.mark.parametrize("by", [None, *BY_DIMENSIONS])
@pytest.mark.parametrize(
    ("perimeter", "filters"),
    [
        (Perimeter(sites=("Lyon",)), Filters(sites=("Lyon",))),
        (Perimeter(sites=("Marseille",)), Filters(sites=("Marseille",))),
        (Perimeter(groups=("CAP Rhône",)), Filters(groups=("CAP Rhône",))),
    ],
)
def test_a_part_gives_the_figures_of_the_filter(
    perimeter: Perimeter, filters: Filters, by: str | None
) -> None:
    dataset = two_sites().dataset()
    part = within(dataset, perimeter)
    assert summary.headline(part, Scope(YEAR, perimeter=perimeter), by=by).equals(
        summary.headline(dataset, Scope(YEAR, filters), by=by)
    )
    assert summary.data_period(part) == summary.data_period(dataset, filters)
    assert as_of(part, YEAR) == as_of(dataset, YEAR) == date(2026, 3, 3)


def test_a_learner_who_moved_is_in_each_site_for_their_time_there() -> None:
    world = World()
    world.group("CAP Lyon", site="Lyon")
    world.group("CAP Nice", site="Nice")
    world.learner("A1", group="CAP Lyon", entered=date(2025, 9, 1), left=date(2025, 12, 31),
                  reason="réorientation", last_name="Voyageur")  # fmt: skip
    world.enrol("A1", "CAP Nice", date(2026, 1, 5))
    world.copy("A1", "Maths", submitted=date(2025, 10, 1), corrected=date(2025, 10, 3))
    world.copy("A1", "Maths", submitted=date(2026, 2, 2), corrected=date(2026, 2, 9))
    world.copy("A1", "Maths", submitted=date(2026, 3, 2), corrected=date(2026, 3, 9))
    dataset = world.dataset()
    lyon, nice = (within(dataset, Perimeter(sites=(s,))) for s in ("Lyon", "Nice"))
    assert (lyon.copies.height, nice.copies.height) == (1, 2)
    assert lyon.frames.learners.get_column("external_id").to_list() == ["A1"]
    assert lyon.enrolments.get_column("group").to_list() == ["CAP Lyon"]
    assert nice.frames.sites.get_column("name").to_list() == ["Nice"]


def test_the_other_sites_rows_are_nowhere_in_the_part() -> None:
    part = within(two_sites().dataset(), Perimeter(sites=("Lyon",)))
    frames = part.frames
    assert sorted(frames.learners.get_column("external_id")) == list(LYON_LEARNERS)
    assert frames.staff.get_column("name").to_list() == ["Mme Fourvière"]
    assert frames.need_groups.is_empty() and frames.need_group_members.is_empty()
    assert frames.diagnostics.height == 1 and frames.support_sessions.height == 1
    assert set(frames.attendance.get_column("learner_id")) <= set(frames.learners["id"])
    for name in ("copies", "tutoring_requests", "interviews", "support_sessions", "attendance"):
        assert set(getattr(part, name).get_column("site")) == {"Lyon"}, name


def test_without_names_keeps_the_figures_and_drops_every_name() -> None:
    dataset = within(two_sites().dataset(), Perimeter(sites=("Lyon",)))
    key = b"cle de test"
    reader = without_names(dataset, lambda ids: ids.map_elements(lambda v: pseudonym(key, v)))
    assert summary.headline(reader, Scope(YEAR)).equals(summary.headline(dataset, Scope(YEAR)))
    assert reader.enrolments.get_column("learner_name").null_count() == reader.enrolments.height
    assert reader.frames.learners.select("last_name", "first_name").null_count().row(0) == (3, 3)
    assert reader.frames.interviews.get_column("notes").null_count() == 3
    assert reader.frames.learners.get_column("external_id").str.starts_with("P-").all()


def test_a_pseudonym_is_stable_keyed_and_drops_the_names(pseudonym_key_file) -> None:  # noqa: ANN001
    key = pseudonym_key()
    assert pseudonym_key_file.read_text().strip().encode() == key  # made on first use
    assert oct(pseudonym_key_file.stat().st_mode)[-3:] == "600"
    assert pseudonym_key() == key
    table = pl.DataFrame(
        {"external_id": ["A1", "A2", "A1"], "learner_name": ["X", "Y", "X"], "group": ["G"] * 3}
    )
    hidden = pseudonymise(table, key)
    assert hidden.columns == ["external_id", "group"]
    first, second, again = hidden.get_column("external_id").to_list()
    assert first == again != second and first.startswith("P-") and len(first) == 18
    assert pseudonymise(hidden, key).equals(hidden)  # a pseudonym stays as it is
    assert pseudonym(b"une autre cle", "A1") != first
    figures = pl.DataFrame({"site": ["Lyon"], "copies": [3]})
    assert pseudonymise(figures, key).equals(figures)  # not a per-learner table


def test_a_download_of_personal_data_is_recorded_and_needs_an_active_account(
    app_database,  # noqa: ANN001
) -> None:
    from data_access.errors import PilotageError
    from ui.auth import User
    from ui.downloads import recorded

    app_database(two_sites())
    engine = db.get_engine(get_settings())
    accounts.add_account(engine, login="lyon", role="site", sites=("Lyon",), password="x" * 12)
    user = User("lyon", "site", Perimeter(sites=("Lyon",)))
    build = recorded(lambda: b"contenu", user, "apprenants_a_risque.xlsx", 2, False)
    assert audit.entries(engine).is_empty()  # nothing until the button is clicked
    assert build() == b"contenu"
    entry = audit.entries(engine).row(0, named=True)
    assert (entry["login"], entry["event"], entry["detail"]) == (
        "lyon",
        "export de données personnelles",
        "apprenants_a_risque.xlsx : 2 ligne(s), nominatif",
    )
    accounts.set_disabled(engine, "lyon", True)
    with pytest.raises(PilotageError, match="téléchargement refusé"):
        build()
    assert audit.entries(engine).row(0, named=True)["event"] == "accès refusé"
