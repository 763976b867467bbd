"""The one error hierarchy; the API maps it to HTTP codes and the CLI to exit codes, once each."""


class PrecisoError(Exception):
    """Base class for every error Preciso raises on purpose."""


class BadDocumentError(PrecisoError):
    """The document itself is unusable (empty, malformed, encrypted, unsupported, too large)."""


class EngineUnavailableError(PrecisoError):
    """An extraction engine is not installed or cannot run here."""


class TransientEngineError(PrecisoError):
    """An engine failed in a way that a retry may fix."""


class NotFoundError(PrecisoError):
    """The requested record does not exist."""


class ConflictError(PrecisoError):
    """The request conflicts with existing state (for example an idempotency key reused)."""


class InvalidRequestError(PrecisoError):
    """The request is well formed but its content is not acceptable."""


class DagsterUnavailableError(PrecisoError):
    """Dagster's GraphQL endpoint did not answer: worth trying again later."""


class BrokerUnavailableError(PrecisoError):
    """The Celery broker cannot be reached (the `celery` profile)."""


class SubmissionRefusedError(PrecisoError):
    """Dagster answered and refused this run (bad config, unknown job): never worth a retry."""


class DevModeOnlyError(PrecisoError):
    """A destructive operation was asked for outside dev mode."""
