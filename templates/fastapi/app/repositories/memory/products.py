"""An in-memory product repository."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

from app.domain.products import Product
from app.repositories.products import NewProduct


class MemoryProductRepository:
    def __init__(self) -> None:
        self._rows: dict[UUID, Product] = {}

    async def list_page(self, limit: int, after: UUID | None) -> list[Product]:
        ids = sorted(i for i in self._rows if after is None or i > after)
        return [self._rows[i] for i in ids[:limit]]

    async def find_by_id(self, product_id: UUID) -> Product | None:
        return self._rows.get(product_id)

    async def create(self, product: NewProduct) -> Product:
        row = Product(
            id=uuid.uuid4(),
            name=product.name,
            price_cents=product.price_cents,
            owner_id=product.owner_id,
            created_at=datetime.now(UTC),
        )
        self._rows[row.id] = row
        return row

    async def update(
        self, product_id: UUID, name: str | None, price_cents: int | None
    ) -> Product | None:
        row = self._rows.get(product_id)
        if row is None:
            return None
        row = replace(
            row,
            name=row.name if name is None else name,
            price_cents=row.price_cents if price_cents is None else price_cents,
        )
        self._rows[product_id] = row
        return row

    async def delete(self, product_id: UUID) -> bool:
        return self._rows.pop(product_id, None) is not None

    async def ping(self) -> None:
        return None
