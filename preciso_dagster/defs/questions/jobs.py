"""`rag_query_job`: a heavy question answered in Dagster (async queries, behind a flag)."""

import uuid

import dagster as dg

from preciso_dagster.core.questions.answers import writer_for
from preciso_dagster.core.questions.queries import answer_query, get_query
from preciso_dagster.core.tracking.submissions import JOB_TYPES
from preciso_dagster.core.training.registry import ModelRegistry
from preciso_dagster.core.training.serving import ServingModelCache
from preciso_dagster.defs.appdb import AppDatabaseResource
from preciso_dagster.defs.retries import TRANSIENT_RETRY_POLICY


class QueryConfig(dg.Config):
    """The recorded query to answer (`POST /api/v1/queries` records it)."""

    query_id: str


class AnswerWriterResource(dg.ConfigurableResource):
    """Who writes answers' text: "extractive" (the default) or "package.module:Class"."""

    writer: str = "extractive"


@dg.op(retry_policy=TRANSIENT_RETRY_POLICY)
def answer_recorded_query(
    context: dg.OpExecutionContext,
    config: QueryConfig,
    app_db: AppDatabaseResource,
    answer_writer: AnswerWriterResource,
    mlflow_registry: dg.ResourceParam[ModelRegistry],
) -> None:
    """Answer the query with no time limit and store the answer; concepts for aggregates come
    from the serving model, or the taxonomy rules while none serves."""
    with app_db.session() as session:
        query = get_query(session, uuid.UUID(config.query_id))
        result = answer_query(
            session,
            query,
            writer=writer_for(answer_writer.writer),
            labeller=ServingModelCache().labeller(mlflow_registry),
            time_limit=None,
        )
    context.log.info(
        f"answered {config.query_id}: {result.kind}, {len(result.passages)} passages cited, "
        f"numbers supported: {result.number_check.passed}"
    )


@dg.job(name=JOB_TYPES["rag_query"].dagster_job, tags=JOB_TYPES["rag_query"].tags)
def rag_query_job() -> None:
    """A heavy question over the verified documents, answered with citations."""
    answer_recorded_query()
