"""The `chat.postMessage` bodies of a digest, as `paperbot digest --format slack` prints them.

Pure: the same `render_digest` output and the same `post_body` that SlackPlatform posts, so
an operator sees exactly what would go out (with a placeholder channel, key and thread ts),
plus a Block Kit Builder link per message to look at it. `settled_preview` gives the same
for a settled post: the `chat.update` bodies of its edit and its late-additions reply.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from adapters.slack.render import (
    SlackMessage,
    render_digest,
    render_late_additions,
    render_settled,
)
from bot.records.digest import Digest
from bot.records.settle import late_key

METADATA_EVENT = "paperbot_digest"  # the event type of a digest message's metadata
BUILDER_URL = "https://app.slack.com/block-kit-builder/#"
PREVIEW_CHANNEL = "C0PREVIEW"
PREVIEW_KEY = "preview"  # a real post carries its delivery record's key here
PREVIEW_THREAD_TS = "<ts of this message>"  # Slack gives it when the message is posted
PREVIEW_POSTED_TS = "<ts of posted message {}>"  # a settle edit names the message it edits


def post_body(channel_id: str, message: SlackMessage, **extra: Any) -> dict[str, Any]:
    """The `chat.postMessage` arguments for `message`: links not unfurled, and `link_names`
    off so an "@channel" typed in paper text stays plain text."""
    return {
        "channel": channel_id,
        "text": message.text,
        "blocks": list(message.blocks),
        "unfurl_links": False,
        "unfurl_media": False,
        "link_names": False,
        **extra,
    }


def digest_metadata(key: str, part: int, parts: int) -> dict[str, Any]:
    """The metadata that lets a re-post after a crash find a part already in the channel."""
    return {
        "event_type": METADATA_EVENT,
        "event_payload": {"key": key, "part": part, "parts": parts},
    }


def reply_metadata(key: str, part: int, reply: int) -> dict[str, Any]:
    """A digest's thread reply's metadata: a retry after a crash finds the replies already
    in the thread (`conversations.replies`), so none is posted twice."""
    return {
        "event_type": METADATA_EVENT,
        "event_payload": {"key": key, "part": part, "reply": reply},
    }


def builder_url(message: SlackMessage) -> str:
    """A Block Kit Builder link showing `message`'s blocks (the JSON, URL-encoded)."""
    blocks = json.dumps({"blocks": list(message.blocks)}, ensure_ascii=False)
    return BUILDER_URL + quote(blocks, safe="")


def digest_preview(digest: Digest) -> dict[str, Any]:
    """Every message the digest would be posted as: each top-level part, then its thread."""
    parts = render_digest(digest)
    messages = []
    for index, part in enumerate(parts):
        metadata = digest_metadata(PREVIEW_KEY, index, len(parts))
        thread = [_entry(reply, thread_ts=PREVIEW_THREAD_TS) for reply in part.thread]
        messages.append({**_entry(part.message, metadata=metadata), "thread": thread})
    return {"platform": "slack", "method": "chat.postMessage", "messages": messages}


def _entry(message: SlackMessage, **extra: Any) -> dict[str, Any]:
    return {
        "body": post_body(PREVIEW_CHANNEL, message, **extra),
        "block_kit_builder": builder_url(message),
    }


def settled_preview(posted: Digest, settled: Digest, late: Digest | None) -> dict[str, Any]:
    """The settle of a post: a `chat.update` per posted message (new counts, rises marked,
    the posted order), then the late-additions reply in the first message's thread."""
    edits = [
        {
            "body": {
                "channel": PREVIEW_CHANNEL,
                "ts": PREVIEW_POSTED_TS.format(index + 1),
                "text": message.text,
                "blocks": list(message.blocks),
                "link_names": False,
            },
            "block_kit_builder": builder_url(message),
        }
        for index, message in enumerate(render_settled(posted, settled))
    ]
    reply = None
    if late is not None:
        metadata = {
            "event_type": METADATA_EVENT,
            "event_payload": {"key": late_key(PREVIEW_KEY, 24)},
        }
        thread_ts = PREVIEW_POSTED_TS.format(1)
        reply = _entry(render_late_additions(late), thread_ts=thread_ts, metadata=metadata)
    return {
        "platform": "slack",
        "method": "chat.update",
        "edits": edits,
        "late_additions": reply,
    }
