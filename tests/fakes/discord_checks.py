"""Assertions on message bodies as Discord receives them (the JSON discord.py sends).

Used on rendered messages (unit) and on what the fake Discord recorded (integration, e2e),
so the limits are checked on the wire format, not on our own idea of it.
"""

from __future__ import annotations

import re
from typing import Any

LIMITS = {
    "title": 256,
    "description": 4096,
    "field_name": 256,
    "field_value": 1024,
    "fields": 25,
    "footer": 2048,
    "author": 256,
    "embeds": 10,
    "embed_chars": 6000,
    "content": 2000,
}

# What paper text must never carry into Discord unescaped.
_LIVE_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d{17,20}>")
_RAW_MARKUP = (
    re.compile(r"(?<!\\)\*\*bold"),
    re.compile(r"(?<!\\)\[link\]\(https://evil\)"),  # a masked link that would render
    re.compile(r"(?<!\\)`code"),
)


def embed_chars(embed: dict[str, Any]) -> int:
    """Discord's count: title, description, field names and values, footer, author name."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    total += len((embed.get("footer") or {}).get("text") or "")
    return total + len((embed.get("author") or {}).get("name") or "")


def assert_within_limits(body: dict[str, Any]) -> None:
    embeds = body.get("embeds") or []
    assert len(body.get("content") or "") <= LIMITS["content"]
    assert len(embeds) <= LIMITS["embeds"]
    assert sum(embed_chars(e) for e in embeds) <= LIMITS["embed_chars"]
    for embed in embeds:
        assert len(embed.get("title") or "") <= LIMITS["title"]
        assert len(embed.get("description") or "") <= LIMITS["description"]
        fields = embed.get("fields", [])
        assert len(fields) <= LIMITS["fields"]
        for f in fields:
            assert 0 < len(f["name"]) <= LIMITS["field_name"]
            assert 0 < len(f["value"]) <= LIMITS["field_value"]
        assert len((embed.get("footer") or {}).get("text") or "") <= LIMITS["footer"]


def all_text(body: dict[str, Any]) -> str:
    """Every string a reader sees in the message, joined by newlines."""
    parts = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for f in embed.get("fields", []):
            parts += [f["name"], f["value"]]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


def assert_nothing_live(body: dict[str, Any]) -> None:
    """No mention that could fire and no hostile markup left raw."""
    text = all_text(body)
    assert not _LIVE_MENTION.search(text), _LIVE_MENTION.search(text)
    for raw in _RAW_MARKUP:
        assert not raw.search(text), raw.pattern
