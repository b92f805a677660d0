"""The application package: HTTP routers -> services -> repositories, wired in container.py."""
