"""Answering a question from the passage index: ranked passages with citations, or, when the
question asks for a concept summed across documents, the verified amounts added up.

What decides the path (docs/questions.md has the table):
- an **aggregate** question names a taxonomy concept and asks to add it up (`AGGREGATE_CUES`);
- a **heavy** question is an aggregate, or asks for more than LIGHT_MAX_TOP_K passages, or
  names more than LIGHT_MAX_DOCUMENTS documents. Everything else is light.

Only verified, confirmed or corrected amounts are summed; every other amount is listed as left
out. Whatever writes the answer's text, its numbers are checked against the cited passages.
"""

from __future__ import annotations

import importlib
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Protocol

from pydantic import BaseModel
from sqlalchemy.orm import Session

from preciso_dagster.core.numeric.numbers import extract_numbers
from preciso_dagster.core.pages import Box
from preciso_dagster.core.questions.index import Hit, passages_of_documents, search
from preciso_dagster.core.questions.passages import Passage, PassageNumber
from preciso_dagster.core.training.taxonomy import (
    UNKNOWN,
    concepts_by_rules,
    normalize_label,
    propose_concept,
)

LIGHT_MAX_TOP_K = 20
LIGHT_MAX_DOCUMENTS = 20
AGGREGATE_CUES = (
    "sum", "add up", "across", "by year", "by fiscal year", "per year", "each year",
    "all statements", "all documents", "합계", "합산", "연도별",
)  # fmt: skip
UNSPECIFIED_PERIOD = "unspecified"
ConceptLabeller = Callable[[list[str]], tuple[str, list[str]]]  # labels -> (who, concepts)


class Citation(BaseModel):
    document_id: str
    page_index: int
    line_start: int
    line_end: int
    boxes: list[Box]

    @classmethod
    def of(cls, passage: Passage) -> Citation:
        return cls(
            document_id=passage.document_id,
            page_index=passage.page_index,
            line_start=passage.line_start,
            line_end=passage.line_end,
            boxes=passage.boxes,
        )


class CitedPassage(BaseModel):
    marker: int  # [n] in the answer's text
    citation: Citation
    text: str
    score: float
    numbers: list[PassageNumber]


class Contribution(BaseModel):
    """One amount of a line item whose concept the question asked for."""

    marker: int
    label: str
    period: str
    amount: str
    raw: str
    state: str


class AggregateRow(BaseModel):
    period: str
    total: str  # an exact decimal
    numbers: int


class Aggregate(BaseModel):
    concept: str
    concepts_by: str  # "model version N" or "taxonomy rules"
    rows: list[AggregateRow]
    contributions: list[Contribution]  # verified amounts, each cited
    left_out: list[Contribution]  # unverified amounts: never summed
    complete: bool = True  # False: the time limit stopped it; the rows cover what was read


class NumberCheck(BaseModel):
    """The answer text's numbers against its sources: supported by a verified number or a
    computed total, stated from an unverified number, or found in no source at all."""

    supported: int
    unverified: list[str]
    unsupported: list[str]

    @property
    def passed(self) -> bool:
        return not self.unsupported


class Answer(BaseModel):
    question: str
    kind: str  # passages | aggregate
    heavy: bool
    writer: str
    text: str
    passages: list[CitedPassage]
    aggregate: Aggregate | None = None
    number_check: NumberCheck
    notes: list[str] = []


class AnswerWriter(Protocol):
    """Writes the answer's text from the cited passages and any aggregate. Numbers it writes
    are checked afterwards; a writer cannot mark its own answer as supported."""

    name: str

    def write(
        self, question: str, passages: list[CitedPassage], aggregate: Aggregate | None
    ) -> str: ...  # fmt: skip


class ExtractiveWriter:
    """The default: the aggregate's totals, or the passages themselves, quoted with markers."""

    name = "extractive"

    def write(
        self, question: str, passages: list[CitedPassage], aggregate: Aggregate | None
    ) -> str:
        if aggregate is not None:
            lines = [f"{aggregate.concept}:"]
            for row in aggregate.rows:
                markers = sorted(
                    {c.marker for c in aggregate.contributions if c.period == row.period}
                )
                cited = "".join(f"[{m}]" for m in markers)
                lines.append(f"{row.period}: {row.total} {cited}")
            if aggregate.left_out:
                lines.append(f"{len(aggregate.left_out)} unverified amounts left out.")
            return "\n".join(lines)
        return "\n\n".join(f"[{p.marker}] {p.text}" for p in passages)


def writer_for(setting: str) -> AnswerWriter:
    """The writer a deployment chose (`PRECISO_ANSWER_WRITER`): "extractive", or
    "package.module:Class" for its own (built with no arguments)."""
    if setting == ExtractiveWriter.name:
        return ExtractiveWriter()
    module, _, name = setting.partition(":")
    writer: AnswerWriter = getattr(importlib.import_module(module), name)()
    return writer


def is_aggregate(question: str) -> str | None:
    """The concept a question asks to add up, or None."""
    folded = normalize_label(question)
    if not any(cue in folded for cue in AGGREGATE_CUES):
        return None
    concept = propose_concept(question)
    return None if concept == UNKNOWN else concept


