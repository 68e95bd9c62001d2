"""Settling and follow-ups through the real adapters: SlackPlatform (slack_sdk) and
DiscordPlatform (discord.py), the real SettleRunner and FollowupRunner under the real
scheduler's settling pass, on SQLite, against the loopback fakes with their rate limits on
(tests/fakes/rate_limits.py), the fakes in a child process as in bench/fanout_real.py.

    .venv/bin/python bench/settle.py [--channels 2000] [--slack-tier3-scale 30]

1. Not measured: every channel's digest is posted (one paper each, so the setup is quick),
   its settle task planned and the follow-ups' baseline seen. Then the day moves on: every
   paper gains 100 upvotes, the posted paper's repository passes 100 stars (one follow-up
   event per channel) and a paper joins the list late (one late addition per channel).
2. A reference digest run: `--digests` new channels per platform, due now, posted alone.
3. The settling pass (`PaperScheduler.settle_and_follow_up`: every post edited, a late
   additions reply and a follow-up reply in every thread). Once a third of the edits are
   made, as many new channels again are due: their digests are posted mid-pass
   (`PaperScheduler.digests`, as a wake-up does) and timed against the reference.

Reported per platform: the pass's time (to the last reply) and the edits' (to the last
edit), requests by kind, the fraction of the binding allowed rate used (Slack: chat.update,
Tier 3, over the edits' time; Discord: every request under the global limit, over the
pass), the fake's 429s by the limit that refused, duplicates (a reply or digest twice) and
misses (a post not edited, or a thread without its late-additions or follow-up reply).

Slack's Tier 3 (chat.update, conversations.replies: 50 a minute per workspace) makes a real
pass over 2,000 posts last about 40 minutes per method; `--slack-tier3-scale` raises that
limit on both sides (the fake and the client's pacing) by the same factor so the benchmark
ends in minutes, and the report gives the time projected at the real limit.
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
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.discord import DiscordPlatform
from adapters.discord.pacing import DiscordPacing
from adapters.slack.pacing import SlackLimits, SlackPacing
from adapters.slack.platform import SlackPlatform
from bench import fanout as thin
from bot.app.scheduler import PaperScheduler
from bot.chat.pacing import Limit
from bot.config.load import DeliveryConfig, DiscordConfig, SlackConfig
from bot.delivery.runner import DeliveryRunner
from bot.lifecycle.followups import FollowupRunner
from bot.lifecycle.settle import SettleRunner
from bot.ports import ChatPlatform
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, Subscription, WeekdayPolicy
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_setup import discord_globals_restored
from tests.fakes.rate_limits import DISCORD, SLACK, ServerLimits
from tests.fakes.slack_api import FakeSlackApi

TEAM = "T0TEAM"
FIRST_DISCORD = 300_000_000_000_000_000
SETTLE_HOURS = 2
SETTLE_AT = thin.NOW + timedelta(hours=SETTLE_HOURS, minutes=5)
TIER_3 = ("chat.update", "conversations.history", "conversations.replies")
REPO = "https://github.com/bench/paper-one"


class Tallied(ServerLimits):
    """The fake's limits, tallying which limit refused each 429 (by its name)."""

    def __init__(self, limits: dict[str, tuple[float, float]]) -> None:
        super().__init__(limits)
        self.refused: Counter[str] = Counter()

    def check(self, *keys: Hashable) -> tuple[float, Hashable | None]:
        wait, key = super().check(*keys)
        if key is not None:
            self.refused[str(key[0] if isinstance(key, tuple) else key)] += 1
        return wait, key


def _tier3(scale: float) -> dict[str, tuple[float, float]]:
    return {k: (r * scale, b) if k in TIER_3 else (r, b) for k, (r, b) in SLACK.items()}


def _ids(first: int, count: int) -> tuple[list[str], list[str]]:
    """(Slack channel ids, Discord channel ids) numbered first .. first + count - 1."""
    slack = [f"C{n:05}" for n in range(first, first + count)]
    return slack, [str(FIRST_DISCORD + n) for n in range(first, first + count)]


# -- the fakes, in a child process ---------------------------------------------------------


