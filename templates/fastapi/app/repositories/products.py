"""The product repository contract."""

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from app.domain.products import Product


@dataclass(frozen=True, slots=True)
class NewProduct:
    name: str
    price_cents: int
    owner_id: UUID | None


class ProductRepository(Protocol):
    async def list_page(self, limit: int, after: UUID | None) -> list[Product]:
        """Up to `limit` products ordered by id, after `after` when given."""
        ...

    async def find_by_id(self, product_id: UUID) -> Product | None: ...

    async def create(self, product: NewProduct) -> Product: ...

    async def update(
        self, product_id: UUID, name: str | None, price_cents: int | None
    ) -> Product | None: ...

    async def delete(self, product_id: UUID) -> bool: ...

    async def ping(self) -> None:
        """A cheap connectivity check for /ready."""
        ...
