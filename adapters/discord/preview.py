"""The message create bodies of a digest, as `paperbot digest --format discord` prints them.

Pure: the same `render_digest` and `render_details` output that DiscordPlatform posts, as
the JSON discord.py sends for it (`send_message`: no allowed mentions, a nonce Discord
enforces, the buttons as components); a placeholder key stands in for the delivery's.
`settled_preview` gives the same for a settled post: the message edit (PATCH) bodies and
the late-additions reply in the thread. Needs a running event loop: discord.py's views are
made in one.
"""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.posting import nonce_for
from adapters.discord.render import (
    DiscordMessage,
    render_details,
    render_digest,
    render_late_additions,
    render_settled,
    thread_name,
)
from adapters.discord.threads import REPLY_NONCE_BASE
from bot.records.digest import Digest
from bot.records.settle import late_key

PREVIEW_KEY = "preview"  # a real post carries its delivery record's key here


def create_body(message: DiscordMessage, *, nonce: str) -> dict[str, Any]:
    """The JSON body of `POST /channels/{id}/messages` for `message`, as send_message sends it."""
    body: dict[str, Any] = {
        "content": message.content,
        "tts": False,
        "embeds": [embed.to_dict() for embed in message.embeds],
        "allowed_mentions": discord.AllowedMentions.none().to_dict(),
        "nonce": nonce,
        "enforce_nonce": True,
    }
    if message.view is not None:
        body["components"] = message.view.to_components()
    return body


def digest_preview(digest: Digest) -> dict[str, Any]:
    """Every message the digest would be posted as, and the thread on the first one."""
    messages = render_digest(digest, mark_key=PREVIEW_KEY)
    details = render_details(digest)
    bodies = [
        create_body(message, nonce=nonce_for(PREVIEW_KEY, index))
        for index, message in enumerate(messages)
    ]
    thread = {
        "name": thread_name(digest),
        "messages": [
            create_body(reply, nonce=nonce_for(PREVIEW_KEY, REPLY_NONCE_BASE + number))
            for number, reply in enumerate(details)
        ],
    }
    return {"platform": "discord", "messages": bodies, "thread": thread if details else None}


def edit_body(message: DiscordMessage) -> dict[str, Any]:
    """The JSON body of `PATCH /channels/{id}/messages/{id}`, as a message edit sends it."""
    body: dict[str, Any] = {
        "content": message.content,
        "embeds": [embed.to_dict() for embed in message.embeds],
        "allowed_mentions": discord.AllowedMentions.none().to_dict(),
    }
    if message.view is not None:
        body["components"] = message.view.to_components()
    return body


def settled_preview(posted: Digest, settled: Digest, late: Digest | None) -> dict[str, Any]:
    """The settle of a post: an edit per posted message (new counts, rises marked, the
    posted order and mark kept), then the late-additions reply in the digest's thread."""
    edits = render_settled(posted, settled, mark_key=PREVIEW_KEY)
    reply = None
    if late is not None:
        key = late_key(PREVIEW_KEY, 24)
        reply = create_body(render_late_additions(late, mark_key=key), nonce=nonce_for(key, 0))
    return {
        "platform": "discord",
        "method": "PATCH /channels/{channel.id}/messages/{message.id}",
        "edits": [edit_body(message) for message in edits],
        "late_additions": reply,
    }
