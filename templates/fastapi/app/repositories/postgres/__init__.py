"""PostgreSQL repositories (SQLAlchemy Core on the asyncio engine)."""
