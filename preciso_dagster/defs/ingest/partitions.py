"""One dynamic partition per document, keyed by its content-derived document id."""

import dagster as dg

documents_partitions = dg.DynamicPartitionsDefinition(name="documents")
