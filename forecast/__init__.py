"""Capacity planning (*prévoir la charge*): pure Polars, frames in, frames out.

- ``history``: the weekly activity of each site and discipline up to the forecast's start
  (copies received and corrected, requests received and answered, who corrected and answered)
  and the backlog on its eve;
- ``seasonal``: the forecast of the weeks ahead from the same weeks of previous school years,
  scaled by this year's level, with an interval;
- ``capacity``: what a corrector (a tutor) clears in a week, measured from the data, and the
  team of each site and discipline;
- ``queue``: the weekly fluid queue (backlog, delays, share within the target, staff needed);
- ``plan``: the whole table, the one call of the page « Prévoir la charge » and of
  ``pilotage forecast``.
"""
