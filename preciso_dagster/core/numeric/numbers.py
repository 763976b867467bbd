"""Finding every number in a text with its span, normalised to an exact Decimal.

Pure functions, no framework code. Spans always index the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

# One-to-one replacements, so spans in the folded text are spans in the original.
_FOLD = str.maketrans(
    {
        **{chr(0xFF10 + d): str(d) for d in range(10)},
        "\uff0c": ",",
        "\uff0e": ".",
        "\uff05": "%",
        "\uff08": "(",
        "\uff09": ")",
        "\uff0d": "-",
        "\u2212": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\uff04": "$",
        "\u2009": "\u00a0",
        "\u202f": "\u00a0",
        "\u2019": "'",
        "\uffe5": "¥",
        "\uffe6": "₩",
        "\uffe1": "£",
    }
)
# After folding, a no-break or thin space is "\u00a0": it only ever groups digits.
_GROUPING_SPACE = "\u00a0"
_SEPARATORS = ",.' \u00a0"

DECIMAL_COMMA_LOCALES = {
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "ru",
    "pl",
    "tr",
    "id",
    "da",
    "sv",
    "nb",
    "fi",
    "cs",
}
SPACE_GROUPING_LOCALES = {"fr", "ru", "pl", "cs", "sv", "nb", "fi"}

CURRENCY_SYMBOLS = "$€£¥₩"
CURRENCY_CODES = ("KRW", "USD", "EUR", "JPY", "GBP", "CNY", "CHF")
WESTERN_SCALES = {
    "thousand": 3,
    "k": 3,
    "million": 6,
    "mn": 6,
    "m": 6,
    "mio": 6,
    "billion": 9,
    "bn": 9,
    "b": 9,
    "trillion": 12,
    "tn": 12,
}
CJK_SCALES = {"천": 3, "千": 3, "만": 4, "万": 4, "萬": 4, "억": 8, "億": 8, "조": 12, "兆": 12}

_CODE = "|".join(CURRENCY_CODES)
_SPLIT_SEPARATORS = re.compile(f"([{_SEPARATORS}])")
_ANY_SEPARATOR = re.compile(f"[{_SEPARATORS}]")
_NON_DIGIT = re.compile(r"\D")
_CJK_UNIT = "".join(CJK_SCALES)
_NUMBER_CORE = rf"\d+(?:[{_SEPARATORS}]\d+)*"
# Each pattern opens with a lookahead on the characters it can start with, which lets the
# regex engine skip ahead instead of trying every position (about twice as fast on pages).
_TOKEN = re.compile(
    rf"""
    (?=[\d(\-+△▲{CURRENCY_SYMBOLS}A-Z])
    (?P<open>\()?
    (?P<sign>(?<![\d%\x00])-|[+△▲])?  # "1.8-6.3", "5%-10%": a range's dash, not a minus
    (?P<pre>(?:[{CURRENCY_SYMBOLS}]|{_CODE})\ ?)?
    (?P<sign2>(?<![\d%\x00])-)?
    (?P<core>{_NUMBER_CORE})
    (?P<cjk>(?:\ ?[{_CJK_UNIT}]+(?:\ ?\d+(?:,\d{{3}})*\ ?[{_CJK_UNIT}]+)*)?)
    (?P<scale>\ ?(?:thousand|million|billion|trillion|mio|mn|bn|tn)(?![A-Za-z])
              |[kKmMbB](?![A-Za-z]))?
    (?P<percent>\ ?%)?
    (?P<post>\ ?(?:[{CURRENCY_SYMBOLS}]|원|円|元|(?:{_CODE})(?![A-Za-z])))?
    (?P<tminus>-(?![\d\x00]))?  # "\x00": `_CLAIMED`, held by another number
    (?P<close>\))?
    """,
    re.VERBOSE,
)
_DATE = re.compile(
    r"""
    (?=[\dJFMASOND])
    (?<![\d.,/-])
    (?:
        (?P<ymd>(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01]))
      | (?P<dmy>(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)\d{2})
      | (?P<mdy>(?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:19|20)\d{2})
      | (?P<short_year>(?:0?[1-9]|[12]\d|3[01])(?P<mark>[/.])(?:0?[1-9]|[12]\d|3[01])(?P=mark)\d{2}
            (?![\d.,/]))  # "12/31/15", "31.12.15"
      | (?P<month_day>(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])(?![\d/]))  # "3/21"
      | (?P<cjk>(?:19|20)\d{2}\s?[年년]\s?\d{1,2}\s?[月월](?:\s?\d{1,2}\s?[日일])?)
      | (?P<named>(?:\d{1,2}\s)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?
            \s(?:\d{1,2},?\s)?(?:19|20)\d{2})
      | (?P<time>(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)  # "09:30", a time: not 9 and 30
    )
    (?![\d])
    """,
    re.VERBOSE,
)
# A whole number and a space, on its own (not the end of "3/21 "), before a month/day.
_WHOLE_BEFORE_FRACTION = re.compile(r"(?:^|[^\d/.,\-])\d+ $")
_FRACTION_REACH = 12  # characters looked at before a month/day
_IDENTIFIER = re.compile(
    r"(?<![\w.,])(?:[A-Za-z#]+[-/]?\d[\w/-]*|\d+[A-Za-z][\w-]*|\d{2,}(?:-\d{2,}){2,})(?![\w])"
)
# A mark that groups thousands twice ("1,234,567") is not the decimal mark: the other one is.
# A mark after a number's first digits and before one, two, or four or more digits is
# its decimal mark. Not when more marked digits come before or after: "09.07.2021" (a date),
# "1.2.3", "09.07.20218.275,44" (a date and an amount one engine ran together).
_DECIMALS = r"(?<![\d.,])\d+{mark}(?:\d{{1,2}}|\d{{4,}})(?!\d|[.,]\d)"
_POINT_EVIDENCE = re.compile(r"\d,\d{3}\.\d|" + _DECIMALS.format(mark=r"\.") + r"|\d,\d{3},\d{3}")
_COMMA_EVIDENCE = re.compile(r"\d\.\d{3},\d|" + _DECIMALS.format(mark=",") + r"|\d\.\d{3}\.\d{3}")
_MARK_THEN_DIGITS = {mark: re.compile(rf"(?<=\d)\{mark}(\d+)") for mark in ",."}
# How much more often one way (of marking decimals, of grouping digits) must show than the
# other to be the page's.
DOMINANCE, MIN_DOMINANT = 4, 3
_SPACE_GROUPING_EVIDENCE = re.compile(
    r"(?<![\d.,])\d{1,3}(?:[ \u00a0]\d{3})+[.,]\d{1,2}(?!\d)|\d\u00a0\d{3}(?!\d)"
)
_MARK_GROUPING_EVIDENCE = re.compile(
    r"(?<![\d.,'])\d{1,3}([,.'])\d{3}(?:\1\d{3})+(?![\d])|\d,\d{3}\.\d|\d\.\d{3},\d|\d'\d{3}"
)
# A currency sign OCR read as a letter ("₩2,034" as "W2,034", "$" as "S", "€" as "E" or "C",
# "£" as "E", "¥" as "Y"): before a grouped or decimal amount, it is that amount.
_GLYPH_AMOUNT = re.compile(
    r"(?<![\w.,])[WSECY#](?P<core>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:\.\d{3})+(?:,\d+)?"
    r"|\d+[.,]\d{2})(?![\d\w])"
)
# "0. 4": a decimal set with a space after its mark (CJK typesetting does), or two numbers.
_SPACED_DECIMAL = re.compile(r"(?<![\d.,])\d{1,3}[.,] \d+(?![\d.,]\d)")
# The same letters before bare digits ("S100"): an identifier or a misread amount, undecidable.
_GLYPH_DOUBT = re.compile(r"^[WSECY]\d+$")
_LETTER_BEFORE = re.compile(r"[A-Za-z][.\-/]?\Z")
_LETTER_AFTER = re.compile(r"[.\-/]?[A-Za-z]")
_GAP_THEN_DIGIT = re.compile(r" \d")
_YEAR = re.compile(r"(?<![\d.,])(?:FY|CY)?(?:19|20)\d{2}(?![\d.,%])")


class NumberKind(StrEnum):
    AMOUNT = "amount"
    PERCENT = "percent"
    DATE = "date"
    YEAR = "year"
    IDENTIFIER = "identifier"


class NumberToken(NamedTuple):
    """One number as written (`raw`, `span`) and what it means (`value`, exact).

    A NamedTuple rather than a frozen dataclass: pages and checks make tens of thousands of
    these, and a tuple is several times cheaper to build.
    """

    raw: str
    span: tuple[int, int]
    kind: NumberKind
    value: Decimal | None  # None for dates and identifiers, which compare as text
    key: str  # what must be equal for two tokens to be the same number
    mantissa: str = ""  # the digits as written, without separators (for error classes)
    scale: int = 0
    negative: bool = False
    ambiguous: bool = False
    alternatives: tuple[Decimal, ...] = ()
    # Separators no convention writes ("37.499.96": a grouping mark before two digits), the
    # mark of a misread. Such a number is never taken as verified, however many engines agree.
    malformed: bool = False
    # A letter that may be a misread currency sign before bare digits ("S100"), or letters on
    # both sides of bare digits ("y.0.y"): never verified.
    doubtful: bool = False


@dataclass(frozen=True)
class DecimalConvention:
    """How this text writes decimals (`.`, `,` or undecided) and whether spaces group digits
    (True, False, or None when the text does not show it: "1 200 000" is then ambiguous)."""

    decimal_mark: str | None
    space_groups: bool | None = False


def fold(text: str) -> str:
    """Full-width digits and punctuation to ASCII, one character for one character."""
    return text.translate(_FOLD)


def convention_for(text: str, locale: str | None = None) -> DecimalConvention:
    """The decimal mark and space grouping from the locale, else from unambiguous numbers in
    the text itself."""
    if locale:
        language = locale.replace("-", "_").split("_")[0].lower()
        return DecimalConvention(
            "," if language in DECIMAL_COMMA_LOCALES else ".", language in SPACE_GROUPING_LOCALES
        )
    folded = fold(text)
    point = len(_POINT_EVIDENCE.findall(folded))
    comma = len(_COMMA_EVIDENCE.findall(folded))
    if point or comma:
        # One misread ("0,0" for "0.0") does not unsettle a page of "99.2" and "100.0".
        point_wins = _the_page_way(point, comma)
        mark = None if point_wins is None else "." if point_wins else ","
    else:
        mark = _mark_by_groups(folded)
    return DecimalConvention(mark, _space_grouping(folded))


def decimal_mark_shown(text: str) -> str | None:
    """The decimal mark `text` shows plainly: at least MIN_DOMINANT times, and DOMINANCE
    times as often as the other; None otherwise (a single "0,5" decides nothing here)."""
    folded = fold(text)
    point = len(_POINT_EVIDENCE.findall(folded))
    comma = len(_COMMA_EVIDENCE.findall(folded))
    if max(point, comma) < MIN_DOMINANT or max(point, comma) < DOMINANCE * min(point, comma):
        return None
    return "." if point > comma else ","


def _the_page_way(one: int, other: int) -> bool | None:
    """Whether a page shows one way (`one` times) rather than another (`other` times): the
    only way seen, or seen at least MIN_DOMINANT times and DOMINANCE times as often as the
    other; None when neither is the page's."""
    if bool(one) != bool(other):
        return bool(one)
    if max(one, other) >= MIN_DOMINANT and max(one, other) >= DOMINANCE * min(one, other):
        return one > other
    return None


