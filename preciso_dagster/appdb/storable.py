"""Request value types that both app databases can store, so bad input is a 422, not a 500.

PostgreSQL rejects NUL characters in text, and both databases keep ids and offsets in 64 bits.
"""

from typing import Annotated

from pydantic import Field

MAX_ROW_ID = 2**63 - 1

RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
StorableText = Annotated[str, Field(pattern=r"^[^\x00]*$")]
