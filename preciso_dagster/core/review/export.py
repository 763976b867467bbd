"""A document's confirmed pages and line items as JSON, CSV or XLSX, each number with its state.

Every amount carries its value (an exact decimal, written as text), its state (`verified` by
the text layer or two engines, `confirmed` by a reviewer, `corrected` by a reviewer) and where
it stands (page, box). Line items are read from the confirmed pages, so corrections are in.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from preciso_dagster.core.appdb.models import Document, DocumentStatus, ReviewItem, ReviewStatus
from preciso_dagster.core.errors import ConflictError, NotFoundError
from preciso_dagster.core.pages import NumberRecord, PageRecord
from preciso_dagster.core.review.overlay import confirmed_pages, decisions_for
from preciso_dagster.core.training.line_items import page_line_items

ExportFormat = Literal["json", "csv", "xlsx"]
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
LINE_ITEM_COLUMNS = ("page", "label", "header", "amount", "raw", "state", "box")
NUMBER_COLUMNS = ("page", "raw", "value", "state", "read_as", "box")


def document_export(session: Session, document_id: str) -> dict[str, Any]:
    """The export of a settled document; 409 while review is open or when it has no pages."""
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(f"document {document_id} not found")
    open_items = session.scalar(
        select(func.count()).where(
            ReviewItem.document_id == document_id, ReviewItem.status == ReviewStatus.OPEN
        )
    )
    if open_items or document.status == DocumentStatus.NEEDS_REVIEW:
        raise ConflictError(f"{open_items} review items of this document are still open")
    if document.status in (DocumentStatus.FAILED, DocumentStatus.RECEIVED) or not document.pages:
        raise ConflictError(f"the document is {document.status}: it has no pages to export")
    pages = confirmed_pages(document.pages, decisions_for(session, document_id))
    return {
        "document": {
            "document_id": document.document_id,
            "filename": document.filename,
            "status": document.status.value,
            "sha256": document.sha256,
        },
        "pages": [
            {
                "page": page.index,
                "engine": page.engine,
                "text": page.text,
                "numbers": [_number(page.index, n) for n in page.numbers],
            }
            for page in pages
        ],
        "line_items": [item for page in pages for item in _line_items(page)],
    }


def _number(page_index: int, number: NumberRecord) -> dict[str, Any]:
    return {
        "page": page_index,
        "raw": number.raw,
        "value": number.value,
        "state": number.state,
        "read_as": number.read_as,
        "box": list(number.box) if number.box else None,
    }


def _line_items(page: PageRecord) -> list[dict[str, Any]]:
    states = {n.raw: n.state for n in page.numbers}
    return [
        {
            "page": page.index,
            "label": item.label,
            "columns": [
                {
                    "header": cell.header,
                    "amount": str(cell.amount),
                    "raw": cell.raw,
                    "state": states.get(cell.raw, "verified"),
                    "box": list(cell.box) if cell.box else None,
                }
                for cell in item.columns
            ],
        }
        for item in page_line_items(page)
    ]


def render_export(export: dict[str, Any], export_format: str) -> bytes:
    """The export in `export_format` (json, csv: one row per line-item amount, xlsx: sheets)."""
    if export_format == "json":
        return json.dumps(export, ensure_ascii=False, indent=2).encode()
    if export_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(LINE_ITEM_COLUMNS)
        writer.writerows(_line_item_rows(export))
        return buffer.getvalue().encode()
    return _xlsx(export)


def _line_item_rows(export: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            item["page"],
            item["label"],
            c["header"] or "",
            c["amount"],
            c["raw"],
            c["state"],
            _box_text(c["box"]),
        ]
        for item in export["line_items"]
        for c in item["columns"]
    ]


def _box_text(box: list[float] | None) -> str:
    return " ".join(f"{c:g}" for c in box) if box else ""


def _xlsx(export: dict[str, Any]) -> bytes:
    """Amounts are text cells: spreadsheet numbers are binary floating point, amounts are not."""
    from openpyxl import Workbook

    workbook = Workbook()
    items = workbook.active
    items.title = "line_items"
    items.append(LINE_ITEM_COLUMNS)
    for row in _line_item_rows(export):
        items.append(row)
    numbers = workbook.create_sheet("numbers")
    numbers.append(NUMBER_COLUMNS)
    for page in export["pages"]:
        for n in page["numbers"]:
            numbers.append(
                [
                    n["page"],
                    n["raw"],
                    n["value"] or "",
                    n["state"],
                    n["read_as"] or "",
                    _box_text(n["box"]),
                ]
            )
    pages = workbook.create_sheet("pages")
    pages.append(("page", "engine", "text"))
    for page in export["pages"]:
        pages.append([page["page"], page["engine"] or "", page["text"]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
