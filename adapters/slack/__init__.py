"""Slack: SlackPlatform implements the core's ChatPlatform with slack_sdk and slack-bolt."""

from adapters.slack.platform import SlackPlatform

__all__ = ["SlackPlatform"]