def _mark_by_groups(folded: str) -> str | None:
    """With no decimal seen, a mark used by two or more numbers, always before exactly three
    digits ("1,000", "(3,100)", "2,000"), groups thousands: money is not written to three
    decimals page after page. The other mark is then the decimal one."""
    after = {mark: _MARK_THEN_DIGITS[mark].findall(folded) for mark in ",."}
    for mark, other in ((",", "."), (".", ",")):
        digits = after[mark]
        if len(digits) >= 2 and all(len(run) == 3 for run in digits) and not after[other]:
            return other
    return None


def only_spaces_group(text: str) -> bool:
    """`text` shows space grouping ("20 498 668,27") at least MIN_DOMINANT times, and no mark
    grouping at all."""
    folded = fold(text)
    return len(_SPACE_GROUPING_EVIDENCE.findall(folded)) >= MIN_DOMINANT and not (
        _MARK_GROUPING_EVIDENCE.search(folded)
    )


def _space_grouping(folded: str) -> bool | None:
    """Spaces group digits when the text shows it ("1 200,50", a no-break space between
    digit groups) and marks do not; not when marks group; unknown otherwise. One "3 975,19"
    OCR read as "3.975,19" does not unsettle a page of "76 316,81" (`_the_page_way`)."""
    spaced = len(_SPACE_GROUPING_EVIDENCE.findall(folded))
    marked = len(_MARK_GROUPING_EVIDENCE.findall(folded))
    return _the_page_way(spaced, marked)


