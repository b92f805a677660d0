"""The PostgreSQL token repository.

Rotation and consumption are single statements: the row a request wins is the row its UPDATE
changed, so concurrent requests cannot both win. Rotating locks the token's family row, and
revoking a family marks that row first, so a revocation (logout, a replayed token, a password
reset) also stops a rotation running at the same time.
"""

from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, func, insert, literal, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import password_reset_tokens, refresh_token_families, refresh_tokens
from app.repositories.postgres import row_fields
from app.repositories.tokens import NewToken, RefreshToken

_families = refresh_token_families
_tokens = refresh_tokens
_resets = password_reset_tokens


def _refresh_token(row: RowMapping) -> RefreshToken:
    return RefreshToken(**row_fields(RefreshToken, row))


class PostgresTokenRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create_refresh_token(self, user_id: UUID, token: NewToken) -> RefreshToken:
        family = insert(_families).values(user_id=user_id).returning(_families.c.id).cte("family")
        statement = (
            insert(_tokens)
            .from_select(
                ["user_id", "family_id", "token_hash", "expires_at"],
                select(
                    literal(user_id, _tokens.c.user_id.type),
                    family.c.id,
                    literal(token.token_hash, _tokens.c.token_hash.type),
                    literal(token.expires_at, _tokens.c.expires_at.type),
                ),
            )
            .returning(_tokens)
        )
        async with self._engine.begin() as connection:
            return _refresh_token((await connection.execute(statement)).mappings().one())

    async def rotate_refresh_token(
        self, token_hash: str, successor: NewToken, now: datetime
    ) -> RefreshToken | None:
        # Locks the token's family (unless revoked): a concurrent revocation waits for this.
        family = (
            select(_families.c.id)
            .where(
                _families.c.id
                == select(_tokens.c.family_id)
                .where(_tokens.c.token_hash == token_hash)
                .scalar_subquery()
            )
            .where(_families.c.revoked_at.is_(None))
            .with_for_update(key_share=True)
            .cte("family")
        )
        rotated = (
            update(_tokens)
            .where(
                _tokens.c.token_hash == token_hash,
                _tokens.c.revoked_at.is_(None),
                _tokens.c.expires_at > now,
                _tokens.c.family_id.in_(select(family.c.id)),
            )
            .values(revoked_at=now)
            .returning(_tokens.c.user_id, _tokens.c.family_id)
            .cte("rotated")
        )
        statement = (
            insert(_tokens)
            .from_select(
                ["user_id", "family_id", "token_hash", "expires_at"],
                select(
                    rotated.c.user_id,
                    rotated.c.family_id,
                    literal(successor.token_hash, _tokens.c.token_hash.type),
                    literal(successor.expires_at, _tokens.c.expires_at.type),
                ),
            )
            .returning(_tokens)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().one_or_none()
        return None if row is None else _refresh_token(row)

    async def find_refresh_token(self, token_hash: str) -> RefreshToken | None:
        query = (
            select(
                _tokens.c.id,
                _tokens.c.user_id,
                _tokens.c.family_id,
                _tokens.c.token_hash,
                _tokens.c.expires_at,
                func.coalesce(_tokens.c.revoked_at, _families.c.revoked_at).label("revoked_at"),
            )
            .join(_families, _families.c.id == _tokens.c.family_id)
            .where(_tokens.c.token_hash == token_hash)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().one_or_none()
        return None if row is None else _refresh_token(row)

    async def revoke_family(self, family_id: UUID, now: datetime) -> None:
        await self._revoke(_families.c.id == family_id, _tokens.c.family_id == family_id, now)

    async def revoke_all_for_user(self, user_id: UUID, now: datetime) -> None:
        await self._revoke(_families.c.user_id == user_id, _tokens.c.user_id == user_id, now)

    async def _revoke(
        self, families: ColumnElement[bool], tokens: ColumnElement[bool], now: datetime
    ) -> None:
        async with self._engine.begin() as connection:
            # The families first: this waits for a rotation in progress, and none starts after.
            await connection.execute(
                update(_families)
                .where(families, _families.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            # Then their tokens, including one such a rotation issued (read committed: this
            # statement sees what committed while the first one waited).
            await connection.execute(
                update(_tokens).where(tokens, _tokens.c.revoked_at.is_(None)).values(revoked_at=now)
            )

    async def create_reset_token(self, user_id: UUID, token: NewToken) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                insert(_resets).values(
                    user_id=user_id, token_hash=token.token_hash, expires_at=token.expires_at
                )
            )

    async def consume_reset_token(self, token_hash: str, now: datetime) -> UUID | None:
        statement = (
            update(_resets)
            .where(
                _resets.c.token_hash == token_hash,
                _resets.c.used_at.is_(None),
                _resets.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(_resets.c.user_id)
        )
        async with self._engine.begin() as connection:
            user_id: UUID | None = (await connection.execute(statement)).scalar_one_or_none()
        return user_id
