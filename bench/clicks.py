"""Click benchmark: 👍 clicks acknowledged through the real slack-bolt and discord.py paths
against the loopback fakes, on a SQLite file holding 100,000 votes.

    .venv/bin/python bench/clicks.py [--clicks 1000] [--votes 100000] [--out FILE.json]

Each path gets `--clicks` clicks, one at a time, on a ten-paper digest message, by users
taking turns (so votes are cast and taken back), after 50 unmeasured ones:

- `slack_socket`: a `block_actions` envelope over the fake's Socket Mode WebSocket to the
  real bolt app (adapters/slack/actions.py), until bolt's ack comes back on the socket;
- `slack_http`: a signed `block_actions` POST to bolt's HTTP endpoint, until its 200;
- `discord`: an INTERACTION_CREATE (a button click) over the fake gateway to discord.py's
  DynamicItem (adapters/discord/buttons.py), until the interaction callback (the ack, with
  the edited buttons) reaches the fake's REST API.

For Slack, whose ack comes before the vote is counted, `shown` is until the `chat.update`
with the new count reaches the fake (Discord's ack is the edit itself). The reference in the
same run: `/papers help` acknowledged on each path (`slash_*`). The fakes share the event
loop with the bot, so their own work is in every figure. The load average is recorded: the
machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.discord import DiscordPlatform
from adapters.slack.platform import SlackPlatform
from adapters.slack.render import render_digest
from bench.vote_seed import seed, subscriptions, week_papers
from bot.app.bootstrap import App, build_app
from bot.config.load import Config, SlackConfig
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, Subscription
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_payloads import MEMBER_PERMISSIONS, FakeUser, slash_command
from tests.fakes.discord_setup import config_for, discord_globals_restored, no_sleep, serving
from tests.fakes.pacing import discord_pacing
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_digests import digest_of

NOW = datetime(2026, 8, 24, 9, 0, tzinfo=UTC)  # the Monday after the seeded votes' week
WARMUP = 50
SECRET = "bench-signing-secret"  # noqa: S105 - the loopback fake's, not a real one
TEAM = "T"  # the seeded subscriptions' workspace (bench/vote_seed.py)


class TimedSlack(FakeSlackApi):
    """The fake Slack, noting when each `chat.update` arrives."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.updates: asyncio.Queue[float] = asyncio.Queue()

    def _chat_update(self, body: dict[str, Any]) -> dict[str, Any]:
        self.updates.put_nowait(time.perf_counter())
        return super()._chat_update(body)


@dataclass
class TimedDiscord(FakeDiscord):
    """The fake Discord, noting when each interaction's first callback arrives."""

    answered: dict[str, asyncio.Future[float]] = field(default_factory=dict)

    def answer(self, interaction_id: str) -> asyncio.Future[float]:
        if interaction_id not in self.answered:
            self.answered[interaction_id] = asyncio.get_running_loop().create_future()
        return self.answered[interaction_id]

    def _callback(self, interaction_id: str, body: dict[str, Any]) -> Any:
        future = self.answer(interaction_id)
        if not future.done():
            future.set_result(time.perf_counter())
        return super()._callback(interaction_id, body)


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    ms = {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(samples)}
    return {k: round(v * 1000, 2) for k, v in ms.items()} | {"n": len(samples)}


def block_actions(fake: FakeSlackApi, channel: str, action_id: str, user: str) -> dict[str, Any]:
    message = fake.channels[channel].messages[0]
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "bench"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0APP",
        "channel": {"id": channel, "name": "papers"},
        "container": {"type": "message", "channel_id": channel, "message_ts": message["ts"]},
        "message": message,
        "response_url": fake.response_url("click"),
        "trigger_id": "1.2.3",
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b"}],
    }


def command(fake: FakeSlackApi, channel: str, text: str) -> dict[str, str]:
    return {
        "team_id": TEAM,
        "channel_id": channel,
        "user_id": "UBENCH",
        "user_name": "bench",
        "command": "/papers",
        "text": text,
        "api_app_id": "A0APP",
        "response_url": fake.response_url("cmd"),
        "trigger_id": "1.2.3",
    }


def signed(body: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": str(signature),
    }


def slack_config(fake: FakeSlackApi, mode: str) -> SlackConfig:
    return SlackConfig(
        enabled=True,
        mode=mode,
        bot_token="xoxb-bench",  # noqa: S106 - tokens the loopback fake accepts
        app_token="xapp-bench",  # noqa: S106
        signing_secret=SECRET,
        api_base_url=fake.base_url,
    )


