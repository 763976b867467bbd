"""Document arrival, content-addressed storage and extraction of pages of text."""
