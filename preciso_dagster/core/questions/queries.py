"""Stored questions: recorded when asked, answered at once (light, or heavy with async off)
or by `rag_query_job` (heavy with async on), and read back by id."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from preciso_dagster.core.appdb.models import StoredQuery
from preciso_dagster.core.errors import NotFoundError
from preciso_dagster.core.questions.answers import Answer, AnswerWriter, ConceptLabeller, answer

PENDING, ANSWERED, FAILED = "pending", "answered", "failed"


def record_query(
    session: Session,
    question: str,
    document_ids: Sequence[str] | None,
    top_k: int,
    *,
    heavy: bool,
    requested_by: str,
) -> StoredQuery:
    query = StoredQuery(
        question=question,
        params={
            "document_ids": list(document_ids) if document_ids is not None else None,
            "top_k": top_k,
        },
        heavy=heavy,
        status=PENDING,
        requested_by=requested_by,
    )
    session.add(query)
    session.flush()
    return query


def get_query(session: Session, query_id: uuid.UUID) -> StoredQuery:
    query = session.get(StoredQuery, query_id)
    if query is None:
        raise NotFoundError(f"query {query_id} not found")
    return query


def answer_query(
    session: Session,
    query: StoredQuery,
    *,
    writer: AnswerWriter,
    labeller: ConceptLabeller,
    time_limit: float | None,
) -> Answer:
    """Answer a recorded query and store the answer on it."""
    result = answer(
        session,
        query.question,
        document_ids=query.params.get("document_ids"),
        top_k=int(query.params.get("top_k", 5)),
        writer=writer,
        labeller=labeller,
        time_limit=time_limit,
    )
    query.answer = result.model_dump(mode="json")
    query.status = ANSWERED
    query.error = None
    session.flush()
    return result
