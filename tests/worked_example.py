"""A small world whose figures were worked out by hand (used by the flows, delays, tutoring
and page tests). The period under study is PERIOD, 5 to 31 January 2026.

Sites Lyon and Rennes. Groups: "CAP 1" (Lyon), "BTS" (Rennes), "Solo"
(Rennes, a group of one learner).
Learners:
- A001, A002 in CAP 1, referent Mme Tutrice;
- A003 in CAP 1 from 01/09/2025 to 09/01/2026 (réorientation), then in BTS from 05/01/2026:
  enrolled in two groups, both active in the period; referent M. Tuteur;
- A004 in BTS from 02/03/2026: entered after the period; referent M. Tuteur;
- A005 alone in Solo, no referent.

Copies (delay = corrected - submitted, in days):
- c1 A001 Maths    29/12/2025 -> 06/01/2026 (8): submitted before the period, corrected in it
- c2 A001 Français 05/01 -> 07/01 (2)
- c3 A002 Maths    06/01 -> 09/01 (3)
- c4 A003 Maths    12/01 -> 12/01 (0): attributed to BTS (Rennes), the enrolment in force
- c5 A005 Français 20/01 -> waiting
- c6 A003 Français 10/11/2025 -> 10/02/2026: attributed to CAP 1 (Lyon); waiting on 31/01
- c7 A002 Maths    26/01 -> 02/02 (after the period): received, waiting on 31/01
- c8 A004 Maths    05/03 -> 06/03: after the period
Tutoring requests:
- r1 A001 Maths 05/01 09:00 answered 06/01 09:00 (24 h) by Mme Tutrice
- r2 A002 Maths 07/01 10:00 answered 09/01 10:00 (48 h, within) by Mme Tutrice
- r3 A003 Français 08/01 08:00 answered 10/01 09:00 (49 h, late) by M. Tuteur
- r4 A005 Maths 20/01 12:00 never answered, no tutor (276 h old at the end of 31/01)
- r5 A001 Français 30/01 10:00 never answered, Mme Tutrice (38 h old at the end of 31/01)
- r6 A002 Maths 02/01 09:00 (before the period) answered 05/01 10:00 (73 h) by Mme Tutrice
Interviews: A001 10/01 (initial), A003 15/01 (suivi, Rennes), A002 01/12/2025.
"""

from __future__ import annotations

from datetime import date, datetime

from world import World

from data_access.frames import Frames
from indicators.common import Period
from indicators.dataset import Dataset

PERIOD = Period(date(2026, 1, 5), date(2026, 1, 31))
EMPTY_PERIOD = Period(date(2024, 1, 1), date(2024, 1, 31))

D = date
T = datetime


def world() -> World:
    w = World()
    w.staff("Mme Tutrice", role="tuteur", site="Lyon")
    w.staff("M. Correcteur", role="enseignant", site="Lyon")
    w.staff("M. Tuteur", role="tuteur", site="Rennes")
    w.group("CAP 1", site="Lyon", public="jeunes", modality="présentiel")
    w.group("BTS", site="Rennes", public="alternants", modality="distance")
    w.group("Solo", site="Rennes", public="jeunes", modality="présentiel")
    september = D(2025, 9, 1)
    w.learner("A001", group="CAP 1", entered=september, last_name="Un", referent="Mme Tutrice")
    w.learner("A002", group="CAP 1", entered=september, last_name="Deux", referent="Mme Tutrice")
    w.learner(
        "A003",
        group="CAP 1",
        entered=september,
        left=D(2026, 1, 9),
        reason="réorientation",
        last_name="Trois",
        referent="M. Tuteur",
    )
    w.enrol("A003", "BTS", D(2026, 1, 5))
    w.learner("A004", group="BTS", entered=D(2026, 3, 2), last_name="Quatre", referent="M. Tuteur")
    w.learner("A005", group="Solo", entered=september, last_name="Cinq")

    for number, (learner, discipline, submitted, corrected, corrector, grade) in enumerate(
        [
            ("A001", "Maths", D(2025, 12, 29), D(2026, 1, 6), "M. Correcteur", 12.0),
            ("A001", "Français", D(2026, 1, 5), D(2026, 1, 7), "M. Correcteur", 14.0),
            ("A002", "Maths", D(2026, 1, 6), D(2026, 1, 9), "M. Correcteur", 9.0),
            ("A003", "Maths", D(2026, 1, 12), D(2026, 1, 12), "Mme Tutrice", 15.0),
            ("A005", "Français", D(2026, 1, 20), None, None, None),
            ("A003", "Français", D(2025, 11, 10), D(2026, 2, 10), "M. Correcteur", 11.0),
            ("A002", "Maths", D(2026, 1, 26), D(2026, 2, 2), "M. Correcteur", 10.0),
            ("A004", "Maths", D(2026, 3, 5), D(2026, 3, 6), "Mme Tutrice", 13.0),
        ],
        start=1,
    ):
        w.copy(
            learner,
            discipline,
            submitted=submitted,
            corrected=corrected,
            assignment=f"Devoir {number}",
            corrector=corrector,
            grade=grade,
        )
    for learner, discipline, channel, received, answered, tutor in [
        ("A001", "Maths", "électronique", T(2026, 1, 5, 9), T(2026, 1, 6, 9), "Mme Tutrice"),
        ("A002", "Maths", "téléphone", T(2026, 1, 7, 10), T(2026, 1, 9, 10), "Mme Tutrice"),
        ("A003", "Français", "forum", T(2026, 1, 8, 8), T(2026, 1, 10, 9), "M. Tuteur"),
        ("A005", "Maths", "électronique", T(2026, 1, 20, 12), None, None),
        ("A001", "Français", "forum", T(2026, 1, 30, 10), None, "Mme Tutrice"),
        ("A002", "Maths", "forum", T(2026, 1, 2, 9), T(2026, 1, 5, 10), "Mme Tutrice"),
    ]:
        w.request(
            learner, discipline, received=received, answered=answered, channel=channel, tutor=tutor
        )
    w.interview("A001", D(2026, 1, 10), "initial", staff="Mme Tutrice")
    w.interview("A003", D(2026, 1, 15), "suivi", staff="M. Tuteur")
    w.interview("A002", D(2025, 12, 1), "initial", staff="Mme Tutrice")
    return w


def frames() -> Frames:
    return world().frames()


def dataset() -> Dataset:
    return world().dataset()
