"""Pure ASGI middleware (no BaseHTTPMiddleware: it would buffer streaming responses)."""
