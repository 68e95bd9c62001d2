"""Slack's error codes -> the core's error tree: which answers pause a channel, which fail
only that message, which are retried."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.errors import translate
from bot.records.errors import (
    MessageGone,
    MessageRejected,
    PermanentPlatformError,
    PlatformError,
    TransientPlatformError,
)


def slack_error(code: str) -> SlackApiError:
    """What slack_sdk raises for `{"ok": false, "error": code}`."""
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="http://127.0.0.1/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": code},
        headers={},
        status_code=200,
    )
    message = f"The request to the Slack API failed. {code}"
    return SlackApiError(message, response)  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        # the message's body: that digest fails for good, the channel is fine
        ("invalid_blocks", MessageRejected),
        ("invalid_blocks_format", MessageRejected),
        ("msg_too_long", MessageRejected),
        ("msg_blocks_too_long", MessageRejected),
        ("too_many_attachments", MessageRejected),
        ("invalid_metadata_format", MessageRejected),
        ("invalid_metadata_schema", MessageRejected),
        ("metadata_too_large", MessageRejected),
        ("no_text", MessageRejected),
        ("invalid_arguments", MessageRejected),
        # the channel or the token: stop posting there
        ("channel_not_found", PermanentPlatformError),
        ("not_in_channel", PermanentPlatformError),
        ("is_archived", PermanentPlatformError),
        ("invalid_auth", PermanentPlatformError),
        ("token_revoked", PermanentPlatformError),
        # a message a person deleted
        ("message_not_found", MessageGone),
        # anything else may pass on a later try
        ("internal_error", TransientPlatformError),
        ("fatal_error", TransientPlatformError),
        ("ratelimited", TransientPlatformError),
    ],
)
def test_each_slack_error_maps_to_its_kind(code: str, kind: type[PlatformError]) -> None:
    error = translate(slack_error(code), "chat.postMessage")
    assert type(error) is kind
    assert code in str(error)
