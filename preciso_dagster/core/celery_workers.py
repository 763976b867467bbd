"""Which Celery workers answer, asked over the broker (the `celery` profile)."""

from __future__ import annotations

from celery import Celery
from kombu.exceptions import OperationalError
from kombu.utils.url import maybe_sanitize_url

from preciso_dagster.core.errors import BrokerUnavailableError


def live_workers(broker_url: str, timeout: float = 1.0) -> list[str]:
    """The names of the workers that answer a ping within `timeout` seconds, sorted. Raises
    BrokerUnavailableError when the broker itself does not answer."""
    app = Celery("preciso-status", broker=broker_url)
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
            replies = app.control.ping(timeout=timeout, connection=connection)
    except (OSError, OperationalError) as error:
        raise BrokerUnavailableError(
            f"the broker at {maybe_sanitize_url(broker_url)} does not answer: {error}"
        ) from error
    return sorted(name for reply in replies for name in reply)
