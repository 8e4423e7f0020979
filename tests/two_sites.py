"""A two-site world whose sites' figures all differ, for the tests of who sees what.

Lyon: groups "CAP Rhône" and "BTS Saône", 3 learners (Léa and Paul Lyonnais in CAP Rhône, Zoé
Rhodanien in BTS Saône; Paul dropped out on 15/01/2026), staff "Mme Fourvière" (Lyon),
3 copies, 2 tutoring requests, 3 interviews, 1 AP session of 2 h.
Marseille: group "CAP Calanque", 5 learners (Phocéen 1 to 5; one left on 30/11/2025, another
on 15/02/2026), staff "M. Canebière" (Marseille), 7 copies, 5 requests, 6 interviews, 2 AP
sessions of 1,5 h, diagnostics and a saved AP plan.

Everything Marseille's carries a word that Lyon's never does (MARSEILLE_WORDS), so that a test
can look for it anywhere on a Lyon user's screen.
"""

from __future__ import annotations

from datetime import date, datetime

from world import World

LYON_WORDS = ("Lyon", "Fourvière", "Lyonnais", "Rhodanien", "LY-", "CAP Rhône", "BTS Saône")
MARSEILLE_WORDS = ("Marseille", "Canebière", "Phocéen", "MA-", "Calanque")
LYON_LEARNERS = ("LY-001", "LY-002", "LY-003")
MARSEILLE_LEARNERS = tuple(f"MA-00{n}" for n in range(1, 6))


def two_sites() -> World:
    world = World()
    world.staff("Mme Fourvière", role="enseignant", site="Lyon", weekly_hours=4)
    world.staff("M. Canebière", role="enseignant", site="Marseille", weekly_hours=6)
    world.group("CAP Rhône", site="Lyon", public="jeunes", level="CAP")
    world.group("BTS Saône", site="Lyon", public="alternants", level="BTS")
    world.group("CAP Calanque", site="Marseille", public="jeunes", level="CAP")
    start = date(2025, 9, 1)

    world.learner("LY-001", group="CAP Rhône", entered=start, last_name="Lyonnais",
                  first_name="Léa", referent="Mme Fourvière")  # fmt: skip
    world.learner("LY-002", group="CAP Rhône", entered=start, left=date(2026, 1, 15),
                  reason="abandon", last_name="Lyonnais", first_name="Paul",
                  referent="Mme Fourvière")  # fmt: skip
    world.learner("LY-003", group="BTS Saône", entered=start, last_name="Rhodanien",
                  first_name="Zoé", referent="Mme Fourvière")  # fmt: skip
    exits = {2: (date(2025, 11, 30), "abandon"), 4: (date(2026, 2, 15), "réorientation")}
    for n in range(1, 6):
        left, reason = exits.get(n, (None, None))
        world.learner(f"MA-00{n}", group="CAP Calanque", entered=start, left=left,
                      reason=reason, last_name="Phocéen", first_name=f"Marius{n}",
                      referent="M. Canebière")  # fmt: skip

    for learner, submitted, corrected in (
        ("LY-001", date(2025, 10, 6), date(2025, 10, 8)),
        ("LY-002", date(2025, 11, 3), date(2025, 11, 10)),
        ("LY-003", date(2026, 3, 2), None),
    ):
        world.copy(learner, "Maths", submitted=submitted, corrected=corrected,
                   corrector="Mme Fourvière", grade=12.0 if corrected else None)  # fmt: skip
    for n, (submitted, corrected) in enumerate(
        [
            (date(2025, 9, 15), date(2025, 9, 16)),
            (date(2025, 10, 1), date(2025, 10, 2)),
            (date(2025, 11, 3), date(2025, 11, 4)),
            (date(2025, 12, 1), date(2025, 12, 2)),
            (date(2026, 1, 12), date(2026, 1, 13)),
            (date(2026, 2, 2), date(2026, 2, 3)),
            (date(2026, 3, 2), date(2026, 3, 3)),
        ],
        start=1,
    ):
        learner = f"MA-00{1 + (n % 5)}"
        world.copy(learner, "Français", submitted=submitted, corrected=corrected,
                   assignment=f"Devoir {n}", corrector="M. Canebière", grade=9.0)  # fmt: skip

    world.request("LY-001", "Maths", received=datetime(2025, 10, 6, 9),
                  answered=datetime(2025, 10, 6, 17), tutor="Mme Fourvière")  # fmt: skip
    world.request("LY-003", "Maths", received=datetime(2026, 2, 2, 9), tutor="Mme Fourvière")
    for n in range(1, 6):
        world.request(f"MA-00{n}", "Français", received=datetime(2025, 10, n, 10),
                      answered=datetime(2025, 10, n + 4, 10), tutor="M. Canebière")  # fmt: skip

    for learner, kind in (("LY-001", "initial"), ("LY-001", "diagnostic"), ("LY-003", "initial")):
        world.interview(learner, date(2025, 9, 10), kind, staff="Mme Fourvière",
                        objectives_set=1, notes="Lyonnais : entretien")  # fmt: skip
    for n in range(1, 4):
        world.interview(f"MA-00{n}", date(2025, 9, 12), "initial", staff="M. Canebière",
                        notes="Phocéen confie des difficultés")  # fmt: skip
        world.interview(f"MA-00{n}", date(2025, 10, 3), "diagnostic", staff="M. Canebière")

    world.session("AP", date(2025, 10, 7), 2.0, group="CAP Rhône", staff="Mme Fourvière",
                  present=["LY-001"], absent=["LY-002"])  # fmt: skip
    world.session("AP", date(2025, 10, 9), 1.5, group="CAP Calanque", staff="M. Canebière",
                  present=["MA-001", "MA-003"], absent=["MA-005"])  # fmt: skip
    world.session("AP", date(2025, 10, 16), 1.5, group="CAP Calanque", staff="M. Canebière",
                  present=["MA-001"])  # fmt: skip

    for n in (1, 3, 5):
        world.diagnostic(f"MA-00{n}", "Fractions", "non acquis", date(2025, 9, 20))
    world.diagnostic("LY-001", "Lecture", "en cours", date(2025, 9, 20))
    world.need_group("Calanque Fractions", need="Fractions", kind="AP", start=date(2025, 11, 3),
                     end=date(2025, 12, 19), site="Marseille", staff="M. Canebière",
                     members=["MA-001", "MA-003"])  # fmt: skip
    return world
