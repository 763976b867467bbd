"""Generated pages, one class per numeric failure seen on unseen documents, with exact truth.

Every number is drawn as its own text run, so the truth is not a re-parse of a text layer:
each number's key (what it means) and its box on the page are recorded as it is drawn.
Classes: currency glyphs, two and three amount columns, ruled tables, space and apostrophe
grouping, decimal commas, margin microtext, line numbers, figures set in cells, dated ledgers,
and varied statements (face, size, locale and columns drawn per page, so another seed is
another set of unseen layouts). Seeded: the same seed gives the same pages.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pymupdf

from preciso_dagster.core.numeric.numbers import (
    DecimalConvention,
    NumberKind,
    NumberToken,
    extract_numbers,
)

PAGE_WIDTH, PAGE_HEIGHT = 612, 792
# A font with ₩ and the other currency glyphs; Helvetica (always there) covers $ € £ ¥ only.
UNICODE_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
)
LABELS = (
    "Revenue",
    "Cost of sales",
    "Gross profit",
    "Selling expenses",
    "Administrative expenses",
    "Operating profit",
    "Finance income",
    "Finance costs",
    "Income before tax",
    "Income tax expense",
    "Net income",
    "Trade receivables",
    "Inventories",
    "Cash and cash equivalents",
    "Total assets",
    "Borrowings",
    "Retained earnings",
    "Dividend per share",
)


@dataclass
class TruthNumber:
    token: NumberToken  # the number as written, read with the page's own convention
    rect: tuple[float, float, float, float]  # in PDF points


@dataclass
class TruthRow:
    """A statement row as drawn: its label and its amounts, left to right."""

    label: str
    amounts: list[NumberToken]
    baseline: float


@dataclass
class GeneratedPage:
    name: str
    document_class: str
    pdf: bytes
    truth: list[TruthNumber] = field(default_factory=list)
    rows: list[TruthRow] = field(default_factory=list)


class Canvas:
    """One page being drawn, recording each number's key and box as it goes."""

    def __init__(
        self, convention: DecimalConvention, font_file: Path | None = None, size: float = 10
    ) -> None:
        self.document = pymupdf.open()
        self.page = self.document.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)
        self.convention = convention
        self.size = size  # of labels and of numbers drawn without a size of their own
        self.truth: list[TruthNumber] = []
        self.rows: list[TruthRow] = []
        self.color = (0.0, 0.0, 0.0)  # of the text drawn next
        if font_file is None:
            font_file = next((path for path in UNICODE_FONTS if path.exists()), None)
        if font_file is not None:
            self.page.insert_font(fontname="uni", fontfile=str(font_file))
            self.font, self.fontname = pymupdf.Font(fontfile=str(font_file)), "uni"
        else:
            self.font, self.fontname = pymupdf.Font("helv"), "helv"

    def draws(self, character: str) -> bool:
        """The face has a glyph for `character` (Liberation Sans Narrow has no "₩": a blank box
        would stand where the truth records the sign)."""
        return bool(self.font.has_glyph(ord(character)))

    def text(self, x: float, y: float, text: str, size: float = 10, rotate: int = 0) -> float:
        """Draw `text` with its baseline at y; returns its width."""
        self.page.insert_text(
            (x, y), text, fontsize=size, fontname=self.fontname, rotate=rotate, color=self.color
        )
        return self.font.text_length(text, fontsize=size)

    def label(self, x: float, y: float, text: str) -> None:
        """Draw a row's label: numbers drawn later on the same baseline are its amounts."""
        self.text(x, y, text, self.size)
        self.rows.append(TruthRow(text, [], y))

    def cells(self, x: float, y: float, text: str, size: float = 10) -> float:
        """Draw `text` one character to a cell a digit wide, each at the left of its cell, as a
        monospaced (or a CJK font's half-width) face sets it: "3.9" shows as "3. 9". Returns
        its width."""
        cell = self.font.text_length("0", fontsize=size)
        for position, character in enumerate(text):
            if not character.isspace():
                self.text(x + position * cell, y, character, size)
        return cell * len(text)

    def number(
        self,
        x: float,
        y: float,
        written: str,
        size: float | None = None,
        right: bool = False,
        in_cells: bool = False,
    ) -> None:
        """Draw one number (left- or right-aligned at x) and record what it means."""
        size = size or self.size
        cell = self.font.text_length("0", fontsize=size)
        width = cell * len(written) if in_cells else self.font.text_length(written, fontsize=size)
        left = x - width if right else x
        if in_cells:
            self.cells(left, y, written, size)
        else:
            self.text(left, y, written, size)
        self._record(written, (left, y - size, left + width, y + 2), y)

    def _record(self, written: str, rect: tuple[float, float, float, float], y: float) -> None:
        """What a drawn number means, and its box; an amount drawn on a row's baseline is
        one of that row's amounts."""
        for token in extract_numbers(written, convention=self.convention):
            self.truth.append(TruthNumber(token, rect))
            on_row = self.rows and abs(self.rows[-1].baseline - y) < 1
            if on_row and token.kind in (NumberKind.AMOUNT, NumberKind.PERCENT):
                self.rows[-1].amounts.append(token)

    def numbers_in_one_run(self, x: float, y: float, pieces: list[str]) -> None:
        """Draw numbers as one text run, a space apart ("31.03.2024 1.200,00"), as exports set
        a row; each piece's meaning and box is recorded alone, never re-read from the run."""
        left = x
        for piece in pieces:
            width = self.font.text_length(piece, fontsize=self.size)
            self._record(piece, (left, y - self.size, left + width, y + 2), y)
            left += width + self.font.text_length(" ", fontsize=self.size)
        self.text(x, y, " ".join(pieces), self.size)

    def vertical_number(self, x: float, y: float, written: str, size: float) -> None:
        """Draw a number rotated 90 degrees (reading bottom to top), as margin microtext is."""
        width = self.font.text_length(written, fontsize=size)
        self.text(x, y, written, size, rotate=90)
        for token in extract_numbers(written, convention=self.convention):
            self.truth.append(TruthNumber(token, (x - size, y - width, x + 2, y)))

    def finish(self, name: str, document_class: str) -> GeneratedPage:
        pdf = self.document.tobytes()
        self.document.close()
        return GeneratedPage(name, document_class, pdf, self.truth, self.rows)


