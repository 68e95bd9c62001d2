"""Slash-command acks through the real adapters, idle and under a fan-out (issue 13).

    .venv/bin/python bench/acks.py [--papers 100000] [--subscriptions 10000]
        [--fanout-channels 2000] [--per-verb 200] [--rate 20] [--reference-s 30]
        [--archive <HF archive .json.gz>] [--db-cache PATH] [--out bench/results/acks.json]

The bot's process: a real SQLite store (`--papers` papers recombined from the Hugging Face
archive, 500 listed a day; `--subscriptions` channels, half Slack, half Discord, 0-3 topics
each), the core's command handler as `paperbot run` wires it (links, votes, commands), the
real `SlackPlatform` in HTTP mode (bolt) and `DiscordPlatform` (discord.py's gateway), and a
`DeliveryRunner`. The platforms' process (bench/ack_load.py): the loopback fakes with their
rate limits on, and users sending `/papers` (ack = Slack's HTTP response; Discord's
interaction callback). Phases, one run:

1. closed loop: every verb on both platforms `--per-verb` times, one command at a time;
2. reference: `--rate` commands/s of mixed verbs for `--reference-s` seconds, nothing else;
3. open loop under load: the same `--rate` while the runner posts the day's digest to
   `--fanout-channels` channels per platform (their post time is now; the other
   subscriptions post later), until the fan-out ends.

Commands go to the channels outside the fan-out (the fan-out's figures stay comparable to
bench/fanout_real.py); they share its store, event loop and HTTP clients.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import multiprocessing
import os
import platform as host
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from adapters.discord import DiscordPlatform
from adapters.slack.platform import SlackPlatform
from bench import fanout_real
from bench.ack_figures import by_verb, print_table
from bench.ack_load import (
    SECRET,
    TimedDiscord,
    TimedSlack,
    Users,
    closed_loop,
    open_loop,
)
from bench.search import batches, load_archive, synthetic
from bot.app.bootstrap import App
from bot.commands.clicks import VoteService
from bot.commands.handler import Commands
from bot.config.load import Config, DeliveryConfig, DiscordConfig, SlackConfig
from bot.delivery.runner import DeliveryRunner
from bot.digest.service import PaperService
from bot.digest.topics import parse_topics
from bot.ports import ChatPlatform, Store
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, DayList, Paper, Subscription
from bot.storage import open_store
from tests.fakes.discord_setup import discord_globals_restored
from tests.fakes.rate_limits import DISCORD, SLACK, ServerLimits

ARCHIVE = Path("/work/shared/fixtures/hf/daily_papers_archive_2024-05-27_to_2026-08-21.json.gz")
SLICE = Path(__file__).resolve().parents[1] / "tests/fixtures/hf/daily_papers_archive_slice.json.gz"
DAY = date(2026, 8, 20)  # a Thursday, the newest listed day: what `today` and the fan-out post
NOW = datetime(2026, 8, 21, 7, 0, tzinfo=UTC)  # Friday morning: a digest is due
PER_DAY = 500
TEAM = "T0TEAM"
GUILD = 111_111_111_111_111_111  # tests/fakes/discord_payloads.FakeGuild's
TOPIC_WORDS = ("agents", "diffusion", "reasoning", "robotics", '"world model"', "-survey",
               "author:\"Yann LeCun\"", "speech", "video", "retrieval")  # fmt: skip


class NoRemote:
    """The sources: the store holds everything; nothing is fetched (no network)."""

    name = "none"

    async def daily(self, day: date) -> DayList:
        return DayList()

    async def get(self, arxiv_id: str) -> Paper | None:
        return None

    async def search(self, query: str, limit: int = 10) -> list[Paper]:
        return []

    async def aclose(self) -> None:
        return None


# ----------------------------------------------------------------- the store


def slack_id(n: int) -> str:
    return f"C{n:06}"


def discord_id(n: int) -> str:
    return str(fanout_real.FIRST_DISCORD_CHANNEL + n)


def arxiv_like(i: int) -> str:
    return f"{25 + i // 1_200_000}{1 + i // 100_000 % 12:02}.{i % 100_000:05}"


def papers(real: list[Paper], count: int) -> Iterator[Paper]:
    """`count` papers recombined from the archive, 500 listed a day back from DAY."""
    for i, paper in enumerate(synthetic(real, count)):
        listed = DAY - timedelta(days=i // PER_DAY)
        yield replace(paper, arxiv_id=arxiv_like(i), listed_on=listed)


def subscriptions(total: int, fanout: int) -> Iterator[Subscription]:
    """Half Slack, half Discord; the first `fanout` of each post now, the rest at 18:00."""
    rng = random.Random(13)
    for n in range(total // 2):
        for ref in (
            ChannelRef("slack", slack_id(n), TEAM),
            ChannelRef("discord", discord_id(n), str(GUILD)),
        ):
            if n < fanout:  # the fan-out's channels: the plain list, as bench/fanout_real.py
                yield Subscription(ref, settings=ChannelSettings(post_time=NOW.time()))
                continue
            topics = " ".join(rng.sample(TOPIC_WORDS, rng.randint(0, 3)))
            settings = ChannelSettings(post_time=clock_time(18, 0))
            yield Subscription(ref, topics=parse_topics(topics), settings=settings)


async def seed(db: Path, archive: Path, paper_count: int, total: int, fanout: int) -> float:
    started = time.perf_counter()
    store = await open_store(f"sqlite:///{db}")
    real, _ = load_archive(archive)
    for batch in batches(papers(real, paper_count)):
        await store.upsert_papers(batch)
    for subscription in subscriptions(total, fanout):
        await store.save_subscription(subscription)
    rng = random.Random(7)
    for n in range(fanout, fanout + 200):  # some votes and saves for `top` and `saved`
        key = ChannelRef("discord", discord_id(n), str(GUILD)).key
        for k in range(5):
            paper = arxiv_like(rng.randrange(min(paper_count, 5_000)))
            await store.toggle_vote(key, paper, f"discord::{k}", NOW - timedelta(days=k))
            await store.toggle_save("discord::666666666666666666", paper, NOW)  # ada's
    await store.close()
    return time.perf_counter() - started


# ----------------------------------------------------------------- the platforms' process


async def _platforms_side(conn: Connection, channels: int, per_platform: int) -> None:
    slack = TimedSlack(team_id=TEAM, limits=ServerLimits(SLACK), record=False)
    discord = TimedDiscord(limits=ServerLimits(DISCORD), record=False)
    await slack.start()
    await discord.start()
    loop = asyncio.get_running_loop()
    for n in range(per_platform):  # the bot is a member of every subscribed channel
        slack.add_channel(slack_id(n))
    discord.channels.update(discord_id(n) for n in range(channels))
    for n in range(50):
        slack.users[f"UADM{n:02d}"] = {"id": f"UADM{n:02d}", "is_admin": True}
    conn.send((slack.base_url, discord.base_url, discord.gateway_url))
    setup = await loop.run_in_executor(None, conn.recv)
    async with aiohttp.ClientSession() as session:
        users = Users(slack, discord, session=session, **setup)
        while True:
            order = await loop.run_in_executor(None, conn.recv)
            if order[0] == "closed":
                conn.send([asdict(s) for s in await closed_loop(users, order[1])])
            elif order[0] == "open":
                _, rate, seconds = order
                stop = asyncio.Event()
                if seconds is None:  # until the parent says the fan-out is over
                    stopper = loop.run_in_executor(None, conn.recv)
                    stopper.add_done_callback(_setter(stop))
                else:
                    loop.call_later(seconds, stop.set)
                samples, late = await open_loop(users, rate, stop)
                conn.send({"samples": [asdict(s) for s in samples], "late_s": late})
            elif order[0] == "figures":
                start, fanned = order[1], order[2]
                conn.send(
                    {
                        "slack": fanout_real._slack_figures(slack, fanned, start),
                        "discord": fanout_real._discord_figures(discord, fanned, start),
                    }
                )
            else:
                break
    await slack.close()
    await discord.close()


def _setter(event: asyncio.Event) -> Callable[[object], None]:
    return lambda _: event.set()


def _platforms_process(conn: Connection, channels: int, per_platform: int) -> None:
    asyncio.run(_platforms_side(conn, channels, per_platform))


# ----------------------------------------------------------------- the bot's process


def _configs(slack_url: str, discord_url: str, gateway_url: str, db: Path) -> Config:
    slack = SlackConfig(
        enabled=True,
        mode="http",
        bot_token="xoxb-bench",  # noqa: S106 - a loopback fake's token
        signing_secret=SECRET,
        api_base_url=slack_url,
        managers=("UBOSS",),
        allow_workspace_admins=True,
    )
    discord = DiscordConfig(
        enabled=True, token=TimedDiscord.token, api_base_url=discord_url, gateway_url=gateway_url
    )
    return Config(
        database_url=f"sqlite:///{db}",
        slack=slack,
        discord=discord,
        delivery=DeliveryConfig(concurrency=64),
    )


def _wire(config: Config, store: Store) -> tuple[App, dict[str, ChatPlatform], DeliveryRunner]:
    """As bot/app/bootstrap.py and bot/app/runtime.py wire `paperbot run` (sources: none)."""
    clock = FixedClock(NOW)
    service = PaperService(store, NoRemote(), NoRemote(), clock, defaults=config.defaults)
    app = App(config, store, service, Commands(service), VoteService(store, clock), [store.close])

    async def topics_for(channel: ChannelRef) -> list[str]:
        found = await service.get_subscription(channel)
        return [str(t) for t in found.topics] if found else []

    votes = app.votes
    platforms: dict[str, ChatPlatform] = {
        "slack": SlackPlatform(
            config.slack,
            clock=clock,
            http_host="127.0.0.1",
            http_port=0,
            clicks=votes.click,
            vote_counts=votes.counts,
        ),
        "discord": DiscordPlatform(
            config.discord,
            topics_for=topics_for,
            clock=clock,
            clicks=votes.click,
            vote_counts=votes.counts,
        ),
    }
    runner = DeliveryRunner(store, service, platforms, clock, config.delivery)
    service.delivery = runner
    return app, platforms, runner


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    parent, child = multiprocessing.Pipe()
    side = multiprocessing.get_context("spawn").Process(
        target=_platforms_process, args=(child, args.fanout_channels, args.subscriptions // 2)
    )
    side.start()
    slack_url, discord_url, gateway_url = parent.recv()
    loop = asyncio.get_running_loop()
    results: dict[str, Any] = {
        "machine": f"{host.machine()}, {os.cpu_count()} CPUs, Python {host.python_version()}",
        "papers": args.papers,
        "subscriptions": args.subscriptions,
        "fanout_channels_per_platform": args.fanout_channels,
        "rate_per_s": args.rate,
        "load_average_start": load_average(),
    }
    with discord_globals_restored(), tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "acks.db"
        if args.db_cache and args.db_cache.exists():
            shutil.copy(args.db_cache, db)
        else:
            results["seed_s"] = round(
                await seed(db, args.archive, args.papers, args.subscriptions, args.fanout_channels),
                1,
            )
            if args.db_cache:
                shutil.copy(db, args.db_cache)
        config = _configs(slack_url, discord_url, gateway_url, db)
        store = await open_store(config.database_url)
        app, platforms, runner = _wire(config, store)
        slack = platforms["slack"]
        discord = platforms["discord"]
        assert isinstance(slack, SlackPlatform)
        assert isinstance(discord, DiscordPlatform)
        await slack.start(app.handle)
        serving = asyncio.create_task(discord.start(app.handle))
        await discord.wait_connected()
        half = args.subscriptions // 2
        rng = random.Random(5)
        command_channels = range(args.fanout_channels, half)
        parent.send(
            {
                "slack_url": f"http://127.0.0.1:{slack.bound_port}{config.slack.http_path}",
                "slack_channels": [slack_id(n) for n in command_channels],
                "discord_channels": [discord_id(n) for n in command_channels],
                "paper_ids": [arxiv_like(rng.randrange(args.papers)) for _ in range(500)],
            }
        )

        async def ask(order: tuple[Any, ...]) -> Any:
            parent.send(order)
            return await loop.run_in_executor(None, parent.recv)

        print("closed loop ...", flush=True)
        closed = await ask(("closed", args.per_verb))
        results["closed_loop"] = by_verb(closed)
        results["load_average_closed"] = load_average()
        print_table("closed loop", results["closed_loop"])

        print(f"reference: {args.rate}/s for {args.reference_s} s, no fan-out ...", flush=True)
        reference = await ask(("open", args.rate, args.reference_s))
        results["open_loop_reference"] = by_verb(reference["samples"])
        results["open_loop_reference"]["send_late_s"] = round(reference["late_s"], 3)
        print_table("reference", results["open_loop_reference"])

        print(f"open loop {args.rate}/s during the fan-out ...", flush=True)
        parent.send(("open", args.rate, None))
        profile = cProfile.Profile() if args.profile else None
        if profile is not None:
            profile.enable()
        start = time.monotonic()
        outcomes = await runner.run_due()
        fanout_s = time.monotonic() - start
        if profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
        results["load_average_fanout"] = load_average()
        parent.send("stop")
        loaded = await loop.run_in_executor(None, parent.recv)
        results["open_loop_fanout"] = by_verb(loaded["samples"])
        results["open_loop_fanout"]["send_late_s"] = round(loaded["late_s"], 3)
        results["fanout"] = await ask(("figures", start, args.fanout_channels))
        results["fanout"]["outcomes"] = dict(outcomes)
        results["fanout"]["wall_s"] = round(fanout_s, 1)
        print_table("during the fan-out", results["open_loop_fanout"])
        print(json.dumps({"fanout": results["fanout"]}), flush=True)

        parent.send(("quit",))
        for chat in platforms.values():
            await chat.stop()
        await serving
        await app.aclose()
    side.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--fanout-channels", type=int, default=2_000)
    parser.add_argument("--per-verb", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--reference-s", type=float, default=30.0)
    parser.add_argument(
        "--archive",
        type=Path,
        default=ARCHIVE if ARCHIVE.exists() else SLICE,
        help="the Hugging Face archive the papers are recombined from (default: the shared "
        "archive when present, else the repository's 154-paper slice)",
    )
    parser.add_argument("--db-cache", type=Path, default=None)
    parser.add_argument(
        "--profile", type=Path, default=None, help="cProfile the bot's fan-out phase"
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/acks.json"))
    args = parser.parse_args()
    result = asyncio.run(run(args))
    result["load_average_end"] = load_average()
    text = json.dumps(result, indent=2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