def _requests(slack: FakeSlackApi, discord: FakeDiscord, marks: tuple[int, int]) -> Any:
    """Requests since `marks` by kind: Slack's by method, Discord's by HTTP method."""
    kinds: Counter[str] = Counter()
    for r in discord.requests[marks[1] :]:
        kinds["edit" if r.method == "PATCH" else "post" if r.method == "POST" else r.method] += 1
    methods = Counter(r.method for r in slack.requests[marks[0] :])
    return {"slack": dict(methods), "discord": dict(kinds)}


def _limited(slack: FakeSlackApi, discord: FakeDiscord) -> dict[str, Any]:
    """What each fake's limits counted so far: passed, 429s by the limit that refused."""
    found = {}
    for name, limits in (("slack", slack.limits), ("discord", discord.limits)):
        assert isinstance(limits, Tallied)
        refused = {f"429 {key}": count for key, count in limits.refused.items()}
        found[name] = {"passed": limits.passed, **refused}
    return found


def _outcome(slack: FakeSlackApi, discord: FakeDiscord, channels: int) -> dict[str, Any]:
    """Every channel's digest, edits and thread replies, as the platforms hold them."""
    slack_ids, discord_ids = _ids(0, channels)
    found: dict[str, Counter[str]] = {"slack": Counter(), "discord": Counter()}
    for channel_id in slack_ids:
        messages = slack.channels[channel_id].messages
        tops = [m for m in messages if "thread_ts" not in m]
        texts = [str(m.get("text")) for m in messages if "thread_ts" in m]
        _count(found["slack"], len(tops), "since posted" in str(tops[0].get("blocks")), texts)
    edited = set(discord.edits)
    for channel_id in discord_ids:
        tops = [m for m in discord.created if m["channel_id"] == channel_id]
        thread = discord.thread_messages(str(tops[0]["id"])) if tops else []
        texts = [str(m.get("content")) for m in thread]
        _count(found["discord"], len(tops), bool(tops) and tops[0]["id"] in edited, texts)
    return {name: dict(counts) for name, counts in found.items()}


def _count(counts: Counter[str], tops: int, edited: bool, replies: Sequence[str]) -> None:
    late = sum("Late additions" in text for text in replies)
    followups = sum("passed 100 GitHub stars" in text for text in replies)
    counts["duplicates"] += max(tops - 1, 0) + max(late - 1, 0) + max(followups - 1, 0)
    counts["not_edited"] += not edited
    counts["no_late_reply"] += late == 0
    counts["no_followup_reply"] += followups == 0


async def _serve(channels: int, scale: float, conn: Connection) -> None:
    slack = FakeSlackApi(team_id=TEAM, limits=Tallied(_tier3(scale)))
    discord = FakeDiscord(limits=Tallied(DISCORD))
    await slack.start()
    await discord.start()
    slack_ids, discord_ids = _ids(0, 3 * channels)
    for channel_id in slack_ids:
        slack.add_channel(channel_id)
    discord.channels.update(discord_ids)
    conn.send((slack.base_url, discord.base_url, discord.gateway_url, str(discord.guild.id)))
    loop = asyncio.get_running_loop()
    marks: tuple[int, int] = (0, 0)
    limited: dict[str, Any] = {}
    while (command := await loop.run_in_executor(None, conn.recv)) != "stop":
        if command == "mark":
            marks, limited = (len(slack.requests), len(discord.requests)), _limited(slack, discord)
            conn.send("ok")
        elif command == "since-mark":
            now = _limited(slack, discord)
            limits = {
                name: {k: n - limited[name].get(k, 0) for k, n in counts.items()}
                for name, counts in now.items()
            }
            conn.send({"requests": _requests(slack, discord, marks), "limits": limits})
        elif command == "outcome":
            conn.send(_outcome(slack, discord, channels))
    await slack.close()
    await discord.close()


def _fakes_process(channels: int, scale: float, conn: Connection) -> None:
    asyncio.run(_serve(channels, scale, conn))


# -- the bot's side ------------------------------------------------------------------------


class Progress:
    """Settling calls finished on every platform; `reached` once there are `target`."""

    def __init__(self) -> None:
        self.total = 0
        self.target = 0
        self.reached = asyncio.Event()

    def tick(self) -> None:
        self.total += 1
        if self.target and self.total >= self.target:
            self.reached.set()


