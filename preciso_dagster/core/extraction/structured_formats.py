"""Text from formats that carry it directly (office files, HTML, CSV, Markdown, plain text).

Table cells keep the exact characters written in the file: nothing goes through float.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from preciso_dagster.core.errors import BadDocumentError

CELL_SEPARATOR = "\t"


def _table_text(rows: Iterable[Iterable[str]]) -> str:
    return "\n".join(CELL_SEPARATOR.join(cells) for cells in rows)


def _utf8(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadDocumentError(
            f"the text is not valid UTF-8 at byte {error.start} ({error.reason})"
        ) from error


def text_pages(content: bytes) -> list[str]:
    return [_utf8(content)]


def csv_pages(content: bytes) -> list[str]:
    text = _utf8(content)
    try:
        dialect = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        return [_table_text(csv.reader(io.StringIO(text), dialect))]
    except csv.Error as error:
        raise BadDocumentError(f"the CSV could not be read: {error}") from error


def html_pages(content: bytes) -> list[str]:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(content.decode("utf-8-sig", errors="replace"))
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    body = tree.body or tree.root
    if body is None:
        return [""]
    # Innermost tables first: each is read once, after the tables inside it became text.
    for table in reversed(body.css("table")):
        rows = [
            [cell.text(separator=" ", strip=True) for cell in row.css("th, td")]
            for row in table.css("tr")
        ]
        table.replace_with(f"\n{_table_text(rows)}\n")
    lines = (line.strip() for line in body.text(separator="\n").splitlines())
    return ["\n".join(line for line in lines if line)]


def docx_pages(content: bytes) -> list[str]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(content))
    except Exception as error:
        raise BadDocumentError(f"DOCX could not be opened: {error}") from error
    blocks: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph) and block.text.strip():
            blocks.append(block.text)
        elif isinstance(block, Table):
            blocks.append(_table_text([cell.text for cell in row.cells] for row in block.rows))
    return ["\n".join(blocks)]


def pptx_pages(content: bytes) -> list[str]:
    from pptx import Presentation

    try:
        presentation = Presentation(io.BytesIO(content))
    except Exception as error:
        raise BadDocumentError(f"PPTX could not be opened: {error}") from error
    pages = []
    for slide in presentation.slides:
        blocks = []
        for shape in slide.shapes:
            if shape.has_text_frame and shape.text_frame.text.strip():
                blocks.append(shape.text_frame.text)
            elif getattr(shape, "has_table", False) and shape.has_table:
                rows = shape.table.rows
                blocks.append(_table_text([cell.text for cell in row.cells] for row in rows))
        pages.append("\n".join(blocks))
    return pages


def xlsx_pages(content: bytes) -> list[str]:
    """One page per sheet; numeric cells print their stored value exactly, never a rounded float."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:
        raise BadDocumentError(f"XLSX could not be opened: {error}") from error
    pages = []
    for sheet in workbook.worksheets:
        rows = []
        for row in sheet.iter_rows(values_only=True):
            cells = ["" if value is None else _cell_text(value) for value in row]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                rows.append(cells)
        pages.append(f"# {sheet.title}\n{_table_text(rows)}")
    workbook.close()
    return pages


def _cell_text(value: object) -> str:
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        # repr() is the shortest string that reads back as the same double, which is what
        # the sheet's XML stored; Decimal keeps it out of scientific notation.
        exact = Decimal(repr(value))
        return format(exact, "f") if abs(exact.adjusted()) < 20 else repr(value)
    return str(value)


STRUCTURED_EXTRACTORS = {
    "text": text_pages,
    "markdown": text_pages,
    "csv": csv_pages,
    "html": html_pages,
    "docx": docx_pages,
    "pptx": pptx_pages,
    "xlsx": xlsx_pages,
}
