"""The HTTP layer: routers (request/response models in, domain calls out) and middleware."""
