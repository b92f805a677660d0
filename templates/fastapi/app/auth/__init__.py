"""Password hashing, access tokens and opaque tokens."""
