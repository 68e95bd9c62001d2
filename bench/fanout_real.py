"""Fan-out through the real adapters: SlackPlatform (slack_sdk's AsyncWebClient) and
DiscordPlatform (discord.py), driven by the real DeliveryRunner on SQLite, against the
loopback fakes with their rate limits on (tests/fakes/rate_limits.py: Slack's 1 message/s per
channel with short bursts and 50/s per workspace; Discord's 50 requests/s per bot and
5 messages per 5 s per channel, 429 with Retry-After).

    .venv/bin/python bench/fanout_real.py --channels 400 2000 [--out bench/results/fanout_real.json]
        [--no-reference] [--profile bench/results/fanout_real.prof] [--concurrency N]

It runs with the shipped delivery config (`DeliveryConfig()`: `concurrency = 0`, each
platform's own `digests_at_once`, derived from its rate limits); `--concurrency N` overrides
it, and the output then names the value as not the shipped default.

Each digest is ten papers: on Slack a top message and its thread replies, on Discord a
message, its details thread and the replies in it. Reported per platform and size:

- fraction of the allowed rate: what passed the binding limit (Slack: chat.postMessage per
  workspace, thread replies included; Discord: every request under the global limit) over
  burst + rate x elapsed, elapsed from the fan-out's start to the last request that passed;
- 429s the fake answered, duplicates (a message posted twice), lost digests (a channel with
  no digest) and records that did not end posted;
- where the time went: planning (`run_due` plans every channel before the first post; the
  fraction is also given over the time after planning), the bot process's CPU per request
  that passed, the load average before and after, and how often a 429 slowed the pacing.

The thin-client benchmark (bench/fanout.py: one message per digest, no adapter) runs in the
same session at the same sizes as the reference, named `reference_thin_client`. The fakes
run in a child process, as the real platforms are not in the bot's process; the thin
reference keeps its fake in-process, as it always has.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
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
from bot.delivery.runner import DeliveryRunner
from bot.ports import ChatPlatform
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, Subscription
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_setup import discord_globals_restored
from tests.fakes.rate_limits import DISCORD, SLACK, ServerLimits
from tests.fakes.slack_api import FakeSlackApi

TEAM = "T0TEAM"
FIRST_DISCORD_CHANNEL = 300_000_000_000_000_000


async def _seed(store: SqliteStore, slack: list[str], discord: list[str], guild: str) -> None:
    await thin.seed_papers(store)
    settings = ChannelSettings(post_time=thin.NOW.time(), timezone="UTC")
    refs = [ChannelRef("slack", c, TEAM) for c in slack]
    refs += [ChannelRef("discord", c, guild) for c in discord]
    for ref in refs:
        await store.save_subscription(Subscription(ref, settings=settings))


def _slack_figures(fake: FakeSlackApi, channels: int, start: float) -> dict[str, Any]:
    keys: Counter[tuple[str, str, str]] = Counter()
    tops = 0
    for channel in fake.channels.values():
        for message in channel.messages:
            keys[(channel.id, str(message.get("thread_ts", "")), str(message.get("text")))] += 1
        tops += any("thread_ts" not in m for m in channel.messages)
    posted = sum(keys.values())
    return _figures(fake.limits, SLACK["chat.postMessage"], start) | {
        "channels": channels,
        "messages": posted,
        "messages_per_digest": round(posted / max(tops, 1), 2),
        "duplicates": sum(n - 1 for n in keys.values() if n > 1),
        "lost": channels - tops,
    }


def _discord_figures(fake: FakeDiscord, channels: int, start: float) -> dict[str, Any]:
    keys = Counter((m["channel_id"], m.get("nonce")) for m in fake.created)
    tops = len({m["channel_id"] for m in fake.created if m["channel_id"] not in fake.threads})
    return _figures(fake.limits, DISCORD["global"], start) | {
        "channels": channels,
        "messages": len(fake.created),
        "threads": len(fake.threads),
        "messages_per_digest": round(len(fake.created) / max(tops, 1), 2),
        "duplicates": sum(n - 1 for n in keys.values() if n > 1),
        "lost": channels - tops,
    }


def _figures(
    limits: ServerLimits | None, binding: tuple[float, float], start: float
) -> dict[str, Any]:
    assert limits is not None
    rate, burst = binding
    elapsed = (limits.last_passed_at or start) - start
    return {
        "passed_binding_limit": limits.passed,
        "elapsed_s": round(elapsed, 2),
        "allowed_rate_per_s": rate,
        "achieved_rate_per_s": round(limits.passed / elapsed, 2) if elapsed else None,
        "fraction_of_allowed": round(limits.passed / (burst + rate * elapsed), 3),
        "rate_limited_429": limits.rate_limited,
    }


def _after_planning(figures: dict[str, Any], planning_s: float) -> float:
    """The fraction over the time after planning (the posts cannot start before it ends)."""
    rate, passed = figures["allowed_rate_per_s"], figures["passed_binding_limit"]
    burst = SLACK["chat.postMessage"][1]  # 10 on both fakes
    return round(float(passed / (burst + rate * max(figures["elapsed_s"] - planning_s, 1e-9))), 3)


async def _serve_fakes(channels: int, conn: Connection) -> None:
    """In the child process: both fakes, until the parent sends the start time back."""
    slack = FakeSlackApi(team_id=TEAM, limits=ServerLimits(SLACK), record=False)
    discord = FakeDiscord(limits=ServerLimits(DISCORD), record=False)
    await slack.start()
    await discord.start()
    for channel_id in _slack_ids(channels):
        slack.add_channel(channel_id)
    discord.channels.update(_discord_ids(channels))
    conn.send((slack.base_url, discord.base_url, discord.gateway_url, str(discord.guild.id)))
    loop = asyncio.get_running_loop()
    start = await loop.run_in_executor(None, conn.recv)  # the fan-out is over
    conn.send(
        {
            "slack": _slack_figures(slack, channels, start),
            "discord": _discord_figures(discord, channels, start),
        }
    )
    await slack.close()
    await discord.close()


def _fakes_process(channels: int, conn: Connection) -> None:
    asyncio.run(_serve_fakes(channels, conn))


def _slack_ids(channels: int) -> list[str]:
    return [f"C{n:05}" for n in range(channels)]


def _discord_ids(channels: int) -> list[str]:
    return [str(FIRST_DISCORD_CHANNEL + n) for n in range(channels)]


async def run_real(
    channels: int, concurrency: int | None, profile: cProfile.Profile | None = None
) -> dict[str, Any]:
    """The fakes run in a child process (as Slack and Discord are not in ours): the bot's
    process gets the event loop to itself. time.monotonic is system-wide, so the child
    measures elapsed time from the parent's start."""
    parent, child = multiprocessing.Pipe()
    fakes = multiprocessing.get_context("spawn").Process(
        target=_fakes_process, args=(channels, child)
    )
    fakes.start()
    slack_url, discord_url, gateway_url, guild = parent.recv()
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
        store = await SqliteStore.open(Path(tmp) / "fanout_real.db")
        await _seed(store, _slack_ids(channels), _discord_ids(channels), guild)
        shipped = DeliveryConfig()
        config = shipped if concurrency is None else DeliveryConfig(concurrency=concurrency)
        planned: list[float] = []

        def on_step(name: str, _delivery: object) -> None:
            if name == "planned":
                planned.append(time.monotonic())

        runner = DeliveryRunner(
            store, thin.StoredListOnly(), platforms, FixedClock(thin.NOW), config, on_step=on_step
        )
        load_before = os.getloadavg()
        cpu = time.process_time()
        if profile is not None:
            profile.enable()
        start = time.monotonic()
        outcomes = await runner.run_due()
        wall = time.monotonic() - start
        if profile is not None:
            profile.disable()
        cpu = time.process_time() - cpu
        load_after = os.getloadavg()
        await store.close()
        for chat in platforms.values():
            await chat.stop()
    parent.send(start)
    figures: dict[str, Any] = parent.recv()
    fakes.join()
    planning = (planned[0] - start) if planned else 0.0
    passed = sum(figures[name]["passed_binding_limit"] for name in ("slack", "discord"))
    figures["slack"] |= {"pacing_eased": slack.pacing.eased}
    figures["discord"] |= {
        "pacing_eased": discord.pacing.eased,
        "429_seen_by_client": discord.pacing.limited,
    }
    for name in ("slack", "discord"):
        figures[name]["fraction_after_planning"] = _after_planning(figures[name], planning)
    return {
        "workers_per_platform": {
            name: config.concurrency or chat.digests_at_once for name, chat in platforms.items()
        },
        "outcomes": dict(outcomes),
        "wall_s": round(wall, 2),
        "planning_s": round(planning, 2),
        "bot_cpu_s": round(cpu, 1),
        "bot_cpu_ms_per_request": round(1000 * cpu / max(passed, 1), 2),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
    } | figures


