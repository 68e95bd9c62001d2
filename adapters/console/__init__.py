"""The console platform: digests printed to a terminal, `/papers ...` typed on stdin."""

from adapters.console.platform import ConsolePlatform
from adapters.console.render import render_reply

__all__ = ["ConsolePlatform", "render_reply"]
