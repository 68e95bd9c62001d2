"""The PostgreSQL store (asyncpg): one module per half of the Store port, with its codec and
connection helpers.
"""
