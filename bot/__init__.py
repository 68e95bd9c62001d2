"""paperbot: announces trending research papers in Slack and Discord channels."""

__version__ = "0.1.0"
