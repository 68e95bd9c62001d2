"""The platforms' side of bench/acks.py, run in a child process: the loopback fakes of Slack
and Discord (rate limits on, as in bench/fanout_real.py) and the users typing `/papers`.

Slack (HTTP mode): a signed slash-command POST to the bot's HTTP endpoint; the ack is the
HTTP response, timed from just before the request is sent to its body read. Discord: an
INTERACTION_CREATE pushed over the fake gateway; the ack is the interaction callback
(`POST /interactions/{id}/{token}/callback`: a reply or a deferral), timed from just before
the push to the fake receiving the callback. The answer is the first reply that carries
content: the ack itself (help), else the first `response_url` body (Slack) or follow-up
(Discord).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_payloads import MANAGER_PERMISSIONS, FakeUser, slash_command
from tests.fakes.slack_api import FakeSlackApi

SECRET = "bench-signing-secret-0123456789ab"  # noqa: S105 - a loopback fake's secret
WORKING = "Working on it…"  # adapters/slack/commands.py acks slow verbs with this
FAILURE_WORDS = "went wrong"  # the generic failure answers of both adapters
ANSWER_TIMEOUT_S = 30.0  # a command with no answer by then counts as unanswered
SEARCHES = ("diffusion", "reasoning models", "world model agents", "speculative decoding")
ADA = FakeUser(666_666_666_666_666_666, "ada")


@dataclass(frozen=True, slots=True)
class Verb:
    """One kind of command: its Slack text and its Discord subcommand and options."""

    label: str
    text: str
    subcommand: str
    options: dict[str, Any] = field(default_factory=dict)


def verbs(paper_id: str, query: str = SEARCHES[0]) -> list[Verb]:
    """Every verb: `show` and `similar` on `paper_id`, `search` for `query`."""
    return [
        Verb("help", "help", "help"),
        Verb("today", "today", "today"),
        Verb("search", f"search {query}", "search", {"query": query}),
        Verb("show", f"show {paper_id}", "show", {"paper": paper_id}),
        Verb("similar", f"similar {paper_id}", "similar", {"paper": paper_id}),
        Verb("topics", "topics", "topics"),
        Verb("subscribe", "subscribe agents", "subscribe", {"topics": "agents"}),
        Verb("unsubscribe", "unsubscribe agents", "unsubscribe", {"topic": "agents"}),
        Verb("settings", "settings", "settings"),
        Verb("settings change", "settings time 08:30", "settings", {"time": "08:30"}),
        Verb("status", "status", "status"),
        Verb("top", "top", "top"),
        Verb("saved", "saved", "saved"),
        Verb("link", "link", "link"),
        Verb("unlink", "unlink", "unlink"),
    ]


VERB_LABELS = [v.label for v in verbs("0000.00000")]


@dataclass
class Sample:
    platform: str
    verb: str
    sent_at: float
    ack_s: float | None = None  # None: no ack came
    answer_s: float | None = None  # None: no answer came
    failed: bool = False  # the answer was the generic failure


@dataclass
class _Waiting:
    sample: Sample
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    acked: asyncio.Event = field(default_factory=asyncio.Event)


class TimedSlack(FakeSlackApi):
    """The Slack fake, noting when each command's first response_url body arrives."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.waiting: dict[str, _Waiting] = {}

    async def _respond(self, request: web.Request) -> web.Response:
        waiting = self.waiting.pop(request.match_info["name"], None)
        if waiting is not None:
            body = await request.json()
            sample = waiting.sample
            sample.answer_s = time.monotonic() - sample.sent_at
            sample.failed = FAILURE_WORDS in str(body.get("text", ""))
            waiting.answered.set()
        return web.Response(text="ok")


@dataclass
class TimedDiscord(FakeDiscord):
    """The Discord fake, noting each interaction's callback (the ack) and first follow-up."""

    waiting: dict[str, _Waiting] = field(default_factory=dict)

    async def _answer(
        self, method: str, path: str, body: Any, headers: dict[str, str], query: dict[str, str]
    ) -> web.StreamResponse:
        parts = path.split(
            "/"
        )  # "", "interactions", id, token, "callback" / "webhooks", app, token
        if len(parts) > 3 and parts[1] in ("interactions", "webhooks") and method != "DELETE":
            self._note(parts[1], parts[3], body if isinstance(body, dict) else {})
        return await super()._answer(method, path, body, headers, query)

    def _note(self, kind: str, token: str, body: dict[str, Any]) -> None:
        waiting = self.waiting.get(token)
        if waiting is None:
            return
        sample, now = waiting.sample, time.monotonic()
        if kind == "interactions" and sample.ack_s is None:
            sample.ack_s = now - sample.sent_at
            waiting.acked.set()
            if body.get("type") == 4:  # answered in the callback itself
                self._answered(token, waiting, str((body.get("data") or {}).get("content")))
        elif kind == "webhooks" and sample.answer_s is None:
            self._answered(token, waiting, str(body.get("content")))

    def _answered(self, token: str, waiting: _Waiting, content: str) -> None:
        waiting.sample.answer_s = time.monotonic() - waiting.sample.sent_at
        waiting.sample.failed = FAILURE_WORDS in content
        waiting.answered.set()
        self.waiting.pop(token, None)


