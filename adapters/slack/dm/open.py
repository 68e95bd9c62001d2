"""The DM digest's channel on Slack: `conversations.open` with the person's user id (scope
`im:write`), paced as the Tier 3 method it is; Slack answers the same DM channel each time,
and the app's Messages tab (App Home) must be on for the person to see it.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import SLACK_FAILURES, translate
from adapters.slack.pacing import SlackPacing
from bot.records.errors import PermanentPlatformError
from bot.records.models import ChannelRef

# conversations.open errors that mean "this person cannot be written to": pause, not retry
CANNOT_DM = frozenset({"user_disabled", "user_not_found", "cannot_dm_bot", "user_not_visible"})


async def open_dm(client: AsyncWebClient, pacing: SlackPacing, person: ChannelRef) -> ChannelRef:
    """The DM channel with `person` (their user id in `channel_id`). Raises
    PermanentPlatformError when Slack will not open one with them, PlatformError else."""
    await pacing.before_open()
    try:
        response = await client.conversations_open(users=person.channel_id)
    except SlackApiError as exc:
        data = exc.response.data
        code = data.get("error") if isinstance(data, dict) else None
        if code in CANNOT_DM:
            raise PermanentPlatformError(f"Slack will not open a DM with you ({code})") from None
        raise translate(exc, "conversations.open") from None
    except SLACK_FAILURES as exc:
        raise translate(exc, "conversations.open") from None
    channel = response.get("channel") or {}
    return ChannelRef(person.platform, str(channel["id"]), person.workspace)
