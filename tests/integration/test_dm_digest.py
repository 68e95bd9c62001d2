"""The DM digest (issue 21) through the real clients: the real PeopleRunner, a real SQLite
file, the real AsyncWebClient against the fake Slack Web API and the real discord.py client
against the fake Discord, both on loopback.

- Slack: `conversations.open`, then the digest in the DM, once: a second run posts nothing.
  A paper a channel of the person's workspace posted that day links there instead.
- Discord: the DM channel is created and the digest sent once, without a thread (Discord
  has none in DMs). 50007 pauses the person, which `/papers me` says, and `me resume` lifts.
- "For you" from the injected ranker, and its cold start.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from adapters.discord import DiscordPlatform
from adapters.slack.platform import SlackPlatform
from bot.app.scheduler import PaperScheduler
from bot.commands.handler import Commands
from bot.commands.me import MeVerbs
from bot.config.load import DeliveryConfig, SlackConfig
from bot.delivery.runner import DeliveryRunner
from bot.digest.service import PaperService
from bot.people.plan import plan_personal_deliveries
from bot.people.runner import PeopleRunner
from bot.ports import ChatPlatform
from bot.records.chat import CommandContext
from bot.records.clock import FixedClock
from bot.records.delivery import DeliveryState
from bot.records.foryou import ForYouList, Pick
from bot.records.models import (
    ChannelRef,
    ChannelSettings,
    Paper,
    Subscription,
    Topic,
    TopicKind,
    WeekdayPolicy,
)
from bot.records.people import Person, person_ref
from bot.sources import SampleSource
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_setup import config_for, fake_discord, no_sleep
from tests.fakes.pacing import slack_pacing
from tests.fakes.slack_api import FakeSlackApi

MONDAY = date(2024, 5, 13)
TUESDAY_7 = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
SETTINGS = ChannelSettings(time(7, 0), "UTC", weekday_policy=WeekdayPolicy.DAILY)
AGENTS = (Topic(TopicKind.TERM, "agents"),)
DELIVERY = DeliveryConfig(concurrency=2, max_attempts=3)


class NoRefresh:
    async def refresh_day(self, day: date) -> int:
        return 0  # the day's list is already in the store


class ListRanker:
    """A ForYouRanker (bot/records/foryou.py) answering a fixed list: the real one is
    bot/recommend's; this test is about how the DM shows what a ranker answers."""

    def __init__(self, saves_needed: int = 0) -> None:
        self.saves_needed = saves_needed
        self.asked: list[str] = []

    async def rank(self, user_key: str, papers: Sequence[Paper], limit: int) -> ForYouList:
        self.asked.append(user_key)
        ordered = sorted(papers, key=lambda p: p.arxiv_id, reverse=True)[:limit]
        picks = tuple(Pick(p, f'like "{p.title}", which you saved', 1.0) for p in ordered)
        return ForYouList(picks, self.saves_needed)


def paper(n: int, title: str) -> Paper:
    published = datetime.combine(MONDAY, time(0, 0), tzinfo=UTC)
    return Paper(f"2405.{n:05d}", title, "Abstract.", ("A. Author",), published, MONDAY, upvotes=n)


PAPERS = [paper(1, "Agents that plan"), paper(2, "Tool-using agents"), paper(3, "Diffusion")]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "dm.db")
    await opened.upsert_papers(PAPERS)
    try:
        yield opened
    finally:
        await opened.close()


@dataclass
class Slack:
    fake: FakeSlackApi
    platform: SlackPlatform


@pytest.fixture
async def slack() -> AsyncIterator[Slack]:
    fake = FakeSlackApi()
    await fake.start()
    config = SlackConfig(
        enabled=True, bot_token="xoxb-test", app_token="xapp-x", api_base_url=fake.base_url
    )
    platform = SlackPlatform(
        config, clock=FixedClock(TUESDAY_7), sleep=no_sleep, timeout_s=2.0, pacing=slack_pacing()
    )
    try:
        yield Slack(fake, platform)
    finally:
        await fake.close()


def people(
    store: SqliteStore, platforms: dict[str, ChatPlatform], ranker: ListRanker | None = None
) -> PeopleRunner:
    clock = FixedClock(TUESDAY_7)
    return PeopleRunner(store, NoRefresh(), platforms, clock, DELIVERY, ranker=ranker)


