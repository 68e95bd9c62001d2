"""Secrets out of every log record, whichever library wrote it.

A Slack `response_url` (hooks.slack.com) posts into its channel for 30 minutes, and a
Discord interaction or webhook URL carries a token that does the same for 15: anyone who
reads the log could speak as the bot. Libraries log them: bolt's warning about a request
its middleware dropped holds the whole body, slack_sdk logs every `response_url` it posts
to at DEBUG, discord.py every request URL. So `install()` puts one filter on the root
logger's handlers at start-up (a filter on a logger would miss records propagated from
its children; one on the handlers sees them all), which rewrites each record's message,
traceback and stack with the secrets replaced:

- any hooks.slack.com URL, plain, JSON-escaped (`https:\\/\\/`) or percent-encoded;
- the value of any `token`, `*_token`, `trigger_id` or `response_url` field, as a dict's
  repr, JSON, a form or `name=value` writes it;
- Slack token literals (`xoxb-…`, `xapp-…`) and the token in a Discord interaction or
  webhook URL.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

_HOOKS = re.compile(
    r"(?:https?(?::|%3A)(?:\\?/|%2F){2})?hooks\.slack\.com[^\s'\"&,;)}\]]*", re.IGNORECASE
)
_FIELD = re.compile(
    r"""(?P<name>["']?\b(?:\w*_)?(?:token|trigger_id|response_url)["']?\s*(?::|=|%3D)\s*)"""
    r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s&,;)}\]]+)""",
    re.IGNORECASE,
)
_SLACK_TOKEN = re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+")
_DISCORD_TOKEN_URL = re.compile(r"(/(?:interactions|webhooks)/\d+/)[^/\s?'\"]+")


def redact(text: str) -> str:
    """`text` with every secret named in the module doc replaced by `[redacted]`."""
    text = _HOOKS.sub(REDACTED, text)
    text = _FIELD.sub(lambda m: m.group("name") + REDACTED, text)
    text = _SLACK_TOKEN.sub(REDACTED, text)
    return _DISCORD_TOKEN_URL.sub(lambda m: m.group(1) + REDACTED, text)


class RedactSecrets(logging.Filter):
    """Rewrites a record in place (its message formatted now) and never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: the handler reports it as it would have
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> RedactSecrets:
    """Put one RedactSecrets on every handler of `logger` (the root by default): call it
    once logging is configured. Returns the filter (to remove it again, in tests)."""
    target = logger or logging.getLogger()
    secrets = RedactSecrets()
    for handler in target.handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(secrets)
    return secrets
