"""Pages of text from every supported format, through a deterministic engine order.

With provenance for every page; content-addressed storage and registration."""
