"""Numeric preservation as assets and checks: every number survives normalisation."""
