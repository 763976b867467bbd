"""Dagster shell of the questions domain: the passage index and rag_query_job."""
