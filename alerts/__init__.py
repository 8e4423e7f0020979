"""Alerts: rules evaluated on the indicators, with thresholds in the settings."""
