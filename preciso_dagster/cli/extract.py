"""`preciso extract`: the extraction the asset runs, on one file, outside Dagster."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from preciso_dagster.cli.exit_codes import exit_code_for
from preciso_dagster.core.errors import PrecisoError

if TYPE_CHECKING:
    from preciso_dagster.core.extraction.extraction import ExtractedPage


def extract(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
    crops: Path | None = typer.Option(
        None, "--crops", file_okay=False, help="Write each review item's PNG crop here"
    ),
) -> None:
    """Extract pages of text from PATH with the configured engine order. Exit 2 on bad input."""
    from preciso_dagster.core.extraction.extraction import ExtractionConfig, extract_document
    from preciso_dagster.core.settings import get_settings

    settings = get_settings()
    config = ExtractionConfig(
        engine_order=settings.engine_order,
        dpi=settings.ocr_dpi,
        max_pdf_pages=settings.max_pdf_pages,
        verify_numbers=settings.flag_verify_ocr_numbers,
    )
    try:
        document = extract_document(path.read_bytes(), path.name, config)
    except PrecisoError as error:
        typer.echo(f"error: {path.name}: {error}", err=True)
        raise typer.Exit(exit_code_for(error)) from error
    status = "needs_review" if document.needs_review else "extracted"
    if as_json:
        # The page as the asset stores it, less the raw OCR lines (boxes are on the numbers).
        pages = [
            page.to_record().model_dump(mode="json", exclude={"ocr_lines"})
            for page in document.pages
        ]
        if crops is not None:
            _write_crops(document.pages, pages, crops)
        body = {"sha256": document.sha256, "format": document.format, "pages": pages}
        typer.echo(json.dumps({"document": body, "status": status}, ensure_ascii=False))
        return
    for page in document.pages:
        typer.echo(f"--- page {page.index} ({page.engine}, confidence {page.confidence}) ---")
        typer.echo(page.text)
    typer.echo(f"status: {status}")


def _write_crops(extracted: list[ExtractedPage], pages: list[dict[str, Any]], folder: Path) -> None:
    """Each review item's crop as `p<page>-<item>.png` in `folder`, named in its `crop`."""
    folder.mkdir(parents=True, exist_ok=True)
    for page, body in zip(extracted, pages, strict=True):
        for position, (item, png) in enumerate(
            zip(body["review_items"], page.review_crops, strict=True)
        ):
            path = folder / f"p{page.index}-{position}.png"
            path.write_bytes(png)
            item["crop"] = str(path)
