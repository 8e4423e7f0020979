"""Planning personalised support (AP, aide individualisée): need groups from the diagnostics.

Pure Python and Polars, no I/O, no Streamlit; one module per concern:

- plan.py: a Plan (groups, members, unplaced needs, staff), the weekly slots, the views;
- request.py: what a plan is for and ``propose``, the one call of the page and the CLI;
- proposal.py: how the groups are formed, staffed and timetabled;
- rules.py: the constraints checked after every change;
- edits.py: the team's edits (move a learner, change a group, add or remove one);
- printable.py: the plan as French text, JSON and a workbook ready to print.

Saving and loading plans is data_access/plans.py; following a saved plan against the hours
delivered is indicators/plan_followup.py.
"""