async def slack_paths(app: App, channel: ChannelRef, ids: list[str], n: int) -> dict[str, Any]:
    fake = TimedSlack(team_id=TEAM, record=False)
    await fake.start()
    fake.add_channel(channel.channel_id)
    (part,) = render_digest(digest_of(await papers_of(app, ids)))
    fake.channels[channel.channel_id].messages.append(
        {"ts": "1700000000.000100", "text": part.message.text, "blocks": list(part.message.blocks)}
    )
    socket = SlackPlatform(slack_config(fake, "socket"), clicks=app.votes.click)
    http = SlackPlatform(
        slack_config(fake, "http"), clicks=app.votes.click, http_host="127.0.0.1", http_port=0
    )
    serving_socket = asyncio.create_task(socket.start(app.handle))
    await http.start(app.handle)
    url = f"http://127.0.0.1:{http.bound_port}/slack/events"
    results: dict[str, Any] = {}
    try:
        await fake.wait_sockets()
        async with aiohttp.ClientSession() as session:

            async def over_socket(i: int) -> tuple[float, float]:
                action = f"pb:v:{ids[i % len(ids)]}"
                payload = block_actions(fake, channel.channel_id, action, f"U{i % 97}")
                start = time.perf_counter()
                await fake.send_envelope("interactive", payload)
                acked = time.perf_counter()
                return acked - start, await fake.updates.get() - start

            async def over_http(i: int) -> tuple[float, float]:
                action = f"pb:v:{ids[(i + 3) % len(ids)]}"
                payload = block_actions(fake, channel.channel_id, action, f"U{i % 89}")
                body = urlencode({"payload": json.dumps(payload)})
                start = time.perf_counter()
                async with session.post(url, data=body, headers=signed(body)) as response:
                    assert response.status == 200, response.status
                acked = time.perf_counter()
                return acked - start, await fake.updates.get() - start

            async def slash_socket(i: int) -> tuple[float, float]:
                form = command(fake, channel.channel_id, "help")
                start = time.perf_counter()
                await fake.send_envelope("slash_commands", form)
                took = time.perf_counter() - start
                return took, took

            async def slash_http(i: int) -> tuple[float, float]:
                body = urlencode(command(fake, channel.channel_id, "help"))
                start = time.perf_counter()
                async with session.post(url, data=body, headers=signed(body)) as response:
                    assert response.status == 200, response.status
                took = time.perf_counter() - start
                return took, took

            for name, click in (
                ("slack_socket", over_socket),
                ("slack_http", over_http),
                ("slash_slack_socket", slash_socket),
                ("slash_slack_http", slash_http),
            ):
                acks, shown = await timed(click, n)
                results[name] = {"ack_ms": percentiles(acks)}
                if not name.startswith("slash"):
                    results[name]["shown_ms"] = percentiles(shown)
    finally:
        await http.stop()
        await socket.stop()
        await serving_socket
        await fake.close()
    return results


async def discord_path(app: App, ids: list[str], n: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with discord_globals_restored():
        fake = TimedDiscord(record=False)
        await fake.start()
        channel = ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))
        platform = DiscordPlatform(
            config_for(fake),
            sleep=no_sleep,
            guild_ready_timeout=0.0,
            clicks=app.votes.click,
            vote_counts=app.votes.counts,
            pacing=discord_pacing(),
        )
        users = [FakeUser(600_000_000_000_000_000 + u, f"u{u}") for u in range(97)]
        ids_made = iter(range(800_000_000_000_000_001, 900_000_000_000_000_000))
        try:
            async with serving(platform, app.handle):
                digest = digest_of(await papers_of(app, ids))
                await platform.post_digest(channel, digest, idempotency_key="bench")
                [message] = [m for m in fake.created if m["channel_id"] == channel.channel_id]

                async def click(i: int) -> tuple[float, float]:
                    action = f"pb:v:{ids[i % len(ids)]}"
                    start = time.perf_counter()
                    token = await fake.click(message, action, users[i % len(users)])
                    took = await fake.answer(token.rsplit("-", 1)[1]) - start
                    return took, took

                async def slash(i: int) -> tuple[float, float]:
                    interaction_id = next(ids_made)
                    payload = slash_command(
                        interaction_id=interaction_id,
                        app_id=fake.app_id,
                        guild=fake.guild,
                        user=users[0],
                        permissions=MEMBER_PERMISSIONS,
                        subcommand="help",
                    )
                    start = time.perf_counter()
                    await fake.dispatch("INTERACTION_CREATE", payload)
                    took = await fake.answer(str(interaction_id)) - start
                    return took, took

                for name, run in (("discord", click), ("slash_discord", slash)):
                    acks, _ = await timed(run, n)
                    results[name] = {"ack_ms": percentiles(acks)}
        finally:
            await fake.close()
    return results


Timed = Callable[[int], Awaitable[tuple[float, float]]]


async def timed(click: Timed, n: int) -> tuple[list[float], list[float]]:
    """`n` runs of `click` one at a time, after WARMUP unmeasured ones: (acks, shown)."""
    acks: list[float] = []
    shown: list[float] = []
    for i in range(WARMUP + n):
        ack, seen = await asyncio.wait_for(click(i), timeout=10)
        if i >= WARMUP:
            acks.append(ack)
            shown.append(seen)
    return acks, shown


async def papers_of(app: App, ids: list[str]) -> list[Any]:
    found = [await app.store.get_paper(i) for i in ids]
    return [p for p in found if p is not None]


async def run(clicks: int, votes: int) -> dict[str, Any]:
    rng = random.Random(11)
    papers = week_papers(350)
    subs = subscriptions(2_000, rng)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "clicks.db"
        discord_here = ChannelRef("discord", "222222222222222222", "111111111111111111")
        subs.append(Subscription(discord_here))
        keys = [s.channel.key for s in subs]
        await seed(db, papers, subs, votes, rng, keys=keys + [subs[0].channel.key] * 200)
        config = Config(database_url=f"sqlite:///{db}", source="sample")
        app = await build_app(config, clock=FixedClock(NOW))
        try:
            ids = [p.arxiv_id for p in papers[:10]]
            load_before = os.getloadavg()
            results = await slack_paths(app, subs[0].channel, ids, clicks)
            results |= await discord_path(app, ids, clicks)
            load_after = os.getloadavg()
            stored = await app.store.vote_counts(subs[0].channel.key, ids)
        finally:
            await app.aclose()
    return {
        "clicks_per_path": clicks,
        "votes_stored": votes,
        "clicked_channel_votes_on_the_digest": sum(stored.values()),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
        **results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=1000)
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("bench/results/clicks.json"))
    args = parser.parse_args()
    result = asyncio.run(run(args.clicks, args.votes))
    text = json.dumps(result, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
