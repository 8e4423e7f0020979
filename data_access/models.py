"""SQLModel tables: one per entity of DOMAIN.md, with the checks that keep impossible rows out.

Date-times are naive local wall-clock times (Europe/Paris), as in the users' exports.
Labels of enumerations are stored as the domain's French words (``abandon``, ``suivi``,
``aide individualisée``, declared in domain.py): they are what users read and what their
exports contain; the check constraints keep any other word out.
"""

from __future__ import annotations

from datetime import date

from pydantic import NaiveDatetime
from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain import (
    AUDIT_EVENTS,
    DIAGNOSTIC_LEVELS,
    EXIT_REASONS,
    FOLLOW_UP_CHANNELS,
    FOLLOW_UP_OUTCOMES,
    HALF_DAYS,
    INTERVIEW_CHANNELS,
    INTERVIEW_TYPES,
    KIND_AP,
    MODALITIES,
    PUBLICS,
    ROLES,
    STAFF_ROLES,
    SUPPORT_KINDS,
    TUTORING_CHANNELS,
)


def _one_of(column: str, values: tuple[str, ...], nullable: bool = False) -> str:
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    check = f"{column} IN ({quoted})"
    return f"({column} IS NULL OR {check})" if nullable else check


class Site(SQLModel, table=True):
    __tablename__ = "site"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, min_length=1)


class Staff(SQLModel, table=True):
    """An intervenant: teacher, trainer, tutor, counsellor."""

    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(_one_of("role", STAFF_ROLES, nullable=True), name="ck_staff_role"),
        CheckConstraint(
            "weekly_hours_available IS NULL OR weekly_hours_available >= 0",
            name="ck_staff_hours",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    role: str | None = None
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    weekly_hours_available: float | None = None


class StudyGroup(SQLModel, table=True):
    """A groupe / classe / promotion for one school year."""

    __tablename__ = "study_group"
    __table_args__ = (
        UniqueConstraint("site_id", "name", "school_year", name="uq_group_site_name_year"),
        CheckConstraint(_one_of("public", PUBLICS, nullable=True), name="ck_group_public"),
        CheckConstraint(_one_of("modality", MODALITIES, nullable=True), name="ck_group_modality"),
    )
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    name: str
    level: str | None = None
    public: str | None = None
    modality: str | None = None
    school_year: str = Field(description="ex. 2025-2026")


class Learner(SQLModel, table=True):
    __tablename__ = "learner"
    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(unique=True, description="identifiant des exports")
    last_name: str | None = None
    first_name: str | None = None
    referent_id: int | None = Field(default=None, foreign_key="staff.id", index=True)


class Enrolment(SQLModel, table=True):
    """An inscription / parcours of a learner in a group."""

    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("learner_id", "group_id", name="uq_enrolment_learner_group"),
        CheckConstraint("exit_date IS NULL OR exit_date >= entry_date", name="ck_exit_after_entry"),
        CheckConstraint(
            "(exit_date IS NULL AND exit_reason IS NULL) OR "
            "(exit_date IS NOT NULL AND exit_reason IS NOT NULL)",
            name="ck_exit_date_and_reason_together",
        ),
        CheckConstraint(_one_of("exit_reason", EXIT_REASONS, nullable=True), name="ck_exit_reason"),
    )
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    group_id: int = Field(foreign_key="study_group.id", index=True)
    entry_date: date
    exit_date: date | None = None
    exit_reason: str | None = None


