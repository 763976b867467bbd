"""Request value types that both app databases can store, so bad input is a 422, not a 500.

PostgreSQL rejects NUL characters in text, and both databases keep ids and offsets in 64 bits.
"""

from typing import Annotated

from pydantic import Field

MAX_ROW_ID = 2**63 - 1

RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
NO_NUL_PATTERN = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
StorableText = Annotated[str, Field(pattern=NO_NUL_PATTERN)]
# Document ids are `doc-` and 24 hex digits; the pattern is looser (letters, digits, - _ .) so
# test ids fit, and tight enough that NULs, tabs and newlines are refused before any query.
DOCUMENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
DOCUMENT_FILTER_PATTERN = r"^[A-Za-z0-9._-]{0,64}$"  # a document id, or empty for "all"
