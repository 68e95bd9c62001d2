"""The Slack app manifest asks for exactly the scopes the adapter's API calls need."""

from __future__ import annotations

import re
from pathlib import Path

MANIFEST = Path(__file__).resolve().parents[2] / "adapters" / "slack" / "manifest.yaml"

# scope -> the Web API method (or feature) in adapters/slack that needs it
NEEDED = {
    "commands": "/papers",
    "chat:write": "chat.postMessage",
    "channels:history": "conversations.history",
    "groups:history": "conversations.history",
    "channels:read": "conversations.info",
    "groups:read": "conversations.info",
    "users:read": "users.info",
    "files:write": "files.upload_v2",  # slack_sdk's helper for the two upload steps
    "im:write": "conversations.open",
    "im:history": "conversations.history",
}


def bot_scopes(text: str) -> list[str]:
    block = text.split("    bot:\n", 1)[1].split("settings:", 1)[0]
    return re.findall(r"^\s+- (\S+)$", block, flags=re.MULTILINE)


def test_the_manifest_asks_for_the_needed_scopes_and_no_more() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    assert sorted(bot_scopes(text)) == sorted(NEEDED)
    assert "chat:write.public" not in bot_scopes(text)


def test_the_manifest_has_the_command_and_socket_mode() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    assert re.search(r"^\s+- command: /papers$", text, flags=re.MULTILINE)
    assert re.search(r"^\s+should_escape: false$", text, flags=re.MULTILINE)
    assert re.search(r"^  socket_mode_enabled: true$", text, flags=re.MULTILINE)


def test_the_messages_tab_is_on_for_the_dm_digest() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    assert re.search(r"^    messages_tab_enabled: true$", text, flags=re.MULTILINE)


def test_every_method_the_scopes_are_for_is_called_by_the_adapter() -> None:
    source = "".join(p.read_text(encoding="utf-8") for p in MANIFEST.parent.glob("*.py"))
    for method in set(NEEDED.values()) - {"/papers"}:
        assert method.replace(".", "_") in source, method
