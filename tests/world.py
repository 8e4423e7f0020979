"""One builder for the test worlds: sites, groups, staff and learners are named, never numbered,
so that a test reads like its story.

    world = World()
    world.group("CAP 1", site="Lyon", public="jeunes")
    world.learner("A001", group="CAP 1", entered=date(2025, 9, 1), referent="Mme Tutrice")
    world.copy("A001", "Maths", submitted=date(2026, 1, 5), corrected=date(2026, 1, 7))
    dataset = world.dataset()

Sites and staff are created the first time they are named; ids follow the order things are
told (so a world built in the same order has the same ids). ``frames()`` gives the canonical
frames, ``dataset()`` the prepared dataset, ``write(engine)`` puts the world in a database
(the app_database fixture does, for the app tests).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

import polars as pl
from sqlalchemy import Engine

from data_access import db
from data_access.frames import FRAME_TABLES, Frames
from data_access.writes import bulk_insert, reset_sequences
from indicators.dataset import Dataset, prepare


class World:
    def __init__(self) -> None:
        self._rows: dict[str, list[dict]] = defaultdict(list)
        self._ids: dict[str, dict[str, int]] = defaultdict(dict)

    # --- who ---------------------------------------------------------------------------------

    def _add(self, table: str, row: dict, name: str | None = None) -> int:
        rows = self._rows[table]
        identifier = len(rows) + 1
        rows.append({"id": identifier, **row})
        if name is not None:
            self._ids[table][name] = identifier
        return identifier

    def _id(self, table: str, name: str | None) -> int | None:
        if name is None:
            return None
        if name not in self._ids[table]:
            raise KeyError(f"{table}: « {name} » n'a pas été créé dans ce monde")
        return self._ids[table][name]

    def site(self, name: str) -> int:
        """The site named (created the first time)."""
        if name not in self._ids["sites"]:
            self._add("sites", {"name": name}, name)
        return self._ids["sites"][name]

    def staff(
        self,
        name: str,
        *,
        role: str | None = None,
        site: str | None = None,
        weekly_hours: float | None = None,
    ) -> int:
        """A member of staff (created the first time; later calls return it)."""
        if name not in self._ids["staff"]:
            row = {"name": name, "role": role, "site_id": self.site(site) if site else None}
            self._add("staff", row | {"weekly_hours_available": weekly_hours}, name)
        return self._ids["staff"][name]

    def group(
        self,
        name: str,
        *,
        site: str,
        public: str | None = None,
        modality: str | None = None,
        level: str | None = None,
        school_year: str = "2025-2026",
    ) -> int:
        row = {"site_id": self.site(site), "name": name, "public": public, "modality": modality}
        return self._add("groups", row | {"level": level, "school_year": school_year}, name)

    def learner(
        self,
        external_id: str,
        *,
        group: str | None = None,
        entered: date | None = None,
        left: date | None = None,
        reason: str | None = None,
        last_name: str | None = None,
        first_name: str | None = None,
        referent: str | None = None,
    ) -> int:
        """A learner, and their enrolment in the group when one is named."""
        row = {"external_id": external_id, "last_name": last_name, "first_name": first_name}
        row["referent_id"] = self.staff(referent) if referent else None
        identifier = self._add("learners", row, external_id)
        if group is not None:
            self.enrol(external_id, group, entered, left=left, reason=reason)
        return identifier

    def enrol(
        self,
        learner: str,
        group: str,
        entered: date | None,
        *,
        left: date | None = None,
        reason: str | None = None,
    ) -> int:
        """An enrolment of the learner in the group, from ``entered`` to ``left`` (reason)."""
        row = {"learner_id": self._id("learners", learner), "group_id": self._id("groups", group)}
        return self._add(
            "enrolments", row | {"entry_date": entered, "exit_date": left, "exit_reason": reason}
        )

    # --- what happened -----------------------------------------------------------------------

    def copy(
        self,
        learner: str,
        discipline: str,
        *,
        submitted: date,
        corrected: date | None = None,
        assignment: str = "",
        corrector: str | None = None,
        grade: float | None = None,
    ) -> int:
        row = {"learner_id": self._id("learners", learner), "discipline": discipline}
        row |= {"assignment": assignment, "submitted_on": submitted, "corrected_on": corrected}
        row |= {"corrector_id": self.staff(corrector) if corrector else None, "grade": grade}
        return self._add("copies", row)

    def assignment(
        self, group: str, discipline: str, title: str, *, due: date | None = None
    ) -> int:
        """A devoir set to the group, due on ``due``."""
        row = {"group_id": self._id("groups", group), "discipline": discipline, "title": title}
        return self._add("assignments", row | {"due_on": due})

    def absence(
        self,
        learner: str,
        day: date,
        *,
        half_day: str = "",
        half_days: float = 1.0,
        hours: float | None = None,
        justified: bool | None = None,
        reason: str | None = None,
    ) -> int:
        """An absence of the learner on ``day`` counting ``half_days``."""
        row = {"learner_id": self._id("learners", learner), "absent_on": day}
        row |= {"half_day": half_day, "half_days": half_days, "hours": hours}
        return self._add("absences", row | {"justified": justified, "reason": reason})

    def request(
        self,
        learner: str,
        discipline: str,
        *,
        received: datetime,
        answered: datetime | None = None,
        channel: str = "forum",
        tutor: str | None = None,
    ) -> int:
        """A tutoring request (sollicitation)."""
        row = {"learner_id": self._id("learners", learner), "discipline": discipline}
        row |= {"channel": channel, "received_at": received, "answered_at": answered}
        return self._add("tutoring_requests", row | {"staff_id": self._staff(tutor)})

    def interview(
        self,
        learner: str,
        held_on: date,
        interview_type: str,
        *,
        staff: str | None = None,
        objectives_set: int | None = None,
        notes: str | None = None,
    ) -> int:
        row = {"learner_id": self._id("learners", learner), "held_on": held_on}
        row |= {"interview_type": interview_type, "staff_id": self._staff(staff)}
        return self._add("interviews", row | {"objectives_set": objectives_set, "notes": notes})

    def need_group(
        self,
        name: str,
        *,
        need: str,
        kind: str,
        start: date,
        end: date,
        site: str | None = None,
        staff: str | None = None,
        hours_per_week: float = 2.5,
        slot: str | None = None,
        members: Iterable[str] = (),
    ) -> int:
        """A need group of a saved plan, with its members."""
        row = {"name": name, "need": need, "kind": kind, "site_id": self._site(site)}
        row |= {"period_start": start, "period_end": end, "staff_id": self._staff(staff)}
        identifier = self._add(
            "need_groups", row | {"planned_hours_per_week": hours_per_week, "slot": slot}, name
        )
        for learner in members:
            member = {"need_group_id": identifier, "learner_id": self._id("learners", learner)}
            self._rows["need_group_members"].append(member)
        return identifier

    def session(
        self,
        kind: str,
        held_on: date,
        hours: float,
        *,
        group: str | None = None,
        need_group: str | None = None,
        staff: str | None = None,
        discipline: str | None = None,
        present: Iterable[str] = (),
        absent: Iterable[str] = (),
    ) -> int:
        """A support session of a class group or a need group, and who attended it."""
        row = {"kind": kind, "group_id": self._id("groups", group), "held_on": held_on}
        row |= {"need_group_id": self._id("need_groups", need_group), "duration_hours": hours}
        row |= {"staff_id": self._staff(staff), "discipline": discipline}
        identifier = self._add("support_sessions", row)
        for learner, was_there in [(x, True) for x in present] + [(x, False) for x in absent]:
            self.attendance(identifier, learner, present=was_there)
        return identifier

    def attendance(self, session: int, learner: str, *, present: bool) -> None:
        row = {"session_id": session, "learner_id": self._id("learners", learner)}
        self._rows["attendance"].append(row | {"present": present})

    def diagnostic(self, learner: str, need: str, level: str, assessed_on: date) -> int:
        row = {"learner_id": self._id("learners", learner), "need": need, "level": level}
        return self._add("diagnostics", row | {"assessed_on": assessed_on})

    def _staff(self, name: str | None) -> int | None:
        return self.staff(name) if name else None

    def _site(self, name: str | None) -> int | None:
        return self.site(name) if name else None

    # --- the world as data -------------------------------------------------------------------

    def frames(self) -> Frames:
        return Frames.empty(
            **{
                name: pl.DataFrame(rows, infer_schema_length=None)
                for name, rows in self._rows.items()
            }
        )

    def dataset(self) -> Dataset:
        return prepare(self.frames())

    def write(self, engine: Engine) -> None:
        """Put the world in the database (one transaction, ids as told)."""
        frames = self.frames()
        with db.write_transaction(engine) as connection:
            for name, table in FRAME_TABLES.items():
                bulk_insert(connection, table, getattr(frames, name))
            reset_sequences(connection, list(FRAME_TABLES.values()))
