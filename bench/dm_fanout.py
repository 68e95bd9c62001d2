"""DM fan-out through the real adapters (issue 21): each person's own digest, by direct
message, from the real PeopleRunner on SQLite through SlackPlatform (slack_sdk) and
DiscordPlatform (discord.py), against the loopback fakes with their rate limits on
(tests/fakes/rate_limits.py), as bench/fanout_real.py does for channels.

    .venv/bin/python bench/dm_fanout.py --people 10000 [--first-day 60]
        [--concurrency 0] [--out bench/results/dm_fanout.json]

Each person follows no topic (the day's ten papers). Slack: the person's DM was opened on
an earlier day (its channel id is kept, `Person.dm_channel`), so the fan-out is the DM's top
message and its thread reply, under chat.postMessage's 50/s per workspace and 1/s per DM.
Discord: every DM is created in the run (POST /users/@me/channels, under the global 50/s
like every request), then its one message (Discord has no threads in DMs).

Reported per platform: the fraction of the allowed rate (what passed the binding limit over
burst + rate x elapsed, from the run's start to the last request that passed), 429s,
duplicates, lost DMs and records that did not end posted. Then `--first-day` Slack people
whose DM is not yet open: the fraction of conversations.open's Tier 3 (50 a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform as host
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.discord import DiscordPlatform
from adapters.slack.platform import SlackPlatform
from bench import fanout as thin
from bot.config.load import DeliveryConfig, DiscordConfig, SlackConfig
from bot.people.runner import PeopleRunner
from bot.ports import ChatPlatform
from bot.records.clock import FixedClock
from bot.records.models import ChannelSettings
from bot.records.people import Person, person_ref
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_setup import discord_globals_restored
from tests.fakes.rate_limits import DISCORD, SLACK, ServerLimits
from tests.fakes.slack_api import FakeSlackApi

TEAM = "T0TEAM"
FIRST_USER = 400_000_000_000_000_000


def _slack_user(n: int) -> str:
    return f"U{n:06}"


def _discord_user(n: int) -> str:
    return str(FIRST_USER + n)


async def _seed(store: SqliteStore, people: int) -> None:
    await thin.seed_papers(store)
    settings = ChannelSettings(post_time=thin.NOW.time(), timezone="UTC", followups=False)
    for n in range(people):
        slack = person_ref("slack", TEAM, _slack_user(n))
        await store.save_person(Person(slack, settings, dm_channel="D" + _slack_user(n)))
        await store.save_person(Person(person_ref("discord", "", _discord_user(n)), settings))


def _binding(
    limits: ServerLimits, key: str, rate: float, burst: float, start: float
) -> dict[str, Any]:
    elapsed = (limits.last_passed_at or start) - start
    return {
        "elapsed_s": round(elapsed, 2),
        "allowed_rate_per_s": round(rate, 3),
        "passed": limits.passed,
        "fraction_of_allowed": round(limits.passed / (burst + rate * elapsed), 3),
        "rate_limited_429": limits.rate_limited,
        "binding_limit": key,
    }


class _OpensTimed(ServerLimits):
    """The fake's limits, noting when the latest conversations.open passed."""

    last_open_at: float | None = None

    def check(self, *keys: Any) -> tuple[float, Any]:
        wait, refused = super().check(*keys)
        if not wait and "conversations.open" in keys:
            self.last_open_at = self.now()
        return wait, refused


def _slack_figures(fake: FakeSlackApi, people: int, start: float) -> dict[str, Any]:
    keys: Counter[tuple[str, str, str]] = Counter()
    tops = 0
    for channel in fake.channels.values():
        for message in channel.messages:
            keys[(channel.id, str(message.get("thread_ts", "")), str(message.get("text")))] += 1
        tops += any("thread_ts" not in m for m in channel.messages)
    assert fake.limits is not None
    rate, burst = SLACK["chat.postMessage"]
    return _binding(fake.limits, "chat.postMessage", rate, burst, start) | {
        "people": people,
        "messages": sum(keys.values()),
        "messages_per_dm": round(sum(keys.values()) / max(tops, 1), 2),
        "duplicates": sum(n - 1 for n in keys.values() if n > 1),
        "lost": people - tops,
    }


def _discord_figures(fake: FakeDiscord, people: int, start: float) -> dict[str, Any]:
    keys = Counter((m["channel_id"], m.get("nonce")) for m in fake.created)
    tops = len({m["channel_id"] for m in fake.created})
    assert fake.limits is not None
    rate, burst = DISCORD["global"]
    return _binding(fake.limits, "global", rate, burst, start) | {
        "people": people,
        "dms_created": len(fake.dms),
        "messages": len(fake.created),
        "duplicates": sum(n - 1 for n in keys.values() if n > 1),
        "lost": people - tops,
    }