def extract_numbers(
    text: str,
    locale: str | None = None,
    convention: DecimalConvention | None = None,
    offset: int = 0,
) -> list[NumberToken]:
    """Every number in `text`, in order: amounts, percentages, dates, years and identifiers.

    For a fragment of a larger document (a line, say), `convention` overrides the one read
    from `text`, and `offset` (where the fragment starts) is added to every span.
    """
    folded = fold(text)
    convention = convention or convention_for(text, locale)
    tokens: list[NumberToken] = []
    taken = bytearray(len(folded))

    def claim(start: int, end: int) -> bool:
        if any(taken[start:end]):
            return False
        taken[start:end] = b"\x01" * (end - start)
        return True

    for match in _DATE.finditer(folded):
        before = folded[max(0, match.start() - _FRACTION_REACH) : match.start()]
        if match.group("month_day") and _WHOLE_BEFORE_FRACTION.search(before):
            continue  # "3 1/2": a fraction's numbers, not a date
        if claim(*match.span()):
            raw = text[match.start() : match.end()]
            tokens.append(
                NumberToken(
                    raw,
                    (match.start() + offset, match.end() + offset),
                    NumberKind.DATE,
                    None,
                    _time_key(match.group(0))
                    if match.group("time")
                    else "date:" + _date_key(match.group(0)),
                )
            )
    for match in _SPACED_DECIMAL.finditer(folded):
        if _a_list(match.group(0), convention):
            continue  # "24, 25" where "," is no decimal mark: two numbers, read below
        if claim(*match.span()):
            tokens.append(_spaced_decimal(text, match, offset))
    for match in _GLYPH_AMOUNT.finditer(folded):
        token = _glyph_amount(text, match, convention, offset)
        if token is not None and claim(match.start(), match.end()):
            tokens.append(token)
    for match in _IDENTIFIER.finditer(folded):
        if _YEAR.fullmatch(match.group(0)) and not match.group(0).startswith(("FY", "CY")):
            continue
        if _IDENTIFIER_EXCLUSIONS.match(match.group(0)):
            continue
        if claim(*match.span()):
            raw = text[match.start() : match.end()]
            kind = NumberKind.YEAR if _YEAR.fullmatch(match.group(0)) else NumberKind.IDENTIFIER
            tokens.append(
                NumberToken(
                    raw,
                    (match.start() + offset, match.end() + offset),
                    kind,
                    None,
                    f"{kind}:{match.group(0)}",
                    mantissa=_NON_DIGIT.sub("", match.group(0)),
                    doubtful=bool(_GLYPH_DOUBT.match(match.group(0))),
                )
            )
    # Amounts are read around what is already claimed: "31.03.2024 12.00" is a date, then 12.00
    # (an amount matched across the date would be refused, and 12.00 lost with it).
    unclaimed = _masked(folded, taken)
    position = 0
    while found := _TOKEN.search(unclaimed, position):
        token, position = _amount(text, found, convention, offset)
        if token is not None and claim(token.span[0] - offset, token.span[1] - offset):
            tokens.append(token)
    return sorted(
        (_among_letters(token, folded, offset) for token in tokens), key=lambda token: token.span
    )


