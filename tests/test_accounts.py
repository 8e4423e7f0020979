"""Accounts: hashing, the lock-out, disabled accounts, OpenID Connect matching, and the checks
on what an account may be given (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from world import World

from data_access import accounts, models
from data_access.accounts import (
    DISABLED,
    LOCKOUT_MINUTES,
    MAX_FAILED_LOGINS,
    WRONG_CREDENTIALS,
    AccountRefused,
)

PASSWORD = "une phrase de passe"


@pytest.fixture
def world_engine(engine: sa.Engine) -> sa.Engine:
    world = World()
    world.group("CAP 1", site="Lyon")
    world.group("BTS 2", site="Marseille")
    world.learner("A001", group="CAP 1", entered=date(2025, 9, 1))
    world.write(engine)
    return engine


def _hash_of(engine: sa.Engine, login: str) -> str:
    table = models.Account.__table__
    with engine.connect() as connection:
        return connection.execute(
            sa.select(table.c.password_hash).where(table.c.login == login)
        ).scalar_one()


def test_a_password_is_stored_only_as_its_argon2_hash(world_engine: sa.Engine) -> None:
    accounts.add_account(world_engine, login="dir", role="direction", password=PASSWORD)
    stored = _hash_of(world_engine, "dir")
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    accounts.add_account(world_engine, login="dir2", role="direction", password=PASSWORD)
    assert _hash_of(world_engine, "dir2") != stored  # salted
    assert accounts.authenticate(world_engine, "dir", PASSWORD).account.login == "dir"


def test_unknown_login_and_wrong_password_are_refused_alike(world_engine: sa.Engine) -> None:
    accounts.add_account(world_engine, login="dir", role="direction", password=PASSWORD)
    wrong = accounts.authenticate(world_engine, "dir", "pas le bon mot")
    unknown = accounts.authenticate(world_engine, "personne", PASSWORD)
    assert wrong.account is None and unknown.account is None
    assert wrong.refusal == unknown.refusal == WRONG_CREDENTIALS
    assert (wrong.reason, unknown.reason) == ("mot de passe incorrect", "identifiant inconnu")


def test_the_account_locks_after_repeated_failures_then_opens_again(
    world_engine: sa.Engine,
) -> None:
    accounts.add_account(world_engine, login="dir", role="direction", password=PASSWORD)
    start = datetime(2026, 3, 2, 10, 0)
    for attempt in range(MAX_FAILED_LOGINS - 1):
        outcome = accounts.authenticate(world_engine, "dir", "faux", now=start)
        assert outcome.reason == "mot de passe incorrect", attempt
    locked = accounts.authenticate(world_engine, "dir", "faux", now=start)
    assert locked.reason == "compte bloqué"
    assert "bloqué jusqu'à 10:15 le 02/03/2026" in locked.refusal
    # even the right password is refused while locked
    during = accounts.authenticate(world_engine, "dir", PASSWORD, now=start + timedelta(minutes=14))
    assert during.account is None and during.reason == "compte bloqué"
    after = start + timedelta(minutes=LOCKOUT_MINUTES, seconds=1)
    assert accounts.authenticate(world_engine, "dir", PASSWORD, now=after).account is not None
    # a success resets the count: four more failures do not lock
    for _ in range(MAX_FAILED_LOGINS - 1):
        accounts.authenticate(world_engine, "dir", "faux", now=after)
    assert accounts.authenticate(world_engine, "dir", PASSWORD, now=after).account is not None


def test_a_new_password_lifts_the_lock(world_engine: sa.Engine) -> None:
    accounts.add_account(world_engine, login="dir", role="direction", password=PASSWORD)
    for _ in range(MAX_FAILED_LOGINS):
        accounts.authenticate(world_engine, "dir", "faux")
    assert accounts.authenticate(world_engine, "dir", PASSWORD).reason == "compte bloqué"
    accounts.set_password(world_engine, "dir", "une autre phrase")
    assert accounts.authenticate(world_engine, "dir", "une autre phrase").account is not None
    assert accounts.authenticate(world_engine, "dir", PASSWORD).account is None


def test_a_disabled_account_is_told_so_only_with_the_right_password(
    world_engine: sa.Engine,
) -> None:
    accounts.add_account(world_engine, login="dir", role="direction", password=PASSWORD)
    accounts.set_disabled(world_engine, "dir", True)
    assert accounts.authenticate(world_engine, "dir", "faux").refusal == WRONG_CREDENTIALS
    assert accounts.authenticate(world_engine, "dir", PASSWORD).refusal == DISABLED
    accounts.set_disabled(world_engine, "dir", False)
    assert accounts.authenticate(world_engine, "dir", PASSWORD).account is not None


def test_limits_are_read_back_with_the_account(world_engine: sa.Engine) -> None:
    accounts.add_account(
        world_engine, login="lyon", role="site", sites=("Lyon",), password=PASSWORD
    )
    accounts.add_account(
        world_engine, login="prof", role="équipe", groups=("CAP 1",), email="Prof@Ecole.FR"
    )
    lyon = accounts.get_account(world_engine, "lyon")
    assert (lyon.role, lyon.sites, lyon.groups) == ("site", ("Lyon",), ())
    prof = accounts.get_account(world_engine, "prof")
    assert (prof.groups, prof.email, prof.has_password) == (("CAP 1",), "prof@ecole.fr", False)
    assert [a.login for a in accounts.list_accounts(world_engine)] == ["lyon", "prof"]
    assert accounts.any_account(world_engine)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"login": "a b", "role": "direction"}, "Identifiant invalide"),
        ({"login": "x", "role": "chef"}, "Rôle inconnu"),
        ({"login": "x", "role": "direction", "sites": ("Lyon",)}, "voit tous les sites"),
        ({"login": "x", "role": "site"}, "au moins un site"),
        ({"login": "x", "role": "équipe"}, "au moins un groupe"),
        ({"login": "x", "role": "site", "sites": ("Lyonn",)}, "inconnu(s) de la base : « Lyonn »"),
        ({"login": "x", "role": "équipe", "groups": ("CAP 9",)}, "« CAP 9 »"),
        ({"login": "x", "role": "direction", "password": "court"}, "trop court"),
        ({"login": "x", "role": "direction", "password": None}, "Donnez un mot de passe"),
        ({"login": "x", "role": "direction", "email": "pas-une-adresse"}, "e-mail invalide"),
    ],
)
def test_an_account_that_cannot_work_is_refused(
    world_engine: sa.Engine, given: dict, message: str
) -> None:
    arguments = {"password": PASSWORD, **given}
    with pytest.raises(AccountRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        accounts.add_account(world_engine, **arguments)
    assert not accounts.any_account(world_engine)


def test_a_login_or_email_is_taken_once(world_engine: sa.Engine) -> None:
    accounts.add_account(
        world_engine, login="dir", role="direction", email="d@ecole.fr", password=PASSWORD
    )
    with pytest.raises(AccountRefused, match="identifiant"):
        accounts.add_account(world_engine, login="DIR", role="direction", password=PASSWORD)
    with pytest.raises(AccountRefused, match="adresse e-mail"):
        accounts.add_account(
            world_engine, login="autre", role="direction", email="D@ecole.fr", password=PASSWORD
        )


def test_openid_connect_matches_an_active_account_by_email(world_engine: sa.Engine) -> None:
    accounts.add_account(
        world_engine, login="lyon", role="site", sites=("Lyon",), email="resp.lyon@ecole.fr"
    )
    matched = accounts.oidc_account(world_engine, " Resp.Lyon@Ecole.fr ", True)
    assert matched.account.login == "lyon" and matched.account.sites == ("Lyon",)
    unknown = accounts.oidc_account(world_engine, "intrus@ailleurs.fr", True)
    assert unknown.account is None and unknown.reason == "e-mail inconnu"
    assert "Aucun compte n'est ouvert pour l'adresse « intrus@ailleurs.fr »" in unknown.refusal
    assert accounts.oidc_account(world_engine, "resp.lyon@ecole.fr", False).account is None
    assert accounts.oidc_account(world_engine, None, None).reason == "pas d'e-mail"
    accounts.set_disabled(world_engine, "lyon", True)
    assert accounts.oidc_account(world_engine, "resp.lyon@ecole.fr", True).refusal == DISABLED
