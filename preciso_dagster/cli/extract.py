"""`preciso extract`: the extraction the asset runs, on one file, outside Dagster."""

import json
from pathlib import Path

import typer

from preciso_dagster.cli.exit_codes import exit_code_for
from preciso_dagster.errors import PrecisoError
from preciso_dagster.ingest.extraction import ExtractionConfig, extract_document
from preciso_dagster.settings import get_settings


def extract(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Extract pages of text from PATH with the configured engine order. Exit 2 on bad input."""
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
        pages = [
            {
                "index": page.index,
                "engine": page.engine,
                "attempts": [
                    {"engine": a.engine, "accepted": a.accepted, "reason": a.reason}
                    for a in page.attempts
                ],
                "text": page.text,
                "confidence": page.confidence,
                "needs_review": page.needs_review,
                "review_reasons": page.review_reasons,
                "numbers": [number.to_dict() for number in page.numbers],
                "review_items": [number.to_dict() for number in page.review_items],
            }
            for page in document.pages
        ]
        body = {"sha256": document.sha256, "format": document.format, "pages": pages}
        typer.echo(json.dumps({"document": body, "status": status}, ensure_ascii=False))
        return
    for page in document.pages:
        typer.echo(f"--- page {page.index} ({page.engine}, confidence {page.confidence}) ---")
        typer.echo(page.text)
    typer.echo(f"status: {status}")
