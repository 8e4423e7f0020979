"""Every write of the app, one function each, all through ``_write``: it checks that the
session's user may write, performs the write on the app's database, records it in the audit
trail, then clears what the write made stale (the loaded data, the memoised figures and
checks), so that no page can forget. Pages call these, never data_access.

A write from another process (the command line, a nightly job) bumps the data version, which
keys every cache: the app reloads then too. A later write (a follow-up contact...) is one more
function here calling ``_write`` with its audit event (domain.AUDIT_FOLLOW_UP for follow-ups).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine

from data_access import audit, db, follow_ups, plans, saved_views
from data_access.constraints import INTEGRITY_ERRORS, explain
from data_access.errors import PilotageError
from data_access.importing import ImportReport, OutsidePerimeter
from data_access.importing import write as write_rows
from data_access.importing.pipeline import STATUS_UNREADABLE, record_failure
from data_access.importing.reading import RawSheet
from data_access.plans import SavedPlan
from domain import (
    AUDIT_ACCOUNT,
    AUDIT_FOLLOW_UP,
    AUDIT_IMPORT,
    AUDIT_PLAN_SAVED,
    AUDIT_REFUSED,
    FOLLOW_UP_ROLES,
)
from planning.plan import Plan
from ui import auth, cache

T = TypeVar("T")


class WriteRefused(PilotageError):
    """The session's user may not make this write (the French message says why)."""


def _refused(user: auth.User, what: str, message: str) -> WriteRefused:
    audit.record(db.get_engine(), AUDIT_REFUSED, login=user.login, detail=what)
    return WriteRefused(message)


def _allowed_writer(what: str) -> auth.User:
    user = auth.current()
    if not user.may_write:
        raise _refused(
            user,
            f"{what} : rôle {user.role}",
            f"Votre rôle ({user.role}) ne permet pas de modifier les données ({what}).",
        )
    return user


def _write(
    action: Callable[[Engine], T],
    event: str,
    detail: Callable[[T], str],
    changed: Callable[[T], bool] = lambda _result: True,
    stale: Callable[[], None] | None = None,
) -> T:
    """Perform the write, record it (``event``, ``detail`` of its result: counts and
    identifiers, never a learner's name), then clear what it made stale when the data changed
    (``changed`` of the result: a refused file changed nothing; ``stale``: every cache, unless
    the write touches nothing cached). A write that raises wrote nothing (every write is one
    transaction), so nothing is cleared; a row the database refuses raises RowRefused, its
    French reason."""
    user = auth.current()
    engine = db.get_engine()
    try:
        result = action(engine)
    except INTEGRITY_ERRORS as refused:
        raise explain(refused) from None
    audit.record(engine, event, login=user.login, detail=detail(result))
    if changed(result):
        (stale or cache.clear_after_write)()
    return result


def _sites_of(user: auth.User) -> tuple[str, ...] | None:
    """The sites the user writes for (None: every site)."""
    return user.perimeter.sites if not user.perimeter.is_everything else None


def import_sheet(
    raw: RawSheet,
    kind: str,
    mapping: dict[str, str],
    *,
    sha: str,
    skip_invalid: bool,
    progress: Callable[[float, str], None],
    update_names: bool = False,
    remember: bool = False,
) -> ImportReport:
    """Import the rows of the sheet (all or nothing, or the valid ones with skip_invalid); a
    refused file is reported, and recorded in the history. The names of learners already in
    the database are replaced only with ``update_names``; the mapping is remembered for the
    next files of the same layout only with ``remember`` (the user confirmed it). A file
    touching a site outside the user's sites is refused (OutsidePerimeter) and the attempt
    recorded."""
    user = _allowed_writer("import")
    try:
        return _write(
            lambda engine: write_rows(
                engine,
                raw,
                kind,
                mapping,
                sha=sha,
                skip_invalid=skip_invalid,
                update_names=update_names,
                remember=remember,
                progress=progress,
                sites=_sites_of(user),
            ),
            AUDIT_IMPORT,
            lambda report: (
                f"{report.file_name} (SHA-256 {report.sha256}) : {report.kind}, {report.status}, "
                f"{report.counts()}"
            ),
            changed=lambda report: report.written,
        )
    except OutsidePerimeter:
        refused_import(user, raw.file_name, sha)
        raise


def refused_import(user: auth.User, file_name: str, sha: str) -> None:
    """Record an import refused because the file touches another site."""
    detail = f"import de {file_name} (SHA-256 {sha}) : données d'un autre site"
    audit.record(db.get_engine(), AUDIT_REFUSED, login=user.login, detail=detail)


def record_unreadable(file_name: str, sha: str) -> None:
    """A line "illisible" in the import history for a file that could not be read."""
    _write(
        lambda engine: record_failure(engine, file_name, sha, None, STATUS_UNREADABLE),
        AUDIT_IMPORT,
        lambda _: f"{file_name} (SHA-256 {sha}) : illisible",
        changed=lambda _: False,
    )


