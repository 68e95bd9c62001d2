"""Posting digests through discord.py's real REST client to the fake Discord on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from adapters.discord import DiscordPlatform
from adapters.discord.marks import mark_for, part_of
from adapters.discord.posting import nonce_for, send_message
from adapters.discord.render import DiscordMessage
from bot.records.chat import PostedPart
from bot.records.digest import Digest, DigestEntry
from bot.records.errors import MessageRejected, PermanentPlatformError, TransientPlatformError
from bot.records.models import ChannelRef, Paper
from tests.fakes.discord_api import Failure, FakeDiscord
from tests.fakes.discord_checks import assert_nothing_live, assert_within_limits
from tests.fakes.discord_setup import config_for, fake_discord
from tests.fakes.pacing import discord_pacing

MESSAGES = r"^/channels/\d+/messages$"
KEY = "pb0123456789abcdef01"
NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


@dataclass
class RecordingSleep:
    """Our own retries' sleep: recorded, never waited (discord.py's 429 waits are its own)."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@dataclass
class Setup:
    fake: FakeDiscord
    platform: DiscordPlatform
    sleep: RecordingSleep
    channel: ChannelRef
    fake_clock: list[float]


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    fake_clock = [0.0]
    async with fake_discord(clock=lambda: fake_clock[0]) as fake:
        fake.create_threads = False  # the parts alone; the thread tests turn it on
        sleep = RecordingSleep()
        platform = DiscordPlatform(
            config_for(fake), clock=FixedClock(), sleep=sleep, attempts=3, pacing=discord_pacing()
        )
        channel = ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))
        try:
            yield Setup(fake, platform, sleep, channel, fake_clock)
        finally:
            await platform.stop()


def make_digest(papers: int = 1, title: str = "A paper about @everyone") -> Digest:
    entries = tuple(
        DigestEntry(
            rank=n,
            paper=Paper(
                arxiv_id=f"2608.{n:05d}",
                title=f"{title} {n}",
                abstract="Abstract.",
                authors=("Ada Lovelace",),
                published_at=NOW,
                upvotes=10,
            ),
            summary="word " * 700,  # ~3,500 characters: one paper fills most of a message
        )
        for n in range(1, papers + 1)
    )
    return Digest(day=date(2026, 8, 21), entries=entries, total_candidates=papers)


async def test_a_digest_is_posted_with_no_allowed_mentions_and_its_ids_returned(
    setup: Setup,
) -> None:
    receipt = await setup.platform.post_digest(setup.channel, make_digest(), idempotency_key="k1")
    posts = setup.fake.messages()
    assert len(posts) == 1
    body = posts[0].body
    assert body["allowed_mentions"] == {"parse": []}
    assert body["nonce"] == nonce_for("k1", 0)
    assert len(body["nonce"]) <= 25
    assert body["enforce_nonce"] is True
    assert_within_limits(body)
    assert_nothing_live(body)
    assert posts[0].headers["Authorization"] == "Bot fake-bot-token"
    assert receipt.channel == setup.channel
    assert receipt.posted_at == NOW
    assert len(receipt.message_ids) == 1
    assert receipt.message_ids[0].isdigit()


async def test_a_digest_too_big_for_one_message_is_several_messages_in_order(
    setup: Setup,
) -> None:
    receipt = await setup.platform.post_digest(
        setup.channel, make_digest(papers=25), idempotency_key="big"
    )
    posts = setup.fake.messages()
    assert len(posts) == len(receipt.message_ids) == 3
    assert len(set(receipt.message_ids)) == len(receipt.message_ids)
    nonces = [p.body["nonce"] for p in posts]
    assert nonces == [nonce_for("big", i) for i in range(len(posts))]
    for post in posts:
        assert post.body["allowed_mentions"] == {"parse": []}
        assert_within_limits(post.body)


