"""`preciso check-numbers`: are the numbers of SOURCE preserved in OUTPUT?"""

import json
from pathlib import Path

import typer

from preciso_dagster.cli.exit_codes import BAD_INPUT, CHECK_FAILED
from preciso_dagster.core.numeric.compare import compare_texts, token_dict


def check_numbers(
    source: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    output: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
    locale: str | None = typer.Option(None, help="e.g. en_US, de_DE; default: from the text"),
) -> None:
    """Compare two text files' numbers. Exit 0 when preserved, 1 when not, 2 on bad input."""
    result = compare_texts(_text(source), _text(output), locale)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        for label, tokens in (("missing", result.missing), ("added", result.added)):
            for token in tokens:
                typer.echo(f"{label}: {token.raw!r} at {token_dict(token)['span']}")
        for altered in result.altered:
            typer.echo(
                f"altered ({altered.alteration}): {altered.source.raw!r} -> "
                f"{altered.output.raw!r} at {list(altered.source.span)}"
            )
        for token in result.ambiguous:
            typer.echo(f"ambiguous: {token.raw!r} at {list(token.span)}")
        typer.echo(
            f"{result.source_count} numbers in source: "
            f"{'preserved' if result.passed else 'NOT preserved'}"
        )
    if not result.passed:
        raise typer.Exit(CHECK_FAILED)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        typer.echo(f"error: {path.name}: not valid UTF-8 at byte {error.start}", err=True)
        raise typer.Exit(BAD_INPUT) from None