def is_heavy(question: str, document_ids: Sequence[str] | None, top_k: int) -> bool:
    return is_aggregate(question) is not None or _is_large(document_ids, top_k)


def _is_large(document_ids: Sequence[str] | None, top_k: int) -> bool:
    return top_k > LIGHT_MAX_TOP_K or (
        document_ids is not None and len(document_ids) > LIGHT_MAX_DOCUMENTS
    )


def answer(
    session: Session,
    question: str,
    *,
    document_ids: Sequence[str] | None = None,
    top_k: int = 5,
    writer: AnswerWriter | None = None,
    labeller: ConceptLabeller = concepts_by_rules,
    time_limit: float | None = None,
) -> Answer:
    """The answer to `question` from the indexed passages of `document_ids` (all when None)."""
    writer = writer or ExtractiveWriter()
    concept = is_aggregate(question)
    heavy = concept is not None or _is_large(document_ids, top_k)
    notes: list[str] = []
    aggregate = None
    if concept is not None:
        deadline = time.monotonic() + time_limit if time_limit else None
        cited, aggregate = _aggregate(session, concept, document_ids, labeller, deadline)
        if not aggregate.complete:
            notes.append(f"stopped at the time limit of {time_limit:g} s: totals are partial")
    else:
        hits = search(session, question, document_ids, top_k)
        cited = [_cited(index, hit) for index, hit in enumerate(hits, start=1)]
        if not cited:
            notes.append("no passage matches the question")
    text = writer.write(question, cited, aggregate)
    return Answer(
        question=question,
        kind="aggregate" if aggregate is not None else "passages",
        heavy=heavy,
        writer=writer.name,
        text=text,
        passages=cited,
        aggregate=aggregate,
        number_check=check_numbers(text, cited, aggregate),
        notes=notes,
    )


def _cited(marker: int, hit: Hit) -> CitedPassage:
    passage = hit.passage
    return CitedPassage(
        marker=marker,
        citation=Citation.of(passage),
        text=passage.text,
        score=round(hit.score, 6),
        numbers=passage.numbers,
    )


def _aggregate(
    session: Session,
    concept: str,
    document_ids: Sequence[str] | None,
    labeller: ConceptLabeller,
    deadline: float | None,
) -> tuple[list[CitedPassage], Aggregate]:
    """Sum, per period, the verified amounts of every line item the labeller calls `concept`."""
    passages = passages_of_documents(session, document_ids)
    labels = [item.label for passage in passages for item in passage.line_items]
    concepts_by, concepts = labeller(labels) if labels else concepts_by_rules([])
    concept_of = iter(concepts)
    cited: list[CitedPassage] = []
    contributions: list[Contribution] = []
    left_out: list[Contribution] = []
    complete = True
    for passage in passages:
        if deadline is not None and time.monotonic() > deadline:
            complete = False
            break
        matching = [item for item in passage.line_items if next(concept_of) == concept]
        if not matching:
            continue
        marker = len(cited) + 1
        cited.append(_cited(marker, Hit(passage, 0.0)))
        for item in matching:
            for amount in item.amounts:
                contribution = Contribution(
                    marker=marker,
                    label=item.label,
                    period=amount.header or UNSPECIFIED_PERIOD,
                    amount=amount.amount,
                    raw=amount.raw,
                    state=amount.state,
                )
                (contributions if amount.verified else left_out).append(contribution)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for contribution in contributions:
        totals[contribution.period] += Decimal(contribution.amount)
        counts[contribution.period] += 1
    rows = [AggregateRow(period=p, total=str(totals[p]), numbers=counts[p]) for p in sorted(totals)]
    return cited, Aggregate(
        concept=concept,
        concepts_by=concepts_by,
        rows=rows,
        contributions=contributions,
        left_out=left_out,
        complete=complete,
    )


_MARKER = re.compile(r"\[\d+\]")


def check_numbers(text: str, cited: list[CitedPassage], aggregate: Aggregate | None) -> NumberCheck:
    """Each number of `text` (citation markers aside) against the cited passages' numbers and
    the computed totals, compared by the project's own number keys (value, not spelling)."""
    supported: set[str] = set()
    unverified: set[str] = set()
    for passage in cited:
        states = {number.raw: number.verified for number in passage.numbers}
        for token in extract_numbers(passage.text):
            if states.get(token.raw, True):
                supported.add(token.key)
            else:
                unverified.add(token.key)
    if aggregate is not None:
        for row in aggregate.rows:
            supported |= {t.key for t in extract_numbers(f"{row.period} {row.total}")}
        supported |= {t.key for t in extract_numbers(str(len(aggregate.left_out)))}
    stated = extract_numbers(_MARKER.sub(" ", text))
    return NumberCheck(
        supported=sum(token.key in supported for token in stated),
        unverified=[t.raw for t in stated if t.key not in supported and t.key in unverified],
        unsupported=[t.raw for t in stated if t.key not in supported | unverified],
    )
