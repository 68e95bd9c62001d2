"""Which `/papers` verbs answer in a DM with the bot.

Discord sets where a command may be used (its `contexts`) on the top-level command only, so
`/papers` as a whole is offered in servers and in the bot's DMs (adapters/discord/commands.py),
and the verbs are sorted here. In a DM answer only the person's own: `me` (their digest, which
comes by DM), `foryou`, `saved`, and `help`. Every other verb reads or changes a server
channel's subscription, votes or settings, and a DM is none: it gets a short private line
saying where it works, and the core is not asked.
"""

from __future__ import annotations

from bot.records.chat import Reply

DM_VERBS = frozenset({"me", "foryou", "saved", "help"})


def dm_refusal(text: str) -> Reply | None:
    """None when the verb of `/papers <text>` answers in a DM, else the reply saying why not."""
    verb = text.split(" ", 1)[0].strip().lower()
    if verb in DM_VERBS:
        return None
    return Reply(
        f"/papers {verb} works in a server channel the bot is in. "
        "Here, in our DM: /papers me, foryou, saved and help.",
        is_error=True,
    )