class Interview(SQLModel, table=True):
    """An entretien. ``objectives_set`` / ``objectives_met`` count objectives."""

    __tablename__ = "interview"
    __table_args__ = (
        UniqueConstraint("learner_id", "held_on", "interview_type", name="uq_interview"),
        CheckConstraint(_one_of("interview_type", INTERVIEW_TYPES), name="ck_interview_type"),
        CheckConstraint(
            _one_of("channel", INTERVIEW_CHANNELS, nullable=True), name="ck_interview_channel"
        ),
        CheckConstraint(
            "duration_minutes IS NULL OR duration_minutes >= 0", name="ck_interview_duration"
        ),
        CheckConstraint(
            "objectives_set IS NULL OR objectives_set >= 0", name="ck_interview_objectives_set"
        ),
        CheckConstraint(
            "objectives_met IS NULL OR (objectives_met >= 0 AND "
            "(objectives_set IS NULL OR objectives_met <= objectives_set))",
            name="ck_interview_objectives_met",
        ),
        CheckConstraint(
            "autonomy_level IS NULL OR autonomy_level BETWEEN 1 AND 4", name="ck_autonomy_level"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    held_on: date
    interview_type: str
    duration_minutes: int | None = None
    channel: str | None = None
    objectives_set: int | None = None
    objectives_met: int | None = None
    autonomy_level: int | None = Field(default=None, description="1 (faible) à 4 (autonome)")
    notes: str | None = None


class TutoringRequest(SQLModel, table=True):
    """A sollicitation de tutorat; ``answered_at`` is empty while unanswered."""

    __tablename__ = "tutoring_request"
    __table_args__ = (
        UniqueConstraint("learner_id", "discipline", "received_at", name="uq_tutoring_request"),
        CheckConstraint(_one_of("channel", TUTORING_CHANNELS), name="ck_tutoring_channel"),
        CheckConstraint(
            "answered_at IS NULL OR answered_at >= received_at", name="ck_answer_after_request"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    discipline: str
    channel: str
    received_at: NaiveDatetime
    answered_at: NaiveDatetime | None = None
    staff_id: int | None = Field(default=None, foreign_key="staff.id")


class Assignment(SQLModel, table=True):
    """A devoir set to a group in a discipline, with its due date (empty when an export of
    copies named the assignment without giving its date). A copy belongs to the assignment of
    its group (the enrolment in force on the day it was handed in) with its discipline and title
    (``Copy.assignment``)."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("group_id", "discipline", "title", name="uq_assignment"),
        CheckConstraint("title <> ''", name="ck_assignment_title"),
    )
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="study_group.id", index=True)
    discipline: str
    title: str = Field(description="intitulé du devoir")
    due_on: date | None = Field(default=None, description="date limite de remise")


class Copy(SQLModel, table=True):
    """A copie (devoir corrigé); ``corrected_on`` is empty while waiting.

    A copy is known by its number when the export gives one (``copy_number``, "N° copie");
    otherwise by its learner, discipline, assignment and day, and ``sequence``, its rank among
    the copies of that same key in the export (a learner may hand in two copies of one
    discipline on one day)."""

    __tablename__ = "copy"
    __table_args__ = (
        UniqueConstraint(
            "learner_id", "discipline", "assignment", "submitted_on", "sequence", name="uq_copy"
        ),
        UniqueConstraint("copy_number", name="uq_copy_number"),
        CheckConstraint("sequence >= 1", name="ck_copy_sequence"),
        CheckConstraint(
            "corrected_on IS NULL OR corrected_on >= submitted_on",
            name="ck_correction_after_submission",
        ),
        CheckConstraint("grade IS NULL OR (grade >= 0 AND grade <= 20)", name="ck_grade_range"),
        Index("ix_copy_submitted_on", "submitted_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    discipline: str
    assignment: str = Field(default="", description="intitulé du devoir")
    submitted_on: date
    corrected_on: date | None = None
    corrector_id: int | None = Field(default=None, foreign_key="staff.id")
    grade: float | None = None
    copy_number: str | None = Field(default=None, description="n° de copie de l'export")
    sequence: int = Field(
        default=1,
        description="rang parmi les copies de même clé",
        sa_column_kwargs={"server_default": "1"},
    )


class NeedGroup(SQLModel, table=True):
    """A groupe de besoins of personalised support, for a period."""

    __tablename__ = "need_group"
    __table_args__ = (
        UniqueConstraint("name", "period_start", name="uq_need_group"),
        CheckConstraint("period_end >= period_start", name="ck_need_group_period"),
        CheckConstraint(_one_of("kind", SUPPORT_KINDS), name="ck_need_group_kind"),
        CheckConstraint("planned_hours_per_week >= 0", name="ck_need_group_hours"),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str
    need: str
    kind: str = KIND_AP
    site_id: int | None = Field(default=None, foreign_key="site.id")
    period_start: date
    period_end: date
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    planned_hours_per_week: float = 2.5
    slot: str | None = Field(default=None, description="ex. lundi 14:00")


class NeedGroupMember(SQLModel, table=True):
    __tablename__ = "need_group_member"
    need_group_id: int = Field(foreign_key="need_group.id", primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", primary_key=True)


class SupportSession(SQLModel, table=True):
    """A séance d'accompagnement held for a group or a need group."""

    __tablename__ = "support_session"
    __table_args__ = (
        UniqueConstraint("kind", "group_id", "need_group_id", "held_on", name="uq_support_session"),
        CheckConstraint(_one_of("kind", SUPPORT_KINDS), name="ck_session_kind"),
        CheckConstraint("duration_hours > 0 AND duration_hours <= 12", name="ck_session_duration"),
        CheckConstraint(
            "group_id IS NOT NULL OR need_group_id IS NOT NULL", name="ck_session_has_group"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str
    group_id: int | None = Field(default=None, foreign_key="study_group.id", index=True)
    need_group_id: int | None = Field(default=None, foreign_key="need_group.id", index=True)
    held_on: date
    duration_hours: float
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    discipline: str | None = None


class Attendance(SQLModel, table=True):
    __tablename__ = "attendance"
    session_id: int = Field(foreign_key="support_session.id", primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", primary_key=True, index=True)
    present: bool


class Diagnostic(SQLModel, table=True):
    """A diagnostic / positionnement of a learner on a need or competence."""

    __tablename__ = "diagnostic"
    __table_args__ = (
        UniqueConstraint("learner_id", "need", "assessed_on", name="uq_diagnostic"),
        CheckConstraint(_one_of("level", DIAGNOSTIC_LEVELS), name="ck_diagnostic_level"),
    )
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    need: str
    level: str
    assessed_on: date


class FollowUpContact(SQLModel, table=True):
    """A contact de suivi with a learner (from the at-risk list): when, who, how, what came of
    it, and the next step. Not an analysed entity (not in the frames): read fresh at each
    display, so recording one does not reload the data nor retrain the risk score."""

    __tablename__ = "follow_up_contact"
    __table_args__ = (
        CheckConstraint(_one_of("channel", FOLLOW_UP_CHANNELS), name="ck_follow_up_channel"),
        CheckConstraint(_one_of("outcome", FOLLOW_UP_OUTCOMES), name="ck_follow_up_outcome"),
    )
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    contacted_on: date
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    channel: str
    outcome: str
    next_step: str | None = Field(default=None, max_length=500)
    recorded_by: str | None = Field(default=None, description="compte qui l'a saisi")
    recorded_at: NaiveDatetime


class Absence(SQLModel, table=True):
    """An absence of a learner (vie scolaire) on a day: the half-day it falls in (empty when
    the export does not say), how many half-days it counts (1 or 2, or hours / 4), the hours
    when the export gives them, whether it was justified and why."""

    __tablename__ = "absence"
    __table_args__ = (
        UniqueConstraint("learner_id", "absent_on", "half_day", name="uq_absence"),
        CheckConstraint(
            "half_day = '' OR " + _one_of("half_day", HALF_DAYS), name="ck_absence_half_day"
        ),
        CheckConstraint("half_days > 0 AND half_days <= 2", name="ck_absence_half_days"),
        CheckConstraint("hours IS NULL OR (hours > 0 AND hours <= 12)", name="ck_absence_hours"),
    )
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    absent_on: date
    half_day: str = Field(default="", description="matin, après-midi, journée ou vide")
    half_days: float = Field(description="demi-journées d'absence comptées")
    hours: float | None = None
    justified: bool | None = None
    reason: str | None = None


class ImportRecord(SQLModel, table=True):
    """One line of the import history."""

    __tablename__ = "import_record"
    id: int | None = Field(default=None, primary_key=True)
    file_name: str
    sha256: str = Field(index=True)
    kind: str
    rows_added: int = 0
    rows_updated: int = 0
    rows_rejected: int = 0
    status: str = Field(
        description="importé, importé partiellement, refusé, illisible (fichier), échec (erreur)"
    )
    imported_at: NaiveDatetime


class ColumnMapping(SQLModel, table=True):
    """A mapping confirmed once for a file layout (its headers), remembered for the next file."""

    __tablename__ = "column_mapping"
    headers_signature: str = Field(primary_key=True)
    kind: str
    mapping_json: str


class DataVersion(SQLModel, table=True):
    """A single row whose number every write bumps: the key of the app's caches."""

    __tablename__ = "data_version"
    id: int = Field(default=1, primary_key=True)
    version: int = 0


class Account(SQLModel, table=True):
    """A person who may open the app: a login, a role and (table AccountScope) the sites or
    groups the role is limited to. The password is stored only as its argon2 hash; an account
    without one logs in through OpenID Connect, matched by its e-mail."""

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint(_one_of("role", ROLES), name="ck_account_role"),
        CheckConstraint("failed_logins >= 0", name="ck_account_failed_logins"),
    )
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(unique=True, min_length=1)
    role: str
    email: str | None = Field(default=None, unique=True, description="en minuscules")
    password_hash: str | None = None
    disabled: bool = False
    failed_logins: int = 0
    locked_until: NaiveDatetime | None = None
    created_at: NaiveDatetime
    last_login_at: NaiveDatetime | None = None


class AccountScope(SQLModel, table=True):
    """One site or group an account is limited to (none: every site)."""

    __tablename__ = "account_scope"
    __table_args__ = (CheckConstraint("kind IN ('site', 'group')", name="ck_account_scope_kind"),)
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    kind: str = Field(primary_key=True)
    name: str = Field(primary_key=True)


class AuditEntry(SQLModel, table=True):
    """One line of the audit trail: when, who (the account, or the login typed when refused),
    through which door, what; the detail holds counts and identifiers of objects, never a
    learner's name."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        CheckConstraint(_one_of("event", AUDIT_EVENTS), name="ck_audit_event"),
        Index("ix_audit_entry_at", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: NaiveDatetime
    login: str | None = None
    channel: str = Field(description="application, ligne de commande")
    event: str
    detail: str = ""


class AlertSent(SQLModel, table=True):
    """An alert e-mailed to one address: the sending never repeats it. The key names the rule,
    site, discipline and week (alerts/rules.py), so the same alert of the same week is never
    sent twice to the same person. Not analysed data: writing it does not bump the version."""

    __tablename__ = "alert_sent"
    alert_key: str = Field(primary_key=True)
    recipient: str = Field(primary_key=True, description="en minuscules")
    week: date
    sent_at: NaiveDatetime


class SavedView(SQLModel, table=True):
    """A view of the sidebar (its address parameters) saved under a name by an account, for
    that account only. Not analysed data: saving one does not bump the version."""

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("login", "name", name="uq_saved_view_login_name"),)
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(index=True, description="le compte (account.login)")
    name: str = Field(max_length=60)
    query: str = Field(description="paramètres de l'adresse : annee=...&du=...")
    created_at: NaiveDatetime


# Tables whose content is analysed, in dependency order (parents first).
ENTITY_TABLES: tuple[type[SQLModel], ...] = (
    Site,
    Staff,
    StudyGroup,
    Learner,
    Enrolment,
    Interview,
    TutoringRequest,
    Assignment,
    Copy,
    NeedGroup,
    NeedGroupMember,
    SupportSession,
    Attendance,
    Diagnostic,
    Absence,
)