def me_commands(store: SqliteStore) -> Commands:
    clock = FixedClock(TUESDAY_7)
    sample = SampleSource()  # `me` reads no source; the service needs one
    service = PaperService(store, sample, sample, clock, defaults=SETTINGS)
    return Commands(service, [MeVerbs(store, clock, SETTINGS, time(6, 0))])


def dm_text(messages: list[dict[str, object]]) -> str:
    return json.dumps(messages, ensure_ascii=False)


async def test_slack_opens_the_dm_and_posts_the_digest_once(
    store: SqliteStore, slack: Slack
) -> None:
    ada = person_ref("slack", "T0TEAM", "U1")
    await store.save_person(Person(ada, SETTINGS, AGENTS, home="T0TEAM"))
    channel = ChannelRef("slack", "C0PAPERS", "T0TEAM")
    slack.fake.add_channel(channel.channel_id)
    await store.save_subscription(Subscription(channel, (Topic(TopicKind.TERM, "plan"),), SETTINGS))
    channels = DeliveryRunner(
        store, NoRefresh(), {"slack": slack.platform}, FixedClock(TUESDAY_7), DELIVERY
    )
    assert await channels.run_due() == {"posted": 1}  # paper 1 went out in #papers
    runner = people(store, {"slack": slack.platform})

    assert await runner.run_due() == {"posted": 1}
    assert await runner.run_due() == {}

    opens = [r for r in slack.fake.requests if r.method == "conversations.open"]
    assert [r.body["users"] for r in opens] == ["U1"]
    dm = slack.fake.channels["DU1"].messages
    roots = [m for m in dm if "thread_ts" not in m]
    assert len(roots) == 1
    text = dm_text(roots)
    assert "Tool-using agents" in text
    assert "Agents that plan" in text
    channel_ts = slack.fake.channels["C0PAPERS"].messages[0]["ts"]
    assert "Posted in <#C0PAPERS> today" in text
    assert f"https://slack.com/archives/C0PAPERS/p{channel_ts.replace('.', '')}" in text
    assert "agents" in text.lower()  # why it matched
    assert any("thread_ts" in m for m in dm), "the details thread, as in channels"
    (record,) = await store.latest_personal_deliveries(ada.key)
    assert record.state is DeliveryState.POSTED
    assert record.message_ids == (roots[0]["ts"],)
    assert await store.get_delivery(ada, MONDAY) is None, "never a channel's record"
    kept = await store.get_person(ada.key)
    assert kept is not None
    assert kept.dm_channel == "DU1", "opened once, kept for the next digests"


async def test_a_kept_dm_channel_is_not_opened_again(store: SqliteStore, slack: Slack) -> None:
    ada = person_ref("slack", "T0TEAM", "U1")
    slack.fake.add_channel("DU1")
    await store.save_person(Person(ada, SETTINGS, AGENTS, dm_channel="DU1"))
    assert await people(store, {"slack": slack.platform}).run_due() == {"posted": 1}
    assert [r for r in slack.fake.requests if r.method == "conversations.open"] == []
    assert slack.fake.channels["DU1"].messages


async def test_for_you_follows_the_matches_and_says_the_cold_start(
    store: SqliteStore, slack: Slack
) -> None:
    bob = person_ref("slack", "T0TEAM", "U2")
    eve = person_ref("slack", "T0TEAM", "U3")
    await store.save_person(Person(bob, SETTINGS, AGENTS))
    await store.save_person(Person(eve, SETTINGS, AGENTS))
    ranker = ListRanker()
    await people(store, {"slack": slack.platform}, ranker).run_due()
    bob_dm = slack.fake.channels["DU2"].messages
    blocks = [b for m in bob_dm if "thread_ts" not in m for b in m["blocks"]]
    texts = [json.dumps(b, ensure_ascii=False) for b in blocks]
    (heading,) = [i for i, b in enumerate(blocks) if b.get("text", {}).get("text") == "For you"]
    assert blocks[heading]["type"] == "header", "For you is a section of its own"
    match = next(i for i, t in enumerate(texts) if "Agents that plan" in t)
    pick = next(i for i, t in enumerate(texts) if "Diffusion" in t)
    assert match < heading < pick, "the matches, then the heading, then the picks"
    assert 'like \\"Diffusion\\", which you saved' in texts[pick], "each pick says why"
    assert "For you:" not in dm_text(bob_dm), "no pick is a match's reason any more"
    assert sorted(ranker.asked) == [bob.key, eve.key]

    cold = ListRanker(saves_needed=2)
    carl = person_ref("slack", "T0TEAM", "U4")
    await store.save_person(Person(carl, SETTINGS, (Topic(TopicKind.TERM, "nothingmatches"),)))
    await people(store, {"slack": slack.platform}, cold).run_due()
    carl_text = dm_text(slack.fake.channels["DU4"].messages)
    assert '"text": "For you"' in carl_text
    assert "save 2 more papers to get picks; trending meanwhile" in carl_text


