"""Real-world PDFs from ../shared/corpus (skipped when it is absent)."""

import pytest

from preciso_dagster.core.errors import BadDocumentError
from preciso_dagster.core.extraction.extraction import extract_document
from preciso_dagster.core.numeric.numbers import extract_numbers
from tests.conftest import corpus_file

pytestmark = pytest.mark.corpus


def test_dense_statistics_table_is_read_from_its_text_layer() -> None:
    content = corpus_file("nics-background-checks-2015-11.pdf").read_bytes()
    (page,) = extract_document(content, "nics.pdf").pages
    assert page.engine == "text_layer"
    assert len(extract_numbers(page.text)) > 1000
    assert all(number.verified for number in page.numbers)


def test_encrypted_corpus_pdf_fails_clearly() -> None:
    content = corpus_file("password-example.pdf").read_bytes()
    with pytest.raises(BadDocumentError, match="encrypted"):
        extract_document(content, "password-example.pdf")


def test_malformed_corpus_pdf_is_repaired_and_says_how_it_was_read() -> None:
    # MuPDF repairs this broken structure; the page then carries its provenance like any other.
    content = corpus_file("malformed-from-issue-932.pdf").read_bytes()
    (page,) = extract_document(content, "malformed.pdf").pages
    assert page.engine == "text_layer" and page.attempts[0].accepted
