"""Direct messages on Slack: the DM channel of a person's own digest (issue 21)."""
