"""Assertions on message bodies as Discord receives them (the JSON discord.py sends).

Used on rendered messages (unit) and on what the fake Discord recorded (integration, e2e),
so the limits are checked on the wire format, not on our own idea of it.
"""

from __future__ import annotations

import re
from typing import Any

from tests.hostile_text import unsafe_chars

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
    re.compile(r"(?<!\\)\]\(https://evil"),  # any masked link to the hostile host
    re.compile(r"(?<!\\)<(?:[@#/:]|t:|a:|id:)"),  # a channel, time, command, emoji... token
)


def embed_chars(embed: dict[str, Any]) -> int:
    """Discord's count: title, description, field names and values, footer, author name."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    total += len((embed.get("footer") or {}).get("text") or "")
    return total + len((embed.get("author") or {}).get("name") or "")


def limit_violations(body: dict[str, Any]) -> list[str]:
    """Every Discord limit `body` passes, named as Discord's 50035 error would ("" if none)."""
    embeds = body.get("embeds") or []
    found = _over("content", len(body.get("content") or ""), LIMITS["content"])
    found += _over("embeds", len(embeds), LIMITS["embeds"])
    found += _over("embeds total", sum(embed_chars(e) for e in embeds), LIMITS["embed_chars"])
    for i, embed in enumerate(embeds):
        at = f"embeds.{i}"
        found += _over(f"{at}.title", len(embed.get("title") or ""), LIMITS["title"])
        found += _over(
            f"{at}.description", len(embed.get("description") or ""), LIMITS["description"]
        )
        fields = embed.get("fields", [])
        found += _over(f"{at}.fields", len(fields), LIMITS["fields"])
        for j, f in enumerate(fields):
            found += _over(f"{at}.fields.{j}.name", len(f["name"]), LIMITS["field_name"], 1)
            found += _over(f"{at}.fields.{j}.value", len(f["value"]), LIMITS["field_value"], 1)
        footer = len((embed.get("footer") or {}).get("text") or "")
        found += _over(f"{at}.footer.text", footer, LIMITS["footer"])
        author = len((embed.get("author") or {}).get("name") or "")
        found += _over(f"{at}.author.name", author, LIMITS["author"])
    return found


def _over(where: str, size: int, limit: int, minimum: int = 0) -> list[str]:
    if size > limit:
        return [f"{where}: Must be {limit} or fewer in length."]
    if size < minimum:
        return [f"{where}: This field is required"]
    return []


def assert_within_limits(body: dict[str, Any]) -> None:
    assert limit_violations(body) == []


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
    assert unsafe_chars(text) == []
