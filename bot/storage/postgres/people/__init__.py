"""People's own subscriptions and DM records on PostgreSQL (issue 21)."""
