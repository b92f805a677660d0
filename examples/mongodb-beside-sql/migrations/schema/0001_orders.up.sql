CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    placed_at TEXT NOT NULL
);
