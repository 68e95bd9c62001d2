"""What the retention job prunes, and what a store says of its own bloat. Pure.

Each kind is a set of rows that no pending work needs once it is older than a cut-off the
retention plan computes (bot/retention/plan.py). The store decides, per kind, which rows are
still needed whatever their age (the SQL is in bot/storage/codecs/retention.py).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class PruneKind(enum.StrEnum):
    # final delivery records (their parts are in the same row), never a channel's newest
    # of a cadence (the planner plans from it) nor one a settle task still needs
    DELIVERIES = "deliveries"
    PERSONAL_DELIVERIES = "personal_deliveries"  # the DM digests' records, by the same rule
    SETTLE_TASKS = "settle_tasks"  # final settle tasks
    FOLLOWUP_EVENTS = "followup_events"  # detected before the follow-up window
    FOLLOWUP_SEEN = "followup_seen"  # papers no follow-up pass has looked at since
    HANDLED_REQUESTS = "handled_requests"  # interaction-dedup keys past the replay horizon
    LINK_CODES = "link_codes"  # expired one-time codes
    LINK_FAILURES = "link_failures"  # wrong codes past the counting window
    LINK_GUARDS = "link_guards"  # locks that ended, with no wrong code left to count
    ARTIFACTS = "artifacts"  # Hugging Face look-ups not refreshed since
    FETCHES = "fetches"  # the fetch log, but each day's latest fetch


@dataclass(frozen=True, slots=True)
class TableBloat:
    """A table holding many dead rows (PostgreSQL) or a file with much free space (SQLite):
    what the retention job warns about."""

    table: str
    live: int
    dead: int
    unit: str = "rows"  # SQLite counts the file's pages

    @property
    def dead_share(self) -> float:
        total = self.live + self.dead
        return self.dead / total if total else 0.0
