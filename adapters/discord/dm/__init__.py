"""Direct messages on Discord: the DM channel of a person's own digest (issue 21)."""
