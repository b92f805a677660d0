"""Refresh tokens (rotated, grouped in families for reuse detection) and password-reset tokens.

Only SHA-256 hashes of tokens are stored. Rotation and consumption are atomic: of any number of
concurrent requests presenting the same token, exactly one wins.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True, slots=True)
class NewToken:
    token_hash: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class RefreshToken:
    id: UUID
    user_id: UUID
    family_id: UUID
    token_hash: str
    expires_at: datetime
    # The token's own revocation, or its family's.
    revoked_at: datetime | None


class TokenRepository(Protocol):
    async def create_refresh_token(self, user_id: UUID, token: NewToken) -> RefreshToken:
        """Starts a new family (a login) with its first token."""
        ...

    async def rotate_refresh_token(
        self, token_hash: str, successor: NewToken, now: datetime
    ) -> RefreshToken | None:
        """Revokes the token and issues its successor in the same family, in one atomic step.

        None when the token is unknown, expired, revoked, or its family is revoked.
        """
        ...

    async def find_refresh_token(self, token_hash: str) -> RefreshToken | None: ...

    async def revoke_family(self, family_id: UUID, now: datetime) -> None: ...

    async def revoke_all_for_user(self, user_id: UUID, now: datetime) -> None: ...

    async def create_reset_token(self, user_id: UUID, token: NewToken) -> None: ...

    async def consume_reset_token(self, token_hash: str, now: datetime) -> UUID | None:
        """Marks an unused, unexpired reset token used and returns its user; None otherwise."""
        ...
