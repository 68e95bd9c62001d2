"""A person's own digest by direct message (issue 21): planning, composing and posting it."""
