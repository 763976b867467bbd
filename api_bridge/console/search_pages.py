"""Search: a question over the verified documents, answered with citations in the console."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api_bridge.console.deps import UserDep
from api_bridge.console.rendering import render
from api_bridge.deps import SessionDep
from preciso_dagster.core.appdb.storable import DOCUMENT_ID_PATTERN
from preciso_dagster.core.questions.answers import answer, writer_for

router = APIRouter()
CONSOLE_TOP_K = 10


@router.get("/ui/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    user: UserDep,
    q: Annotated[str, Query(max_length=2000, pattern=r"^[^\x00]*$")] = "",
    document: Annotated[str | None, Query(pattern=DOCUMENT_ID_PATTERN)] = None,
) -> HTMLResponse:
    """Passages that answer the question (in one document, or all), each number marked
    verified or not, with links to the page; an aggregate question shows its totals by year
    and what was left out."""
    settings = request.app.state.settings
    result = None
    if q.strip():
        result = answer(
            session,
            q,
            document_ids=[document] if document else None,
            top_k=CONSOLE_TOP_K,
            writer=writer_for(settings.answer_writer),
            labeller=request.app.state.serving_models.labeller(request.app.state.registry),
            time_limit=settings.rag_sync_time_limit_seconds,
        )
    return render(request, "search.html", user, question=q, document=document, result=result)
