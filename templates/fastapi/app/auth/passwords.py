"""Password hashing with Argon2id (argon2-cffi), off the event loop.

Logging in with an unknown email still verifies a password against a hash of the same cost, so
the response time does not tell registered emails apart.
"""

import asyncio
import secrets

from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError


class PasswordHasher:
    def __init__(self, memory_kib: int, iterations: int, parallelism: int = 1) -> None:
        self._argon2 = Argon2Hasher(
            time_cost=iterations, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self._decoy = self._argon2.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._argon2.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        try:
            return await asyncio.to_thread(self._argon2.verify, password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def verify_decoy(self, password: str) -> None:
        """Spends the time of a real verification, for an account that does not exist."""
        await self.verify(self._decoy, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with other parameters (after a cost change)."""
        return self._argon2.check_needs_rehash(password_hash)
