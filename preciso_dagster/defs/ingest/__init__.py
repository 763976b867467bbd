"""Document arrival as Dagster: the inbox sensor, the partitions, the pages asset."""
