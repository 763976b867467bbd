"""Search terms for every script: words as the full-text engine reads them, and CJK as
character bigrams, since Korean, Chinese and Japanese text has no spaces between words (or
none that a query can rely on) and neither SQLite's nor PostgreSQL's tokenizer splits it."""

from __future__ import annotations

import re

# Hangul syllables and jamo, CJK ideographs (with extension A), kana.
_CJK = r"\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(rf"[^\W_{_CJK}]+")  # letters and digits: no underscores, no CJK
MAX_QUERY_TERMS = 32


def cjk_bigrams(text: str) -> list[str]:
    """Every run of CJK characters as overlapping bigrams (a lone character as itself)."""
    grams: list[str] = []
    for run in _CJK_RUN.findall(text):
        grams += [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
    return grams


def searchable(text: str) -> str:
    """What the index stores for a passage: its text, then its CJK bigrams as words."""
    grams = cjk_bigrams(text)
    return f"{text}\n{' '.join(grams)}" if grams else text


def query_terms(question: str) -> list[str]:
    """The question's words and CJK bigrams, lowercased, each once, in order of appearance.

    Only word characters reach the search engines, so no query syntax can be injected."""
    terms = [word.lower() for word in _WORD.findall(question)] + cjk_bigrams(question)
    return list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]