def _amount(rng: random.Random, low: int, high: int) -> int:
    return rng.randint(low, high)


def _grouped(value: int, group: str, decimals: str = "", mark: str = ".") -> str:
    text = f"{value:,}".replace(",", group)
    return text + (mark + decimals if decimals else "")


SIGNS = "₩$€£¥"


def currency_glyphs(rng: random.Random, index: int, font_file: Path | None) -> GeneratedPage:
    """Amounts led by currency signs OCR confuses with letters (₩ W, $ S, € E/C, £ E, ¥ Y)."""
    canvas = Canvas(DecimalConvention("."), font_file)
    canvas.text(72, 72, "Shareholder information", 14)
    y = 110.0
    for row, label in enumerate(rng.sample(LABELS, 14)):
        symbol = SIGNS[row % len(SIGNS)]
        symbol = symbol if canvas.draws(symbol) else "¥"  # no cents either: the same numbers
        value = _amount(rng, 100, 9_999_999)
        cents = f"{rng.randint(0, 99):02d}" if symbol in "$€£" and row % 2 else ""
        canvas.label(72, y, label)
        canvas.number(360, y, symbol + _grouped(value, ",", cents), right=False)
        y += 24
    return canvas.finish(f"currency-{index}", "currency glyphs")


def amount_columns(columns: int) -> Callable[[random.Random, int, Path | None], GeneratedPage]:
    def generate(rng: random.Random, index: int, font_file: Path | None) -> GeneratedPage:
        canvas = Canvas(DecimalConvention("."), font_file)
        canvas.text(72, 72, "Consolidated statement (in thousands)", 13)
        right_edges = [400 + 80 * column for column in range(columns)]
        if index % 2 == 1:  # every other page heads its columns in white on a dark band
            canvas.page.draw_rect((66, 86, right_edges[-1] + 8, 106), color=None, fill=(0.3,) * 3)
            canvas.color = (1.0, 1.0, 1.0)
            canvas.text(72, 100, "For the year")
        for column, edge in enumerate(right_edges):
            canvas.number(edge, 100, str(2025 - column), right=True)
        canvas.color = (0.0, 0.0, 0.0)
        y = 124.0
        for label in rng.sample(LABELS, 12):
            canvas.label(72, y, label)
            for edge in right_edges:
                canvas.number(edge, y, _grouped(_amount(rng, 1_000, 99_999_999), ","), right=True)
            y += 22
        return canvas.finish(f"columns{columns}-{index}", f"{columns} amount columns")

    generate.__doc__ = (
        f"Statements with {columns} amount columns set close together; every other page heads"
        " them in white on a dark band."
    )
    return generate


