"""The retention job's deletes, shared by both stores: one bounded batch of one kind of row
that no pending work needs (bot/records/retention.py), older than a cut-off. Pure.

Each statement deletes at most `limit` rows, oldest first, through the table's physical row
id (SQLite's `rowid`, PostgreSQL's `ctid`): a batch is one short transaction, so a year of
backlog never holds the store's write lock for long. On PostgreSQL a row changed between the
select and the delete has a new `ctid` and is left alone, so a delivery reopened meanwhile is
never deleted. What each kind keeps whatever its age is written in its condition:

- deliveries: only final ones (posted, paused, missed, empty), never the newest of a channel
  and cadence (the planner plans the next occurrences after it, so an old period is never
  planned again) and never one with a settle task still to run; a person's DM records
  (`personal_deliveries`) by the same rule, per person and cadence;
- settle tasks: only final ones (no claim time left);
- fetches: every day keeps its latest fetch (backfill skips a day the store fetched).
"""

from __future__ import annotations

from bot.records.retention import PruneKind

# (table, condition on its alias `d`, oldest-first column); `{before}` is the cut-off. Each
# condition is served by an index (migration 33), so a batch reads about the rows it deletes.
_RULES: dict[PruneKind, tuple[str, str, str]] = {
    PruneKind.DELIVERIES: (
        "deliveries",
        "d.due_at IS NULL AND d.post_at < {before} "
        "AND d.state IN ('posted', 'paused', 'missed', 'empty') "
        "AND d.day < (SELECT max(n.day) FROM deliveries n "
        "WHERE n.channel_key = d.channel_key AND n.cadence = d.cadence) "
        "AND NOT EXISTS (SELECT 1 FROM settle_tasks t WHERE t.channel_key = d.channel_key "
        "AND t.day = d.day AND t.claim_at IS NOT NULL)",
        "d.post_at",
    ),
    PruneKind.PERSONAL_DELIVERIES: (  # DMs have no settle tasks
        "personal_deliveries",
        "d.due_at IS NULL AND d.post_at < {before} "
        "AND d.state IN ('posted', 'paused', 'missed', 'empty') "
        "AND d.day < (SELECT max(n.day) FROM personal_deliveries n "
        "WHERE n.channel_key = d.channel_key AND n.cadence = d.cadence)",
        "d.post_at",
    ),
    PruneKind.SETTLE_TASKS: (
        "settle_tasks",
        "d.claim_at IS NULL AND d.due_at < {before}",
        "d.due_at",
    ),
    PruneKind.FOLLOWUP_EVENTS: ("followup_events", "d.detected_at < {before}", "d.detected_at"),
    PruneKind.FOLLOWUP_SEEN: ("followup_seen", "d.seen_at < {before}", "d.seen_at"),
    PruneKind.HANDLED_REQUESTS: ("handled_requests", "d.handled_at < {before}", "d.handled_at"),
    PruneKind.LINK_CODES: ("link_codes", "d.expires_at < {before}", "d.expires_at"),
    PruneKind.LINK_FAILURES: ("link_failures", "d.failed_at < {before}", "d.failed_at"),
    PruneKind.LINK_GUARDS: (
        "link_guards",
        "(d.locked_until IS NULL OR d.locked_until < {before}) "
        "AND NOT EXISTS (SELECT 1 FROM link_failures f WHERE f.scope = d.scope)",
        "d.scope",
    ),
    PruneKind.ARTIFACTS: ("hf_artifacts", "d.fetched_at < {before}", "d.fetched_at"),
    PruneKind.FETCHES: (
        "fetches",
        "d.fetched_at < {before} AND EXISTS (SELECT 1 FROM fetches g WHERE g.day = d.day "
        "AND (g.fetched_at > d.fetched_at OR (g.fetched_at = d.fetched_at AND g.id > d.id)))",
        "d.fetched_at",
    ),
}


def prune_sql(kind: PruneKind, *, row_id: str, before: str, limit: str) -> str:
    """One batch's DELETE for `kind`. `row_id` is the dialect's physical row id (`rowid`,
    `ctid`); `before` and `limit` are its placeholders for the cut-off and the batch size."""
    table, condition, oldest = _RULES[kind]
    chosen = (
        f"SELECT d.{row_id} FROM {table} d "  # noqa: S608 (names are constants)
        f"WHERE {condition.format(before=before)} ORDER BY {oldest} LIMIT {limit}"
    )
    if row_id == "ctid":  # an array of ctids is a TID scan; `IN (subquery)` may not be
        return f"DELETE FROM {table} WHERE ctid = ANY(ARRAY({chosen}))"  # noqa: S608
    return f"DELETE FROM {table} WHERE {row_id} IN ({chosen})"  # noqa: S608
