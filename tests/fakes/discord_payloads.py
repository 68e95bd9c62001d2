"""JSON payloads shaped like Discord's (API v10), for the fake Discord and the tests.

Only the keys discord.py reads are filled in; values are plausible, never real.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MANAGE_CHANNELS = 1 << 4
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
MEMBER_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS  # an ordinary member
MANAGER_PERMISSIONS = MEMBER_PERMISSIONS | MANAGE_CHANNELS

TIMESTAMP = "2026-08-22T09:00:00.000000+00:00"


@dataclass(frozen=True, slots=True)
class FakeUser:
    id: int
    name: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(frozen=True, slots=True)
class FakeGuild:
    """A guild with one text channel: what GUILD_CREATE announces."""

    id: int = 111_111_111_111_111_111
    name: str = "Reading group"
    channel_id: int = 222_222_222_222_222_222
    channel_name: str = "papers"
    members: tuple[FakeUser, ...] = field(default_factory=tuple)

    def channel_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.channel_id),
            "type": 0,
            "guild_id": str(self.id),
            "name": self.channel_name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def payload(self, bot: FakeUser) -> dict[str, Any]:
        members = [member_payload(u, MEMBER_PERMISSIONS) for u in (bot, *self.members)]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.members[0].id if self.members else bot.id),
            "unavailable": False,
            "member_count": len(members),
            "large": False,
            "roles": [
                {
                    "id": str(self.id),  # @everyone has the guild's id
                    "name": "@everyone",
                    "permissions": str(MEMBER_PERMISSIONS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "channels": [self.channel_payload()],
            "threads": [],
            "members": members,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "joined_at": TIMESTAMP,
            "preferred_locale": "en-US",
            "premium_tier": 0,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "system_channel_flags": 0,
        }


def member_payload(user: FakeUser, permissions: int) -> dict[str, Any]:
    """A guild member as an interaction carries it: `permissions` is their resolved set."""
    return {
        "user": user.payload(),
        "nick": None,
        "roles": [],
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": str(permissions),
    }


def application_payload(app_id: int, owner: FakeUser) -> dict[str, Any]:
    return {
        "id": str(app_id),
        "name": "paperbot",
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": owner.payload(),
        "verify_key": "0" * 64,
        "flags": 0,
        "summary": "",
        "rpc_origins": [],
    }


def message_payload(
    message_id: int, channel_id: int, author: FakeUser, body: dict[str, Any]
) -> dict[str, Any]:
    """The message Discord answers with after a post: the body's content and embeds kept."""
    return {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": 0,
        "content": body.get("content") or "",
        "embeds": body.get("embeds") or [],
        "attachments": body.get("attachments") or [],  # the fake fills in uploaded files
        "components": body.get("components") or [],
        "author": author.payload(),
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "flags": body.get("flags") or 0,
        "nonce": body.get("nonce"),
    }


def component_click(
    *,
    interaction_id: int,
    app_id: int,
    guild: FakeGuild,
    user: FakeUser,
    message: dict[str, Any],
    custom_id: str,
) -> dict[str, Any]:
    """An INTERACTION_CREATE for a click on a button (type 3, MESSAGE_COMPONENT) of
    `message`, which Discord sends whole, its components included."""
    return {
        **slash_command(
            interaction_id=interaction_id,
            app_id=app_id,
            guild=guild,
            user=user,
            permissions=MEMBER_PERMISSIONS,
            subcommand="unused",
        ),
        "type": 3,
        "data": {"custom_id": custom_id, "component_type": 2},
        "message": message,
    }


def command_option(name: str, value: Any, *, focused: bool = False) -> dict[str, Any]:
    kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
    option: dict[str, Any] = {"name": name, "type": kind, "value": value}
    if focused:
        option["focused"] = True
    return option


def slash_command(
    *,
    interaction_id: int,
    app_id: int,
    guild: FakeGuild,
    user: FakeUser,
    permissions: int,
    subcommand: str,
    options: dict[str, Any] | None = None,
    focused: str | None = None,
    command_guild_id: int | None = None,
) -> dict[str, Any]:
    """An INTERACTION_CREATE for `/papers <subcommand> ...` (type 4 = autocomplete)."""
    opts = [command_option(k, v, focused=k == focused) for k, v in (options or {}).items()]
    data: dict[str, Any] = {
        "id": "333333333333333333",
        "name": "papers",
        "type": 1,
        "options": [{"name": subcommand, "type": 1, "options": opts}],
    }
    if command_guild_id is not None:
        data["guild_id"] = str(command_guild_id)
    return {
        "id": str(interaction_id),
        "application_id": str(app_id),
        "type": 4 if focused else 2,
        "token": f"interaction-token-{interaction_id}",
        "version": 1,
        "guild_id": str(guild.id),
        "channel_id": str(guild.channel_id),
        "channel": guild.channel_payload(),
        "member": member_payload(user, permissions),
        "app_permissions": str(MEMBER_PERMISSIONS),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": 10_485_760,
        "data": data,
    }


def in_dm(payload: dict[str, Any], user: FakeUser, channel_id: str) -> dict[str, Any]:
    """`payload` (a guild interaction) as Discord sends it from the user's DM with the bot:
    no guild, the user in place of a member, a DM channel (type 1), context 1 (BOT_DM)."""
    moved = {k: v for k, v in payload.items() if k not in ("guild_id", "member")}
    return {
        **moved,
        "user": user.payload(),
        "channel_id": channel_id,
        "channel": {"id": channel_id, "type": 1, "recipients": [user.payload()]},
        "context": 1,
        "authorizing_integration_owners": {"0": payload["guild_id"]},
    }
