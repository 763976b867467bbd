"""Console sign-in: an API token exchanged for a signed, expiring session cookie, and CSRF.

The cookie holds the token's fingerprint (never the token) and the session's CSRF token,
signed with `itsdangerous`. Every request maps the fingerprint back to a configured token,
so removing a token from `PRECISO_API_TOKENS` ends its sessions at once.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from api_bridge.auth import Principal, TokenBook
from preciso_dagster.core.settings import Role

COOKIE_NAME = "preciso_console"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class ConsoleUser:
    """A signed-in person: their principal and the CSRF token their forms must carry."""

    principal: Principal
    csrf_token: str

    def can(self, role: Role) -> bool:
        return self.principal.has_role(role)


class ConsoleSessions:
    """Issues and reads session cookies for the configured tokens."""

    def __init__(self, secret_key: str, max_age_seconds: int, tokens: TokenBook) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="preciso-console-session")
        self.max_age_seconds = max_age_seconds
        self.tokens = tokens

    def sign_in(self, token: str) -> str | None:
        """The cookie value for a valid token, None for an unknown one."""
        if self.tokens.principal_for(token) is None:
            return None
        payload = {"fingerprint": self.tokens.fingerprint(token), "csrf": secrets.token_urlsafe(32)}
        return self._serializer.dumps(payload)

    def user(self, cookie: str | None) -> ConsoleUser | None:
        """Who the cookie belongs to; None when it is missing, forged, expired or revoked."""
        if not cookie:
            return None
        try:
            payload = self._serializer.loads(cookie, max_age=self.max_age_seconds)
        except BadSignature:
            return None
        principal = self.tokens.principal_by_fingerprint(payload.get("fingerprint", ""))
        return ConsoleUser(principal, payload["csrf"]) if principal else None


def csrf_matches(user: ConsoleUser, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(user.csrf_token, submitted or "")
