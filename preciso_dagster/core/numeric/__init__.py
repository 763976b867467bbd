"""Numeric preservation: finding numbers, normalising them exactly, and comparing two texts."""
