"""Who is using the app, checked at every rerun.

- No account in the database: the app is open, as on a single desk (``OPEN``, the direction's
  view), with a banner saying so.
- Otherwise a session belongs to an account, logged in with the French form (password) or,
  where ``[auth]`` is configured in Streamlit's secrets, through OpenID Connect (``st.login``),
  the account matched by its e-mail. The account is read again at every rerun: one disabled,
  changed or deleted meanwhile takes effect at once.

Every refusal is said in French, shows nothing else, and goes to the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from data_access import accounts, audit, db
from data_access.accounts import LOCKOUT_MINUTES, MAX_FAILED_LOGINS, Account
from data_access.errors import PilotageError
from domain import (
    AUDIT_LOGIN,
    AUDIT_LOGIN_REFUSED,
    AUDIT_LOGOUT,
    AUDIT_REFUSED,
    AUDIT_ROLES,
    NAMING_ROLES,
    ROLE_DIRECTION,
    ROLE_LABELS,
    WRITING_ROLES,
)
from indicators.common import EVERYTHING, Perimeter
from ui.text import escape

LOGIN_KEY = "_pilotage_login"
"""Session state: the login of the session's account (set by the login form; tests set it to
open a session without typing a password)."""
_USER_KEY = "_pilotage_user"
_NOTICE_KEY = "_pilotage_auth_notice"
_OIDC_KEY = "_pilotage_oidc_seen"


@dataclass(frozen=True)
class User:
    """The person using this session: their login (None: open access), role and perimeter."""

    login: str | None
    role: str
    perimeter: Perimeter = EVERYTHING
    description: str = ""

    @property
    def is_open(self) -> bool:
        return self.login is None

    @property
    def may_write(self) -> bool:
        """Imports and saved plans (within the perimeter's sites)."""
        return self.role in WRITING_ROLES

    @property
    def sees_names(self) -> bool:
        """Learners by name and per-learner tables (lecture: figures only)."""
        return self.role in NAMING_ROLES

    @property
    def reads_audit(self) -> bool:
        return self.role in AUDIT_ROLES


OPEN = User(None, ROLE_DIRECTION, EVERYTHING, "Accès ouvert (aucun compte)")


def _user_of(account: Account) -> User:
    return User(
        account.login,
        account.role,
        Perimeter(sites=account.sites, groups=account.groups),
        account.describe(),
    )


def oidc_providers() -> list[str | None]:
    """The OpenID Connect providers configured in ``[auth]`` of the secrets (None: the
    unnamed one); empty when none is."""
    if not st.secrets.load_if_toml_exists():
        return []
    section = st.secrets.get("auth")
    if not section:
        return []
    providers: list[str | None] = [None] if "client_id" in section else []
    providers += [
        name for name, value in section.items() if hasattr(value, "keys") and "client_id" in value
    ]
    return providers


def oidc_identity() -> tuple[str | None, bool | None] | None:
    """(e-mail, whether the provider verified it) of the OpenID Connect login of this session,
    None when there is none."""
    if not oidc_providers() or not st.user.is_logged_in:
        return None
    return st.user.get("email"), st.user.get("email_verified")


def _record(event: str, login: str | None, detail: str) -> None:
    audit.record(db.get_engine(), event, login=login, detail=detail)


def _notice(message: str) -> None:
    st.session_state[_NOTICE_KEY] = message


def session_user() -> User | None:
    """The user of this run, or None when the login screen must show."""
    engine = db.get_engine()
    login = st.session_state.get(LOGIN_KEY)
    if login:
        account = accounts.get_account(engine, login)
        if account is None or account.disabled:
            _clear_session()
            _record(AUDIT_REFUSED, login, "session d'un compte désactivé ou supprimé : fermée")
            _notice(
                "Votre compte a été désactivé ou supprimé pendant votre session : vous avez été "
                "déconnecté. Adressez-vous à la direction."
            )
            return None
        return _user_of(account)
    identity = oidc_identity()
    if identity is not None:
        outcome = accounts.oidc_account(engine, *identity)
        seen = st.session_state.get(_OIDC_KEY)
        if outcome.account is None:
            if seen != ("refused", outcome.reason):
                st.session_state[_OIDC_KEY] = ("refused", outcome.reason)
                _record(AUDIT_LOGIN_REFUSED, None, f"OpenID Connect : {outcome.reason}")
            _notice(outcome.refusal)
            return None
        if seen != ("in", outcome.account.login):
            st.session_state[_OIDC_KEY] = ("in", outcome.account.login)
            _record(AUDIT_LOGIN, outcome.account.login, "OpenID Connect")
        return _user_of(outcome.account)
    if not accounts.any_account(engine):
        return OPEN
    return None


def remember(user: User) -> None:
    """Keep the user of this run for the layers below the page (tables, downloads, writes)."""
    st.session_state[_USER_KEY] = user


def current() -> User:
    """The user of this run (app.py remembers it before the page runs; a page run on its own,
    in tests, checks the session now)."""
    user = st.session_state.get(_USER_KEY) or session_user()
    if user is None:
        raise PilotageError("Connexion nécessaire : rechargez la page pour vous connecter.")
    remember(user)
    return user


def _clear_session() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def login_screen() -> None:
    """The French login form (and the OpenID Connect buttons where configured)."""
    st.title("Pilotage — connexion")
    notice = st.session_state.pop(_NOTICE_KEY, None)
    if notice:
        st.error(escape(notice))
    providers = oidc_providers()
    if providers:
        if oidc_identity() is not None:  # logged in at the provider, but refused here
            if st.button("Se déconnecter du fournisseur d'identité", key="oidc_logout"):
                st.logout()
        for provider in providers:
            label = (
                f"Se connecter avec « {provider} »"
                if provider
                else "Se connecter avec le fournisseur d'identité"
            )
            if st.button(label, key=f"oidc_{provider}", type="primary"):
                st.login(provider) if provider else st.login()
        st.caption("Ou avec un identifiant et un mot de passe :")
    with st.form("login", enter_to_submit=True):
        login = st.text_input("Identifiant", key="login_name", autocomplete="username")
        password = st.text_input(
            "Mot de passe", type="password", key="login_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("Se connecter", type="primary")
    st.caption(
        f"Après {MAX_FAILED_LOGINS} essais manqués de suite, le compte est bloqué "
        f"{LOCKOUT_MINUTES} minutes. Mot de passe oublié : demandez à la direction de le "
        "changer."
    )
    if not submitted:
        return
    outcome = accounts.authenticate(db.get_engine(), login, password)
    if outcome.account is None:
        known = outcome.reason != "identifiant inconnu"  # never record what was typed otherwise
        _record(AUDIT_LOGIN_REFUSED, login.strip() if known else None, outcome.reason or "")
        st.error(escape(outcome.refusal))
        return
    _clear_session()
    st.session_state[LOGIN_KEY] = outcome.account.login
    _record(AUDIT_LOGIN, outcome.account.login, "identifiant et mot de passe")
    st.rerun()


def logout(user: User) -> None:
    """End the session: everything it held is forgotten."""
    _record(AUDIT_LOGOUT, user.login, "")
    _clear_session()
    if oidc_identity() is not None:
        st.logout()
    st.rerun()


def refused_page(title: str) -> Callable[[], None]:
    """A page that stands at the address of a page the role may not use: it says so in French
    (Streamlit would otherwise show its English "page not found") and records the attempt."""

    def refused() -> None:
        user = current()
        refuse(user, f"page « {title} »", f"La page « {title} » n'est pas ouverte à votre rôle.")

    refused.__name__ = "acces_refuse"
    return refused


def refuse(user: User, what: str, message: str) -> None:
    """Record the attempt, say why in French, and show nothing else."""
    _record(AUDIT_REFUSED, user.login, f"{what} hors des droits de {user.role}")
    st.error(
        escape(
            f"{message} Votre compte : {user.description or ROLE_LABELS[user.role]}. Rien "
            "d'autre n'est affiché ; la tentative est enregistrée dans le journal d'audit."
        )
    )
    st.stop()


def user_box(user: User) -> None:
    """Who is connected (or the open-access banner), and the logout button, in the sidebar."""
    if user.is_open:
        st.sidebar.markdown(
            ":orange-background[:material/lock_open: **Accès ouvert** — aucun compte n'existe : "
            "usage local, une seule personne, toutes les données visibles sans connexion.]"
        )
        st.sidebar.caption(
            "Pour exiger une connexion, créez un compte : `pilotage user add` (voir le README)."
        )
        return
    st.sidebar.caption(f":material/person: {escape(f'{user.login} — {user.description}')}")
    if st.sidebar.button("Se déconnecter", key="logout", icon=":material/logout:"):
        logout(user)
