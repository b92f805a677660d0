"""An in-memory token repository."""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from app.repositories.tokens import NewToken, RefreshToken


@dataclass(frozen=True, slots=True)
class _ResetToken:
    user_id: UUID
    expires_at: datetime
    used_at: datetime | None


class MemoryTokenRepository:
    def __init__(self) -> None:
        self._refresh: dict[str, RefreshToken] = {}
        # Family id -> (user id, revoked at).
        self._families: dict[UUID, tuple[UUID, datetime | None]] = {}
        self._reset: dict[str, _ResetToken] = {}

    async def create_refresh_token(self, user_id: UUID, token: NewToken) -> RefreshToken:
        family_id = uuid.uuid4()
        self._families[family_id] = (user_id, None)
        return self._insert(user_id, family_id, token)

    async def rotate_refresh_token(
        self, token_hash: str, successor: NewToken, now: datetime
    ) -> RefreshToken | None:
        current = self._refresh.get(token_hash)
        if (
            current is None
            or current.revoked_at is not None
            or current.expires_at <= now
            or self._families[current.family_id][1] is not None
        ):
            return None
        self._refresh[token_hash] = replace(current, revoked_at=now)
        return self._insert(current.user_id, current.family_id, successor)

    async def find_refresh_token(self, token_hash: str) -> RefreshToken | None:
        token = self._refresh.get(token_hash)
        if token is None or token.revoked_at is not None:
            return token
        return replace(token, revoked_at=self._families[token.family_id][1])

    async def revoke_family(self, family_id: UUID, now: datetime) -> None:
        user_id, revoked_at = self._families[family_id]
        self._families[family_id] = (user_id, revoked_at or now)
        for key, token in self._refresh.items():
            if token.family_id == family_id and token.revoked_at is None:
                self._refresh[key] = replace(token, revoked_at=now)

    async def revoke_all_for_user(self, user_id: UUID, now: datetime) -> None:
        for family_id, (owner, _) in list(self._families.items()):
            if owner == user_id:
                await self.revoke_family(family_id, now)

    async def create_reset_token(self, user_id: UUID, token: NewToken) -> None:
        self._reset[token.token_hash] = _ResetToken(user_id, token.expires_at, None)

    async def consume_reset_token(self, token_hash: str, now: datetime) -> UUID | None:
        token = self._reset.get(token_hash)
        if token is None or token.used_at is not None or token.expires_at <= now:
            return None
        self._reset[token_hash] = replace(token, used_at=now)
        return token.user_id

    def _insert(self, user_id: UUID, family_id: UUID, token: NewToken) -> RefreshToken:
        row = RefreshToken(
            id=uuid.uuid4(),
            user_id=user_id,
            family_id=family_id,
            token_hash=token.token_hash,
            expires_at=token.expires_at,
            revoked_at=None,
        )
        self._refresh[token.token_hash] = row
        return row
