"""Cache-aside on Redis (redis-py's asyncio client). A failing Redis degrades to misses and is
logged; /ready still reports it."""

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class RedisCache:
    def __init__(self, url: str, prefix: str = "") -> None:
        self._redis: Redis = Redis.from_url(
            url, decode_responses=True, socket_timeout=2.0, socket_connect_timeout=2.0
        )
        self._prefix = prefix

    async def get(self, key: str) -> str | None:
        try:
            value = await self._redis.get(self._prefix + key)
        except RedisError as error:
            logger.warning("cache read failed: %s", error)
            return None
        return value if isinstance(value, str) else None

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        try:
            await self._redis.set(self._prefix + key, value, ex=ttl_seconds)
        except RedisError as error:
            logger.warning("cache write failed: %s", error)

    async def delete(self, key: str) -> None:
        try:
            await self._redis.delete(self._prefix + key)
        except RedisError as error:
            logger.warning("cache delete failed: %s", error)

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()