class Timed:
    """A ChatPlatform as it is, counting the settling calls that finished and when."""

    def __init__(self, inner: ChatPlatform, progress: Progress) -> None:
        self.inner = inner
        self.name = inner.name
        self.progress = progress
        self.done = 0
        self.last = 0.0
        self.last_edit = 0.0  # when the pass's last edit finished

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def edit_digest(self, *args: Any, **kwargs: Any) -> None:
        await self.inner.edit_digest(*args, **kwargs)
        self._finished()
        self.last_edit = self.last

    async def post_reply(self, *args: Any, **kwargs: Any) -> str:
        reply = await self.inner.post_reply(*args, **kwargs)
        self._finished()
        return reply

    async def post_digest(self, *args: Any, **kwargs: Any) -> Any:
        return await self.inner.post_digest(*args, **kwargs)

    def _finished(self) -> None:
        self.done += 1
        self.last = time.monotonic()
        self.progress.tick()


async def _subscribe(
    store: SqliteStore, first: int, count: int, guild: str, at: clock_time
) -> None:
    settings = ChannelSettings(
        post_time=at, timezone="UTC", max_papers=1, weekday_policy=WeekdayPolicy.DAILY
    )
    slack, discord = _ids(first, count)
    refs = [ChannelRef("slack", c, TEAM) for c in slack]
    refs += [ChannelRef("discord", c, guild) for c in discord]
    for ref in refs:
        await store.save_subscription(Subscription(ref, settings=settings))


async def _the_day_moves_on(store: SqliteStore) -> None:
    papers = await store.papers_listed_on(thin.DAY)
    risen = [replace(p, upvotes=p.upvotes + 100) for p in papers]
    top = max(risen, key=lambda p: p.upvotes)
    risen = [replace(p, github_repo=REPO, github_stars=150) if p is top else p for p in risen]
    late = replace(top, arxiv_id="2405.09999", title="A late paper", upvotes=1000)
    await store.upsert_papers([*risen, late])


async def _digests(scheduler: PaperScheduler) -> tuple[float, dict[str, int]]:
    """A digest run as `PaperScheduler.digests` makes it: its seconds and outcomes."""
    start = time.monotonic()
    async with scheduler.lane.digests():
        outcomes = await scheduler.runner.run_due()
    return time.monotonic() - start, dict(outcomes)


def _rate(count: int, limit: tuple[float, float], elapsed: float) -> float:
    rate, burst = limit
    return round(count / (burst + rate * elapsed), 3)


