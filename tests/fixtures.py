"""Documents the tests make for themselves: PDFs, scans, office files and bad input."""

from __future__ import annotations

import io
import zipfile

import pymupdf
from PIL import Image

FINANCIAL_LINES = [
    "Consolidated statement of income",
    "Revenue 1,234,567.89",
    "Cost of sales (456,789.01)",
    "Net income 777,778.88",
]


def text_pdf(lines: list[str] = FINANCIAL_LINES, pages: int = 1) -> bytes:
    document = pymupdf.open()
    for page_number in range(pages):
        page = document.new_page()
        y = 72
        for line in lines:
            page.insert_text((72, y), line, fontsize=14)
            y += 24
        page.insert_text((72, 760), f"Page {page_number + 1}", fontsize=10)
    return document.tobytes()


def page_image(pdf: bytes, dpi: int = 200, rotate: int = 0) -> Image.Image:
    page = pymupdf.open(stream=pdf, filetype="pdf").load_page(0)
    pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)
    return image.rotate(rotate, expand=True) if rotate else image


def image_only_pdf(image: Image.Image) -> bytes:
    """Wrap an image as a PDF page with no text layer: a scan."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    document = pymupdf.open()
    page = document.new_page(width=image.width * 72 / 200, height=image.height * 72 / 200)
    page.insert_image(page.rect, stream=buffer.getvalue())
    return document.tobytes()


def scanned_pdf(lines: list[str] = FINANCIAL_LINES, rotate: int = 0) -> bytes:
    return image_only_pdf(page_image(text_pdf(lines), rotate=rotate))


def image_bytes(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def garbage_text_layer_pdf() -> bytes:
    """A page whose text layer is junk over real glyphs, as a broken ToUnicode map yields.

    The inserted private-use code points come out of the base-14 font as middle dots.
    """
    document = pymupdf.open(stream=scanned_pdf(), filetype="pdf")
    page = document.load_page(0)
    page.insert_text(
        (72, 72), "\ue000\ue001\ue002 \ue003\ue004,\ue005\ue006\ue007", fontsize=1, render_mode=3
    )
    return document.tobytes()


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Balance sheet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Total assets"
    table.cell(0, 1).text = "1,000,000.50"
    table.cell(1, 0).text = "Equity"
    table.cell(1, 1).text = "(12.30)"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pptx_bytes() -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    for title in ("Q1 revenue 12.5 million", "Q2 revenue 13.75 million"):
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])
        slide.shapes.title.text = title
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    table.cell(0, 0).text = "Margin"
    table.cell(0, 1).text = "41.20%"
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "P&L"
    sheet.append(["Line", "Amount", "Note"])
    sheet.append(["Revenue", 0.1, "float that must not become 0.1000000000000000055"])
    sheet.append(["Units", 1234567890123, None])
    sheet.append(["Cost", "(3,210)", "text kept as written"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def html_bytes() -> bytes:
    return (
        b"<!DOCTYPE html><html><head><style>p{}</style></head><body><h1>Report</h1>"
        b"<table><tr><th>Item</th><th>Amount</th></tr>"
        b"<tr><td>Revenue</td><td>1.234,56</td></tr></table></body></html>"
    )


def truncated_pdf() -> bytes:
    return text_pdf()[:300]


def encrypted_pdf() -> bytes:
    document = pymupdf.open(stream=text_pdf(), filetype="pdf")
    return document.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="o", user_pw="u")


def bomb_png() -> bytes:
    """A small PNG that claims enormous dimensions: a decompression bomb."""
    return image_bytes(Image.new("1", (12000, 12000)), "PNG")


def unsupported_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.bin", b"\x00\x01")
    return buffer.getvalue()


def damaged_number_scan(seed: int = 7) -> bytes:
    """A scan whose "777,778.88" is speckled with noise so the two OCR engines disagree."""
    import random

    from PIL import ImageDraw

    image = page_image(text_pdf())
    draw = ImageDraw.Draw(image)
    rng = random.Random(seed)
    left, top, right, bottom = 410, 372, 600, 406  # the number's box at 200 DPI
    for _ in range(900):
        draw.point((rng.randint(left, right), rng.randint(top, bottom)), fill=rng.choice([0, 255]))
    return image_only_pdf(image)


def statement_pdf(title: str, years: list[str], rows: list[tuple[str, list[str]]]) -> bytes:
    """A one-page statement: a title, a header of years, then label rows with one amount per
    year, each amount right-aligned in its own column (as a text layer gives table cells)."""
    document = pymupdf.open()
    page = document.new_page()
    page.insert_text((72, 72), title, fontsize=13)
    edges = [400 + 90 * column for column in range(len(years))]

    def right_aligned(edge: float, y: float, text: str) -> None:
        page.insert_text((edge - pymupdf.get_text_length(text, fontsize=11), y), text, fontsize=11)

    for edge, year in zip(edges, years, strict=True):
        right_aligned(edge, 100, year)
    for row, (label, amounts) in enumerate(rows):
        y = 124 + 22 * row
        page.insert_text((72, y), label, fontsize=11)
        for edge, amount in zip(edges, amounts, strict=True):
            right_aligned(edge, y, amount)
    return document.tobytes()
