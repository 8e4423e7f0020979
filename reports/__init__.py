"""Reports: the monthly report and the yearly publication figures, computed from the indicators."""
