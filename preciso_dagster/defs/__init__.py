"""The Dagster shell: assets, checks, sensors, jobs and resources per domain, over the core.

`definitions.py` assembles them."""
