"""Base models and field types shared by the resources.

Requests are strict (a number is never a string, unknown fields are refused) and use the
camelCase names of the JSON API, so what FastAPI's OpenAPI document says is exactly what is
accepted. Strings are checked to be encodable as UTF-8 without NUL characters: PostgreSQL
stores neither lone surrogates nor NUL.
"""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints
from pydantic.alias_generators import to_camel

# No NUL character; the same pattern for pydantic and for the OpenAPI document.
NO_NUL = r"^[^\x00]*$"


def _encodable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _integral(value: object) -> object:
    """JSON Schema counts 3.0 as an integer (strict pydantic would not); 3.5 stays refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Encodable = AfterValidator(_encodable)
# For an integer in a request body, after its constraints: a JSON number without a fractional
# part (never a string or a bool).
IntegralNumber = BeforeValidator(_integral)


class RequestModel(BaseModel):
    """A request body: camelCase names only, strict types, no unknown fields."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        extra="forbid",
        strict=True,
    )


class ResponseModel(BaseModel):
    """A response body, built from domain objects and written with camelCase names."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        serialize_by_alias=True,
        from_attributes=True,
    )


# A short human-readable text, such as a name.
ShortText = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL), Encodable
]
