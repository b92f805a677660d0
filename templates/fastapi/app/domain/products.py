"""The product resource: the domain object and the shapes of its requests and responses."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from app.domain.models import IntegralNumber, RequestModel, ResponseModel, ShortText

# Prices are stored in a PostgreSQL `integer`.
MAX_PRICE_CENTS = 2_147_483_647

PriceCents = Annotated[int, Field(ge=0, le=MAX_PRICE_CENTS), IntegralNumber]


@dataclass(frozen=True, slots=True)
class Product:
    id: UUID
    name: str
    price_cents: int
    owner_id: UUID | None
    created_at: datetime


class ProductCreate(RequestModel):
    name: ShortText
    price_cents: PriceCents


class ProductUpdate(RequestModel):
    """A partial update: absent (or null) fields stay as they are."""

    name: ShortText | None = None
    price_cents: PriceCents | None = None


class ProductOut(ResponseModel):
    id: UUID
    name: str
    price_cents: int
    owner_id: UUID | None = Field(description="The user who created it, if any")
    created_at: datetime


class ProductPage(ResponseModel):
    items: list[ProductOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page"
    )