async def _serve_fakes(people: int, first_day: int, conn: Connection) -> None:
    """In the child process: both fakes. Phase 1 (the kept DMs and Discord), then, with
    fresh limits, phase 2 (Slack's first-day opens), each until the parent says it ended."""
    slack = FakeSlackApi(team_id=TEAM, limits=ServerLimits(SLACK), record=False)
    discord = FakeDiscord(limits=ServerLimits(DISCORD), record=False)
    await slack.start()
    await discord.start()
    for n in range(people):
        slack.add_channel("D" + _slack_user(n))
    conn.send((slack.base_url, discord.base_url, discord.gateway_url))
    loop = asyncio.get_running_loop()
    start = await loop.run_in_executor(None, conn.recv)
    figures = {
        "slack": _slack_figures(slack, people, start),
        "discord": _discord_figures(discord, people, start),
    }
    opens = _OpensTimed(SLACK)  # phase 2: fresh buckets, conversations.open's timed
    slack.limits = opens
    conn.send(figures)
    start = await loop.run_in_executor(None, conn.recv)
    rate, burst = SLACK["conversations.open"]
    opened = len([c for c in slack.channels if c.startswith("D")]) - people
    elapsed = (opens.last_open_at or start) - start
    conn.send(
        {
            "people": first_day,
            "dms_opened": opened,
            "elapsed_s": round(elapsed, 2),
            "allowed_rate_per_s": round(rate, 3),
            "fraction_of_allowed": round(opened / (burst + rate * elapsed), 3) if opened else None,
            "rate_limited_429": opens.rate_limited,
        }
    )
    await slack.close()
    await discord.close()


def _fakes_process(people: int, first_day: int, conn: Connection) -> None:
    asyncio.run(_serve_fakes(people, first_day, conn))


async def run(people: int, first_day: int, concurrency: int) -> dict[str, Any]:
    parent, child = multiprocessing.Pipe()
    fakes = multiprocessing.get_context("spawn").Process(
        target=_fakes_process, args=(people, first_day, child)
    )
    fakes.start()
    slack_url, discord_url, gateway_url = parent.recv()
    slack_config = SlackConfig(
        enabled=True,
        bot_token="xoxb-bench",  # noqa: S106 - a loopback fake's token
        app_token="xapp-bench",  # noqa: S106
        api_base_url=slack_url,
    )
    discord_config = DiscordConfig(
        enabled=True, token=FakeDiscord.token, api_base_url=discord_url, gateway_url=gateway_url
    )
    with discord_globals_restored(), tempfile.TemporaryDirectory() as tmp:
        slack, discord = SlackPlatform(slack_config), DiscordPlatform(discord_config)
        platforms: dict[str, ChatPlatform] = {"slack": slack, "discord": discord}
        store = await SqliteStore.open(Path(tmp) / "dm_fanout.db")
        await _seed(store, people)
        config = DeliveryConfig(concurrency=concurrency)
        planned: list[float] = []

        def on_step(name: str, _delivery: object) -> None:
            if name == "planned":
                planned.append(time.monotonic())

        runner = PeopleRunner(
            store, thin.StoredListOnly(), platforms, FixedClock(thin.NOW), config, on_step=on_step
        )
        load_before = os.getloadavg()
        cpu = time.process_time()
        start = start_all = time.monotonic()
        outcomes = await runner.run_due()
        wall = time.monotonic() - start
        cpu = time.process_time() - cpu
        load_after = os.getloadavg()
        parent.send(start)
        figures: dict[str, Any] = parent.recv()
        # phase 2: first-day Slack people, whose DM is opened in the run
        await _seed_first_day(store, people, first_day)
        first = PeopleRunner(
            store, thin.StoredListOnly(), {"slack": slack}, FixedClock(thin.NOW), config
        )
        start = time.monotonic()
        first_outcomes = await first.run_due()
        parent.send(start)
        figures["slack_first_day_opens"] = parent.recv() | {"outcomes": dict(first_outcomes)}
        await store.close()
        for chat in platforms.values():
            await chat.stop()
    fakes.join()
    passed = figures["slack"]["passed"] + figures["discord"]["passed"]
    planning = (planned[0] - start_all) if planned else 0.0
    for name in ("slack", "discord"):  # the posts cannot start before planning ends
        done = figures[name]
        window = max(done["elapsed_s"] - planning, 1e-9)
        burst = 10.0  # both fakes' global burst
        done["fraction_after_planning"] = round(
            done["passed"] / (burst + done["allowed_rate_per_s"] * window), 3
        )
    return {
        "machine": f"{host.machine()}, {os.cpu_count()} CPUs, Python {host.python_version()}",
        "concurrency_per_platform": concurrency
        or {"slack": slack.digests_at_once, "discord": discord.digests_at_once},
        "server_limits": {"slack": SLACK, "discord": DISCORD},
        "outcomes": dict(outcomes),
        "wall_s": round(wall, 2),
        "planning_s": round(planning, 2),
        "bot_cpu_s": round(cpu, 1),
        "bot_cpu_ms_per_request": round(1000 * cpu / max(passed, 1), 2),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "pacing_eased": {"slack": slack.pacing.eased, "discord": discord.pacing.eased},
    } | figures


async def _seed_first_day(store: SqliteStore, people: int, first_day: int) -> None:
    settings = ChannelSettings(post_time=thin.NOW.time(), timezone="UTC", followups=False)
    for n in range(people, people + first_day):
        await store.save_person(Person(person_ref("slack", TEAM, _slack_user(n)), settings))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--first-day", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=0, help="0: the shipped default")
    parser.add_argument("--out", type=Path, default=Path("bench/results/dm_fanout.json"))
    args = parser.parse_args()
    result = asyncio.run(run(args.people, args.first_day, args.concurrency))
    text = json.dumps(result, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
