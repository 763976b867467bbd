"""The API bridge: a small FastAPI service that submits Dagster runs and serves pipeline_jobs."""