@pytest.mark.parametrize("is_global", [False, True])
async def test_a_429_is_waited_out_by_discord_py_then_the_post_succeeds(
    setup: Setup, is_global: bool
) -> None:
    setup.fake.fail_next("POST", MESSAGES, Failure.rate_limited(0.05, is_global=is_global))
    receipt = await setup.platform.post_digest(setup.channel, make_digest(), idempotency_key="r")
    first, second = setup.fake.messages()
    assert second.at - first.at >= 0.04  # discord.py honoured retry_after before retrying
    assert second.body == first.body
    assert setup.sleep.delays == []  # its own limiter did it, not a retry of ours
    assert len(receipt.message_ids) == 1


async def test_a_429_that_discord_py_gives_up_on_is_retried_not_failed(setup: Setup) -> None:
    limited = Failure.rate_limited(0.001)
    setup.fake.fail_next("POST", MESSAGES, *[limited] * 5)  # discord.py tries five times
    receipt = await setup.platform.post_digest(setup.channel, make_digest(), idempotency_key="q")
    assert len(setup.fake.messages()) == 6
    # one retry of ours after the 429's X-RateLimit-Reset-After, then it went through
    assert setup.sleep.delays == [0.001]
    assert len(receipt.message_ids) == 1


async def test_a_5xx_is_retried_then_the_post_succeeds(setup: Setup) -> None:
    # 503 is a status discord.py raises at once (it retries 500/502/504 itself, sleeping 1 s+)
    setup.fake.fail_next("POST", MESSAGES, Failure(503))
    receipt = await setup.platform.post_digest(setup.channel, make_digest(), idempotency_key="s")
    assert len(setup.fake.messages()) == 2
    assert setup.sleep.delays == [2.0]
    assert len(receipt.message_ids) == 1


async def test_a_5xx_that_persists_becomes_a_transient_error(setup: Setup) -> None:
    setup.fake.fail_next("POST", MESSAGES, Failure(503), Failure(503), Failure(503))
    with pytest.raises(TransientPlatformError, match="HTTP 503"):
        await setup.platform.post_digest(setup.channel, make_digest(), idempotency_key="p")
    assert len(setup.fake.messages()) == 3
    assert setup.sleep.delays == [2.0, 4.0]


@pytest.mark.parametrize("code", [50001, 50013])
async def test_missing_access_or_permissions_is_permanent_and_not_retried(
    setup: Setup, code: int
) -> None:
    setup.fake.fail_next("POST", MESSAGES, Failure.discord_error(code))
    with pytest.raises(PermanentPlatformError) as raised:
        await setup.platform.post_digest(setup.channel, make_digest(), idempotency_key="x")
    assert str(code) in raised.value.reason
    assert len(setup.fake.messages()) == 1
    assert setup.sleep.delays == []


async def test_an_unknown_channel_is_permanent(setup: Setup) -> None:
    gone = ChannelRef("discord", "999999999999999999", str(setup.fake.guild.id))
    with pytest.raises(PermanentPlatformError, match="10003, Unknown Channel"):
        await setup.platform.post_digest(
            gone, make_digest(), idempotency_key="x", first_attempt=True
        )
    assert len(setup.fake.messages(999999999999999999)) == 1
    # a retry looks for the digest's marks first, and that read says the same
    with pytest.raises(PermanentPlatformError, match="10003, Unknown Channel"):
        await setup.platform.post_digest(gone, make_digest(), idempotency_key="x")
    assert len(setup.fake.messages(999999999999999999)) == 1


@pytest.mark.parametrize("failure", [Failure.discord_error(50035), Failure(400), Failure(413)])
async def test_an_invalid_body_is_a_rejected_message_and_not_retried(
    setup: Setup, failure: Failure
) -> None:
    setup.fake.fail_next("POST", MESSAGES, failure)
    with pytest.raises(MessageRejected, match=f"HTTP {failure.status}"):
        await setup.platform.post_digest(setup.channel, make_digest(), idempotency_key="x")
    assert len(setup.fake.messages()) == 1
    assert setup.sleep.delays == []


