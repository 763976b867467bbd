"""Text transformations downstream of extraction; each is guarded by a numeric check."""

import unicodedata

import dagster as dg

from preciso_dagster.core.pages import DocumentPages
from preciso_dagster.defs.ingest.outputs import DOCUMENT_OUTPUTS
from preciso_dagster.defs.ingest.partitions import documents_partitions


def normalize_page_text(text: str) -> str:
    """NFKC (full-width digits become ASCII), one space between words, one line per line.
    Tabs (table cells, OCR column gaps) stay: "12<tab>500" is two numbers, "12 500" may be one."""
    lines = (
        "\t".join(
            " ".join(cell.split())
            for cell in unicodedata.normalize("NFKC", line).split("\t")
            if cell.strip()
        )
        for line in text.splitlines()
    )
    return "\n".join(line for line in lines if line)


@dg.asset(
    partitions_def=documents_partitions,
    group_name="numeric",
    kinds={"python"},
    owners=["team:extraction"],
    code_version="1",
    io_manager_key=DOCUMENT_OUTPUTS,
)
def normalized_text(confirmed_pages: DocumentPages) -> dg.Output[list[str]]:
    """Each confirmed page's text (reviewers' corrections in) normalised for search and
    training; every number must survive it."""
    return normalize_pages(confirmed_pages)


def normalize_pages(confirmed: DocumentPages) -> dg.Output[list[str]]:
    pages = [normalize_page_text(page.text) for page in confirmed.pages]
    return dg.Output(
        pages, metadata={"pages": len(pages), "characters": sum(len(page) for page in pages)}
    )
