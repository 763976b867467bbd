"""Bearer tokens mapped to roles, compared in constant time; tokens never reach logs."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from preciso_dagster.settings import Role


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role and a name safe to record (never the token itself)."""

    role: Role
    name: str

    def has_role(self, needed: Role) -> bool:
        # Admins may do everything; otherwise a role covers viewer rights plus its own.
        return self.role == needed or self.role == "admin" or needed == "viewer"


def principal_for(token: str, tokens: dict[str, Role]) -> Principal | None:
    """The principal behind `token`, checking every configured token in constant time."""
    found: Principal | None = None
    for known, role in tokens.items():
        if hmac.compare_digest(token.encode(), known.encode()):
            found = Principal(role=role, name=f"{role}:{token_fingerprint(known)}")
    return found


def token_fingerprint(token: str) -> str:
    """A short, one-way name for a token that may appear in audit rows and logs."""
    return hashlib.sha256(token.encode()).hexdigest()[:10]