async def test_the_fake_answers_a_body_past_a_discord_limit_with_400_50035(setup: Setup) -> None:
    target = setup.platform.client.get_partial_messageable(setup.fake.guild.channel_id)
    await setup.platform.client.login(setup.fake.token)
    with pytest.raises(MessageRejected, match="code 50035"):
        await send_message(
            target, DiscordMessage("x" * 2001), nonce="n", attempts=3, sleep=setup.sleep
        )
    assert setup.fake.created == []


async def test_another_client_error_is_transient_and_not_retried(setup: Setup) -> None:
    setup.fake.fail_next("POST", MESSAGES, Failure(404))
    with pytest.raises(TransientPlatformError, match="HTTP 404"):
        await setup.platform.post_digest(setup.channel, make_digest(), idempotency_key="x")
    assert len(setup.fake.messages()) == 1


async def test_a_channel_that_is_not_discord_is_refused_without_a_request(setup: Setup) -> None:
    with pytest.raises(PermanentPlatformError):
        await setup.platform.post_digest(
            ChannelRef("slack", "C123", "T1"), make_digest(), idempotency_key="x"
        )
    assert setup.fake.requests == []


async def test_a_resend_with_the_same_key_returns_the_earlier_messages(setup: Setup) -> None:
    digest = make_digest(papers=12)
    first = await setup.platform.post_digest(setup.channel, digest, idempotency_key="day-1")
    again = await setup.platform.post_digest(setup.channel, digest, idempotency_key="day-1")
    other = await setup.platform.post_digest(setup.channel, digest, idempotency_key="day-2")
    assert again.message_ids == first.message_ids
    assert set(other.message_ids).isdisjoint(first.message_ids)


async def test_a_resend_after_a_crash_mid_digest_posts_each_message_once(setup: Setup) -> None:
    digest = make_digest(papers=12)
    # The first message goes through; the second fails until we give up (as if we crashed).
    setup.fake.fail_next("POST", MESSAGES, None, Failure(503), Failure(503), Failure(503))
    with pytest.raises(TransientPlatformError):
        await setup.platform.post_digest(setup.channel, digest, idempotency_key="crash")
    [first_message] = setup.fake.created
    receipt = await setup.platform.post_digest(setup.channel, digest, idempotency_key="crash")
    assert receipt.message_ids[0] == first_message["id"]  # the nonce found it again
    created_ids = [m["id"] for m in setup.fake.created]
    assert created_ids == list(receipt.message_ids)  # every message exactly once


async def test_without_read_message_history_the_nonce_only_protects_for_a_few_minutes(
    setup: Setup,
) -> None:
    setup.fake.read_history = False  # the README's default invite: GET messages returns none
    first = await setup.platform.post_digest(setup.channel, make_digest(), idempotency_key="k")
    setup.fake_clock[0] += 301.0  # past Discord's nonce window
    later = await setup.platform.post_digest(setup.channel, make_digest(), idempotency_key="k")
    assert later.message_ids != first.message_ids  # what the delivery record is there for


async def test_past_the_nonce_window_the_footer_mark_finds_each_part_again(setup: Setup) -> None:
    digest = make_digest(papers=12)
    first = await setup.platform.post_digest(setup.channel, digest, idempotency_key=KEY)
    assert len(first.message_ids) == 2
    setup.fake_clock[0] += 301.0  # Discord forgot the nonces
    again = await setup.platform.post_digest(setup.channel, digest, idempotency_key=KEY)
    assert again.message_ids == first.message_ids
    assert len(setup.fake.created) == len(first.message_ids)
    gets = [r for r in setup.fake.requests if r.method == "GET" and r.path.endswith("/messages")]
    assert [g.query["limit"] for g in gets] == ["100", "100"]  # one read per post


