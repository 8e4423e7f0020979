"""Accounts: who may open the app, with which role and over which sites or groups.

Passwords are kept only as argon2id hashes (argon2-cffi). A login is refused the same way for an
unknown login and a wrong password (nobody learns which logins exist); after
``MAX_FAILED_LOGINS`` wrong passwords in a row an account is locked for ``LOCKOUT_MINUTES``
minutes; a disabled account is told so only once the right password is given. An account
without a password logs in through OpenID Connect, matched by its e-mail.

Account writes do not bump the data version: accounts are not analysed data, and the app
reads the session's account again at every rerun.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, select, update

from data_access import models
from data_access.errors import PilotageError
from domain import ROLE_DIRECTION, ROLE_LABELS, ROLE_SITE, ROLE_TEAM, ROLES

MAX_FAILED_LOGINS = 5
"""Wrong passwords in a row before an account is locked."""
LOCKOUT_MINUTES = 15
"""How long a locked account stays locked."""
MIN_PASSWORD_LENGTH = 10

_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("mot de passe de comparaison")
_LOGIN = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

WRONG_CREDENTIALS = "Identifiant ou mot de passe incorrect."
DISABLED = "Ce compte est désactivé : adressez-vous à la direction."


class AccountRefused(PilotageError):
    """An account cannot be created or changed as asked (the French message says why)."""


@dataclass(frozen=True)
class Account:
    """An account as the app and the command line use it (never its password hash)."""

    login: str
    role: str
    sites: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    email: str | None = None
    disabled: bool = False
    has_password: bool = False
    locked_until: datetime | None = None
    last_login_at: datetime | None = None

    def describe(self) -> str:
        """The role and its limits in French: "Responsable de site ou de formation : Lyon"."""
        limits = [*self.sites, *self.groups]
        return ROLE_LABELS[self.role] + (f" : {', '.join(limits)}" if limits else "")


@dataclass(frozen=True)
class LoginOutcome:
    """The account when the login succeeded; otherwise the French refusal and, for the audit
    trail, its short reason."""

    account: Account | None
    refusal: str | None = None
    reason: str | None = None


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountRefused(
            f"Mot de passe trop court : {MIN_PASSWORD_LENGTH} caractères au moins "
            "(une phrase de passe est plus sûre et plus facile à retenir)."
        )
    return password


def _checked_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise AccountRefused(f"Adresse e-mail invalide : « {email} ».")
    return email


def _names_in(engine: Engine, table: type, names: tuple[str, ...]) -> set[str]:
    sql = table.__table__
    with engine.connect() as connection:
        return set(connection.execute(select(sql.c.name).where(sql.c.name.in_(names))).scalars())


def _checked_limits(
    engine: Engine, role: str, sites: tuple[str, ...], groups: tuple[str, ...]
) -> None:
    if role not in ROLES:
        raise AccountRefused(f"Rôle inconnu : « {role} » (rôles : {', '.join(ROLES)}).")
    if role == ROLE_DIRECTION and (sites or groups):
        raise AccountRefused("Le rôle direction voit tous les sites : ne donnez ni site ni groupe.")
    if role == ROLE_SITE and not sites:
        raise AccountRefused("Le rôle site demande au moins un site (--site).")
    if role == ROLE_TEAM and not groups:
        raise AccountRefused("Le rôle équipe demande au moins un groupe (--group).")
    for names, table, what in ((sites, models.Site, "Site"), (groups, models.StudyGroup, "Groupe")):
        unknown = sorted(set(names) - _names_in(engine, table, names))
        if unknown:
            raise AccountRefused(
                f"{what}(s) inconnu(s) de la base : {', '.join(f'« {n} »' for n in unknown)}. "
                "Vérifiez l'orthographe, ou importez d'abord les données de ce site ou groupe."
            )


def _account_of(connection, row) -> Account:  # noqa: ANN001
    scopes = models.AccountScope.__table__
    limits = connection.execute(
        select(scopes.c.kind, scopes.c.name)
        .where(scopes.c.account_id == row.id)
        .order_by(scopes.c.name)
    ).all()
    return Account(
        login=row.login,
        role=row.role,
        sites=tuple(name for kind, name in limits if kind == "site"),
        groups=tuple(name for kind, name in limits if kind == "group"),
        email=row.email,
        disabled=bool(row.disabled),
        has_password=row.password_hash is not None,
        locked_until=row.locked_until,
        last_login_at=row.last_login_at,
    )


def add_account(
    engine: Engine,
    *,
    login: str,
    role: str,
    sites: tuple[str, ...] = (),
    groups: tuple[str, ...] = (),
    email: str | None = None,
    password: str | None = None,
) -> Account:
    """Create an account. A password (10 characters at least) or an e-mail (OpenID Connect) is
    needed. Raises AccountRefused (French) for a bad login, role, site, group or password."""
    if not _LOGIN.match(login or ""):
        raise AccountRefused(
            f"Identifiant invalide : « {login} » (1 à 64 lettres sans accent, chiffres, . _ - @)."
        )
    email = _checked_email(email)
    if not password and email is None:
        raise AccountRefused(
            "Donnez un mot de passe, ou une adresse e-mail (--email) pour un compte qui se "
            "connecte par OpenID Connect."
        )
    password_hash = _HASHER.hash(_checked_password(password)) if password else None
    sites, groups = tuple(dict.fromkeys(sites)), tuple(dict.fromkeys(groups))
    _checked_limits(engine, role, sites, groups)
    table = models.Account.__table__
    with engine.begin() as connection:
        taken = connection.execute(
            select(table.c.login, table.c.email).where(
                (func.lower(table.c.login) == login.lower())
                | ((table.c.email == email) if email else False)
            )
        ).first()
        if taken is not None:
            what = "identifiant" if taken.login.lower() == login.lower() else "adresse e-mail"
            raise AccountRefused(f"Un compte existe déjà avec cet {what}.")
        account_id = connection.execute(
            table.insert().values(
                login=login,
                role=role,
                email=email,
                password_hash=password_hash,
                created_at=_now(),
            )
        ).inserted_primary_key[0]
        limits = [{"kind": "site", "name": n} for n in sites]
        limits += [{"kind": "group", "name": n} for n in groups]
        if limits:
            connection.execute(
                models.AccountScope.__table__.insert(),
                [{"account_id": account_id, **limit} for limit in limits],
            )
        row = connection.execute(select(table).where(table.c.id == account_id)).one()
        return _account_of(connection, row)


def get_account(engine: Engine, login: str) -> Account | None:
    """The account of this login (None when there is none)."""
    table = models.Account.__table__
    with engine.connect() as connection:
        row = connection.execute(select(table).where(table.c.login == login)).first()
        return None if row is None else _account_of(connection, row)


def account_for_email(engine: Engine, email: str) -> Account | None:
    """The account of this e-mail, compared without case (None when there is none)."""
    table = models.Account.__table__
    with engine.connect() as connection:
        row = connection.execute(
            select(table).where(table.c.email == email.strip().lower())
        ).first()
        return None if row is None else _account_of(connection, row)


def list_accounts(engine: Engine) -> list[Account]:
    table = models.Account.__table__
    with engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.login)).all()
        return [_account_of(connection, row) for row in rows]


def any_account(engine: Engine) -> bool:
    """Whether at least one account exists (otherwise the app is open, as on a single desk)."""
    table = models.Account.__table__
    with engine.connect() as connection:
        return connection.execute(select(table.c.id).limit(1)).first() is not None


def _update(engine: Engine, login: str, **values: object) -> None:
    table = models.Account.__table__
    with engine.begin() as connection:
        changed = connection.execute(
            update(table).where(table.c.login == login).values(**values)
        ).rowcount
    if not changed:
        raise AccountRefused(f"Aucun compte « {login} ».")


def set_disabled(engine: Engine, login: str, disabled: bool) -> None:
    """Disable (or enable again) an account; a session open on it ends at its next rerun."""
    _update(engine, login, disabled=disabled)


def set_password(engine: Engine, login: str, password: str) -> None:
    """Replace the password (and lift a lock-out)."""
    _update(
        engine,
        login,
        password_hash=_HASHER.hash(_checked_password(password)),
        failed_logins=0,
        locked_until=None,
    )


def delete_account(engine: Engine, login: str) -> None:
    """Remove an account and its limits (tests; the command line disables instead)."""
    table, scopes = models.Account.__table__, models.AccountScope.__table__
    with engine.begin() as connection:
        ids = select(table.c.id).where(table.c.login == login).scalar_subquery()
        connection.execute(delete(scopes).where(scopes.c.account_id == ids))
        connection.execute(delete(table).where(table.c.login == login))


def authenticate(
    engine: Engine, login: str, password: str, *, now: datetime | None = None
) -> LoginOutcome:
    """Check a login and password, counting failures and locking the account after
    MAX_FAILED_LOGINS of them in a row; see the module docstring for what is said when."""
    now = now or _now()
    table = models.Account.__table__
    with engine.begin() as connection:
        row = connection.execute(
            select(table).where(table.c.login == (login or "").strip())
        ).first()
        if row is None or row.password_hash is None:
            _verify(_DUMMY_HASH, password)  # the same time as for a real account
            return LoginOutcome(None, WRONG_CREDENTIALS, "identifiant inconnu")
        if row.locked_until is not None and row.locked_until > now:
            return LoginOutcome(None, _locked(row.locked_until), "compte bloqué")
        if not _verify(row.password_hash, password):
            failures = row.failed_logins + 1
            values: dict[str, object] = {"failed_logins": failures}
            if failures >= MAX_FAILED_LOGINS:
                values = {
                    "failed_logins": 0,
                    "locked_until": now + timedelta(minutes=LOCKOUT_MINUTES),
                }
            connection.execute(update(table).where(table.c.id == row.id).values(**values))
            if "locked_until" in values:
                return LoginOutcome(None, _locked(values["locked_until"]), "compte bloqué")
            return LoginOutcome(None, WRONG_CREDENTIALS, "mot de passe incorrect")
        if row.disabled:
            return LoginOutcome(None, DISABLED, "compte désactivé")
        values = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
        if _HASHER.check_needs_rehash(row.password_hash):
            values["password_hash"] = _HASHER.hash(password)
        connection.execute(update(table).where(table.c.id == row.id).values(**values))
        return LoginOutcome(_account_of(connection, row))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def _locked(until: datetime) -> str:
    return (
        f"Trop d'essais manqués ({MAX_FAILED_LOGINS} de suite) : ce compte est bloqué jusqu'à "
        f"{until:%H:%M} le {until:%d/%m/%Y}. Réessayez ensuite, ou demandez à la direction de "
        "changer le mot de passe (pilotage user set-password)."
    )


def oidc_account(engine: Engine, email: str | None, verified: bool | None) -> LoginOutcome:
    """The active account matching the e-mail an OpenID Connect provider gave, or the French
    refusal (no e-mail, e-mail not verified by the provider, no such account, disabled)."""
    if not email:
        return LoginOutcome(
            None,
            "Le fournisseur d'identité n'a pas transmis d'adresse e-mail : la connexion ne peut "
            "pas être rattachée à un compte.",
            "pas d'e-mail",
        )
    if verified is False:
        return LoginOutcome(
            None,
            "Le fournisseur d'identité indique que cette adresse e-mail n'est pas vérifiée.",
            "e-mail non vérifié",
        )
    account = account_for_email(engine, email)
    if account is None:
        return LoginOutcome(
            None,
            f"Aucun compte n'est ouvert pour l'adresse « {email.strip().lower()} » : demandez à "
            "la direction de créer le vôtre (pilotage user add … --email).",
            "e-mail inconnu",
        )
    if account.disabled:
        return LoginOutcome(None, DISABLED, "compte désactivé")
    _update(engine, account.login, last_login_at=_now())
    return LoginOutcome(account)


def mail_recipients(engine: Engine) -> list[Account]:
    """The active accounts that have an e-mail address: those who receive alerts and reports
    (each for their own sites or groups)."""
    return [a for a in list_accounts(engine) if a.email and not a.disabled]