def save_plan(plan: Plan) -> tuple[SavedPlan | None, str | None]:
    """Save the plan (replacing the previous one of its kind, period and site): what was saved,
    or the French reason it was refused (a role that may not write, a site outside the user's
    sites)."""
    try:
        user = _allowed_writer("plan")
        sites = _sites_of(user)
        if sites is not None and plan.site not in sites:
            where = f"le site « {plan.site} »" if plan.site else "aucun site"
            raise _refused(
                user,
                f"plan {plan.kind} rattaché à {where}",
                f"Ce plan est rattaché à {where} : votre compte n'enregistre que les plans de "
                f"{', '.join(sites)}. Choisissez votre site dans le panneau latéral.",
            )
        saved = _write(
            lambda engine: plans.save_plan(engine, plan),
            AUDIT_PLAN_SAVED,
            lambda saved: (
                f"{plan.kind} du {plan.period.start:%d/%m/%Y} au {plan.period.end:%d/%m/%Y}, "
                f"site {plan.site or 'aucun'} : {saved.groups} groupe(s), "
                f"{saved.members} placement(s)"
            ),
        )
        return saved, None
    except PilotageError as refused:
        return None, str(refused)


def _nothing_cached() -> None:
    """Follow-up contacts are read fresh at each display: nothing cached depends on them (the
    loaded data and the trained risk score stay valid)."""


def record_contact(contact: follow_ups.NewContact) -> tuple[int | None, str | None]:
    """Record a follow-up contact with a learner of the user's perimeter: its id, or the
    French reason it was refused (a role that may not, a learner outside the perimeter, a
    date after today...)."""
    try:
        user = auth.current()
        if user.role not in FOLLOW_UP_ROLES:
            raise _refused(
                user,
                f"contact de suivi : rôle {user.role}",
                f"Votre rôle ({user.role}) ne permet pas de noter un contact de suivi.",
            )
        dataset, _ = cache.current_dataset(user, cache.session_year())
        inside = dataset.enrolments.get_column("learner_id")
        if not (inside == contact.learner_id).any():
            raise _refused(
                user,
                f"contact de suivi : apprenant {contact.learner_id} hors périmètre",
                "Cet apprenant n'est pas dans votre périmètre.",
            )
        identifier = _write(
            lambda engine: follow_ups.record(engine, contact, by=user.login),
            AUDIT_FOLLOW_UP,
            lambda made: (
                f"contact n° {made} : apprenant {contact.learner_id}, {contact.outcome}, "
                f"{contact.channel}"
            ),
            stale=_nothing_cached,
        )
        return identifier, None
    except PilotageError as refused:
        return None, str(refused)


def _view_write(action: Callable[[Engine, str], T], detail: Callable[[T], str]) -> T:
    """A write of the session account's saved views, recorded in the audit trail under the
    account event (AUDIT_ACCOUNT: a view is the account's own, not data; no learner in it);
    nothing cached depends on it."""
    user = auth.current()
    return _write(
        lambda engine: action(engine, user.login), AUDIT_ACCOUNT, detail, stale=_nothing_cached
    )


def save_view(name: str, query: str) -> tuple[saved_views.SavedView | None, str | None]:
    """Save the sidebar's view (its address parameters) under a name for the session's account,
    replacing its view of that name: what was saved, or the French reason it was refused (open
    access, an empty or too long name). Every role may: a view is the account's own, not data.
    Recorded in the audit trail ("vue enregistrée", its number and name)."""
    if auth.current().is_open:
        return None, "Les vues s'enregistrent pour un compte : connectez-vous."
    try:
        saved = _view_write(
            lambda engine, login: saved_views.save(engine, login, name, query),
            lambda view: f"vue enregistrée n° {view.id} « {view.name} »",
        )
    except PilotageError as refused:
        return None, str(refused)
    return saved, None


def rename_view(view_id: int, name: str) -> tuple[saved_views.SavedView | None, str | None]:
    """Rename one of the session account's views: the view renamed, or the French reason it
    was refused (an empty or too long name, a name another of its views has). Recorded in the
    audit trail ("vue renommée", its number, former and new name)."""
    if auth.current().is_open:
        return None, "Les vues s'enregistrent pour un compte : connectez-vous."
    login = auth.current().login
    before = {v.id: v.name for v in saved_views.views_of(db.get_engine(), login)}
    if view_id not in before:
        return None, "Cette vue n'existe plus."
    try:
        renamed = _view_write(
            lambda engine, login: saved_views.rename(engine, login, view_id, name),
            lambda view: (
                f"vue renommée n° {view_id} « {before[view_id]} » → « {view.name} »"
                if view is not None
                else f"vue n° {view_id} introuvable"
            ),
        )
    except PilotageError as refused:
        return None, str(refused)
    return renamed, None


def delete_view(view_id: int) -> None:
    """Delete one of the session account's saved views (another account's is never touched);
    recorded in the audit trail ("vue supprimée", its number and name)."""
    user = auth.current()
    if user.is_open:
        return
    names = {v.id: v.name for v in saved_views.views_of(db.get_engine(), user.login)}
    if view_id in names:
        _view_write(
            lambda engine, login: saved_views.delete_view(engine, login, view_id),
            lambda _deleted: f"vue supprimée n° {view_id} « {names[view_id]} »",
        )
