"""Every `/papers` verb against the real service, a real SQLite file and the shipped sample."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from bot.commands.handler import Commands
from bot.commands.verbs import VERBS
from bot.commands.wording import GENERIC_FAILURE, MANAGERS_ONLY, SOURCE_DOWN
from bot.digest.service import PaperService
from bot.records.chat import CommandContext, Reply, Visibility
from bot.records.clock import FixedClock
from bot.records.errors import SourceUnavailable, UpstreamRejected
from bot.records.instants import as_plain
from bot.records.models import (
    ChannelRef,
    ChannelSettings,
    Paper,
    Subscription,
    Topic,
    TopicKind,
    WeekdayPolicy,
)
from bot.sources.sample import SampleSource
from bot.storage.sqlite.store import SqliteStore

NOW = datetime(2026, 8, 22, 10, 0, tzinfo=UTC)  # the sample's newest day, 2026-08-21, is closed
COVERED = date(2026, 8, 21)
CHANNEL = ChannelRef("console", "c1", "team")
ALICE = CommandContext(CHANNEL, user_id="U1", user_name="alice", can_manage=True)
BOB = CommandContext(CHANNEL, user_id="U2", user_name="bob", can_manage=False)
DEFAULTS = ChannelSettings(post_time=time(8, 30), timezone="Europe/Paris", max_papers=5)
AGENTS = Topic(TopicKind.TERM, "agents")
WORLD_MODEL = Topic(TopicKind.PHRASE, "world model")


class FakeLookup:
    """A LookupSource whose every call fails with the exception it was given."""

    name = "fake-lookup"

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def get(self, arxiv_id: str) -> Paper | None:
        raise self.error

    async def search(self, query: str, limit: int = 10) -> list[Paper]:
        raise self.error

    async def aclose(self) -> None:
        return None


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "paperbot.db")
    yield opened
    await opened.close()


@pytest.fixture
def service(store: SqliteStore) -> PaperService:
    sample = SampleSource()
    return PaperService(store, sample, sample, FixedClock(NOW), defaults=DEFAULTS)


@pytest.fixture
def commands(service: PaperService) -> Commands:
    return Commands(service)


def failing_commands(store: SqliteStore, error: Exception) -> Commands:
    lookup = FakeLookup(error)
    service = PaperService(store, SampleSource(), lookup, FixedClock(NOW), defaults=DEFAULTS)
    return Commands(service)


def assert_error(reply: Reply, *fragments: str) -> None:
    assert reply.is_error, reply
    assert reply.visibility is Visibility.PRIVATE
    for fragment in fragments:
        assert fragment in reply.text


# ---------------------------------------------------------------------------- help, verbs


async def test_help_lists_every_verb(commands: Commands) -> None:
    reply = await commands.handle(ALICE, "help")
    assert not reply.is_error
    assert reply.visibility is Visibility.PRIVATE
    for verb in VERBS:
        assert f"  {verb}" in reply.text


async def test_help_for_one_verb_gives_its_usage(commands: Commands) -> None:
    reply = await commands.handle(ALICE, "help settings")
    assert reply.text.startswith("Usage: /papers settings [time HH:MM] [tz Area/City]")


async def test_empty_text_is_help(commands: Commands) -> None:
    assert (await commands.handle(ALICE, "   ")).text == (await commands.handle(ALICE, "help")).text


async def test_unknown_verb_suggests_the_closest(commands: Commands) -> None:
    assert_error(await commands.handle(ALICE, "tody"), "Unknown command `tody`", "`today`")


# ---------------------------------------------------------------------------- today


async def test_today_is_the_latest_closed_day(commands: Commands) -> None:
    reply = await commands.handle(ALICE, "today")
    assert not reply.is_error
    assert reply.digest is not None
    assert reply.digest.day == COVERED
    assert reply.text == reply.digest.title
    assert len(reply.digest.entries) == DEFAULTS.max_papers  # no subscription: the defaults
    assert reply.digest.entries[0].paper.arxiv_id == "2608.19880"  # 163 upvotes, the top


async def test_today_with_a_date(commands: Commands) -> None:
    reply = await commands.handle(ALICE, "today 2024-06-13")
    assert reply.digest is not None
    assert reply.digest.day == date(2024, 6, 13)
    assert reply.digest.entries[0].paper.arxiv_id == "2406.06523"


async def test_today_follows_the_channels_topics(commands: Commands) -> None:
    await commands.handle(ALICE, "subscribe agents")
    reply = await commands.handle(ALICE, "today")
    assert reply.digest is not None
    assert reply.digest.topics == (AGENTS,)
    titles = [e.paper.title for e in reply.digest.entries]
    assert titles
    assert all(e.reasons for e in reply.digest.entries)
    assert "4DAnyone: Create Anyone in 4D from a Casual Monocular Video" not in titles


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("today 2026-08-23", "2026-08-23 is in the future"),
        ("today 2026-08-22", "not complete yet; the latest complete day is 2026-08-21"),
        ("today 2026-02-30", "Bad date `2026-02-30`"),
        ("today yesterday", "Bad date `yesterday`"),
    ],
)
async def test_today_bad_dates(commands: Commands, text: str, says: str) -> None:
    assert_error(await commands.handle(ALICE, text), says, "Usage: /papers today")


# ---------------------------------------------------------------------------- search, show


async def test_search_finds_papers(commands: Commands) -> None:
    reply = await commands.handle(ALICE, "search EnvHarness")
    assert not reply.is_error
    assert reply.papers[0].arxiv_id == "2608.19880"
    assert reply.text.endswith('for "EnvHarness":')


async def test_search_uses_the_store_once_the_day_is_fetched(commands: Commands) -> None:
    await commands.handle(ALICE, "today")
    reply = await commands.handle(ALICE, "search world model")
    assert any("World" in p.title for p in reply.papers)


async def test_search_with_no_hits(commands: Commands) -> None:
    reply = await commands.handle(ALICE, "search zzzqqqxxx")
    assert not reply.is_error
    assert reply.papers == ()
    assert reply.text == 'No papers found for "zzzqqqxxx".'


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("search", "Search needs some words"),
        ("search " + "x" * 301, "the limit is 300"),
    ],
)
async def test_search_bad_queries(commands: Commands, text: str, says: str) -> None:
    assert_error(await commands.handle(ALICE, text), says, "Usage: /papers search")


@pytest.mark.parametrize(
    "given",
    ["2608.19880", "2608.19880v3", "arXiv:2608.19880", "https://huggingface.co/papers/2608.19880"],
)
async def test_show_one_paper(commands: Commands, given: str) -> None:
    reply = await commands.handle(ALICE, f"show {given}")
    assert not reply.is_error
    assert [p.arxiv_id for p in reply.papers] == ["2608.19880"]
    assert reply.text == "EnvHarness: Awakening Static Worlds for Agent Learning"


async def test_show_an_unknown_paper_in_the_sample_does_not_blame_arxiv(
    commands: Commands,
) -> None:
    reply = await commands.handle(ALICE, "show 2608.99999")
    assert reply.papers == ()
    assert reply.text == "No paper 2608.99999 in the offline sample (arXiv was not asked)."


class ArxivKnowsNothing(FakeLookup):
    name = "arxiv"

    async def get(self, arxiv_id: str) -> Paper | None:
        return None


async def test_show_an_unknown_paper_names_arxiv_when_arxiv_was_asked(store: SqliteStore) -> None:
    lookup = ArxivKnowsNothing(AssertionError("not called"))
    service = PaperService(store, SampleSource(), lookup, FixedClock(NOW), defaults=DEFAULTS)
    reply = await Commands(service).handle(ALICE, "show 2608.99999")
    assert reply.text == "No paper 2608.99999 on arXiv."


@pytest.mark.parametrize(
    ("text", "says"),
    [("show", "Show needs an arXiv id"), ("show not-an-id", "Bad arXiv id: 'not-an-id'")],
)
async def test_show_bad_ids(commands: Commands, text: str, says: str) -> None:
    assert_error(await commands.handle(ALICE, text), says, "Usage: /papers show")


async def test_upstream_rejection_is_shown_as_it_is(store: SqliteStore) -> None:
    rejecting = failing_commands(store, UpstreamRejected("arXiv says: incorrect id format"))
    reply = await rejecting.handle(ALICE, "show 2608.99999")
    assert reply.is_error
    assert reply.text == "arXiv says: incorrect id format"


# ---------------------------------------------------------------------------- subscriptions


async def test_subscribe_creates_the_subscription_and_tells_the_channel(
    commands: Commands, store: SqliteStore
) -> None:
    reply = await commands.handle(ALICE, 'subscribe agents "world model"')
    assert reply == Reply(
        '@alice subscribed this channel to: agents, "world model"', visibility=Visibility.CHANNEL
    )
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    assert saved.topics == (AGENTS, WORLD_MODEL)
    assert saved.settings == DEFAULTS
    assert saved.created_by == "U1"


async def test_subscribe_merges_with_existing_topics(
    commands: Commands, store: SqliteStore
) -> None:
    await commands.handle(ALICE, "subscribe agents")
    await commands.handle(ALICE, "settings max 3")
    reply = await commands.handle(ALICE, "subscribe rag Agents")
    assert reply.text == "@alice subscribed this channel to: rag (now 2 topics)"
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    assert saved.topics == (AGENTS, Topic(TopicKind.TERM, "rag"))
    assert saved.settings.max_papers == 3  # settings survive a topic change


async def test_subscribing_to_followed_topics_changes_nothing(commands: Commands) -> None:
    await commands.handle(ALICE, "subscribe agents")
    reply = await commands.handle(ALICE, "subscribe agents")
    assert reply == Reply("This channel already follows: agents")


async def test_subscribe_caps_the_total_at_25(commands: Commands, store: SqliteStore) -> None:
    first = " ".join(f"topic{i}" for i in range(20))
    await commands.handle(ALICE, f"subscribe {first}")
    more = " ".join(f"extra{i}" for i in range(6))
    reply = await commands.handle(ALICE, f"subscribe {more}")
    assert_error(reply, "at most 25 topics; this one follows 20 and you added 6")
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    assert len(saved.topics) == 20


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("subscribe foo:bar", 'Unknown prefix "foo:"'),
        ('subscribe "world model', "Unbalanced quote"),
        ("subscribe " + " ".join(f"t{i}" for i in range(26)), "Too many topics: 26"),
    ],
)
async def test_subscribe_bad_topics(
    commands: Commands, store: SqliteStore, text: str, says: str
) -> None:
    assert_error(await commands.handle(ALICE, text), says, "Usage: /papers subscribe")
    assert await store.get_subscription(CHANNEL) is None


async def test_unsubscribe_one_topic(commands: Commands, store: SqliteStore) -> None:
    await commands.handle(ALICE, 'subscribe agents "world model"')
    reply = await commands.handle(ALICE, "unsubscribe agents")
    assert reply.visibility is Visibility.CHANNEL
    assert reply.text == (
        '@alice unsubscribed this channel from: agents. It now follows: "world model"'
    )
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    assert saved.topics == (WORLD_MODEL,)


async def test_unsubscribe_a_topic_not_followed(commands: Commands, store: SqliteStore) -> None:
    await commands.handle(ALICE, "subscribe agents")
    reply = await commands.handle(ALICE, "unsubscribe agents rag")
    assert_error(reply, "does not follow rag; nothing changed", "follows 1 topic: agents")
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    assert saved.topics == (AGENTS,)


async def test_topics_compare_as_they_match_whatever_the_case_or_accents(
    commands: Commands, store: SqliteStore
) -> None:
    # An author keeps its capitals for display, and matching ignores case and accents: the
    # same author typed in lower case, or a word without its accent, is the same topic.
    await commands.handle(ALICE, 'subscribe author:"Yann LeCun" müller')
    again = await commands.handle(ALICE, 'subscribe author:"yann lecun" muller')
    assert again.text == 'This channel already follows: author:"yann lecun", muller'
    reply = await commands.handle(ALICE, 'unsubscribe author:"yann lecun"')
    assert not reply.is_error, reply
    assert reply.text.endswith("It now follows: müller")
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    assert saved.topics == (Topic(TopicKind.TERM, "müller"),)


async def test_unsubscribe_when_not_subscribed(commands: Commands) -> None:
    # Once "does not follow agents; nothing changed. This channel is not subscribed...":
    # two sentences at odds. Now one plain statement.
    reply = await commands.handle(ALICE, "unsubscribe agents")
    assert_error(reply)
    assert reply.text == "This channel is not subscribed: there is nothing to drop."


async def test_topics_typed_with_unicode_spaces_are_shown_and_removed_as_typed(
    commands: Commands, store: SqliteStore
) -> None:
    await commands.handle(ALICE, 'subscribe Ａgents\u00a0rag\u3000"world\u2003model"')
    shown = (await commands.handle(BOB, "topics")).text
    assert shown == 'This channel follows 3 topics: agents, rag, "world model"'
    for typed in ("rag", '"world model"', "agents"):
        reply = await commands.handle(ALICE, f"unsubscribe {typed}")
        assert not reply.is_error, reply
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    assert saved.topics == ()


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        (Topic(TopicKind.TERM, "a b"), '"a b"'),  # joined by a no-break space, shown quoted
        (Topic(TopicKind.TERM, "ａgents"), "agents"),  # full-width, stored as typed
        (Topic(TopicKind.TERM, "nul\x00x"), '"nul x"'),  # SQLite kept the NUL
    ],
)
async def test_topics_stored_before_normalisation_can_be_removed(
    commands: Commands, service: PaperService, store: SqliteStore, stored: Topic, typed: str
) -> None:
    await commands.handle(ALICE, "subscribe agents")
    old = await store.get_subscription(CHANNEL)
    assert old is not None
    await service.save_subscription(replace(old, topics=(stored,)))
    reply = await commands.handle(ALICE, f"unsubscribe {typed}")
    assert not reply.is_error, reply
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    assert saved.topics == ()


async def test_unsubscribe_all_stops_the_digests(commands: Commands, store: SqliteStore) -> None:
    await commands.handle(ALICE, "subscribe agents rag")
    await commands.handle(ALICE, "settings time 07:15")
    reply = await commands.handle(ALICE, "unsubscribe all")
    assert reply == Reply(
        "@alice unsubscribed this channel: no more digests here. "
        "/papers subscribe starts them again.",
        visibility=Visibility.CHANNEL,
    )
    assert await store.get_subscription(CHANNEL) is None
    assert CHANNEL not in {s.channel for s in await store.list_subscriptions()}


async def test_unsubscribe_all_when_not_subscribed(commands: Commands) -> None:
    reply = await commands.handle(ALICE, "unsubscribe all")
    assert not reply.is_error
    assert reply.text.startswith("This channel is not subscribed.")


async def test_subscribe_alone_starts_the_plain_trending_list(
    commands: Commands, store: SqliteStore
) -> None:
    reply = await commands.handle(ALICE, "subscribe")
    assert reply.visibility is Visibility.CHANNEL
    assert reply.text.startswith("@alice subscribed this channel to the plain trending list.")
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    assert saved.topics == ()
    assert saved.settings == DEFAULTS
    digest = (await commands.handle(ALICE, "today")).digest
    assert digest is not None
    assert len(digest.entries) == DEFAULTS.max_papers  # the plain trending list
    again = await commands.handle(ALICE, "subscribe")
    assert again.visibility is Visibility.PRIVATE  # nothing changed, nothing announced


async def test_dropping_the_last_topic_leaves_the_trending_list(
    commands: Commands, store: SqliteStore
) -> None:
    await commands.handle(ALICE, "subscribe agents")
    reply = await commands.handle(ALICE, "unsubscribe agents")
    assert reply.text.endswith("It now gets the plain trending list.")
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    assert saved.topics == ()


async def test_bob_cannot_start_or_stop_the_digests(commands: Commands, store: SqliteStore) -> None:
    assert (await commands.handle(BOB, "subscribe")).is_error
    await commands.handle(ALICE, "subscribe")
    assert (await commands.handle(BOB, "unsubscribe all")).is_error
    assert await store.get_subscription(CHANNEL) is not None


async def test_unsubscribe_needs_an_argument(commands: Commands) -> None:
    assert_error(await commands.handle(ALICE, "unsubscribe"), "Name a topic to drop, or `all`")


async def test_topics_before_and_after(commands: Commands) -> None:
    assert (await commands.handle(BOB, "topics")).text.startswith("This channel is not subscribed")
    await commands.handle(ALICE, 'subscribe agents -survey "world model"')
    reply = await commands.handle(BOB, "topics")
    assert reply == Reply('This channel follows 3 topics: agents, -survey, "world model"')
    await commands.handle(ALICE, 'unsubscribe agents -survey "world model"')
    assert (await commands.handle(BOB, "topics")).text == (
        "This channel follows no topics: it gets the plain trending list."
    )
    await commands.handle(ALICE, "unsubscribe all")
    assert (await commands.handle(BOB, "topics")).text.startswith("This channel is not subscribed")


async def test_topics_takes_no_arguments(commands: Commands) -> None:
    assert_error(await commands.handle(ALICE, "topics agents"), "takes no arguments")


# ---------------------------------------------------------------------------- permissions


@pytest.mark.parametrize(
    "text", ["subscribe agents", "unsubscribe agents", "unsubscribe all", "settings max 3"]
)
async def test_changes_need_a_manager(commands: Commands, store: SqliteStore, text: str) -> None:
    await commands.handle(ALICE, "subscribe agents")
    before = await store.get_subscription(CHANNEL)
    reply = await commands.handle(BOB, text)
    assert reply == Reply(MANAGERS_ONLY, is_error=True)
    assert await store.get_subscription(CHANNEL) == before


async def test_anyone_may_read(commands: Commands) -> None:
    for text in ("help", "today", "search agents", "topics", "settings", "status"):
        assert not (await commands.handle(BOB, text)).is_error, text


# ---------------------------------------------------------------------------- settings


async def test_followups_off_is_kept_and_shown_by_settings_and_status(
    commands: Commands, store: SqliteStore
) -> None:
    reply = await commands.handle(ALICE, "settings followups off")
    assert reply.text.startswith("@alice changed this channel's settings: followups off.")
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    assert saved.settings.followups is False
    assert (await commands.handle(BOB, "settings")).text.endswith("followups off")
    assert "followups off" in (await commands.handle(BOB, "status")).text
    assert "followups on|off" in (await commands.handle(BOB, "help settings")).text


async def test_help_settings_names_every_setting_and_what_happens_after_a_post(
    commands: Commands,
) -> None:
    text = (await commands.handle(BOB, "help settings")).text
    for setting in ("time", "tz", "min-upvotes", "max", "weekdays", "cadence", "followups"):
        assert f"[{setting} " in text
    assert "a first model, dataset or Space on Hugging Face" in text
    assert "settled (by default 24 h and 7 d after it went out)" in text
    assert "joined the day's list late" in text


async def test_settings_shows_the_defaults_when_not_subscribed(commands: Commands) -> None:
    reply = await commands.handle(BOB, "settings")
    assert reply == Reply(
        "This channel is not subscribed. The defaults: time 08:30 tz Europe/Paris "
        "min-upvotes 0 max 5 weekdays catchup cadence daily followups on"
    )


async def test_settings_change_creates_a_subscription(
    commands: Commands, store: SqliteStore
) -> None:
    reply = await commands.handle(ALICE, "settings time 18:00 tz asia/tokyo weekdays daily")
    assert reply.visibility is Visibility.CHANNEL
    assert reply.text == (
        "@alice changed this channel's settings: time 18:00, tz Asia/Tokyo, weekdays daily. "
        "This channel now gets the plain trending list. "
        "Now: time 18:00 tz Asia/Tokyo min-upvotes 0 max 5 weekdays daily cadence daily "
        "followups on"
    )
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    assert saved.topics == ()
    assert saved.settings == replace(
        DEFAULTS,
        post_time=time(18, 0),
        timezone="Asia/Tokyo",
        weekday_policy=WeekdayPolicy.DAILY,
    )


async def test_settings_change_keeps_topics_and_other_settings(
    commands: Commands, store: SqliteStore
) -> None:
    await commands.handle(ALICE, "subscribe agents")
    await commands.handle(ALICE, "settings min-upvotes 10")
    reply = await commands.handle(ALICE, "settings max 2")
    assert reply.text.startswith("@alice changed this channel's settings: max 2. Now:")
    shown = await commands.handle(BOB, "settings")
    assert shown.text == (
        "This channel's settings: time 08:30 tz Europe/Paris min-upvotes 10 max 2 weekdays catchup"
        " cadence daily followups on"
    )
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    assert saved.topics == (AGENTS,)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("settings time 9", "Bad time: '9' is not a time like 09:30"),
        ("settings tz Moon/Base", "Bad tz: unknown time zone 'Moon/Base'"),
        ("settings tz " + "x" * 300, "Bad tz: unknown time zone 'xxx"),  # once an OSError
        ("settings max many", "Bad max: 'many' is not a whole number"),
        ("settings min-upvotes 1e3", "Bad min-upvotes"),
        ("settings colour red", "Unknown setting `colour`"),
        ("settings max 3 tz", "`tz` needs a value"),
    ],
)
async def test_settings_bad_values_change_nothing(
    commands: Commands, store: SqliteStore, text: str, says: str
) -> None:
    assert_error(await commands.handle(ALICE, text), says, "Usage: /papers settings")
    assert await store.get_subscription(CHANNEL) is None


# ---------------------------------------------------------------------------- status


async def test_status_before_anything(commands: Commands) -> None:
    reply = await commands.handle(ALICE, "status")
    assert reply.visibility is Visibility.PRIVATE
    assert reply.text.splitlines() == [
        "Latest complete day: 2026-08-21",
        "Last fetch: never.",
        f"This channel's key: {ALICE.channel.key} (for paperbot post-now --channel)",
        "This channel: not subscribed (no scheduled digest).",
    ]


async def test_status_after_a_fetch_and_a_subscription(commands: Commands) -> None:
    await commands.handle(ALICE, "today")
    await commands.handle(ALICE, "subscribe agents")
    lines = as_plain((await commands.handle(ALICE, "status")).text).splitlines()
    assert lines[1] == (
        "Last fetch: the list for 2026-08-21, 17 papers, Sat 22 Aug 2026 10:00 UTC (now)"
    )
    assert lines[2] == "This channel's key: console:team:c1 (for paperbot post-now --channel)"
    assert lines[3] == "This channel follows 1 topic: agents"
    assert lines[4].startswith("Settings: time 08:30 tz Europe/Paris")


async def test_status_names_this_channels_pause_only(
    commands: Commands, store: SqliteStore
) -> None:
    await commands.handle(ALICE, "subscribe agents")
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    await store.save_subscription(replace(saved, paused_reason="missing access"))
    other = ChannelRef("console", "c2", "elsewhere")
    await commands.handle(replace(ALICE, channel=other), "subscribe rag")
    other_saved = await store.get_subscription(other)
    assert other_saved is not None
    await store.save_subscription(replace(other_saved, paused_reason="secret other reason"))
    text = (await commands.handle(ALICE, "status")).text
    assert "Posting here is paused: missing access" in text
    assert "1 other channel is paused." in text
    assert "secret other reason" not in text
    assert "elsewhere" not in text


# ---------------------------------------------------------------------------- failures


async def test_an_unexpected_error_is_logged_not_shown(
    store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "xoxb-not-for-chat"
    broken = failing_commands(store, RuntimeError(f"token {secret} rejected"))
    with caplog.at_level(logging.ERROR, logger="bot.commands.handler"):
        reply = await broken.handle(ALICE, "search nothing in the store matches")
    assert reply == Reply(GENERIC_FAILURE, is_error=True)
    assert secret not in reply.text
    [record] = [r for r in caplog.records if r.name == "bot.commands.handler"]
    assert record.getMessage() == "/papers search failed in console:team:c1"
    assert record.exc_info is not None  # the traceback goes to the log, not to chat
    assert secret not in record.getMessage()


async def test_an_unexpected_error_in_show_is_logged_not_shown(
    store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    broken = failing_commands(store, RuntimeError("boom"))
    with caplog.at_level(logging.ERROR, logger="bot.commands.handler"):
        reply = await broken.handle(ALICE, "show 2608.99999")
    assert reply.text == GENERIC_FAILURE
    assert "boom" not in reply.text
    assert [r.getMessage() for r in caplog.records] == ["/papers show failed in console:team:c1"]


async def test_a_source_outage_says_so_without_a_traceback(
    store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    outage = SourceUnavailable("arxiv: HTTP 503 after 5 attempt(s)")
    broken = failing_commands(store, outage)
    with caplog.at_level(logging.WARNING, logger="bot.commands.handler"):
        reply = await broken.handle(ALICE, "search nothing in the store matches")
    assert reply == Reply(f"{SOURCE_DOWN} (arxiv: HTTP 503 after 5 attempt(s))", is_error=True)
    [record] = [r for r in caplog.records if r.name == "bot.commands.handler"]
    assert record.levelno == logging.WARNING
    assert record.exc_info is None  # an outage is not a bug


async def test_subscribe_resumes_a_paused_channel_and_says_so(
    commands: Commands, store: SqliteStore
) -> None:
    await commands.handle(ALICE, "subscribe agents")
    paused = await store.get_subscription(CHANNEL)
    assert paused is not None
    await store.save_subscription(replace(paused, paused_reason="not_in_channel"))
    status = await commands.handle(ALICE, "status")
    assert "Posting here is paused: not_in_channel" in status.text
    reply = await commands.handle(ALICE, "subscribe")
    assert reply.visibility is Visibility.CHANNEL
    assert reply.text.startswith("@alice resumed the digests in this channel.")
    resumed = await store.get_subscription(CHANNEL)
    assert resumed is not None
    assert resumed.paused_reason is None
    assert resumed.topics == paused.topics


class CountingOnlyStore(SqliteStore):
    """The real store, refusing to load every subscription (status must only count them)."""

    async def list_subscriptions(self) -> list[Subscription]:
        raise AssertionError("status loaded every subscription")


async def test_status_counts_paused_channels_without_loading_every_subscription(
    tmp_path: Path,
) -> None:
    store = await CountingOnlyStore.open(tmp_path / "count.db")
    try:
        others = [ChannelRef("console", f"c{n}", "elsewhere") for n in range(3)]
        for channel in others[:2]:
            await store.save_subscription(Subscription(channel, paused_reason="gone"))
        await store.save_subscription(Subscription(others[2]))
        commands = Commands(
            PaperService(store, SampleSource(), SampleSource(), FixedClock(NOW), defaults=DEFAULTS)
        )
        text = (await commands.handle(ALICE, "status")).text
    finally:
        await store.close()
    assert "2 other channels are paused." in text
    assert "Posting here is paused" not in text
