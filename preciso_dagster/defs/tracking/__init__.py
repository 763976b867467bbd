"""Mirroring Dagster runs into pipeline_jobs: the run observer and the mirror sensor."""
