"""The one place where Preciso errors become HTTP responses."""

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from preciso_dagster.core.errors import (
    BadDocumentError,
    ConflictError,
    DagsterUnavailableError,
    InvalidRequestError,
    NotFoundError,
    PrecisoError,
)
from preciso_dagster.core.tracking.submissions import JOB_TYPES

JOBS_PATH = "/api/v1/jobs"

HTTP_STATUS_FOR: tuple[tuple[type[PrecisoError], int], ...] = (
    (BadDocumentError, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (InvalidRequestError, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (NotFoundError, status.HTTP_404_NOT_FOUND),
    (ConflictError, status.HTTP_409_CONFLICT),
    (DagsterUnavailableError, status.HTTP_503_SERVICE_UNAVAILABLE),
)


def status_for(error: PrecisoError) -> int:
    for error_type, code in HTTP_STATUS_FOR:
        if isinstance(error, error_type):
            return code
    return status.HTTP_400_BAD_REQUEST


def install_error_handlers(app: FastAPI) -> None:
    async def handle(request: Request, error: Exception) -> Response:
        assert isinstance(error, PrecisoError)
        if request.url.path.startswith("/ui/"):  # a console page: the same words, as a page
            return await request.app.state.console_error_page(
                request, status_for(error), str(error)
            )
        return JSONResponse({"detail": str(error)}, status_code=status_for(error))

    app.add_exception_handler(PrecisoError, handle)
    app.add_exception_handler(RequestValidationError, _invalid_request)


async def _invalid_request(request: Request, error: Exception) -> Response:
    """A job request's body errors in one line, as the job-type registry words them; every
    other route answers FastAPI's list of errors."""
    assert isinstance(error, RequestValidationError)
    if request.method != "POST" or request.url.path != JOBS_PATH:
        return await request_validation_exception_handler(request, error)
    return JSONResponse(
        {"detail": job_request_problem(error.errors())},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def job_request_problem(errors: Sequence[Mapping[str, Any]]) -> str:
    """`unknown job_type 'x'; known: ...` or `params.document_id: Field required; ...`."""
    problems = []
    for error in errors:
        if error["type"] == "union_tag_invalid":
            problems.append(
                f"unknown job_type {error['ctx']['tag']!r}; known: {error['ctx']['expected_tags']}"
            )
            continue
        if error["type"] == "union_tag_not_found":
            problems.append("job_type: Field required")
            continue
        place = [str(part) for part in error["loc"][1:] if part not in JOB_TYPES]
        problems.append(f"{'.'.join(place) or 'body'}: {error['msg']}")
    return "; ".join(problems)
