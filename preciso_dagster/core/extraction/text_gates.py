"""Quality gates that decide whether a PDF text layer can be trusted or the page must be OCR'd."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CID_GARBAGE = re.compile(r"\(cid:\d+\)")
# Digits glued to letters that broken ToUnicode maps produce in place of numerals ("1O0", "2l5").
_MANGLED_NUMBER = re.compile(r"(?<![A-Za-z])\d+[OoIlS]\d+|\d*[OoIlS]\d{2,}(?![A-Za-z])")
_NUMBER = re.compile(r"\d[\d,.\s]*\d|\d")
_WHITESPACE = re.compile(r"\s+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ALPHANUMERIC = re.compile(r"[^\W_]")

MIN_CHARACTERS = 3
MIN_PRINTABLE_RATIO = 0.95
MAX_JUNK_RATIO = 0.01
MIN_ALPHANUMERIC_RATIO = 0.4
MAX_MANGLED_NUMBER_RATIO = 0.05


@dataclass(frozen=True)
class GateVerdict:
    accepted: bool
    reason: str


def judge_text_layer(text: str) -> GateVerdict:
    """Accept a page's text layer only when it is present, clean and its digits look like digits."""
    visible = _WHITESPACE.sub("", text)
    if len(visible) < MIN_CHARACTERS:
        return GateVerdict(False, "empty text layer")
    if "\ufffd" in text:
        return GateVerdict(False, "text layer contains U+FFFD replacement characters")
    if _CID_GARBAGE.search(text):
        return GateVerdict(False, "text layer contains (cid:N) glyph references")
    # Counting with regexes keeps the gates cheap; only non-ASCII characters need unicodedata.
    non_ascii = _NON_ASCII.findall(visible)
    junk = (len(_ASCII_CONTROL.findall(visible)) + sum(_is_junk(ch) for ch in non_ascii)) / len(
        visible
    )
    if junk > MAX_JUNK_RATIO:
        return GateVerdict(False, f"private-use or unassigned glyph ratio {junk:.3f}")
    printable = (
        1.0 if visible.isprintable() else sum(ch.isprintable() for ch in visible) / len(visible)
    )
    if printable < MIN_PRINTABLE_RATIO:
        return GateVerdict(False, f"printable ratio {printable:.3f} < {MIN_PRINTABLE_RATIO}")
    alphanumeric = len(_ALPHANUMERIC.findall(visible)) / len(visible)
    if alphanumeric < MIN_ALPHANUMERIC_RATIO:
        return GateVerdict(
            False, f"only {alphanumeric:.2f} of the glyphs are letters or digits (symbol soup)"
        )
    numbers = len(_NUMBER.findall(text))
    mangled = len(_MANGLED_NUMBER.findall(text))
    if numbers and mangled / (numbers + mangled) > MAX_MANGLED_NUMBER_RATIO:
        return GateVerdict(False, f"{mangled} numbers mix digits with letter look-alikes")
    return GateVerdict(True, f"text layer passed the gates ({len(visible)} characters)")


def _is_junk(ch: str) -> bool:
    return unicodedata.category(ch) in ("Co", "Cn", "Cs", "Cc")