async def test_every_paper_of_a_slack_dm_has_save_and_not_for_me_and_no_vote(
    store: SqliteStore, slack: Slack
) -> None:
    ada = person_ref("slack", "T0TEAM", "U1")
    await store.save_person(Person(ada, SETTINGS, AGENTS))
    await people(store, {"slack": slack.platform}, ListRanker()).run_due()
    roots = [m for m in slack.fake.channels["DU1"].messages if "thread_ts" not in m]
    rows = [b["elements"] for m in roots for b in m["blocks"] if b["type"] == "actions"]
    ids = [[e["action_id"] for e in row] for row in rows]
    papers = ["2405.00001", "2405.00002", "2405.00003"]  # two matches, then one pick
    assert sorted(ids) == sorted([[f"pb:s:{p}", f"pb:n:{p}"] for p in papers])
    assert [row[1]["text"]["text"] for row in rows] == ["Not for me"] * 3


async def test_no_ranker_no_for_you_and_no_match_posts_nothing(
    store: SqliteStore, slack: Slack
) -> None:
    dan = person_ref("slack", "T0TEAM", "U5")
    await store.save_person(Person(dan, SETTINGS, (Topic(TopicKind.TERM, "nothingmatches"),)))
    assert await people(store, {"slack": slack.platform}).run_due() == {"empty": 1}
    assert "DU5" not in slack.fake.channels or not slack.fake.channels["DU5"].messages


async def test_discord_creates_the_dm_and_sends_once_without_a_thread(store: SqliteStore) -> None:
    async with fake_discord() as fake:
        platform = DiscordPlatform(config_for(fake), sleep=no_sleep, attempts=3)
        try:
            user = "123456789012345678"
            ref = person_ref("discord", str(fake.guild.id), user)
            await store.save_person(Person(ref, SETTINGS, AGENTS, home=str(fake.guild.id)))
            runner = people(store, {"discord": platform})
            assert await runner.run_due() == {"posted": 1}
            assert await runner.run_due() == {}
            sent = fake.dm_messages(user)
            assert len(sent) == 1
            assert "Agents that plan" in dm_text(sent)
            assert fake.threads == {}, "Discord has no threads in DMs"
            opened = [r for r in fake.requests if r.path == "/users/@me/channels"]
            assert [r.body for r in opened] == [{"recipient_id": int(user)}]
        finally:
            await platform.stop()


async def test_discord_50007_pauses_the_person_and_me_says_so(store: SqliteStore) -> None:
    async with fake_discord() as fake:
        platform = DiscordPlatform(config_for(fake), sleep=no_sleep, attempts=3)
        try:
            user = "223456789012345678"
            fake.blocks_dms.add(user)
            ref = person_ref("discord", "", user)
            await store.save_person(Person(ref, SETTINGS, AGENTS))
            runner = people(store, {"discord": platform})
            assert await runner.run_due() == {"paused": 1}
            person = await store.get_person(ref.key)
            assert person is not None
            assert "50007" in (person.blocked_reason or "")
            assert await runner.run_due() == {}, "a paused person gets no new record"

            commands = me_commands(store)
            ctx = CommandContext(ChannelRef("discord", "42", str(fake.guild.id)), user)
            status = await commands.handle(ctx, "me")
            assert "Paused" in status.text
            assert "Cannot send messages to this user" in status.text
            resumed = await commands.handle(ctx, "me resume")
            assert not resumed.is_error
            person = await store.get_person(ref.key)
            assert person is not None
            assert person.blocked_reason is None
        finally:
            await platform.stop()


