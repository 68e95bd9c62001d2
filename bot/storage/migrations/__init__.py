"""Schema migrations for every store backend, kept in one ordered list.

Each migration has an id (its place in the list, never reused) and a name, and one SQL file
per dialect: `<dialect>/<id:04d>_<name>.sql`. A backend applies, in id order, every
migration its `schema_version` table does not list, inside one transaction, so a re-run is a
no-op and two processes starting at once apply each migration exactly once.

To add a migration: append `Migration(<next id>, "<name>")` below and add both
`sqlite/<id>_<name>.sql` and `postgres/<id>_<name>.sql` (the same tables in each dialect's
types; tests/contract/test_postgres_store.py checks that every migration has both).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True, slots=True)
class Migration:
    id: int
    name: str

    def sql(self, dialect: str) -> str:
        """The migration's SQL script for `dialect` ("sqlite", "postgres")."""
        path = resources.files(__name__).joinpath(dialect, f"{self.id:04d}_{self.name}.sql")
        return path.read_text(encoding="utf-8")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "core"),
    Migration(2, "deliveries"),
    Migration(3, "search_terms"),
    Migration(4, "listings"),
    Migration(5, "delivery_parts"),
    Migration(7, "votes_saves"),
    Migration(8, "fanout_indexes"),
    Migration(10, "cadences"),
    Migration(11, "settle"),
    Migration(12, "followups"),
    Migration(13, "links"),
    Migration(14, "search_vectors"),
    Migration(15, "artifacts"),
    Migration(16, "followup_leases"),
    Migration(17, "title_index"),
    Migration(18, "typo_terms"),
    Migration(19, "fetch_skipped"),
    Migration(20, "fetch_attempts"),
    Migration(21, "handled_requests"),
    Migration(22, "link_guards"),
    Migration(30, "people"),
    Migration(31, "not_for_me"),
    Migration(33, "retention"),
)


def pending(applied: set[int]) -> list[Migration]:
    """The migrations not yet in `applied`, in the order they must run."""
    return [m for m in MIGRATIONS if m.id not in applied]


def split_sqlite_script(script: str) -> list[str]:
    """Split a script into single statements (trigger bodies hold `;` of their own).

    Statements run one by one because `executescript` would commit the migration's
    transaction half way.
    """
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
