"""Questions over verified documents: passages with provenance, full-text search, answers."""
