"""The one place where Preciso errors become CLI exit codes."""

from preciso_dagster.core.errors import BadDocumentError, DevModeOnlyError, PrecisoError

CHECK_FAILED = 1
BAD_INPUT = 2
REFUSED = 3
ERROR = 4
NO_DATABASE = 5  # the app database does not exist yet: `preciso db init`


def exit_code_for(error: PrecisoError) -> int:
    if isinstance(error, BadDocumentError):
        return BAD_INPUT
    if isinstance(error, DevModeOnlyError):
        return REFUSED
    return ERROR
