"""Use cases. They depend on repository protocols and raise `app.errors` types."""
