"""Access tokens (short-lived JWTs, HS256 only) and opaque random tokens (refresh, reset)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from app.domain.users import Actor
from app.errors import UnauthorizedError

# The one algorithm accepted: a token claiming another ("none", RS256 ...) is refused.
ALGORITHM = "HS256"


class AccessTokens:
    def __init__(self, secret: str, ttl_seconds: int, issuer: str) -> None:
        self._secret = secret
        self._issuer = issuer
        self.ttl_seconds = ttl_seconds

    def sign(self, actor: Actor) -> str:
        now = datetime.now(UTC)
        claims = {
            "sub": str(actor.id),
            "role": actor.role,
            "iss": self._issuer,
            "iat": now,
            "exp": now + timedelta(seconds=self.ttl_seconds),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Actor:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                options={"require": ["sub", "exp", "iat", "iss"]},
            )
            user_id = UUID(claims["sub"])
        except (jwt.InvalidTokenError, ValueError, TypeError):
            raise UnauthorizedError("invalid or expired access token") from None
        return Actor(id=user_id, role="admin" if claims.get("role") == "admin" else "user")


@dataclass(frozen=True, slots=True)
class OpaqueToken:
    """A random, URL-safe token and the SHA-256 hash that is stored instead of it."""

    token: str
    token_hash: str

    @staticmethod
    def new() -> "OpaqueToken":
        token = secrets.token_urlsafe(32)
        return OpaqueToken(token=token, token_hash=hash_token(token))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