async def test_the_mark_is_in_each_messages_last_footer_and_within_the_limits(
    setup: Setup,
) -> None:
    await setup.platform.post_digest(setup.channel, make_digest(papers=25), idempotency_key=KEY)
    posts = setup.fake.messages()
    for index, post in enumerate(posts):
        footer = post.body["embeds"][-1]["footer"]["text"]
        assert footer.endswith(mark_for(KEY, index))
        assert part_of(footer, KEY) == index
        assert part_of(footer, "pb" + "0" * 18) is None
        assert_within_limits(post.body)


async def test_a_first_attempt_does_not_read_the_channel(setup: Setup) -> None:
    await setup.platform.post_digest(
        setup.channel, make_digest(), idempotency_key=KEY, first_attempt=True
    )
    assert [r.method for r in setup.fake.requests if r.path.endswith("/messages")] == ["POST"]


async def test_a_history_read_refused_falls_back_to_the_record(setup: Setup) -> None:
    setup.fake.fail_next("GET", MESSAGES, Failure.discord_error(50001))
    receipt = await setup.platform.post_digest(setup.channel, make_digest(), idempotency_key=KEY)
    assert len(receipt.message_ids) == len(setup.fake.created) == 1


async def test_recorded_parts_are_not_posted_again_and_new_ones_are_reported(
    setup: Setup,
) -> None:
    digest = make_digest(papers=12)
    setup.fake.read_history = False
    setup.fake.fail_next("POST", MESSAGES, None, Failure(503), Failure(503), Failure(503))
    reported: list[PostedPart] = []

    async def record(part: PostedPart) -> None:
        reported.append(part)

    with pytest.raises(TransientPlatformError):
        await setup.platform.post_digest(
            setup.channel, digest, idempotency_key=KEY, first_attempt=True, on_accepted=record
        )
    assert reported == [PostedPart(0, setup.fake.created[0]["id"])]
    setup.fake_clock[0] += 301.0  # past the nonce window: only the record knows part 1
    receipt = await setup.platform.post_digest(
        setup.channel, digest, idempotency_key=KEY, posted=tuple(reported), on_accepted=record
    )
    assert [m["id"] for m in setup.fake.created] == list(receipt.message_ids)
    assert [p.index for p in reported] == list(range(len(receipt.message_ids)))


async def test_a_bad_token_is_transient_for_posting(setup: Setup) -> None:
    platform = DiscordPlatform(config_for(setup.fake, token="wrong"), sleep=setup.sleep)
    try:
        with pytest.raises(TransientPlatformError, match="rejected the bot token"):
            await platform.post_digest(setup.channel, make_digest(), idempotency_key="x")
    finally:
        await platform.stop()
    assert "wrong" not in repr(config_for(setup.fake, token="wrong"))


async def test_the_details_go_in_a_thread_on_the_digest_message(setup: Setup) -> None:
    setup.fake.create_threads = True
    reported: list[PostedPart] = []

    async def record(part: PostedPart) -> None:
        reported.append(part)

    digest = make_digest(papers=3)
    receipt = await setup.platform.post_digest(
        setup.channel, digest, idempotency_key=KEY, on_accepted=record
    )
    [message_id] = receipt.message_ids
    assert setup.fake.threads == {message_id: f"Details: {digest.title}"}
    [reply] = setup.fake.thread_messages(message_id)
    assert [e["title"] for e in reply["embeds"]] == [
        f"{n}. A paper about @\u200beveryone {n}" for n in range(1, 4)
    ]
    assert reply["embeds"][0]["description"] == "Abstract."
    assert reported == [PostedPart(0, message_id, 0), PostedPart(0, message_id, 1)]
    assert receipt.note is None


async def test_without_thread_permissions_the_digest_is_posted_and_says_so(setup: Setup) -> None:
    receipt = await setup.platform.post_digest(
        setup.channel, make_digest(papers=3), idempotency_key=KEY
    )
    assert len(receipt.message_ids) == len(setup.fake.created) == 1  # no thread, no error
    assert receipt.note is not None
    assert "Create Public Threads" in receipt.note