def ruled_table(rng: random.Random, index: int, font_file: Path | None) -> GeneratedPage:
    """A table with every cell bordered: Tesseract is known to garble ruled tables. Every
    other page rules its rows with dashes, a solid rule every fourth row, and adds a column
    of small counts; its rows are tight, the digits near the rules, as traffic statistics set
    them."""
    dashed = index % 2 == 1
    canvas = Canvas(DecimalConvention("."), font_file)
    canvas.text(72, 72, "Schedule of fees", 13)
    top, row_height = 90.0, 13.5 if dashed else 22.0
    edges = (60.0, 250.0, 370.0, 490.0, 550.0) if dashed else (60.0, 250.0, 370.0, 490.0)
    rows = 12
    for row in range(rows + 1):
        solid = not dashed or row % 4 == 0 or row == rows
        canvas.page.draw_line(
            (edges[0], top + row * row_height),
            (edges[-1], top + row * row_height),
            dashes=None if solid else "[4 2] 0",
            width=1.0 if solid else 0.8,
        )
    for edge in edges:
        canvas.page.draw_line((edge, top), (edge, top + rows * row_height), width=1.0)
    for row, label in enumerate(rng.sample(LABELS, rows)):
        baseline = top + (row + 1) * row_height - (3 if dashed else 7)
        canvas.label(edges[0] + 6, baseline, label)
        canvas.number(
            edges[2] - 6,
            baseline,
            _grouped(_amount(rng, 10, 999_999), ",", f"{rng.randint(0, 99):02d}"),
            right=True,
        )
        canvas.number(
            edges[3] - 6, baseline, f"{rng.randint(0, 99)}.{rng.randint(0, 99):02d}%", right=True
        )
        if dashed:
            canvas.number(
                edges[4] - 2, baseline, str(rng.choice((0, 1, 3, 7, 19, 101))), right=True
            )
    return canvas.finish(f"ruled-{index}", "ruled tables")


def space_grouping(rng: random.Random, index: int, font_file: Path | None) -> GeneratedPage:
    """French amounts grouped by spaces ("1 200 000 $") and Swiss ones by apostrophes."""
    swiss = index % 2 == 1
    canvas = Canvas(DecimalConvention(".") if swiss else DecimalConvention(",", True), font_file)
    canvas.text(72, 72, "Bilan consolidé" if not swiss else "Konzernbilanz", 13)
    y = 110.0
    for label in rng.sample(LABELS, 14):
        value = _amount(rng, 1_000, 99_999_999)
        cents = f"{rng.randint(0, 99):02d}"
        written = (
            _grouped(value, "'", cents, ".") + " CHF"
            if swiss
            else _grouped(value, " ", cents, ",") + " €"
        )
        canvas.label(72, y, label)
        canvas.number(470, y, written, right=True)
        y += 24
    return canvas.finish(f"grouping-{index}", "space and apostrophe grouping")


def decimal_commas(rng: random.Random, index: int, font_file: Path | None) -> GeneratedPage:
    """German statements: "681.503,00  938.484,35" in two close columns."""
    canvas = Canvas(DecimalConvention(","), font_file)
    canvas.text(72, 72, "Gewinn- und Verlustrechnung", 13)
    y = 110.0
    for label in rng.sample(LABELS, 14):
        canvas.label(72, y, label)
        for edge in (400, 480):
            written = _grouped(
                _amount(rng, 1_000, 9_999_999), ".", f"{rng.randint(0, 99):02d}", ","
            )
            canvas.number(edge, y, written, right=True)
        y += 24
    return canvas.finish(f"decimal-comma-{index}", "decimal commas")