async def test_a_dm_is_planned_at_the_persons_time_in_their_zone(store: SqliteStore) -> None:
    paris = ChannelSettings(time(7, 30), "Europe/Paris", weekday_policy=WeekdayPolicy.DAILY)
    ref = person_ref("slack", "T0TEAM", "U9")
    await store.save_person(Person(ref, paris, AGENTS))
    await store.save_person(Person(person_ref("slack", "T0TEAM", "U8"), paris, paused=True))
    grace, cutoff = timedelta(hours=6), time(5, 0)  # Monday's list closed at 05:00 UTC
    before = datetime(2024, 5, 14, 5, 29, tzinfo=UTC)  # 07:29 in Paris
    assert (
        await plan_personal_deliveries(store, ["slack"], before, grace=grace, day_cutoff_utc=cutoff)
        == 0
    )
    after = datetime(2024, 5, 14, 5, 31, tzinfo=UTC)
    assert (
        await plan_personal_deliveries(store, ["slack"], after, grace=grace, day_cutoff_utc=cutoff)
        == 1
    )
    (record,) = await store.latest_personal_deliveries(ref.key)
    assert record.post_at == datetime(2024, 5, 14, 5, 30, tzinfo=UTC)
    assert record.day == MONDAY
    assert (
        await plan_personal_deliveries(
            store, ["discord"], after, grace=grace, day_cutoff_utc=cutoff
        )
        == 0
    )


async def test_the_schedulers_runs_post_the_dms_after_the_channels(
    store: SqliteStore, slack: Slack
) -> None:
    ada = person_ref("slack", "T0TEAM", "U1")
    await store.save_person(Person(ada, SETTINGS, AGENTS))
    clock = FixedClock(TUESDAY_7)
    platforms: dict[str, ChatPlatform] = {"slack": slack.platform}
    channels = DeliveryRunner(store, NoRefresh(), platforms, clock, DELIVERY)
    scheduler = PaperScheduler(channels, store, clock, people=people(store, platforms))
    await scheduler.digests()
    assert slack.fake.channels["DU1"].messages


async def test_every_paper_of_a_discord_dm_has_its_buttons_and_for_you_is_headed(
    store: SqliteStore,
) -> None:
    """Ten matches and five picks: two messages; each paper's embed has 🔖 and "Not for me"
    under it and no 👍, within Discord's 5 rows of 5 buttons; the picks are headed "For you"."""
    more = [paper(n, f"Agents number {n}") for n in range(10, 20)]
    more += [paper(n, f"Vision number {n}") for n in range(30, 35)]  # the picks (ids last)
    await store.upsert_papers(more)
    async with fake_discord() as fake:
        platform = DiscordPlatform(config_for(fake), sleep=no_sleep, attempts=3)
        try:
            user = "323456789012345678"
            ref = person_ref("discord", str(fake.guild.id), user)
            await store.save_person(Person(ref, SETTINGS, AGENTS, home=str(fake.guild.id)))
            ranker = ListRanker()
            assert await people(store, {"discord": platform}, ranker).run_due() == {"posted": 1}
            sent = fake.dm_messages(user)
        finally:
            await platform.stop()
    assert len(sent) == 2
    shown, picks = [], []
    for message in sent:
        rows = message["components"]
        assert len(rows) <= 5
        assert all(len(row["components"]) <= 5 for row in rows)
        ids = [b["custom_id"] for row in rows for b in row["components"]]
        papers = [e["url"].rsplit("/", 1)[1] for e in message["embeds"]]
        assert ids == [f"pb:{kind}:{p}" for p in papers for kind in ("s", "n")]
        shown += papers
        picks += [e for e in message["embeds"] if e.get("author")]
    assert len(shown) == 15, "ten matches and five picks, every one with its buttons"
    assert [e["author"]["name"] for e in picks] == ["For you"] * 5
    assert all("which you saved" in e["description"] for e in picks)
    assert [e["url"] for e in picks] == [e["url"] for m in sent for e in m["embeds"]][10:]
