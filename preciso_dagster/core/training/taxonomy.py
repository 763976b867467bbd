"""The concept taxonomy (taxonomy.json) and the rules that propose a concept for a label."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

TAXONOMY_FILE = Path(__file__).with_name("taxonomy.json")
UNKNOWN = "unknown"


@lru_cache
def concept_phrases() -> dict[str, tuple[str, ...]]:
    """Concept -> known label phrases, longest first."""
    concepts = json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))["concepts"]
    return {
        name: tuple(sorted(phrases, key=len, reverse=True)) for name, phrases in concepts.items()
    }


@lru_cache
def _phrase_concepts() -> dict[str, str]:
    return {
        normalize_label(phrase): concept
        for concept, phrases in concept_phrases().items()
        for phrase in phrases
    }


def known_concept(label: str) -> str | None:
    """The concept of a label that is exactly one of the taxonomy's phrases (any case, spacing
    or punctuation), or None."""
    return _phrase_concepts().get(normalize_label(label))


def concepts() -> list[str]:
    return sorted(concept_phrases())


def normalize_label(label: str) -> str:
    """Lower case, NFKC, punctuation to spaces, single spaces: how labels are compared."""
    folded = unicodedata.normalize("NFKC", label).lower()
    return " ".join(re.sub(r"[^\w&]+", " ", folded).split())


def propose_concept(label: str) -> str:
    """The rules baseline: the concept whose longest known phrase occurs in the label."""
    normalized = normalize_label(label)
    best: tuple[int, str] | None = None
    for concept, phrases in concept_phrases().items():
        for phrase in phrases:
            if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", normalized):
                if best is None or len(phrase) > best[0]:
                    best = (len(phrase), concept)
                break
    return best[1] if best else UNKNOWN


def concepts_by_rules(labels: list[str]) -> tuple[str, list[str]]:
    """A concept labeller with the rules: (who labelled, one concept per label)."""
    return "taxonomy rules", [propose_concept(label) for label in labels]