def _among_letters(token: NumberToken, folded: str, offset: int) -> NumberToken:
    """Bare digits with letters on both sides in one word ("y.0.y", an "o" read as "0") are
    in doubt: a misread letter as likely as a number."""
    start, end = token.span[0] - offset, token.span[1] - offset
    if (
        token.kind == NumberKind.AMOUNT
        and token.raw.isdigit()
        and _LETTER_BEFORE.search(folded, 0, start)
        and _LETTER_AFTER.match(folded, end)
    ):
        return token._replace(doubtful=True)
    return token


def _masked(folded: str, taken: bytearray) -> str:
    """`folded` with each character `taken` marks written over by `_CLAIMED`."""
    pieces, cursor = [], 0
    for run in _TAKEN_RUN.finditer(taken):
        start, end = run.span()
        pieces += [folded[cursor:start], _CLAIMED * (end - start)]
        cursor = end
    return "".join([*pieces, folded[cursor:]])


# Stands in for a character another kind of number already holds; a dash beside it is read
# as beside a digit ("708-8131TELEX": a dash between numbers, not a trailing minus).
_CLAIMED = "\x00"
_TAKEN_RUN = re.compile(rb"\x01+")
# Unit-bearing numbers ("12.5m", "3bn", "10k") look like identifiers but are amounts.
_IDENTIFIER_EXCLUSIONS = re.compile(
    r"^\d+(?:[.,]\d+)?(?:k|m|mn|bn|b|tn|K|M|B)$|^\d+(?:st|nd|rd|th)$"
)


