"""The one place where Preciso errors become HTTP responses."""

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse, Response

from preciso_dagster.core.errors import (
    BadDocumentError,
    ConflictError,
    DagsterUnavailableError,
    InvalidRequestError,
    NotFoundError,
    PrecisoError,
)

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
