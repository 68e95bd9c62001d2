"""A time-lapse of the whole bot: `paperbot run` for DAYS simulated days, with faults.

    .venv/bin/python bench/soak.py --days 14 --seed 7 [--faults FILE] [--channels 40]

The real `paperbot run` process (built by bot/app/bootstrap.py from a config file, with the
real slack-bolt and discord.py clients) runs under libfaketime with its wall clock `--rate`
times real speed; Hugging Face, Slack and Discord are loopback fakes in this process
(bench/soak_world.py). A population of channels is subscribed in the SQLite store before the
start; people click 👍 and 🔖 and some channels unsubscribe through the real clients during
the run. Faults come from a seeded schedule (bench/soak_faults.py), saved beside the results
so `--faults FILE` replays it. At the end the bot is stopped and the checker
(bench/soak_check.py) reads the fakes' records and the store; the exit status is 1 if any
invariant broke. docs/soak.md says how time is driven and what this does not cover.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time as real_time
from collections.abc import Coroutine
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import libfaketime

from bench import soak_faults
from bench.soak_check import Report, check
from bench.soak_world import (
    LivingFeed,
    Member,
    SimClock,
    SoakDiscord,
    SoakSlack,
    discord_ids,
    load_archive,
    make_discord,
    population,
)
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_api import Failure
from tests.fakes.discord_payloads import FakeUser
from tests.fakes.slack_api import Scripted

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared/fixtures/hf/daily_papers_archive_2024-05-27_to_2026-08-21.json.gz"
START = datetime(2026, 3, 23, 0, 0, tzinfo=UTC)  # Europe springs forward, Sydney falls back
BOT_TOKEN, APP_TOKEN, DISCORD_TOKEN = "xoxb-soak-bot", "xapp-soak-app", "soak-discord-token"
SECRETS = {"SOAK_SLACK_BOT": BOT_TOKEN, "SOAK_SLACK_APP": APP_TOKEN, "SOAK_DISCORD": DISCORD_TOKEN}
TICK_S = 0.1  # how often (real seconds) the world moves: feed, faults, people, samples
PEOPLE = 500


@dataclass
class Samples:
    """What the harness measured while the bot ran, in simulated time."""

    rss_kb: list[tuple[float, int]] = field(default_factory=list)  # (sim day, VmRSS)
    db_bytes: list[tuple[float, int]] = field(default_factory=list)  # (sim day, db + wal)
    launches: list[float] = field(default_factory=list)  # sim day of each start
    exits: list[tuple[float, int | None]] = field(default_factory=list)  # (sim day, code)
    clicks: int = 0
    commands: int = 0
    faults_done: list[dict[str, Any]] = field(default_factory=list)


class Soak:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.work = Path(args.workdir or tempfile.mkdtemp(prefix="soak-"))
        self.work.mkdir(parents=True, exist_ok=True)
        self.db = self.work / "soak.db"
        self.clock = SimClock(args.start, args.rate)
        self.end = args.start + timedelta(days=args.days)
        self.samples = Samples()
        self.bot: asyncio.subprocess.Process | None = None
        self.log_path = self.work / "bot.log"
        self.stopping = False
        self._actions: set[asyncio.Task[None]] = set()
        self.faults = (
            soak_faults.load(args.faults)
            if args.faults
            else soak_faults.schedule(args.seed, args.days)
        )
        soak_faults.save(self.faults, self.work / "faults.json")

    # ---------------------------------------------------------------- setup

    async def setup(self) -> None:
        self.feed = LivingFeed(load_archive(self.args.archive), self.clock)
        await self.feed.start()
        self.slack = SoakSlack(self.clock)
        await self.slack.start()
        self.discord: SoakDiscord = make_discord(self.clock, discord_ids(self.args.channels))
        await self.discord.start()
        guild = str(self.discord.guild.id)
        self.members = population(self.rng, self.args.channels, self.slack.team_id, guild)
        for member in self.members:
            if member.channel.platform == "slack":
                self.slack.add_channel(member.channel.channel_id)
        store = await SqliteStore.open(self.db)
        for member in self.members:
            await store.save_subscription(member.subscription)
        await store.close()
        span = self.end - self.args.start
        for member in self.rng.sample(self.members, max(2, len(self.members) // 20)):
            if member.channel.platform == "slack":
                member.unsubscribe_at = self.args.start + span * self.rng.uniform(0.3, 0.7)
        self.config = self.work / "paperbot.toml"
        self.config.write_text(self._config_text(), encoding="utf-8")

    def _config_text(self) -> str:
        return f"""
