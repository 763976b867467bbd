"""Retry policies shared by every asset: transient engine or I/O trouble is retried with backoff."""

import dagster as dg

TRANSIENT_RETRY_POLICY = dg.RetryPolicy(
    max_retries=3,
    delay=2,
    backoff=dg.Backoff.EXPONENTIAL,
    jitter=dg.Jitter.PLUS_MINUS,
)
