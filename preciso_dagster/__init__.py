"""Preciso's Dagster code location and the shared core (settings, app database, extraction)."""