[bot]
database_url = "sqlite:///{self.db}"
log_level = "INFO"
[huggingface]
base_url = "{self.feed.url}"
[arxiv]
base_url = "{self.feed.arxiv_url}"
[slack]
enabled = true
mode = "socket"
bot_token_env = "SOAK_SLACK_BOT"
app_token_env = "SOAK_SLACK_APP"
api_base_url = "{self.slack.base_url}"
managers = ["*"]
[discord]
enabled = true
token_env = "SOAK_DISCORD"
api_base_url = "{self.discord.base_url}"
gateway_url = "{self.discord.gateway_url}"
"""

    # ---------------------------------------------------------------- the bot's process

    async def launch(self) -> None:
        _, preload = libfaketime.get_reload_information()  # monotonic time stays real
        now = self.clock.now().strftime("%Y-%m-%d %H:%M:%S")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERBOT_", "FAKETIME"))}
        env |= preload | SECRETS | {"FAKETIME": f"@{now} x{self.args.rate:g}", "TZ": "UTC"}
        self.discord.token = DISCORD_TOKEN
        with self.log_path.open("ab") as log:
            log.write(f"=== soak: start at {now} ===\n".encode())
            self.bot = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "--config", str(self.config), "run",
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log, env=env, cwd=ROOT,
            )  # fmt: skip
        self.samples.launches.append(self._sim_day())

    async def supervise(self) -> None:
        """Start the bot again whenever it exits (as systemd's Restart=always does)."""
        while not self.stopping:
            assert self.bot is not None
            code = await self.bot.wait()
            if self.stopping:
                return
            self.samples.exits.append((self._sim_day(), code))
            await asyncio.sleep(1.0)
            await self.launch()

    # ---------------------------------------------------------------- the world

    async def run(self) -> Report:
        await self.setup()
        started = real_time.monotonic()
        self.clock = SimClock(self.args.start, self.args.rate)
        self.feed.clock = self.slack.clock = self.clock
        self.discord.sim = self.clock
        self.feed.refresh()
        await self.launch()
        supervisor = asyncio.create_task(self.supervise())
        pending = list(self.faults)
        active: list[soak_faults.Fault] = []
        next_sample = 0.0
        while (now := self.clock.now()) < self.end:
            self.feed.refresh()
            elapsed = now - self.args.start
            while pending and pending[0].at <= elapsed:
                fault = pending.pop(0)
                await self.begin(fault)
                active.append(fault)
            for fault in [f for f in active if f.ends <= elapsed]:
                self.finish(fault)
                active.remove(fault)
            await self.people(now)
            if self._sim_day() >= next_sample:
                self.sample()
                next_sample += 1 / 24
            await asyncio.sleep(TICK_S)
        self.stopping = True
        wall = real_time.monotonic() - started
        await self.stop_bot()
        supervisor.cancel()
        for task in list(self._actions):
            task.cancel()
        store = await SqliteStore.open(self.db)
        try:
            report = await check(self, store)
        finally:
            await store.close()
        report.figures["wall_s"] = round(wall, 1)
        await self.close()
        return report

    async def stop_bot(self) -> None:
        if self.bot is None or self.bot.returncode is not None:
            return
        self.bot.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(60):
                await self.bot.wait()
        except TimeoutError:
            self.bot.kill()
            await self.bot.wait()
        self.samples.exits.append((self._sim_day(), self.bot.returncode))

    async def close(self) -> None:
        await self.feed.close()
        await self.slack.close()
        await self.discord.close()

    def _sim_day(self) -> float:
        return float((self.clock.now() - self.args.start) / timedelta(days=1))

    def sample(self) -> None:
        day = round(self._sim_day(), 3)
        if self.bot is not None and self.bot.returncode is None:
            rss = _rss_kb(self.bot.pid)
            if rss:
                self.samples.rss_kb.append((day, rss))
        size = sum(p.stat().st_size for p in self.work.glob("soak.db*") if p.exists())
        self.samples.db_bytes.append((day, size))

    # ---------------------------------------------------------------- faults

    async def begin(self, fault: soak_faults.Fault) -> None:
        self.samples.faults_done.append({**asdict(fault), "sim_day": round(self._sim_day(), 3)})
        match fault.kind:
            case "hf_down":
                self.feed.down = True
            case "hf_429":
                self.feed.fail_next(6, status=429, headers={"Retry-After": "1"})
            case "hf_5xx":
                self.feed.fail_next(6, status=500)
            case "hf_drip":
                self.feed.drip_next(1, interval_s=0.2)
            case "slack_storm":
                storm = [Scripted(500)] * 8 + [Scripted(429, retry_after=1)] * 8
                self.slack.script("chat.postMessage", *storm)
            case "discord_storm":
                failures = [Failure(502)] * 8 + [Failure.rate_limited(1.0)] * 8
                self.discord.fail_next("POST", r"/channels/\d+/messages$", *failures)
            case "slack_token_rejected":
                self.slack.valid_tokens = {APP_TOKEN}  # the bot token is invalid_auth
            case "sigkill":
                if self.bot is not None and self.bot.returncode is None:
                    self.bot.send_signal(signal.SIGKILL)

    def finish(self, fault: soak_faults.Fault) -> None:
        match fault.kind:
            case "hf_down":
                self.feed.down = any(
                    f.kind == "hf_down" and f.at <= self.clock.now() - self.args.start < f.ends
                    for f in self.faults
                    if f is not fault
                )
            case "slack_token_rejected":
                self.slack.valid_tokens = None

    # ---------------------------------------------------------------- people

    async def people(self, now: datetime) -> None:
        for member in self.members:
            if member.unsubscribe_at is not None and member.unsubscribe_at <= now:
                member.unsubscribe_at = None
                member.left_at = now
                self._background(self.slash(member, "unsubscribe all"))
        if self.rng.random() < 0.15:
            self._background(self.click())

    def _background(self, action: Coroutine[Any, Any, None]) -> None:
        """A person's action runs beside the world: its ack can take a while."""
        task = asyncio.create_task(action)
        self._actions.add(task)
        task.add_done_callback(self._actions.discard)

    async def slash(self, member: Member, text: str) -> None:
        payload = {
            "team_id": self.slack.team_id,
            "channel_id": member.channel.channel_id,
            "user_id": f"U{self.rng.randrange(PEOPLE):04d}",
            "user_name": "someone",
            "command": "/papers",
            "text": text,
            "response_url": self.slack.response_url("cmd"),
            "trigger_id": f"{self.rng.randrange(10**9)}.738474920.8088930838d",
        }
        try:
            await self.slack.send_envelope("slash_commands", payload)
            self.samples.commands += 1
        except (TimeoutError, ConnectionError):  # the bot was down: try again later
            member.unsubscribe_at = self.clock.now() + timedelta(hours=1)

    async def click(self) -> None:
        """Someone clicks 👍 or 🔖 on a recent digest, on Slack or Discord."""
        if self.rng.random() < 0.5:
            heads = [s for s in self.slack.sent[-200:] if s.thread is None and "pb:v:" in s.text]
            if not heads:
                return
            head = self.rng.choice(heads)
            channel = self.slack.channels[head.channel]
            message = next((m for m in channel.messages if m["ts"] == head.message_id), None)
            ids = _button_ids(message)
            if message is None or not ids:
                return
            user = f"U{self.rng.randrange(PEOPLE):04d}"
            action = self.rng.choice(ids)
            reply_to = self.slack.response_url("click")
            payload = _block_actions(
                self.slack.team_id, head.channel, message, action, user, reply_to
            )
            try:
                await self.slack.send_envelope("interactive", payload)
            except (TimeoutError, ConnectionError):  # the bot was down (killed)
                return
        else:
            made = [m for m in self.discord.created[-200:] if _button_ids(m)]
            if not made:
                return
            message = self.rng.choice(made)
            person = FakeUser(600_000_000_000_000_000 + self.rng.randrange(PEOPLE), "someone")
            try:
                await self.discord.click(message, self.rng.choice(_button_ids(message)), person)
            except ConnectionError:
                return
        self.samples.clicks += 1


def _button_ids(message: dict[str, Any] | None) -> list[str]:
    """The 👍 and 🔖 button ids of a posted digest message (Slack blocks or Discord rows)."""
    if message is None:
        return []
    found = []
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            found.append(str(element.get("action_id", "")))
    for row in message.get("components") or []:
        for button in row.get("components") or []:
            found.append(str(button.get("custom_id", "")))
    return [b for b in found if b.startswith(("pb:v:", "pb:s:"))]


_ACTIONS = iter(range(1, 10**9))


def _block_actions(
    team: str, channel: str, message: dict[str, Any], action_id: str, user: str, response_url: str
) -> dict[str, Any]:
    stamp = f"1700000000.{next(_ACTIONS):06d}"
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": "papers"},
        "user": {"id": user, "team_id": team},
        "api_app_id": "A0APP",
        "channel": {"id": channel, "name": "papers"},
        "container": {"type": "message", "channel_id": channel, "message_ts": message["ts"]},
        "message": message,
        "response_url": response_url,
        "trigger_id": f"{next(_ACTIONS)}.738474920.8088930838d",
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "b", "action_ts": stamp}
        ],
    }


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=14.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--faults", type=Path, help="replay this schedule (faults.json of a run)")
    parser.add_argument("--channels", type=int, default=40, help="per platform")
    parser.add_argument("--rate", type=float, default=240.0, help="simulated seconds per second")
    parser.add_argument("--start", type=datetime.fromisoformat, default=START)
    parser.add_argument("--archive", type=Path, default=ARCHIVE)
    parser.add_argument("--workdir", type=Path, help="default: a new temporary directory")
    parser.add_argument("--out", type=Path, help="write the report here as JSON")
    args = parser.parse_args(argv)
    if args.start.tzinfo is None:
        args.start = args.start.replace(tzinfo=UTC)
    return args


async def soak(argv: list[str]) -> Report:
    return await Soak(parse_args(argv)).run()


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    report = asyncio.run(Soak(args).run())
    text = json.dumps(report.as_json(), indent=1, default=str)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