@dataclass
class Users:
    """Sends commands as users do, to the bot under test, and times what comes back."""

    slack: TimedSlack
    discord: TimedDiscord
    slack_url: str  # the bot's HTTP endpoint
    slack_channels: list[str]
    discord_channels: list[str]
    paper_ids: list[str]
    session: aiohttp.ClientSession
    rng: random.Random = field(default_factory=lambda: random.Random(13))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def pick(self) -> Verb:
        return self.rng.choice(self._verbs())

    def verb(self, label: str) -> Verb:
        [found] = [v for v in self._verbs() if v.label == label]
        return found

    def _verbs(self) -> list[Verb]:
        return verbs(self.rng.choice(self.paper_ids), self.rng.choice(SEARCHES))

    async def send(self, platform: str, verb: Verb) -> Sample:
        """One command; returns once it is answered (or ANSWER_TIMEOUT_S passed)."""
        if platform == "slack":
            return await self._slack(verb)
        return await self._discord(verb)

    async def _slack(self, verb: Verb) -> Sample:
        n = next(self._ids)
        name = f"c{n}"
        admin = n % 2 == 0  # half from workspace admins: a change needs users.info for them
        user = f"UADM{n % 50:02d}" if admin else "UBOSS"
        form = {
            "token": "legacy-verification-token",
            "team_id": self.slack.team_id,
            "channel_id": self.rng.choice(self.slack_channels),
            "channel_name": "papers",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/papers",
            "text": verb.text,
            "api_app_id": "A0APP",
            "response_url": self.slack.response_url(name),
            "trigger_id": f"{n}.2.3",
        }
        body = urlencode(form)
        stamp = str(int(time.time()))
        signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": str(signature),
        }
        sample = Sample("slack", verb.label, time.monotonic())
        waiting = self.slack.waiting[name] = _Waiting(sample)
        try:
            async with (
                asyncio.timeout(ANSWER_TIMEOUT_S),
                self.session.post(self.slack_url, data=body, headers=headers) as response,
            ):
                acked = await response.json() if response.content_type == "application/json" else {}
            sample.ack_s = time.monotonic() - sample.sent_at
        except (TimeoutError, aiohttp.ClientError):
            self.slack.waiting.pop(name, None)
            return sample
        text = str(acked.get("text") or "")
        if text and text != WORKING:  # answered in the ack (help, a usage mistake)
            self.slack.waiting.pop(name, None)
            sample.answer_s, sample.failed = sample.ack_s, FAILURE_WORDS in text
            return sample
        await _wait(waiting.answered)
        self.slack.waiting.pop(name, None)
        return sample

    async def _discord(self, verb: Verb) -> Sample:
        interaction_id = 700_000_000_000_000_000 + next(self._ids)
        channel = self.rng.choice(self.discord_channels)
        payload = slash_command(
            interaction_id=interaction_id,
            app_id=self.discord.app_id,
            guild=self.discord.guild,
            user=ADA,
            permissions=MANAGER_PERMISSIONS,
            subcommand=verb.subcommand,
            options=dict(verb.options),
        )
        payload["channel_id"] = channel
        payload["channel"] = payload["channel"] | {"id": channel}
        token = str(payload["token"])
        sample = Sample("discord", verb.label, time.monotonic())
        waiting = self.discord.waiting[token] = _Waiting(sample)
        await self.discord.dispatch("INTERACTION_CREATE", payload)
        await _wait(waiting.answered)
        self.discord.waiting.pop(token, None)
        return sample


async def _wait(event: asyncio.Event) -> None:
    try:
        async with asyncio.timeout(ANSWER_TIMEOUT_S):
            await event.wait()
    except TimeoutError:
        pass


async def closed_loop(users: Users, per_verb: int) -> list[Sample]:
    """Each platform, each verb, `per_verb` times, one command at a time (the next is sent
    once the previous one is answered); the verbs interleaved round-robin."""
    samples: list[Sample] = []
    for _ in range(per_verb):
        for label in VERB_LABELS:
            for platform in ("slack", "discord"):
                samples.append(await users.send(platform, users.verb(label)))
    return samples


async def open_loop(users: Users, rate: float, stop: asyncio.Event) -> tuple[list[Sample], float]:
    """Commands at `rate` per second (mixed verbs, both platforms alternating), sent on
    schedule whether or not earlier ones were answered, until `stop`; then the stragglers
    are awaited. Also returns the worst lateness of a send against its schedule."""
    tasks: list[asyncio.Task[Sample]] = []
    start = time.monotonic()
    late = 0.0
    for k in itertools.count():
        due = start + k / rate
        delay = due - time.monotonic()
        if delay > 0:
            try:
                async with asyncio.timeout(delay):
                    await stop.wait()
            except TimeoutError:
                pass
        if stop.is_set():
            break
        late = max(late, time.monotonic() - due)
        platform = "slack" if k % 2 == 0 else "discord"
        tasks.append(asyncio.create_task(users.send(platform, users.pick())))
    return list(await asyncio.gather(*tasks)), late
