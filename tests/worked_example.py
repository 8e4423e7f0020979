"""A small world whose figures were worked out by hand (used by the flows, delays, tutoring
and page tests). The period under study is PERIOD, 5 to 31 January 2026.

Sites Lyon (id 1) and Rennes (id 2). Groups: "CAP 1" (Lyon), "BTS" (Rennes), "Solo"
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

import polars as pl

from data_access.frames import Frames
from indicators.common import Period
from indicators.dataset import Dataset, prepare

PERIOD = Period(date(2026, 1, 5), date(2026, 1, 31))
EMPTY_PERIOD = Period(date(2024, 1, 1), date(2024, 1, 31))

D = date
T = datetime


def frames() -> Frames:
    return Frames.empty(
        sites=pl.DataFrame({"id": [1, 2], "name": ["Lyon", "Rennes"]}),
        staff=pl.DataFrame(
            {
                "id": [1, 2, 3],
                "name": ["Mme Tutrice", "M. Correcteur", "M. Tuteur"],
                "role": ["tuteur", "enseignant", "tuteur"],
                "site_id": [1, 1, 2],
            }
        ),
        groups=pl.DataFrame(
            {
                "id": [1, 2, 3],
                "site_id": [1, 2, 2],
                "name": ["CAP 1", "BTS", "Solo"],
                "public": ["jeunes", "alternants", "jeunes"],
                "modality": ["présentiel", "distance", "présentiel"],
                "school_year": ["2025-2026"] * 3,
            }
        ),
        learners=pl.DataFrame(
            {
                "id": [1, 2, 3, 4, 5],
                "external_id": ["A001", "A002", "A003", "A004", "A005"],
                "last_name": ["Un", "Deux", "Trois", "Quatre", "Cinq"],
                "referent_id": [1, 1, 3, 3, None],
            }
        ),
        enrolments=pl.DataFrame(
            {
                "id": [1, 2, 3, 4, 5, 6],
                "learner_id": [1, 2, 3, 3, 4, 5],
                "group_id": [1, 1, 1, 2, 2, 3],
                "entry_date": [
                    D(2025, 9, 1),
                    D(2025, 9, 1),
                    D(2025, 9, 1),
                    D(2026, 1, 5),
                    D(2026, 3, 2),
                    D(2025, 9, 1),
                ],
                "exit_date": [None, None, D(2026, 1, 9), None, None, None],
                "exit_reason": [None, None, "réorientation", None, None, None],
            }
        ),
        copies=pl.DataFrame(
            {
                "id": [1, 2, 3, 4, 5, 6, 7, 8],
                "learner_id": [1, 1, 2, 3, 5, 3, 2, 4],
                "discipline": [
                    "Maths",
                    "Français",
                    "Maths",
                    "Maths",
                    "Français",
                    "Français",
                    "Maths",
                    "Maths",
                ],
                "assignment": [f"Devoir {i}" for i in range(1, 9)],
                "submitted_on": [
                    D(2025, 12, 29),
                    D(2026, 1, 5),
                    D(2026, 1, 6),
                    D(2026, 1, 12),
                    D(2026, 1, 20),
                    D(2025, 11, 10),
                    D(2026, 1, 26),
                    D(2026, 3, 5),
                ],
                "corrected_on": [
                    D(2026, 1, 6),
                    D(2026, 1, 7),
                    D(2026, 1, 9),
                    D(2026, 1, 12),
                    None,
                    D(2026, 2, 10),
                    D(2026, 2, 2),
                    D(2026, 3, 6),
                ],
                "corrector_id": [2, 2, 2, 1, None, 2, 2, 1],
                "grade": [12.0, 14.0, 9.0, 15.0, None, 11.0, 10.0, 13.0],
            }
        ),
        tutoring_requests=pl.DataFrame(
            {
                "id": [1, 2, 3, 4, 5, 6],
                "learner_id": [1, 2, 3, 5, 1, 2],
                "discipline": ["Maths", "Maths", "Français", "Maths", "Français", "Maths"],
                "channel": ["électronique", "téléphone", "forum", "électronique", "forum", "forum"],
                "received_at": [
                    T(2026, 1, 5, 9),
                    T(2026, 1, 7, 10),
                    T(2026, 1, 8, 8),
                    T(2026, 1, 20, 12),
                    T(2026, 1, 30, 10),
                    T(2026, 1, 2, 9),
                ],
                "answered_at": [
                    T(2026, 1, 6, 9),
                    T(2026, 1, 9, 10),
                    T(2026, 1, 10, 9),
                    None,
                    None,
                    T(2026, 1, 5, 10),
                ],
                "staff_id": [1, 1, 3, None, 1, 1],
            }
        ),
        interviews=pl.DataFrame(
            {
                "id": [1, 2, 3],
                "learner_id": [1, 3, 2],
                "staff_id": [1, 3, 1],
                "held_on": [D(2026, 1, 10), D(2026, 1, 15), D(2025, 12, 1)],
                "interview_type": ["initial", "suivi", "initial"],
            }
        ),
    )


def dataset() -> Dataset:
    return prepare(frames())
