"""Repository contracts. Services depend on these protocols, never on a database."""
