"""/auth: register, login, refresh, logout, me, password reset."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from app.domain.users import (
    Accepted,
    Actor,
    Credentials,
    RefreshRequest,
    ResetConfirm,
    ResetRequest,
    TokenPair,
    UserOut,
)
from app.errors import error_responses
from app.http.security import CurrentActor
from app.services.auth import AuthService


def auth_router(
    auth: AuthService, current_actor: CurrentActor, *, extra_errors: tuple[int, ...] = ()
) -> APIRouter:
    router = APIRouter(
        prefix="/auth", tags=["auth"], responses=error_responses(400, 422, *extra_errors)
    )

    @router.post(
        "/register",
        operation_id="register",
        summary="Create an account",
        status_code=status.HTTP_201_CREATED,
        responses=error_responses(409),
    )
    async def register(body: Credentials) -> UserOut:
        return UserOut.model_validate(await auth.register(body))

    @router.post(
        "/login",
        operation_id="login",
        summary="Exchange credentials for an access and a refresh token",
        responses=error_responses(401),
    )
    async def login(body: Credentials) -> TokenPair:
        return await auth.login(body)

    @router.post(
        "/refresh",
        operation_id="refresh",
        summary="Rotate a refresh token; a token presented twice revokes its whole family",
        responses=error_responses(401),
    )
    async def refresh(body: RefreshRequest) -> TokenPair:
        return await auth.refresh(body.refresh_token)

    @router.post(
        "/logout",
        operation_id="logout",
        summary="Revoke a refresh token and every token rotated from the same login",
        status_code=status.HTTP_204_NO_CONTENT,
    )
    async def logout(body: RefreshRequest) -> Response:
        await auth.logout(body.refresh_token)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.get(
        "/me",
        operation_id="me",
        summary="The signed-in user",
        responses=error_responses(401, 404),
    )
    async def me(actor: Annotated[Actor, Depends(current_actor)]) -> UserOut:
        return UserOut.model_validate(await auth.me(actor))

    @router.post(
        "/password-reset/request",
        operation_id="requestPasswordReset",
        summary="Mail a single-use reset token (the answer is the same for unknown emails)",
        status_code=status.HTTP_202_ACCEPTED,
    )
    async def request_reset(body: ResetRequest) -> Accepted:
        await auth.request_password_reset(body.email)
        return Accepted(status="if the address is registered, a reset token was sent")

    @router.post(
        "/password-reset/confirm",
        operation_id="confirmPasswordReset",
        summary="Set a new password with a reset token (once); every session is signed out",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=error_responses(401),
    )
    async def confirm_reset(body: ResetConfirm) -> Response:
        await auth.confirm_password_reset(body.token, body.password)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
