"""People's own subscriptions and DM records on SQLite (issue 21)."""
