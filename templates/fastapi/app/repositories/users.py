"""The user repository contract."""

from typing import Protocol
from uuid import UUID

from app.domain.users import Role, User


class UserRepository(Protocol):
    async def find_by_id(self, user_id: UUID) -> User | None: ...

    async def find_by_email(self, email: str) -> User | None: ...

    async def create(self, email: str, password_hash: str, role: Role) -> User | None:
        """The new user, or None when the email is taken."""
        ...

    async def update_password(self, user_id: UUID, password_hash: str) -> None: ...
