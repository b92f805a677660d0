"""The PostgreSQL user repository."""

from uuid import UUID

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import users
from app.domain.users import Role, User
from app.repositories.postgres import row_fields


def _user(row: RowMapping) -> User:
    role: Role = "admin" if row["role"] == "admin" else "user"
    return User(**(row_fields(User, row) | {"role": role}))


class PostgresUserRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def find_by_id(self, user_id: UUID) -> User | None:
        return await self._find(users.c.id == user_id)

    async def find_by_email(self, email: str) -> User | None:
        return await self._find(users.c.email == email)

    async def create(self, email: str, password_hash: str, role: Role) -> User | None:
        statement = (
            insert(users)
            .values(email=email, password_hash=password_hash, role=role)
            .on_conflict_do_nothing(index_elements=[users.c.email])
            .returning(users)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().one_or_none()
        return None if row is None else _user(row)

    async def update_password(self, user_id: UUID, password_hash: str) -> None:
        statement = update(users).where(users.c.id == user_id).values(password_hash=password_hash)
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def _find(self, condition: ColumnElement[bool]) -> User | None:
        async with self._engine.connect() as connection:
            result = await connection.execute(select(users).where(condition))
            row = result.mappings().one_or_none()
        return None if row is None else _user(row)
