"""The SQLite store (aiosqlite): one module per half of the Store port."""
