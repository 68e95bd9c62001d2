"""The console's own verbs, beside `/papers`: what `/papers help` adds for them, and their
answers that are words only (the channel list, a paper number not on screen). Pure.

A terminal has no buttons and no channel sidebar: `vote`, `save`, `channel` and `quit` stand
for them, so `/papers help` names them too, and `/papers help vote` explains one.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.chat.buttons import VOTE_EMOJI

CONSOLE_USAGE = {
    "vote": "vote <n>",
    "save": "save <n>",
    "channel": "channel [name]",
    "quit": "quit",
}
CONSOLE_SUMMARY = {
    "vote": f"click {VOTE_EMOJI} under paper n on screen (or name its arXiv id)",
    "save": "click 🔖 under paper n on screen: keep it in /papers saved",
    "channel": "list the channels, or speak in another one (a new name makes it)",
    "quit": "stop the console (end of input does too)",
}
CONSOLE_DETAIL = {
    "vote": "The same 👍 as under a digest on Slack or Discord: a second vote takes it back. "
    "/papers top counts them.",
    "save": "Saved papers are yours in every channel; a second click drops one.",
    "channel": "Each channel has its own subscription, settings and votes; /papers link joins "
    "two. The console starts in channel `console`.",
}


def console_help() -> str:
    """The lines `/papers help` ends with on the console."""
    width = max(len(v) for v in CONSOLE_USAGE)
    rows = [f"  {verb.ljust(width)}  {CONSOLE_SUMMARY[verb]}" for verb in CONSOLE_USAGE]
    return "\n".join(["On this console, without /papers:", *rows])


def console_verb_help(verb: str) -> str | None:
    """`/papers help vote` and the like: the console verb's usage, or None if not one."""
    verb = verb.strip().lower()
    if verb not in CONSOLE_USAGE:
        return None
    lines = [f"Usage: {CONSOLE_USAGE[verb]}", _sentence(CONSOLE_SUMMARY[verb])]
    if verb in CONSOLE_DETAIL:
        lines.append(CONSOLE_DETAIL[verb])
    return "\n".join(lines)


def channels_text(channels: Sequence[str], current: str) -> str:
    """`channel` alone: the channels spoken in so far, the current one marked."""
    listed = ", ".join(f"{name} (current)" if name == current else name for name in channels)
    return (
        f"Channels: {listed}. `channel <name>` speaks in another one; a new name makes it "
        "(letters, digits, - and _, up to 32)."
    )


def not_on_screen_text(number: str, shown: Sequence[int]) -> str:
    """`vote 7` when papers 1 to 3 are on screen: say which numbers there are."""
    if len(shown) == 1:
        return f"There is only 1 paper on screen here, number {shown[0]}; no paper {number}."
    low, high = min(shown), max(shown)
    return (
        f"There are {len(shown)} papers on screen here, numbered {low} to {high}; "
        f"no paper {number}."
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."
