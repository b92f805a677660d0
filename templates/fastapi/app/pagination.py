"""Cursor pagination: `?limit=20&cursor=...`, ordered by id.

A cursor is the last item's id: its 16 bytes in URL-safe base64 without padding (22 characters).
`CURSOR_PATTERN` accepts exactly the strings that decode to 16 bytes, so every cursor the
OpenAPI document allows is one the API can use (a cursor need not name an existing item).
"""

import base64
from dataclasses import dataclass
from typing import Annotated, Generic, Protocol, TypeVar
from uuid import UUID

from fastapi import Query

CURSOR_PATTERN = r"^[A-Za-z0-9_-]{21}[AQgw]$"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")]
Cursor = Annotated[
    str | None,
    Query(pattern=CURSOR_PATTERN, description="The `nextCursor` of the previous page"),
]


class Identified(Protocol):
    @property
    def id(self) -> UUID: ...


T = TypeVar("T", bound=Identified)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> UUID:
    return UUID(bytes=base64.urlsafe_b64decode(cursor + "=="))


def to_page(rows: list[T], limit: int) -> Page[T]:
    """A page from `limit + 1` fetched rows: the extra row only tells whether there is more."""
    items = rows[:limit]
    if len(rows) > limit and items:
        return Page(items=items, next_cursor=encode_cursor(items[-1].id))
    return Page(items=items, next_cursor=None)
