"""The document pipeline as jobs over every domain's assets.

One run per document, batches, re-checks, and the continuation after review."""
