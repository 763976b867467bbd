"""Bearer tokens mapped to roles, compared in constant time; tokens never reach logs.

Audit rows and logs name a caller `<role>:<fingerprint>`. The fingerprint is an HMAC of the
token under a server secret (`PRECISO_AUDIT_KEY`, or a key kept in `var/audit-key`), so a
fingerprint seen by a viewer cannot be used to test guesses of a token offline.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from preciso_dagster.core.settings import Role, Settings

FINGERPRINT_HEX = 12


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role and a name safe to record (never the token itself)."""

    role: Role
    name: str

    def has_role(self, needed: Role) -> bool:
        # Admins may do everything; otherwise a role covers viewer rights plus its own.
        return self.role == needed or self.role == "admin" or needed == "viewer"


class TokenBook:
    """The configured tokens, each with its principal."""

    def __init__(self, tokens: dict[str, Role], key: bytes) -> None:
        self._key = key
        self._principals = {
            token: Principal(role, f"{role}:{self.fingerprint(token)}")
            for token, role in tokens.items()
        }
        # Sessions name a token by its fingerprint: keyed once here, not on every request.
        self._by_fingerprint = {
            self.fingerprint(token): principal for token, principal in self._principals.items()
        }

    @classmethod
    def for_settings(cls, settings: Settings) -> TokenBook:
        return cls(settings.api_tokens, audit_key(settings))

    def fingerprint(self, token: str) -> str:
        """A short, one-way name for a token, keyed by the server's secret."""
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()[:FINGERPRINT_HEX]

    def principal_for(self, token: str) -> Principal | None:
        """The principal behind `token`, checking every configured token in constant time."""
        found: Principal | None = None
        for known, principal in self._principals.items():
            if hmac.compare_digest(token.encode(), known.encode()):
                found = principal
        return found

    def principal_by_fingerprint(self, fingerprint: str) -> Principal | None:
        found: Principal | None = None
        for known, principal in self._by_fingerprint.items():
            if hmac.compare_digest(known, fingerprint):
                found = principal
        return found


def audit_key(settings: Settings) -> bytes:
    """`PRECISO_AUDIT_KEY`, else a random key created once in `var/audit-key` (mode 600)."""
    if settings.audit_key is not None:
        return settings.audit_key.get_secret_value().encode()
    path = settings.var_dir / "audit-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        if not path.read_text():
            path.write_text(secrets.token_hex(32))
    return path.read_text().strip().encode()
