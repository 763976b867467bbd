"""Comparing the numbers of a source text and an output text: missing, altered, added.

Two tokens are the same number when their keys are equal (the exact value for amounts, the
normalised date, the exact token for identifiers), so harmless reformatting never fails and
any change of value always does.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from itertools import accumulate
from typing import Any

from preciso_dagster.core.numeric.numbers import (
    NumberKind,
    NumberToken,
    convention_for,
    extract_numbers,
)

_DIGIT = re.compile(r"\d")


class Alteration(StrEnum):
    SIGN_FLIP = "sign_flip"
    DECIMAL_SHIFT = "decimal_shift"
    SCALE_CHANGE = "scale_change"
    TRANSPOSITION = "transposition"
    DIGIT_SUBSTITUTION = "digit_substitution"
    DROPPED_DIGIT = "dropped_digit"
    INSERTED_DIGIT = "inserted_digit"


@dataclass(frozen=True)
class AlteredNumber:
    source: NumberToken
    output: NumberToken
    alteration: Alteration


@dataclass
class NumericComparison:
    missing: list[NumberToken] = field(default_factory=list)
    altered: list[AlteredNumber] = field(default_factory=list)
    added: list[NumberToken] = field(default_factory=list)
    ambiguous: list[NumberToken] = field(default_factory=list)
    source_count: int = 0  # numbers compared, outside the identical lines
    identical_lines: int = 0

    @property
    def passed(self) -> bool:
        return not (self.missing or self.altered or self.added)

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "missing": [token_dict(t) for t in self.missing],
            "altered": [
                {
                    **token_dict(a.source),
                    "output": token_dict(a.output),
                    "alteration": a.alteration.value,
                }
                for a in self.altered
            ],
            "added": [token_dict(t) for t in self.added],
            "ambiguous": [token_dict(t) for t in self.ambiguous],
        }


def token_dict(token: NumberToken) -> dict[str, Any]:
    value = str(token.value) if token.value is not None else None
    return {"raw": token.raw, "value": value, "span": list(token.span), "kind": token.kind.value}


def compare_texts(source: str, output: str, locale: str | None = None) -> NumericComparison:
    """Every number of `source` must appear in `output` with the same value, and no other.

    Lines that occur unchanged in both texts hold the same numbers by construction, so only
    the other lines are tokenised and compared (each text keeps its own decimal convention).
    """
    source_lines, output_lines = source.split("\n"), output.split("\n")
    identical = Counter(source_lines) & Counter(output_lines)
    result = compare_numbers(
        _numbers_outside(source, source_lines, identical.copy(), locale),
        _numbers_outside(output, output_lines, identical.copy(), locale),
    )
    result.identical_lines = sum(identical.values())
    return result


def _numbers_outside(
    text: str, lines: list[str], skip: Counter[str], locale: str | None
) -> list[NumberToken]:
    """Numbers of every line not in `skip`, with spans in `text`.

    Only lines that occur more often here than in `skip` are visited (the first `skip[line]`
    occurrences are skipped), so a text that is mostly unchanged costs little more than a split.
    """
    convention = convention_for(text, locale)
    remaining = Counter(lines)
    remaining.subtract(skip)
    changed = {line for line, count in remaining.items() if count > 0 and _DIGIT.search(line)}
    if not changed:
        return []
    ends = list(accumulate(map(len, lines)))  # line i starts at ends[i - 1] + i (newlines)
    tokens: list[NumberToken] = []
    for index in [i for i, line in enumerate(lines) if line in changed]:
        line = lines[index]
        if skip[line] > 0:
            skip[line] -= 1
            continue
        start = ends[index - 1] + index if index else 0
        tokens += extract_numbers(line, convention=convention, offset=start)
    return tokens


def compare_numbers(source: list[NumberToken], output: list[NumberToken]) -> NumericComparison:
    result = NumericComparison(source_count=len(source))
    result.ambiguous = [t for t in source + output if t.ambiguous]
    matching = _match_exact(source, output)
    unmatched_source = [t for t in source if id(t) not in matching.matched_source]
    remaining = [t for t in output if id(t) not in matching.matched_output]
    for token in unmatched_source:
        best = _most_likely_original(token, remaining)
        if best is None:
            result.missing.append(token)
            continue
        candidate, alteration = best
        remaining.remove(candidate)
        result.altered.append(AlteredNumber(token, candidate, alteration))
    result.added = remaining
    return result


@dataclass
class _Matching:
    matched_source: set[int]
    matched_output: set[int]


def _match_exact(source: list[NumberToken], output: list[NumberToken]) -> _Matching:
    """Pair equal keys in order; ambiguous tokens also pair with any reading they allow."""
    by_key: dict[str, deque[NumberToken]] = defaultdict(deque)
    by_value: dict[tuple[str, Decimal], deque[NumberToken]] = defaultdict(deque)
    for token in output:
        by_key[token.key].append(token)
        if token.ambiguous:
            for value in (token.value, *token.alternatives):
                if value is not None:
                    by_value[(token.kind, value)].append(token)
    matched_source: set[int] = set()
    matched_output: set[int] = set()

    def take(candidates: deque[NumberToken], token: NumberToken) -> bool:
        # Each candidate is popped once: matched ones are skipped, so this stays linear.
        while candidates:
            candidate = candidates.popleft()
            if id(candidate) not in matched_output:
                matched_output.add(id(candidate))
                matched_source.add(id(token))
                return True
        return False

    for token in source:
        take(by_key[token.key], token)
    plain_by_value: dict[tuple[str, Decimal], deque[NumberToken]] | None = None
    for token in source:
        if id(token) in matched_source or token.value is None:
            continue
        if token.ambiguous:
            if plain_by_value is None:  # an ambiguous source may match any plain output
                plain_by_value = defaultdict(deque)
                for candidate in output:
                    if candidate.value is not None and id(candidate) not in matched_output:
                        plain_by_value[(candidate.kind, candidate.value)].append(candidate)
            for value in (token.value, *token.alternatives):
                if take(plain_by_value[(token.kind, value)], token):
                    break
        else:
            take(by_value[(token.kind, token.value)], token)
    return _Matching(matched_source, matched_output)


def _most_likely_original(
    token: NumberToken, candidates: list[NumberToken]
) -> tuple[NumberToken, Alteration] | None:
    best: tuple[int, NumberToken, Alteration] | None = None
    for candidate in candidates:
        if candidate.kind != token.kind and NumberKind.YEAR not in (candidate.kind, token.kind):
            continue
        alteration = classify_alteration(token, candidate)
        if alteration is None:
            continue
        distance = abs(candidate.span[0] - token.span[0])
        if best is None or distance < best[0]:
            best = (distance, candidate, alteration)
    return (best[1], best[2]) if best else None


def classify_alteration(source: NumberToken, output: NumberToken) -> Alteration | None:
    """How `output` differs from `source`, or None when they look like different numbers."""
    a, b = source.mantissa, output.mantissa
    if not a or not b:
        return None
    if source.value is not None and output.value is not None:
        if source.value == -output.value and source.value != 0:
            return Alteration.SIGN_FLIP
        if a.lstrip("0") == b.lstrip("0") and source.scale != output.scale:
            return Alteration.SCALE_CHANGE
        if a.lstrip("0") == b.lstrip("0"):
            return Alteration.DECIMAL_SHIFT
    if len(a) == len(b):
        differing = [i for i in range(len(a)) if a[i] != b[i]]
        if (
            len(differing) == 2
            and differing[1] == differing[0] + 1
            and (a[differing[0]] == b[differing[1]] and a[differing[1]] == b[differing[0]])
        ):
            return Alteration.TRANSPOSITION
        if 1 <= len(differing) <= max(1, len(a) // 3):
            return Alteration.DIGIT_SUBSTITUTION
        return None
    if len(a) == len(b) + 1 and _one_deletion(a, b):
        return Alteration.DROPPED_DIGIT
    if len(b) == len(a) + 1 and _one_deletion(b, a):
        return Alteration.INSERTED_DIGIT
    return None


def _one_deletion(longer: str, shorter: str) -> bool:
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))