def _a_list(written: str, convention: DecimalConvention) -> bool:
    """ "24, 25" on a page whose decimal mark is the other one, the digits after it no
    thousands group: a list of two numbers, not one decimal."""
    whole, fraction = re.split(r"[.,] ", written)
    mark = written[len(whole)]
    return convention.decimal_mark not in (None, mark) and len(fraction) != 3


def _spaced_decimal(text: str, match: re.Match[str], offset: int) -> NumberToken:
    """ "0. 4": 0.4 or the numbers 0 and 4; ambiguous, so never verified nor valued."""
    whole, fraction = re.split(r"[.,] ", match.group(0))
    joined = Decimal(f"{whole}.{fraction}")
    return NumberToken(
        text[match.start() : match.end()],
        (match.start() + offset, match.end() + offset),
        NumberKind.AMOUNT,
        joined,
        f"amount:~{match.group(0)}",
        whole + fraction,
        ambiguous=True,
        alternatives=(joined,),
    )


def _glyph_amount(
    text: str, match: re.Match[str], convention: DecimalConvention, offset: int
) -> NumberToken | None:
    """ "W2,034": the amount 2,034 behind a letter that stands where a currency sign was."""
    parsed = _parse_core(match.group("core"), convention)
    if parsed is None:
        return None
    value, alternatives, mantissa = parsed
    ambiguous = bool(alternatives)
    key = f"amount:~{match.group('core')}" if ambiguous else f"amount:{_canonical(value)}"
    return NumberToken(
        text[match.start() : match.end()],
        (match.start() + offset, match.end() + offset),
        NumberKind.AMOUNT,
        value,
        key,
        mantissa,
        ambiguous=ambiguous,
        alternatives=alternatives,
    )


