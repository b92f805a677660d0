"""PostgreSQL repositories (SQLAlchemy Core on the asyncio engine)."""

from dataclasses import fields
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import RowMapping

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def row_fields(record: "type[DataclassInstance]", row: RowMapping) -> dict[str, Any]:
    """The row's columns named as `record`'s fields: the keyword arguments that build one."""
    return {field.name: row[field.name] for field in fields(record)}
