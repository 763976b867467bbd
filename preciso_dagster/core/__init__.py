"""The framework-free core: numbers, extraction, the app database, jobs, review and training.

It imports neither dagster nor fastapi; the Dagster shell (`defs/`) and the API shell
(`api_bridge/`) both build on it."""
