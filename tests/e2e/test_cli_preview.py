"""`paperbot digest --format slack|discord`: the payloads a post would send, printed by a real
process offline, checked against each platform's limits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

BUILDER = "https://app.slack.com/block-kit-builder/#"


def _paperbot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--db", f"sqlite:///{tmp_path / 'cli.db'}", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )


def _preview(tmp_path: Path, platform: str, *args: str) -> dict[str, Any]:
    result = _paperbot(tmp_path, "digest", "--source", "sample", "--format", platform, *args)
    assert result.returncode == 0, result.stderr
    payload: dict[str, Any] = json.loads(result.stdout)  # all of stdout is one JSON document
    return payload


def _slack_bodies(preview: dict[str, Any]) -> list[dict[str, Any]]:
    entries = [m for message in preview["messages"] for m in (message, *message["thread"])]
    for entry in entries:  # each builder link decodes back to the blocks it goes with
        link = entry["block_kit_builder"]
        assert link.startswith(BUILDER)
        assert json.loads(unquote(link.removeprefix(BUILDER))) == {
            "blocks": entry["body"]["blocks"]
        }
    return [entry["body"] for entry in entries]


def test_slack_format_prints_post_message_bodies_within_slack_limits(tmp_path: Path) -> None:
    preview = _preview(tmp_path, "slack")
    assert preview["method"] == "chat.postMessage"
    first = preview["messages"][0]["body"]
    assert "EnvHarness" in first["text"]
    assert first["metadata"]["event_type"] == "paperbot_digest"
    assert first["link_names"] is False
    assert first["unfurl_links"] is False
    assert preview["messages"][0]["thread"], "the abstracts go in the digest's thread"
    for body in _slack_bodies(preview):
        assert 1 <= len(body["blocks"]) <= 50
        assert len(body["text"]) <= 3000
        for block in body["blocks"]:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= 3000
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= 150


def test_discord_format_prints_one_message_within_discord_limits(tmp_path: Path) -> None:
    preview = _preview(tmp_path, "discord", "--topics", "agents")
    assert len(preview["messages"]) == 1  # a usual day is one message
    bodies = [*preview["messages"], *preview["thread"]["messages"]]
    for body in bodies:
        assert body["allowed_mentions"] == {"parse": []}  # paper text pings no one
        assert len(body["content"] or "") <= 2000
        assert len(body["embeds"]) <= 10
        chars = 0
        for embed in body["embeds"]:
            assert len(embed.get("title", "")) <= 256
            assert len(embed.get("description", "")) <= 4096
            assert len(embed.get("fields", [])) <= 25
            for field in embed.get("fields", []):
                assert len(field["name"]) <= 256
                assert len(field["value"]) <= 1024
            chars += sum(len(embed.get(k, "")) for k in ("title", "description"))
            chars += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
            chars += len(embed.get("footer", {}).get("text", ""))
        assert chars <= 6000
    digest = preview["messages"][0]
    assert "EnvHarness" in digest["embeds"][0]["title"]
    buttons = [c for row in digest["components"] for c in row["components"]]
    assert buttons
    assert all(b["type"] == 2 for b in buttons)
    assert preview["thread"]["name"].startswith("Details: ")


def test_text_stays_the_default_format(tmp_path: Path) -> None:
    result = _paperbot(tmp_path, "--source", "sample", "digest")
    assert result.returncode == 0, result.stderr
    assert "EnvHarness" in result.stdout
    assert not result.stdout.lstrip().startswith("{")


def test_an_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    result = _paperbot(tmp_path, "--source", "sample", "digest", "--format", "teams")
    assert result.returncode == 2
    assert "invalid choice: 'teams'" in result.stderr
    assert "Traceback" not in result.stderr


def test_digest_help_names_the_formats(tmp_path: Path) -> None:
    result = _paperbot(tmp_path, "digest", "--help")
    assert result.returncode == 0
    assert "--format {text,slack,discord}" in result.stdout
    assert "Block Kit Builder" in result.stdout
