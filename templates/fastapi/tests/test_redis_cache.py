"""The Redis cache against a real server. It runs when REDIS_URL is set; its keys live under a
random prefix and are deleted."""

import os
import secrets
from collections.abc import AsyncIterator

import pytest

from app.cache.redis_cache import RedisCache
from app.domain.products import Product
from app.repositories.memory.products import MemoryProductRepository
from app.repositories.products import NewProduct
from app.services.products import ProductService

pytestmark = pytest.mark.anyio


@pytest.fixture
async def cache() -> AsyncIterator[RedisCache]:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set")
    redis_cache = RedisCache(url, prefix=f"test:{secrets.token_hex(6)}:")
    yield redis_cache
    await redis_cache.close()


async def test_answers_a_ping(cache: RedisCache) -> None:
    await cache.ping()


async def test_sets_gets_and_deletes(cache: RedisCache) -> None:
    assert await cache.get("k") is None
    await cache.set("k", "v", 60)
    assert await cache.get("k") == "v"
    await cache.delete("k")
    assert await cache.get("k") is None


async def test_product_reads_are_served_from_the_cache(cache: RedisCache) -> None:
    repository = MemoryProductRepository()
    service = ProductService(repository, cache, cache_ttl_seconds=60)
    product = await repository.create(NewProduct(name="cached", price_cents=1, owner_id=None))
    assert await service.get(product.id) == product
    # Gone from the repository, still served from Redis until it expires or changes.
    await repository.delete(product.id)
    cached: Product = await service.get(product.id)
    assert cached == product
    await cache.delete(f"product:{product.id}")
