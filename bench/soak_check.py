"""The soak's checker (bench/soak.py): what must hold, from the fakes' records and the store.

Each invariant counts what it checked and lists what broke (a few examples each); figures
(RSS, log volume, database size, catch-up) are reported beside them. docs/soak.md lists them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.records.delivery import DeliveryState
from bot.records.models import Cadence
from bot.schedule.cadence import next_occurrence
from bot.storage.sqlite.store import SqliteStore
from tests.e2e.click_support import discord_vote_labels, slack_vote_labels

if TYPE_CHECKING:
    from bench.soak import Soak
    from bench.soak_world import Sent

TITLE = re.compile(r"Trending papers for [A-Za-z0-9 ]+[0-9]{4}|Best papers of .+")
VOTES = re.compile(r"👍\s*([0-9]*)")  # a 👍 button's label: "1. 👍", "1. 👍 3"
ARXIV = re.compile(r"(?<![0-9.])([0-9]{4}\.[0-9]{4,5})(?![0-9])")
TRACEBACK_EXCUSED = timedelta(hours=2)  # a traceback this soon after a fault began is its own
SETTLE_MARGIN = timedelta(hours=26)  # a post younger than this at the end is not settled yet
END_MARGIN = timedelta(hours=3)  # occurrences this close to the end may still be in flight
RSS_CHECK_DAYS = 7  # before a week, the second tenth is still the warm-up (caches filling)


@dataclass
class Invariant:
    checked: int = 0
    broken: list[str] = field(default_factory=list)

    def count(self, ok: bool, example: str) -> None:
        self.checked += 1
        if not ok:
            self.broken.append(example)


@dataclass
class Report:
    invariants: dict[str, Invariant] = field(default_factory=lambda: defaultdict(Invariant))
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(inv.broken for inv in self.invariants.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "invariants": {
                name: {
                    "checked": inv.checked,
                    "broken": len(inv.broken),
                    "examples": inv.broken[:5],
                }
                for name, inv in self.invariants.items()
            },
            "figures": self.figures,
        }


async def check(soak: Soak, store: SqliteStore) -> Report:
    report = Report()
    await _digests(soak, store, report)
    _no_duplicates(soak, report)
    _late_additions_once(soak, report)
    await _settled_once(soak, store, report)
    await _counts_match_votes(soak, store, report)
    _tracebacks(soak, report)
    _health(soak, report)
    await _catch_up(soak, store, report)
    return report


def _sent(soak: Soak) -> list[Sent]:
    return [*soak.slack.sent, *soak.discord.sent]


async def _digests(soak: Soak, store: SqliteStore, report: Report) -> None:
    """One record per due period, each ended in a state `status` explains; nothing posted
    to a channel after it unsubscribed."""
    start, end = soak.args.start, soak.end - END_MARGIN
    states: Counter[str] = Counter()
    paused = {s.channel.key for s in await store.list_subscriptions() if s.paused_reason}
    heads = defaultdict(set)
    for sent in _sent(soak):
        if sent.thread is None:
            heads[sent.channel].add(sent.message_id)
    every = report.invariants["one record per due period"]
    explained = report.invariants["an unposted period is explained"]
    posted_seen = report.invariants["a posted record's message is in the channel"]
    for member in soak.members:
        left = member.left_at
        settings = member.subscription.settings
        for cadence in settings.cadences:
            moment = start
            while True:
                occurrence = next_occurrence(settings, cadence, moment)
                moment = occurrence.post_at
                if moment > end or (left is not None and moment > left - timedelta(hours=1)):
                    break
                record = await store.get_delivery(member.channel, occurrence.day, cadence)
                where = f"{member.channel.key} {cadence} {occurrence.day}"
                if record is None and member.channel.key in paused:  # `status` says paused
                    states["channel paused"] += 1
                    continue
                every.count(record is not None, f"{where}: no record")
                if record is None:
                    continue
                states[record.state.value] += 1
                if record.state is DeliveryState.POSTED:
                    first = record.message_ids[0] if record.message_ids else ""
                    posted_seen.count(
                        first in heads[member.channel.channel_id],
                        f"{where}: {first} not in the fake",
                    )
                else:
                    gave_up = record.state is not DeliveryState.FAILED or record.next_try_at is None
                    explained.count(
                        bool(record.reason) and gave_up,
                        f"{where}: {record.state} {record.reason!r}",
                    )
    report.figures["period states"] = dict(states)
    quiet = report.invariants["nothing posted after unsubscribing"]
    for member in soak.members:
        left = member.left_at
        if left is None:
            continue
        after = [
            s
            for s in _sent(soak)
            if s.channel == member.channel.channel_id and s.at > left + timedelta(minutes=30)
        ]
        quiet.count(
            not after, f"{member.channel.key}: {len(after)} messages after {left:%m-%d %H:%M}"
        )


def _no_duplicates(soak: Soak, report: Report) -> None:
    """No digest title twice at the top level of a channel."""
    titles: Counter[tuple[str, str]] = Counter()
    for sent in _sent(soak):
        if sent.thread is None and TITLE.fullmatch(sent.headline):
            titles[(sent.channel, sent.headline)] += 1
    once = report.invariants["no digest posted twice"]
    for (channel, title), n in titles.items():
        once.count(n == 1, f"{channel}: {title!r} {n} times")


def _late_additions_once(soak: Soak, report: Report) -> None:
    """A paper comes in a post's late-additions replies at most once."""
    per_post: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for sent in _sent(soak):
        if sent.thread is not None and TITLE.fullmatch(sent.headline):
            for arxiv_id in set(ARXIV.findall(sent.text)):
                per_post[(sent.channel, sent.thread)][arxiv_id] += 1
    once = report.invariants["a late addition at most once per post"]
    for (channel, thread), ids in per_post.items():
        for arxiv_id, n in ids.items():
            once.count(n == 1, f"{channel} {thread}: {arxiv_id} {n} times")
    report.figures["posts with late additions"] = len(per_post)


