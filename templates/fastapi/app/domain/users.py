"""Users, roles, and the shapes of the authentication requests and responses."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, EmailStr, Field, StringConstraints

from app.domain.models import Encodable, RequestModel, ResponseModel

Role = Literal["user", "admin"]

# email-validator refuses the special-use domains of RFC 6761 (.test, .local, ...: they cannot
# receive mail); the OpenAPI document says so with a pattern (case-insensitive, spelled out for
# JSON Schema's regular expressions).
_SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")
_NOT_SPECIAL_USE = (
    r"^(?!.*\.(?:"
    + "|".join("".join(f"[{c}{c.upper()}]" for c in name) for name in _SPECIAL_USE)
    + r")$).*$"
)

# Emails are compared in lowercase.
Email = Annotated[
    EmailStr,
    Field(max_length=254, json_schema_extra={"pattern": _NOT_SPECIAL_USE}),
    AfterValidator(str.lower),
]
# Argon2 has no length limit of its own (unlike bcrypt's 72 bytes); 200 characters bound the work.
Password = Annotated[str, StringConstraints(min_length=8, max_length=200), Encodable]
# Opaque tokens are 32 random bytes, URL-safe base64 without padding.
OpaqueToken = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{43}$")]


@dataclass(frozen=True, slots=True)
class User:
    id: UUID
    email: str
    password_hash: str
    role: Role
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is making a request: an authenticated user's id and role."""

    id: UUID
    role: Role


class Credentials(RequestModel):
    email: Email
    password: Password


class RefreshRequest(RequestModel):
    refresh_token: OpaqueToken


class ResetRequest(RequestModel):
    email: Email


class ResetConfirm(RequestModel):
    token: OpaqueToken
    password: Password


class UserOut(ResponseModel):
    """The public view of a user: never the password hash."""

    id: UUID
    email: EmailStr
    role: Role
    created_at: datetime


class TokenPair(ResponseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a token type, not a secret
    expires_in: int = Field(description="Seconds until the access token expires")


class Accepted(ResponseModel):
    status: str