# Faces a statement may be set in: sans, serif, condensed, narrow and monospaced.
STATEMENT_FONTS = tuple(
    Path("/usr/share/fonts/truetype") / name
    for name in (
        "dejavu/DejaVuSans.ttf",
        "dejavu/DejaVuSerif.ttf",
        "dejavu/DejaVuSansCondensed.ttf",
        "dejavu/DejaVuSansMono.ttf",
        "liberation/LiberationSerif-Regular.ttf",
        "liberation/LiberationSansNarrow-Regular.ttf",
        "liberation/LiberationMono-Regular.ttf",
    )
)
# Locales as statements write them: (decimal convention, group mark, decimal mark, title).
STATEMENT_LOCALES = (
    (DecimalConvention("."), ",", ".", "Statement of profit or loss"),
    (DecimalConvention(","), ".", ",", "Gewinn- und Verlustrechnung"),
    (DecimalConvention(",", True), " ", ",", "Compte de résultat"),
    (DecimalConvention("."), "'", ".", "Erfolgsrechnung"),
)


def varied_statements(rng: random.Random, index: int, font_file: Path | None) -> GeneratedPage:
    """Statements as unseen documents vary: face, size (7.5-11 pt), locale, 2 or 3 year
    columns, negatives in parentheses or with a minus, and a total row that sums its column."""
    fonts = [path for path in STATEMENT_FONTS if path.exists()] or [None]
    convention, group, mark, title = STATEMENT_LOCALES[index % len(STATEMENT_LOCALES)]
    size = rng.choice((7.5, 8.0, 9.0, 10.0, 11.0))
    face = rng.choice(fonts)
    canvas = Canvas(convention, font_file or face, size)
    canvas.text(72, 72, title, size + 3)
    columns = rng.choice((2, 3))
    pitch = size * 10
    right_edges = [560 - pitch * (columns - 1 - column) for column in range(columns)]
    for column, edge in enumerate(right_edges):
        canvas.number(edge, 100, str(2025 - column), right=True)
    cents = rng.random() < 0.5
    totals = [0] * columns
    y = 100 + size * 2.4
    for label in [*rng.sample(LABELS, rng.randint(8, 14)), "Total"]:
        canvas.label(72, y, label)
        for column, edge in enumerate(right_edges):
            if label == "Total":
                value = totals[column]
            else:
                value = _amount(rng, 100, 9_999_999) * (-1 if rng.random() < 0.2 else 1)
                totals[column] += value
            written = _grouped(abs(value) // 100 if cents else abs(value), group)
            written += mark + f"{abs(value) % 100:02d}" if cents else ""
            if value < 0:
                written = f"({written})" if group == "," else "-" + written
            canvas.number(edge, y, written, right=True)
        y += size * 2.2
    return canvas.finish(f"varied-{index}", "varied statements")


def margin_microtext(rng: random.Random, index: int, font_file: Path | None) -> GeneratedPage:
    """A short statement with rotated small print full of numbers in the left margin."""
    canvas = Canvas(DecimalConvention("."), font_file)
    canvas.text(72, 72, "Account summary", 13)
    y = 110.0
    for label in rng.sample(LABELS, 8):
        canvas.label(72, y, label)
        canvas.number(
            470,
            y,
            _grouped(_amount(rng, 100, 999_999), ",", f"{rng.randint(0, 99):02d}"),
            right=True,
        )
        y += 24
    # Two strips of rotated codes, one at 5 pt and one at 3 pt (below what engines read).
    for x, size in ((30.0, 5.0), (38.0, 3.0)):
        y = 700.0
        for _ in range(6):
            code = str(rng.randint(1000, 99999))
            canvas.vertical_number(x, y, code, size)
            y -= canvas.font.text_length(code + "  ", fontsize=size)
    return canvas.finish(f"microtext-{index}", "margin microtext")


def line_numbers(rng: random.Random, index: int, font_file: Path | None) -> GeneratedPage:
    """A transcript: line numbers 1-25 in the margin, some lines quoting amounts."""
    canvas = Canvas(DecimalConvention("."), font_file)
    words = [
        "the",
        "witness",
        "stated",
        "that",
        "payment",
        "was",
        "made",
        "in",
        "full",
        "on",
        "that",
        "date",
    ]
    y = 90.0
    for line in range(1, 26):
        canvas.number(50, y, str(line), 9, right=True)
        sentence = " ".join(rng.sample(words, 7)).capitalize()
        width = canvas.text(72, y, sentence, 10)
        if line % 4 == 0:
            canvas.number(72 + width + 6, y, _grouped(_amount(rng, 100, 99_999), ",", "00"))
        y += 24
    return canvas.finish(f"transcript-{index}", "line numbers")


FORM_FIELDS = (
    "Amount requested",
    "Annual income",
    "Monthly rent",
    "Outstanding balance",
    "Deposit paid",
    "Fee enclosed",
)


def form_page(rng: random.Random, index: int, font_file: Path | None) -> GeneratedPage:
    """A filled-in form: amounts in boxed fields, tick boxes (some ticked), lines to write
    on and a signature line; all ink no engine reads as text, none of it a number."""
    canvas = Canvas(DecimalConvention("."), font_file)
    canvas.text(72, 72, "Application for payment", 14)
    y = 110.0
    for label in rng.sample(FORM_FIELDS, 5):
        canvas.label(72, y, label)
        canvas.page.draw_rect((300, y - 13, 460, y + 5), width=0.8)
        canvas.number(
            455, y, _grouped(_amount(rng, 10, 99_999), ",", f"{rng.randint(0, 99):02d}"), right=True
        )
        y += 32
    for question in ("Are you employed?", "Do you own property?", "Have you applied before?"):
        canvas.text(72, y, question)
        for offset, answer in ((300, "Yes"), (380, "No")):
            box = pymupdf.Rect(offset, y - 9, offset + 10, y + 1)
            canvas.page.draw_rect(box, width=0.8)
            if rng.random() < 0.5:
                canvas.page.draw_line(box.tl, box.br, width=0.8)
                canvas.page.draw_line(box.tr, box.bl, width=0.8)
            canvas.text(offset + 14, y, answer)
        y += 28
    canvas.text(72, y + 10, "Remarks")
    for line in range(3):
        canvas.page.draw_line((130, y + 12 + 22 * line), (540, y + 12 + 22 * line), width=0.5)
    y += 90
    canvas.text(72, y, "Signature")
    canvas.page.draw_line((130, y + 2), (330, y + 2), width=0.5)
    canvas.page.draw_bezier((150, y - 2), (190, y - 20), (230, y + 10), (290, y - 8), width=1.2)
    return canvas.finish(f"form-{index}", "forms")


LAB_TESTS = (
    ("WBC count", "G/L"),
    ("NEU count", "G/L"),
    ("LYM percent", "%"),
    ("RBC count", "T/L"),
    ("HGB", "g/L"),
    ("HCT", "%"),
    ("MCV", "fL"),
    ("MCH", "pg"),
    ("MCHC", "g/L"),
    ("RDW-CV", "%"),
    ("PLT count", "G/L"),
    ("MPV", "fL"),
    ("PCT", "%"),
)


def _decimal(rng: random.Random, whole: int) -> str:
    places = rng.choice((0, 1, 1, 2, 3))
    fraction = f".{rng.randint(0, 10**places - 1):0{places}d}" if places else ""
    return f"{rng.randint(0, whole)}{fraction}"


def figures_in_cells(rng: random.Random, index: int, font_file: Path | None) -> GeneratedPage:
    """A lab report set in a monospaced face, every character in a cell a digit wide: a
    decimal point fills a cell, so "3.9" shows as "3. 9", and ranges read "[4.0-10.0]"."""
    canvas = Canvas(DecimalConvention("."), font_file)
    size = (10, 9)[index % 2]
    canvas.cells(72, 72, "Blood count report", 13)
    canvas.cells(72, 96, "Sampled:", size)
    canvas.number(
        140, 96, f"2021-{rng.randint(1, 12):02d}-{rng.randint(10, 28)}", size, in_cells=True
    )
    canvas.number(215, 96, f"{rng.randint(10, 23)}:{rng.randint(10, 59)}", size, in_cells=True)
    y = 130.0
    for label, unit in rng.sample(LAB_TESTS, 12):
        canvas.cells(72, y, label, size)
        canvas.number(250, y, _decimal(rng, 400), size, in_cells=True)
        canvas.cells(320, y, unit, size)
        low = _decimal(rng, 50)
        high = str(Decimal(low) + rng.randint(1, 90))
        canvas.cells(400, y, "[", size)
        cell = canvas.font.text_length("0", fontsize=size)
        canvas.number(400 + cell, y, f"{low}-{high}", size, in_cells=True)
        canvas.cells(400 + cell * (len(low) + len(high) + 2), y, "]", size)
        y += 22
    return canvas.finish(f"cells-{index}", "figures in cells")


# How ledgers write a date: US, German, ISO, month/day under a dated heading, a short year.
DATE_STYLES: tuple[tuple[Callable[[datetime.date], str], DecimalConvention, str, str], ...] = (
    (lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}", DecimalConvention("."), ",", "."),
    (lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}", DecimalConvention(","), ".", ","),
    (lambda d: d.isoformat(), DecimalConvention("."), ",", "."),
    (lambda d: f"{d.month}/{d.day}", DecimalConvention("."), ",", "."),
    (lambda d: f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}", DecimalConvention("."), ",", "."),
)


def dated_ledger(rng: random.Random, index: int, font_file: Path | None) -> GeneratedPage:
    """A bank statement: each row opens with its date, then a description, the amount and
    the running balance ("03/21/2024 Wire transfer -1,200.00 5,400.00"). Every other page is
    an export that sets date and amount as one run ("31.03.2024 -1.200,00") before the text."""
    write_date, convention, group, mark = DATE_STYLES[index % len(DATE_STYLES)]
    exported = index % 2 == 1
    canvas = Canvas(convention, font_file)
    canvas.text(72, 60, "Account statement", 13)
    columns = ("Date Amount", "Description") if exported else ("Date", "Description")
    for x, heading in ((60, columns[0]), (230, columns[1]), (500, "Balance")):
        canvas.text(x, 90, heading, 9)
    if not exported:
        canvas.text(400, 90, "Amount", 9)
    day = datetime.date(rng.randint(2015, 2025), rng.randint(1, 12), 1)
    balance = _amount(rng, 100_000, 9_999_999)
    y = 112.0
    for label in rng.sample(LABELS, 14):
        day += datetime.timedelta(days=rng.randint(0, 9))
        change = _amount(rng, 100, 999_999) * (-1 if rng.random() < 0.5 else 1)
        balance += change
        canvas.label(230, y, label)
        change_written, balance_written = (
            ("-" if value < 0 else "")
            + _grouped(abs(value) // 100, group, f"{abs(value) % 100:02d}", mark)
            for value in (change, balance)
        )
        if exported:
            canvas.numbers_in_one_run(60, y, [write_date(day), change_written])
        else:
            canvas.number(60, y, write_date(day))
            canvas.number(460, y, change_written, right=True)
        canvas.number(560, y, balance_written, right=True)
        y += 22
    return canvas.finish(f"ledger-{index}", "dated ledgers")


GENERATORS: dict[str, Callable[[random.Random, int, Path | None], GeneratedPage]] = {
    "currency glyphs": currency_glyphs,
    "2 amount columns": amount_columns(2),
    "3 amount columns": amount_columns(3),
    "ruled tables": ruled_table,
    "space and apostrophe grouping": space_grouping,
    "decimal commas": decimal_commas,
    "margin microtext": margin_microtext,
    "line numbers": line_numbers,
    "figures in cells": figures_in_cells,
    "varied statements": varied_statements,
    "dated ledgers": dated_ledger,
    "forms": form_page,
}


def generated_pages(
    per_class: int = 2, seed: int = 7, font_file: Path | None = None
) -> list[GeneratedPage]:
    """`per_class` pages of every failure class, every page in `font_file` if given (else
    DejaVu Sans, and the varied statements' own faces)."""
    rng = random.Random(seed)
    return [
        generate(rng, index, font_file)
        for generate in GENERATORS.values()
        for index in range(per_class)
    ]