async def _settled_once(soak: Soak, store: SqliteStore, report: Report) -> None:
    """Each post old enough has at most one task per age, each ended once."""
    posted = await store.deliveries_posted_since(soak.args.start)
    tasks = report.invariants["settled at most once at 24 h and at 7 d"]
    done: Counter[str] = Counter()
    for delivery in posted:
        if delivery.cadence is not Cadence.DAILY or delivery.posted_at is None:
            continue
        if delivery.posted_at > soak.end - SETTLE_MARGIN:
            continue
        found = await store.settle_tasks_of(delivery.channel, delivery.day)
        ages = Counter(task.age_hours for task in found)
        tasks.count(
            all(n == 1 for n in ages.values()),
            f"{delivery.channel.key} {delivery.day}: {dict(ages)}",
        )
        for task in found:
            done[f"{task.age_hours}h {task.state.value}"] += 1
    report.figures["settle tasks"] = dict(done)


async def _counts_match_votes(soak: Soak, store: SqliteStore, report: Report) -> None:
    """The 👍 counts a digest message shows, as last edited, are the store's votes."""
    shown: list[tuple[str, dict[str, str]]] = []
    for member in soak.members:
        channel = member.channel
        if channel.platform == "slack":
            messages = soak.slack.channels[channel.channel_id].messages
            shown += [(channel.key, slack_vote_labels(m)) for m in messages]
        else:
            made = [m for m in soak.discord.created if m["channel_id"] == channel.channel_id]
            shown += [(channel.key, discord_vote_labels(m)) for m in made]
    same = report.invariants["counts in a message's last edit equal the store's votes"]
    for channel_key, labels in shown:
        if not labels:
            continue
        counts = await store.vote_counts(await store.vote_key(channel_key), list(labels))
        for arxiv_id, label in labels.items():
            found = VOTES.search(label)
            on_message = int(found.group(1) or 0) if found else -1
            stored = counts.get(arxiv_id, 0)
            same.count(on_message == stored, f"{channel_key} {arxiv_id}: {on_message} vs {stored}")


def _tracebacks(soak: Soak, report: Report) -> None:
    """No traceback in the bot's log unless a fault began shortly before it."""
    text = soak.log_path.read_text(encoding="utf-8", errors="replace")
    windows = [
        (soak.args.start + fault.at, soak.args.start + fault.ends + TRACEBACK_EXCUSED)
        for fault in soak.faults
    ]
    stamp: datetime | None = None
    clean = report.invariants["no traceback outside the faults"]
    excused = 0
    for line in text.splitlines():
        if (found := re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", line)) is not None:
            stamp = datetime.fromisoformat(found.group(1)).replace(tzinfo=soak.args.start.tzinfo)
        if line.startswith("Traceback"):
            inside = stamp is not None and any(a <= stamp <= b for a, b in windows)
            excused += inside
            clean.count(inside, f"at {stamp}: {line}")
    report.figures["tracebacks during faults"] = excused
    report.figures["log bytes per simulated day"] = round(len(text.encode()) / soak.args.days)


def _health(soak: Soak, report: Report) -> None:
    samples = soak.samples
    rss = samples.rss_kb
    days = soak.args.days
    second = [kb for day, kb in rss if days * 0.1 <= day < days * 0.2]
    last = [kb for day, kb in rss if day >= days * 0.9]
    if second and last and days >= RSS_CHECK_DAYS:
        report.invariants["peak RSS, last tenth <= 1.2 x second tenth"].count(
            max(last) <= 1.2 * max(second), f"{max(last)} kB vs {max(second)} kB"
        )
    report.figures["rss_kb by day"] = _per_day(rss)
    report.figures["db_bytes by day"] = _per_day(samples.db_bytes)
    report.figures["launches"] = len(samples.launches)
    report.figures["exits"] = samples.exits
    report.figures["clicks"] = samples.clicks
    report.figures["commands"] = samples.commands
    report.figures["faults"] = samples.faults_done
    report.figures["simulated days"] = days
    report.figures["messages"] = len(_sent(soak))
    report.figures["edits"] = len(soak.slack.updates) + len(soak.discord.updates)
    report.figures["discord refusals (not 429)"] = [
        f"{at:%m-%d %H:%M} {method} {path} {status}"
        for at, method, path, status in soak.discord.refused
        if status != 429
    ][:20]


def _per_day(samples: list[tuple[float, int]]) -> dict[int, int]:
    """The peak of each simulated day."""
    peaks: dict[int, int] = {}
    for day, value in samples:
        peaks[int(day)] = max(peaks.get(int(day), 0), value)
    return peaks


async def _catch_up(soak: Soak, store: SqliteStore, report: Report) -> None:
    """After each Hugging Face outage: how long until every post due during it went out."""
    posted = await store.deliveries_posted_since(soak.args.start)
    catch_up = {}
    for fault in soak.faults:
        if fault.kind != "hf_down":
            continue
        begin, end = soak.args.start + fault.at, soak.args.start + fault.ends
        late = [d.posted_at for d in posted if begin <= d.post_at < end and d.posted_at]
        hours = max(((t - end) / timedelta(hours=1) for t in late), default=0.0)
        catch_up[f"{fault.hours:g} h from day {fault.at_h / 24:.1f}"] = round(max(hours, 0.0), 2)
    report.figures["catch-up after HF outages (simulated hours)"] = catch_up
