"""Per-client rate limiting (the `limits` library, fixed windows, in process memory).

Clients are told where they stand with the IETF RateLimit headers; over the limit they get 429
with Retry-After. Probes and metrics scrapes are exempt, so an orchestrator never sees a 429.
The client is the peer address: X-Forwarded-For is not trusted (run behind a proxy that sets
the peer address, e.g. uvicorn's --proxy-headers with --forwarded-allow-ips).
"""

import math
import time

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import error_response

EXEMPT_PATHS = frozenset({"/health", "/ready", "/metrics"})


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int, window_seconds: int) -> None:
        self._app = app
        self._item = RateLimitItemPerSecond(limit, window_seconds)
        self._limiter = FixedWindowRateLimiter(MemoryStorage())
        self._policy = f'"default";q={limit};w={window_seconds}'

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self._app(scope, receive, send)
            return
        client = scope.get("client")
        key = client[0] if client else "unknown"
        allowed = await self._limiter.hit(self._item, key)
        stats = await self._limiter.get_window_stats(self._item, key)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        headers = {
            "RateLimit-Policy": self._policy,
            "RateLimit": f'"default";r={stats.remaining};t={reset}',
        }
        if not allowed:
            response = error_response(
                429, "too many requests", headers=headers | {"Retry-After": str(reset)}
            )
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(headers)
            await send(message)

        await self._app(scope, receive, send_with_headers)
