"""Training as Dagster: candidates, the approval sensor, the training job, registration."""