def concurrency_named(concurrency: int | None) -> str:
    """What the run's workers per platform were, said so that a tuned run is never read as
    the shipped default's figures."""
    shipped = DeliveryConfig().concurrency
    if concurrency is None:
        return f"shipped default ([delivery] concurrency = {shipped}: from each platform's limits)"
    return f"--concurrency {concurrency} (tuned: not the shipped default, {shipped})"


async def run(
    sizes: list[int],
    concurrency: int | None,
    thin_concurrency: int,
    *,
    reference: bool = True,
    profile: cProfile.Profile | None = None,
) -> dict[str, Any]:
    results: dict[str, Any] = {
        "machine": f"{host.machine()}, {os.cpu_count()} CPUs, Python {host.python_version()}",
        "concurrency": concurrency_named(concurrency),
        "server_limits": {"slack": SLACK, "discord": DISCORD},
        "real_adapters": {},
        "reference_thin_client": {},
    }
    for size in sizes:
        results["real_adapters"][str(size)] = await run_real(size, concurrency, profile)
        print(json.dumps({size: results["real_adapters"][str(size)]}), flush=True)
        if not reference:
            continue
        thin_load = os.getloadavg()
        thin_run = await thin.run(size, thin_concurrency)
        thin_run["load_average_before"] = [round(x, 2) for x in thin_load]
        results["reference_thin_client"][str(size)] = thin_run
        print(json.dumps({f"reference {size}": thin_run["platforms"]}), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--channels", type=int, nargs="+", default=[400, 2000])
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="workers per platform (default: the shipped config's, from each platform's limits)",
    )
    parser.add_argument("--thin-concurrency", type=int, default=16)
    parser.add_argument("--out", type=Path, default=Path("bench/results/fanout_real.json"))
    parser.add_argument("--no-reference", action="store_true", help="skip the thin client")
    parser.add_argument("--profile", type=Path, help="cProfile the bot's side to this file")
    args = parser.parse_args()
    profile = cProfile.Profile() if args.profile else None
    print(f"concurrency: {concurrency_named(args.concurrency)}", flush=True)
    result = asyncio.run(
        run(
            args.channels,
            args.concurrency,
            args.thin_concurrency,
            reference=not args.no_reference,
            profile=profile,
        )
    )
    if profile is not None:
        args.profile.parent.mkdir(parents=True, exist_ok=True)
        profile.dump_stats(args.profile)
    text = json.dumps(result, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
