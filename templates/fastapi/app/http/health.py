"""/health (liveness) and /ready (the database and the cache answer)."""

import logging
from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

logger = logging.getLogger(__name__)


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]


def health_router(ready: Callable[[], Awaitable[None]]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health", operation_id="health", summary="The process is alive")
    async def health() -> Health:
        return Health(status="ok")

    @router.get(
        "/ready",
        operation_id="ready",
        summary="The database and the cache answer",
        responses={503: {"model": Readiness, "description": "A dependency does not answer"}},
    )
    async def readiness(response: Response) -> Readiness:
        try:
            await ready()
        except Exception as error:  # any failure means "not ready"
            logger.warning("not ready: %s", error)
            response.status_code = 503
            return Readiness(status="unavailable")
        return Readiness(status="ready")

    return router
