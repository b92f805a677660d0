"""The PostgreSQL product repository."""

from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import ping, products
from app.domain.products import Product
from app.repositories.postgres import row_fields
from app.repositories.products import NewProduct


def _product(row: RowMapping) -> Product:
    return Product(**row_fields(Product, row))


class PostgresProductRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def list_page(self, limit: int, after: UUID | None) -> list[Product]:
        query = select(products).order_by(products.c.id).limit(limit)
        if after is not None:
            query = query.where(products.c.id > after)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [_product(row) for row in rows]

    async def find_by_id(self, product_id: UUID) -> Product | None:
        async with self._engine.connect() as connection:
            result = await connection.execute(select(products).where(products.c.id == product_id))
            row = result.mappings().one_or_none()
        return None if row is None else _product(row)

    async def create(self, product: NewProduct) -> Product:
        statement = (
            insert(products)
            .values(name=product.name, price_cents=product.price_cents, owner_id=product.owner_id)
            .returning(products)
        )
        async with self._engine.begin() as connection:
            return _product((await connection.execute(statement)).mappings().one())

    async def update(
        self, product_id: UUID, name: str | None, price_cents: int | None
    ) -> Product | None:
        values = {
            key: value
            for key, value in (("name", name), ("price_cents", price_cents))
            if value is not None
        }
        if not values:
            return await self.find_by_id(product_id)
        statement = (
            update(products).where(products.c.id == product_id).values(values).returning(products)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().one_or_none()
        return None if row is None else _product(row)

    async def delete(self, product_id: UUID) -> bool:
        statement = delete(products).where(products.c.id == product_id).returning(products.c.id)
        async with self._engine.begin() as connection:
            return (await connection.execute(statement)).mappings().one_or_none() is not None

    async def ping(self) -> None:
        await ping(self._engine)