async def run(channels: int, extra: int, scale: float, concurrency: int) -> dict[str, Any]:
    parent, child = multiprocessing.Pipe()
    fakes = multiprocessing.get_context("spawn").Process(
        target=_fakes_process, args=(channels, scale, child)
    )
    fakes.start()
    slack_url, discord_url, gateway_url, guild = parent.recv()
    clock = FixedClock(thin.NOW)
    config = DeliveryConfig(
        concurrency=64, settle_after_hours=(SETTLE_HOURS,), settle_concurrency=concurrency
    )
    slack_limits = SlackLimits(
        update_per_workspace=Limit.per_minute(50 * scale),
        history_per_workspace=Limit.per_minute(50 * scale),
    )
    with discord_globals_restored(), tempfile.TemporaryDirectory() as tmp:
        slack = SlackPlatform(
            SlackConfig(
                enabled=True,
                bot_token="xoxb-bench",  # noqa: S106 - a loopback fake's token
                app_token="xapp-bench",  # noqa: S106
                api_base_url=slack_url,
            ),
            clock=clock,
            pacing=SlackPacing(slack_limits),
        )
        discord = DiscordPlatform(
            DiscordConfig(
                enabled=True,
                token=FakeDiscord.token,
                api_base_url=discord_url,
                gateway_url=gateway_url,
            ),
            clock=clock,
            pacing=DiscordPacing(),
        )
        progress = Progress()
        timed = {"slack": Timed(slack, progress), "discord": Timed(discord, progress)}
        platforms: Mapping[str, ChatPlatform] = timed
        store = await SqliteStore.open(Path(tmp) / "settle.db")
        await thin.seed_papers(store)
        await _subscribe(store, 0, channels, guild, thin.NOW.time())
        source = thin.StoredListOnly()
        runner = DeliveryRunner(store, source, platforms, clock, config)
        settler = SettleRunner(store, source, platforms, clock, config)
        followups = FollowupRunner(store, platforms, clock, config)
        scheduler = PaperScheduler(runner, store, clock, settler=settler, followups=followups)
        setup = time.monotonic()
        await scheduler.sweep()  # 1: the digests, their settle tasks, the baseline
        print(f"setup: {channels} digests per platform in {time.monotonic() - setup:.0f} s")
        await _the_day_moves_on(store)
        clock.set(SETTLE_AT)
        at = SETTLE_AT.time().replace(second=0, microsecond=0)
        await _subscribe(store, channels, extra, guild, at)
        reference_s, reference = await _digests(scheduler)  # 2: digests with nothing else running
        later = (SETTLE_AT + timedelta(minutes=1)).time().replace(second=0, microsecond=0)
        await _subscribe(store, channels + extra, extra, guild, later)
        parent.send("mark")
        parent.recv()
        start = time.monotonic()
        progress.target = progress.total + 2 * channels // 3  # a third of the edits
        settling = asyncio.create_task(scheduler.settle_and_follow_up())  # 3
        settling.add_done_callback(lambda _: progress.reached.set())  # a pass cut short
        await progress.reached.wait()
        clock.advance(timedelta(minutes=1))
        before = {name: p.done for name, p in timed.items()}
        waits = scheduler.lane.waits
        mid_pass_s, mid_pass = await _digests(scheduler)
        during = {name: p.done - before[name] for name, p in timed.items()}
        await settling
        elapsed = {name: round(p.last - start, 2) for name, p in timed.items()}
        edits_s = {name: round(p.last_edit - start, 2) for name, p in timed.items()}
        parent.send("since-mark")
        traffic = parent.recv()
        parent.send("outcome")
        outcome = parent.recv()
        parent.send("stop")
        await store.close()
        for chat in timed.values():
            await chat.inner.stop()
    fakes.join()
    slack_req, discord_req = traffic["requests"]["slack"], traffic["requests"]["discord"]
    tier3 = _tier3(scale)
    updates = slack_req.get("chat.update", 0)
    lookups = slack_req.get("conversations.replies", 0)
    return {
        "channels_per_platform": channels,
        "settle_concurrency_per_platform": concurrency,
        "slack_tier3_scale": scale,
        "slack": {
            "pass_s": elapsed["slack"],
            "edits_done_s": edits_s["slack"],
            "requests": slack_req,
            "fraction_of_allowed_chat_update": _rate(
                updates, tier3["chat.update"], edits_s["slack"]
            ),
            "fraction_of_allowed_conversations_replies": _rate(
                lookups, tier3["conversations.replies"], elapsed["slack"]
            ),
            "projected_pass_s_at_real_tier3": round(max(updates, lookups) / (50 / 60)),
            "fake_limits": traffic["limits"]["slack"],
            **outcome["slack"],
        },
        "discord": {
            "pass_s": elapsed["discord"],
            "edits_done_s": edits_s["discord"],
            "requests": discord_req,
            "fraction_of_allowed_global": _rate(
                traffic["limits"]["discord"]["passed"], DISCORD["global"], elapsed["discord"]
            ),
            "fake_limits": traffic["limits"]["discord"],
            **outcome["discord"],
        },
        "digests_behind_settling": {
            "channels_per_platform": extra,
            "alone_s": round(reference_s, 2),
            "alone_outcomes": reference,
            "mid_pass_s": round(mid_pass_s, 2),
            "mid_pass_outcomes": mid_pass,
            "settling_calls_finished_meanwhile": during,
            "settle_steps_aside": scheduler.lane.waits - waits,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--digests", type=int, default=200, help="channels per digest run")
    parser.add_argument("--slack-tier3-scale", type=float, default=30.0)
    parser.add_argument("--settle-concurrency", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("bench/results/settle.json"))
    args = parser.parse_args()
    load = os.getloadavg()
    figures = asyncio.run(
        run(args.channels, args.digests, args.slack_tier3_scale, args.settle_concurrency)
    )
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{host.machine()}, {os.cpu_count()} CPUs, Python {host.python_version()}",
        "load_average_before_after": [round(load[0], 2), round(os.getloadavg()[0], 2)],
        "server_limits": {"slack": _tier3(args.slack_tier3_scale), "discord": DISCORD},
    } | figures
    text = json.dumps(result, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
