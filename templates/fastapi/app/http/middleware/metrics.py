"""Records each request's duration in the HTTP histogram, labelled by route template."""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.metrics import Metrics


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            self._metrics.http_duration.labels(
                method=scope["method"],
                route=getattr(route, "path", None) or "unmatched",
                status=str(status),
            ).observe(time.perf_counter() - start)
