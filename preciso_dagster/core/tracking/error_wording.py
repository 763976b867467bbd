"""Job errors in words a person reads; the library's own words stay in the job's events."""

from __future__ import annotations

import re

NEEDS_REVIEW_CHECK = "numbers_verified"

# (pattern in a library or Dagster message, what it means for the person reading the job)
PLAIN_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"FzErrorSyntax|FzErrorFormat|broken document|FileDataError|no objects found"),
        "the PDF is damaged: its structure cannot be read",
    ),
    (re.compile(r"encrypted|password", re.I), "the document is encrypted: it needs its password"),
    (
        re.compile(rf"check {NEEDS_REVIEW_CHECK}: (\d+) numbers need review"),
        r"numbers waiting for a reviewer: \1",
    ),
    (
        re.compile(r"check normalized_text_keeps_numbers"),
        "normalising the text changed a number, so the text was not used",
    ),
)


def plain_error(error: str | None) -> str | None:
    """Each line of a run's error as a person would say it; lines with no known meaning stay."""
    if not error:
        return error
    lines = []
    for line in error.splitlines():
        for pattern, words in PLAIN_WORDS:
            found = pattern.search(line)
            if found:
                line = found.expand(words)
                break
        lines.append(line)
    return "\n".join(dict.fromkeys(lines))
