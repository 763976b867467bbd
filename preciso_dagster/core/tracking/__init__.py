"""pipeline_jobs: the product's view of every run, whoever launched it."""
