"""Counts the reads of another cache by result, for the cache hit ratio of /metrics."""

from prometheus_client import Counter

from app.cache import Cache


class MeteredCache:
    def __init__(self, inner: Cache, lookups: Counter) -> None:
        self._inner = inner
        self._lookups = lookups

    async def get(self, key: str) -> str | None:
        value = await self._inner.get(key)
        self._lookups.labels(result="miss" if value is None else "hit").inc()
        return value

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        await self._inner.set(key, value, ttl_seconds)

    async def delete(self, key: str) -> None:
        await self._inner.delete(key)

    async def ping(self) -> None:
        await self._inner.ping()

    async def close(self) -> None:
        await self._inner.close()
