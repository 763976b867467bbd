"""The stored form of extracted pages: the one typed record every domain reads.

Extraction writes it (the `document_pages` asset, and `documents.pages` in the app database);
review lays its decisions over it (`state`, `read_as`, `settled`); numeric checks, training
candidates, exports and the console read it. Nobody reads another domain's dict by string keys.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Coordinate = int | float  # image pixels (OCR) are ints, PDF points floats; kept as read
Box = tuple[Coordinate, Coordinate, Coordinate, Coordinate]
NumberState = Literal["verified", "confirmed", "corrected", "rejected", "open"]


class Record(BaseModel):
    """A stored record: unknown keys are refused, so a renamed field cannot be lost silently."""

    model_config = ConfigDict(extra="forbid")


class NumberRecord(Record):
    """One number (or unread region) of a page, with its readings and, after review, its state."""

    kind: str = "number"
    raw: str
    value: str | None = None
    span: tuple[int, int] | None = None
    box: Box | None = None
    verified: bool = False
    readings: dict[str, str | None] = Field(default_factory=dict)
    reason: str | None = None
    state: NumberState | None = None  # set by the review overlay
    read_as: str | None = None  # what OCR read, when a reviewer corrected it


class WordRecord(Record):
    text: str
    box: Box


class AttemptRecord(Record):
    engine: str
    accepted: bool
    reason: str
    confidence: float | None = None
    seconds: float = 0.0


class PageRecord(Record):
    """One page: its text, the engine that gave it and why, its words and numbers."""

    index: int
    engine: str | None = None
    text: str = ""
    confidence: float | None = None
    attempts: list[AttemptRecord] = Field(default_factory=list)
    needs_review: bool = False
    review_reasons: list[str] = Field(default_factory=list)
    dpi: int | None = None
    rotation: int = 0
    skew: float = 0.0  # degrees the page was turned anticlockwise after `rotation`
    seconds: float = 0.0
    ocr_lines: list[dict[str, Any]] = Field(default_factory=list)  # the engines' raw lines
    words: list[WordRecord] = Field(default_factory=list)
    numbers: list[NumberRecord] = Field(default_factory=list)
    review_items: list[NumberRecord] = Field(default_factory=list)
    settled: bool | None = None  # set by the review overlay: every number settled


class DocumentPages(Record):
    """A document's pages as extraction left them, or with reviewers' decisions laid over."""

    sha256: str
    format: str
    format_mismatch: str | None = None
    pages: list[PageRecord]


PAGE_LIST = TypeAdapter(list[PageRecord])


def word_spans(text: str, words: list[str]) -> list[tuple[int, int] | None]:
    """Where each word stands in the page text, each found after the one before it (words
    come in reading order); None for a word the text does not hold there."""
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for word in words:
        found = text.find(word, cursor)
        if found < 0:
            spans.append(None)
            continue
        cursor = found + len(word)
        spans.append((found, cursor))
    return spans
