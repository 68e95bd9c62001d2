"""Discord: digests as embeds in channels, `/papers` as application commands (discord.py 2.x)."""

from adapters.discord.platform import DiscordPlatform

__all__ = ["DiscordPlatform"]
