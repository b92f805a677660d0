"""The bearer-token dependency: who is calling, from the `Authorization` header."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.domain.users import Actor
from app.errors import UnauthorizedError
from app.services.auth import AuthService

# auto_error=False: a missing or malformed header is answered by our own 401 (with the error
# envelope and WWW-Authenticate), not FastAPI's.
_bearer = HTTPBearer(auto_error=False, description="An access token from /auth/login")

CurrentActor = Callable[..., Awaitable[Actor]]


def current_actor(auth: AuthService) -> CurrentActor:
    """A dependency that yields the caller's `Actor`, or answers 401."""

    async def actor(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Actor:
        if credentials is None:
            raise UnauthorizedError()
        return auth.verify_access_token(credentials.credentials)

    return actor