def _amount(
    text: str, match: re.Match[str], convention: DecimalConvention, offset: int
) -> tuple[NumberToken | None, int]:
    """The amount at `match`, and where scanning should go on (earlier when the core was cut)."""
    core, cut, space_doubt = _trim_core(match.group("core"), convention)
    core_start = match.start("core")
    parsed = _parse_core(core, convention)
    if cut:
        # "12 345" without space grouping is two numbers: keep the first, rescan the rest.
        start, end = match.start(), core_start + len(core)
        trailing = ("cjk", "scale", "percent", "post", "tminus", "close")
        groups = {**match.groupdict(), **dict.fromkeys(trailing)}
    else:
        start, end = match.span()
        groups = match.groupdict()
    if parsed is None:
        # Marks no convention can read ("1,234.5612,345.67"): listed, malformed, no value.
        # Digits are never dropped, whatever they look like.
        end = core_start + len(core)
        raw = text[core_start:end]
        mantissa = _NON_DIGIT.sub("", core)
        span = (core_start + offset, end + offset)
        key = f"{NumberKind.AMOUNT}:?{core}"
        return NumberToken(raw, span, NumberKind.AMOUNT, None, key, mantissa, malformed=True), end
    value, alternatives, mantissa = parsed
    if space_doubt and not alternatives:
        alternatives = (value,)  # the grouped reading; the pieces are the other
    # Parentheses mean negative only as a pair around the number; a lone one is not ours.
    parens = bool(groups["open"]) and bool(groups["close"])
    if groups["open"] and not parens:
        start += 1
    if groups["close"] and not parens:
        end -= 1
    scale = 0
    if groups["cjk"]:
        combined = _cjk_value(core + groups["cjk"], convention)
        if combined is not None:
            (value, scale), alternatives = combined, ()
    elif groups["scale"]:
        scale = WESTERN_SCALES.get(groups["scale"].strip().lower(), 0)
        value = value.scaleb(scale)
        alternatives = tuple(alternative.scaleb(scale) for alternative in alternatives)
    signs = (groups["sign"] or "") + (groups["sign2"] or "")
    negative = parens or bool(groups["tminus"]) or any(sign in signs for sign in "-△▲")
    if negative:
        value = -value
        alternatives = tuple(-alternative for alternative in alternatives)
    if groups["tminus"] and _GAP_THEN_DIGIT.match(text, end):
        alternatives = (*alternatives, -value)  # "19- 105": a trailing minus or a range's dash
    kind = NumberKind.PERCENT if groups["percent"] else NumberKind.AMOUNT
    bare = not (signs or scale or groups["pre"] or groups["post"])
    if kind == NumberKind.AMOUNT and bare and _YEAR.fullmatch(core):
        kind = NumberKind.YEAR
    if alternatives:  # undecidable: only the same writing (sign and scale included) is equal
        key = f"{kind}:~{'-' if negative else ''}{core}e{scale}"
    else:
        key = f"{kind}:{_canonical(value)}"
    token = NumberToken(
        text[start:end],
        (start + offset, end + offset),
        kind,
        value,
        key,
        mantissa,
        scale,
        negative,
        bool(alternatives),
        alternatives,
        not core.isdigit() and _is_malformed(core),
    )
    return token, end


def _trim_core(core: str, convention: DecimalConvention) -> tuple[str, bool, bool]:
    """Cut the core where a separator cannot be a thousands separator or a decimal mark.

    Returns the kept core, whether it was cut, and whether it holds spaces that may or may not
    group digits (the convention does not say): "1 200 000" is one number or three.
    """
    parts = _SPLIT_SEPARATORS.split(core)
    if len(parts) == 1:
        return core, False, False
    kept = parts[0]
    space_doubt = False
    for index in range(1, len(parts), 2):
        separator, digits = parts[index], parts[index + 1]
        last = index + 2 >= len(parts)
        groups_ok = len(digits) == 3
        if separator == " ":
            if not groups_ok or convention.space_groups is False:
                return kept, True, space_doubt
            if len(parts[0]) > 3 and not convention.space_groups:
                return kept, True, space_doubt  # "2024 100": no grouping starts with 4 digits
            # On a page that groups with spaces, "2511 524,56" is one broken number
            # (malformed), not "2511" and "524,56".
            space_doubt = space_doubt or convention.space_groups is None
        if separator in ("'", _GROUPING_SPACE) and not groups_ok:
            return kept, True, space_doubt
        if separator in ",." and not groups_ok and not last:
            if parts[index + 2] in ",.":
                # "74,715,29738,871,700": marks run on through a misfit group. Nothing shows
                # where one number ends, so it stays one (malformed) token, never two guesses.
                return core, False, space_doubt
            # "681.503,00 938.484,35": a decimal part ends the number before a space.
            return kept + separator + digits, True, space_doubt
        kept += separator + digits
    return kept, False, space_doubt


