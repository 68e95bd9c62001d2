"""A reply's file (an export) on Slack: uploaded with slack_sdk's `files_upload_v2`, which
runs Slack's external upload flow (`files.getUploadURLExternal`, the upload to the URL it
hands out, then `files.completeUploadExternal`; scope `files:write`).

Slack has no ephemeral file. A file completed without a channel is private to the bot, so
the requester could not open it; a private export is therefore shared in the bot's direct
message with the requester (`conversations.open`, scope `im:write`), and the command's
ephemeral answer links to it. A `public` export is shared in the channel, with the reply's
text as its comment. A failure is one short ephemeral line and one log line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import SLACK_FAILURES
from bot.records.chat import Attachment

log = logging.getLogger(__name__)

FAILED = "I could not send you the file: Slack said {code}. Please try again later."
MISSING_SCOPE = (
    "I could not send you the file: this app lacks a scope Slack needs for it "
    "(files:write, im:write). An admin can reinstall it from the manifest."
)
NOT_IN_CHANNEL = (
    "I am not a member of this channel, so I cannot share the file here. Invite me with "
    "`/invite @paperbot`, or export without `public` to get it yourself."
)


@dataclass(frozen=True, slots=True)
class Shared:
    """Where the file went: a permalink to it, or the line that says why not."""

    permalink: str | None = None
    problem: str | None = None


async def share_file(
    client: AsyncWebClient,
    attachment: Attachment,
    *,
    channel_id: str,
    user_id: str,
    public: bool,
    comment: str,
) -> Shared:
    """Upload `attachment` to the channel (`public`) or to a DM with `user_id`."""
    try:
        target = channel_id if public else await _direct_message(client, user_id)
        response = await client.files_upload_v2(
            content=attachment.content,
            filename=attachment.filename,
            title=attachment.filename,
            channel=target,
            initial_comment=comment,
        )
    except SLACK_FAILURES as exc:
        code = _code(exc)
        log.warning("Slack: could not share an export (%s)", code)
        if code == "missing_scope":
            return Shared(problem=MISSING_SCOPE)
        if public and code in ("not_in_channel", "channel_not_found"):
            return Shared(problem=NOT_IN_CHANNEL)
        return Shared(problem=FAILED.format(code=code))
    file = response.get("file") or {}
    return Shared(permalink=str(file.get("permalink") or "") or None)


async def _direct_message(client: AsyncWebClient, user_id: str) -> str:
    opened = await client.conversations_open(users=user_id)
    return str((opened.get("channel") or {}).get("id") or "")


def _code(exc: Exception) -> str:
    """Slack's error code, or the exception's type: never str(exc), which echoes a request."""
    if isinstance(exc, SlackApiError):
        data = exc.response.data
        error = data.get("error") if isinstance(data, dict) else None
        return str(error or f"http_{exc.response.status_code}")
    return type(exc).__name__
