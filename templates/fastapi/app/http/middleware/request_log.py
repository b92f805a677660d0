"""One structured log line per request: method, route, status, duration, request id.

The request id comes from a well-formed `X-Request-ID` header or is generated; it is echoed in
the response and bound to every log line written while the request runs. Headers (and so the
Authorization header) and query strings are never logged.
"""

import re
import time
import uuid

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,128}$")

log = structlog.get_logger("app.requests")


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"")
        request_id = incoming.decode("ascii") if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self._app(scope, receive, send_with_id)
            finally:
                route = scope.get("route")
                log.info(
                    "request",
                    method=scope["method"],
                    route=getattr(route, "path", None) or "unmatched",
                    status=status,
                    duration_ms=round((time.perf_counter() - start) * 1000, 2),
                )
