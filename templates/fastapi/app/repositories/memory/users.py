"""An in-memory user repository."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

from app.domain.users import Role, User


class MemoryUserRepository:
    def __init__(self) -> None:
        self._rows: dict[UUID, User] = {}

    async def find_by_id(self, user_id: UUID) -> User | None:
        return self._rows.get(user_id)

    async def find_by_email(self, email: str) -> User | None:
        return next((u for u in self._rows.values() if u.email == email), None)

    async def create(self, email: str, password_hash: str, role: Role) -> User | None:
        if any(u.email == email for u in self._rows.values()):
            return None
        user = User(
            id=uuid.uuid4(),
            email=email,
            password_hash=password_hash,
            role=role,
            created_at=datetime.now(UTC),
        )
        self._rows[user.id] = user
        return user

    async def update_password(self, user_id: UUID, password_hash: str) -> None:
        user = self._rows.get(user_id)
        if user is not None:
            self._rows[user_id] = replace(user, password_hash=password_hash)