def _parse_core(
    core: str, convention: DecimalConvention
) -> tuple[Decimal, tuple[Decimal, ...], str] | None:
    if core.isdigit():
        return Decimal(core), (), core
    mantissa = _NON_DIGIT.sub("", core)
    separators = _ANY_SEPARATOR.findall(core)
    last = separators[-1]
    tail = core.rsplit(last, 1)[1]
    distinct = set(separators)
    if len(distinct) > 1:
        # Two kinds of separator: the last one is the decimal mark ("1.234,56", "1,234.56"),
        # but before three digits on a page whose decimal mark is the other one, it may as
        # well be a misread grouping mark ("59'622,335" for "59,622,335").
        if last not in ",." or separators.count(last) != 1:
            return None
        decimal = _decimal(core, last)
        if len(tail) == 3 and convention.decimal_mark not in (None, last):
            grouped = Decimal(mantissa)
            return grouped, (grouped, decimal), mantissa
        return decimal, (), mantissa
    if last in (" ", "'", _GROUPING_SPACE):
        return Decimal(mantissa), (), mantissa
    if separators.count(last) > 1:
        if _misread_decimal_mark(core):
            return _decimal(core, last), (), mantissa
        return Decimal(mantissa), (), mantissa  # repeated: grouping ("1,234,567")
    if len(tail) != 3:
        return _decimal(core, last), (), mantissa  # "1,5" or "12.50": only a decimal mark fits
    # One separator before exactly three digits: grouping or decimal, per the convention.
    if convention.decimal_mark == last:
        return _decimal(core, last), (), mantissa
    if convention.decimal_mark is not None:
        return Decimal(mantissa), (), mantissa
    grouped, decimal = Decimal(mantissa), _decimal(core, last)
    return grouped, (grouped, decimal), mantissa


def _is_malformed(core: str) -> bool:
    """A repeated mark groups thousands: every group after it must have three digits, and the
    first group at most three. "37.499.96" and "1234,567,890" fit no convention."""
    separators = _ANY_SEPARATOR.findall(core)
    groups = _ANY_SEPARATOR.split(core)
    # A repeated mark groups, and so does a space between digits, even once.
    grouping = {mark for mark in separators if separators.count(mark) > 1 or mark == " "}
    if not grouping:
        return False
    after_grouping = (
        groups[index + 1] for index, mark in enumerate(separators) if mark in grouping
    )
    return len(groups[0]) > 3 or any(len(group) != 3 for group in after_grouping)


def _misread_decimal_mark(core: str) -> bool:
    """Groups of thousands, then one or two digits after the same mark: "3.566.437.23", a
    comma read as a point. Every convention puts the decimal mark there, so the value is
    plain; the token stays malformed (doubtful alone), and agrees with a clean reading."""
    groups = _ANY_SEPARATOR.split(core)
    return (
        len(groups[0]) <= 3
        and all(len(group) == 3 for group in groups[1:-1])
        and len(groups[-1]) in (1, 2)
    )


def _decimal(core: str, mark: str) -> Decimal:
    whole, _, fraction = core.rpartition(mark)
    return Decimal(_NON_DIGIT.sub("", whole) + "." + fraction)


def _cjk_value(written: str, convention: DecimalConvention) -> tuple[Decimal, int] | None:
    """`1조 2,345억` -> 1*10^12 + 2345*10^8; the largest unit is reported as the scale."""
    total = Decimal(0)
    largest = 0
    for number, units in re.findall(rf"(\d+(?:[,.]\d+)*)\s?([{_CJK_UNIT}]+)", written):
        parsed = _parse_core(number, DecimalConvention(convention.decimal_mark or "."))
        if parsed is None:
            return None
        exponent = sum(CJK_SCALES[unit] for unit in units)  # 千万 is a thousand ten-thousands
        total += parsed[0].scaleb(exponent)
        largest = max(largest, exponent)
    return total, largest


def _canonical(value: Decimal) -> str:
    normalized = value.normalize()
    return format(normalized, "f") if normalized != 0 else "0"


_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}


def _time_key(written: str) -> str:
    return "time:" + ":".join(f"{int(part):02d}" for part in written.split(":"))


def _date_key(written: str) -> str:
    digits = [int(part) for part in re.findall(r"\d+", written)]
    month_name = re.search(r"[A-Za-z]{3}", written)
    if month_name:
        month = _MONTHS.get(month_name.group(0).lower(), 0)
        year = next(d for d in digits if d > 1000)
        day = next((d for d in digits if d <= 31), 0)
        return f"{year:04d}-{month:02d}-{day:02d}"
    if digits[0] > 1000:
        year, month, day = [*digits, 0, 0][:3]
    elif len(digits) == 2:
        (month, day), year = digits, 0
    elif digits[1] > 12:
        month, day, year = digits
    else:
        day, month, year = digits
    return f"{year:04d}-{month:02d}-{day:02d}"
