"""In-memory repositories: the default without a database, and fast tests.

Each method that must be atomic runs without an `await` between its read and its write, so on
one event loop no other request can interleave.
"""
