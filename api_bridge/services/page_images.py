"""Page images and review crops as PNG bytes, for clients that cannot read the server's disk.

A page is rendered from the stored original the way extraction saw it (PDF pages at the OCR
resolution, image frames as they are), turned upright and level by the rotation and skew
extraction recorded, so number boxes land on it. Office files have no page images.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from preciso_dagster.core.appdb.models import Document, ReviewItem
from preciso_dagster.core.errors import NotFoundError
from preciso_dagster.core.extraction.formats import IMAGE_FORMATS, PDF_POINTS_PER_INCH
from preciso_dagster.core.extraction.storage import DocumentStore
from preciso_dagster.core.pages import PageRecord


def crop_png(session: Session, review_item_id: int) -> bytes:
    """The review item's crop, as extraction saved it."""
    item = session.get(ReviewItem, review_item_id)
    if item is None:
        raise NotFoundError(f"review item {review_item_id} not found")
    if not item.crop_path or not Path(item.crop_path).is_file():
        raise NotFoundError(f"review item {item.review_item_id} has no crop")
    return Path(item.crop_path).read_bytes()


VERIFIED_COLOUR, UNVERIFIED_COLOUR, HIGHLIGHT_COLOUR = (27, 127, 59), (179, 38, 30), (0, 90, 220)


def page_png(document: Document, store: DocumentStore, page_index: int, dpi: int) -> bytes:
    """Page `page_index` of the document as a grayscale PNG."""
    return _png(_page_image(document, store, page_index, dpi))


def annotated_page_png(
    document: Document,
    store: DocumentStore,
    page_index: int,
    dpi: int,
    highlight: Sequence[float] | None = None,
) -> bytes:
    """The page with every number's box: green verified, red unverified; `highlight` in blue."""
    from PIL import ImageDraw

    image = _page_image(document, store, page_index, dpi).convert("RGB")
    page = _page(document, page_index)
    # Text-layer boxes are PDF points; OCR boxes are pixels of the image OCR read.
    scale = (page.dpi or dpi) / PDF_POINTS_PER_INCH if page.engine == "text_layer" else 1
    draw = ImageDraw.Draw(image)
    for number in page.numbers:
        if number.box:
            colour = VERIFIED_COLOUR if number.verified else UNVERIFIED_COLOUR
            draw.rectangle([c * scale for c in number.box], outline=colour, width=2)
    if highlight:
        x0, y0, x1, y1 = (c * scale for c in highlight)
        draw.rectangle([x0 - 6, y0 - 6, x1 + 6, y1 + 6], outline=HIGHLIGHT_COLOUR, width=5)
    return _png(image)


def _page(document: Document, page_index: int) -> PageRecord:
    pages = document.pages or []
    if not 0 <= page_index < len(pages):
        raise NotFoundError(f"document {document.document_id} has no page {page_index}")
    return pages[page_index]


def _page_image(document: Document, store: DocumentStore, page_index: int, dpi: int) -> Any:
    from PIL import Image

    page = _page(document, page_index)
    content = store.read(document.sha256)
    if document.detected_format == "pdf":
        import pymupdf

        with pymupdf.open(stream=content, filetype="pdf") as pdf:
            render_dpi = page.dpi or dpi
            pixmap = pdf.load_page(page_index).get_pixmap(dpi=render_dpi, colorspace=pymupdf.csGRAY)
            image = Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)
    elif document.detected_format in IMAGE_FORMATS:
        image = Image.open(io.BytesIO(content))
        image.seek(page_index)
        image = image.convert("L")
    else:
        raise NotFoundError(
            f"document {document.document_id} is a {document.detected_format} file: "
            "its pages are text, with no image"
        )
    from preciso_dagster.core.extraction.straighten import page_as_read  # loads OpenCV

    return page_as_read(image, page.rotation, page.skew)


def _png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
