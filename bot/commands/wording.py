"""The plain-text wording of `/papers` answers: usage, help, topics, settings and status, who
made a change, and the refusal to someone who may not manage the channel.

Plain text only: each platform's renderer escapes it and adds its own markup.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.commands.parse_settings import cadence_text, on_off_text
from bot.commands.verbs import DETAIL, SUMMARY, USAGE, VERBS
from bot.digest.service import StatusReport
from bot.records.chat import CommandContext, ConnectionStatus, LinkState, Reply
from bot.records.digest import Digest
from bot.records.errors import SourceUnreachable, StoreBusy, StoreFull, UserInputError
from bot.records.instants import Style, mark
from bot.records.models import Cadence, ChannelSettings, SearchResults, Subscription, Topic

GENERIC_FAILURE = "Something went wrong; it has been logged."
SOURCE_DOWN = "The paper source is not answering right now; try again in a few minutes."
SOURCE_NAMES = {"huggingface": "Hugging Face", "arxiv": "arXiv"}
NEXT_STEPS = "Narrow it with /papers subscribe <topics>; set the time with /papers settings."
RESTART = "/papers subscribe starts them again."
SAMPLE_NEVER_DUE = (
    "Next digest: none. The offline sample's clock stands still, so no digest comes due "
    "(scheduled delivery is off); /papers today shows one."
)
STORE_BUSY = "The bot's database is busy"
STORE_FULL = "The bot's database is full"
MANAGERS_ONLY = "Only people who can manage this channel can change its subscription or settings."


def store_fault_text(exc: StoreBusy | StoreFull, unchanged: str = "nothing was changed") -> str:
    """What a user reads when the database refused a write: which fault, that the write
    was rolled back (`unchanged` says what that means for them), and when to try again."""
    head = STORE_BUSY if isinstance(exc, StoreBusy) else STORE_FULL
    return f"{head}; {unchanged}. Try again in a minute."


def require_manager(ctx: CommandContext) -> None:
    """Raises UserInputError unless the user may change this channel's subscription: one
    check and one wording for subscribe, settings, link and the rest."""
    if not ctx.can_manage:
        raise UserInputError(MANAGERS_ONLY)


def who(ctx: CommandContext) -> str:
    """`@alice`: plain text; renderers escape it, so it never pings anyone."""
    name = ctx.user_name or ctx.user_id
    return name if name.startswith("@") else "@" + name


def help_text(verb: str | None = None) -> str:
    if verb is not None:
        summary = SUMMARY[verb]
        lines = [f"Usage: {USAGE[verb]}", summary[:1].upper() + summary[1:] + "."]
        if verb in DETAIL:
            lines.append(DETAIL[verb])
        return "\n".join(lines)
    width = max(len(v) for v in VERBS)
    rows = [f"  {v.ljust(width)}  {SUMMARY[v]}" for v in VERBS]
    return "\n".join(
        [
            "/papers: trending research papers from Hugging Face Daily Papers.",
            *rows,
            "`/papers help <command>` shows one command's usage.",
        ]
    )


def no_paper_text(arxiv_id: str, lookup: str) -> str:
    """`show` found nothing: say where it looked (`lookup` is the look-up source's name);
    with the offline sample, arXiv was never asked."""
    if lookup == "sample":
        return f"No paper {arxiv_id} in the offline sample (arXiv was not asked)."
    if lookup == "arxiv":
        return f"No paper {arxiv_id} on arXiv."
    return f"No paper {arxiv_id} from {lookup}."


def unreachable_text(exc: SourceUnreachable) -> str:
    """A source whose host cannot be reached: `Hugging Face has not answered since 09:41 UTC
    (connection refused); try again in a few minutes.` (no host: that is for the log). The
    time is marked: each reader sees it in their own zone."""
    name = SOURCE_NAMES.get(exc.source, exc.source)
    since = mark(exc.since, "UTC", Style.TIME)
    return f"{name} has not answered since {since} ({exc.cause}); try again in a few minutes."


def stored_list_text(digest: Digest) -> str:
    """What `today` shows instead while the source is down: the newest list stored."""
    return f"The newest list stored is {digest.day:%A %d %B %Y}'s:"


def topics_list(topics: tuple[Topic, ...]) -> str:
    return ", ".join(str(t) for t in topics)


def settings_text(settings: ChannelSettings) -> str:
    """The settings as the user would type them, so they can be copied and edited."""
    return (
        f"time {settings.post_time:%H:%M} tz {settings.timezone} "
        f"min-upvotes {settings.min_upvotes} max {settings.max_papers} "
        f"weekdays {settings.weekday_policy.value} "
        f"cadence {cadence_text(settings.cadences, settings.weekly_day)} "
        f"followups {on_off_text(settings.followups)}"
    )


def dropped_cadences_text(before: ChannelSettings, after: ChannelSettings) -> str:
    """` The daily digest stops here; ...`: a `cadence` names the digests a channel gets, so
    `cadence weekly fri` ends the daily one. Say so, and how to keep it. "" if none ends."""
    dropped = [c for c in before.cadences if c not in after.cadences]
    if not dropped:
        return ""
    names = " and ".join(c.value for c in dropped)
    kept = tuple(c for c in Cadence if c in after.cadences or c in dropped)
    both = cadence_text(kept, after.weekly_day)
    plural = "s stop" if len(dropped) > 1 else " stops"
    return f" The {names} digest{plural} here; to keep it too: /papers settings cadence {both}."


def topics_text(subscription: Subscription | None) -> str:
    if subscription is None:
        return "This channel is not subscribed. Start with `/papers subscribe [topics]`."
    if not subscription.topics:
        return "This channel follows no topics: it gets the plain trending list."
    count = len(subscription.topics)
    return f"This channel follows {count} topic{'s' if count != 1 else ''}: " + topics_list(
        subscription.topics
    )


def when_text(moment: datetime, timezone: str, now: datetime) -> str:
    """`Fri 22 Aug 2026 09:00 Europe/Paris (in 5 h 55 min)` on the console: the moment is
    marked (bot/records/instants.py), so Slack and Discord show it in the reader's zone;
    `timezone` is the zone the console names. The relative part holds in every zone."""
    return f"{mark(moment, timezone)} ({_relative(moment - now)})"


def next_digest_text(at: datetime, zone: str, now: datetime) -> str:
    """`Next digest: Mon 24 Aug 2026 09:30 Europe/Paris (in 1 d 20 h)`: the console names the
    channel's zone; on Slack and Discord each reader sees the moment in their own."""
    return "Next digest: " + when_text(at, zone, now)


def _relative(delta: timedelta) -> str:
    minutes = round(abs(delta.total_seconds()) / 60)
    days, rem = divmod(minutes, 24 * 60)
    hours, mins = divmod(rem, 60)
    units = ((days, "d"), (hours, "h"), (mins, "min"))
    parts = [f"{n} {unit}" for n, unit in units if n]
    span = " ".join(parts[:2]) if minutes else "now"  # the two largest units, none zero
    if not minutes:
        return span
    return f"in {span}" if delta.total_seconds() > 0 else f"{span} ago"


def status_text(report: StatusReport, channel_key: str) -> str:
    sample = report.sample
    lines = [f"Papers from {sample.describe()}."] if sample else []
    lines.append(f"Latest complete day: {report.covered_day.isoformat()}")
    lines.append(_fetch_line(report))
    lines.extend(attempt_lines(report))
    lines.append(f"This channel's key: {channel_key} (for paperbot post-now --channel)")
    subscription = report.subscription
    if subscription is None:
        lines.append("This channel: not subscribed (no scheduled digest).")
    else:
        lines.append(topics_text(subscription))
        lines.append("Settings: " + settings_text(subscription.settings))
        if sample is not None:
            lines.append(SAMPLE_NEVER_DUE)
        elif report.next_digest_at is not None:
            zone = subscription.settings.timezone
            lines.append(next_digest_text(report.next_digest_at, zone, report.now))
    if report.last_digest:
        lines.append("Last digest: " + report.last_digest)
    lines.extend(_paused_lines(subscription, report.paused_channels))
    lines.extend(connection_text(c, report.now) for c in report.connections)
    return "\n".join(lines)


def connection_text(status: ConnectionStatus, now: datetime) -> str:
    """`Slack: reconnecting (attempt 3, last error: timed out) since Sat 22 Aug ...`."""
    state = status.state.value
    if status.state is LinkState.RECONNECTING:
        state += f" (attempt {status.attempt}, last error: {status.last_error})"
    return f"{status.platform.capitalize()}: {state} since " + when_text(status.since, "UTC", now)


def _fetch_line(report: StatusReport) -> str:
    if report.last_fetch is None:
        return "Last fetch: never."
    fetch = report.last_fetch
    # Items the source sent that could not be read (a count past what the store holds, no
    # title...) are left out of the list; saying how many tells the list is short, and why.
    left_out = f" ({fetch.skipped} unreadable left out)" if fetch.skipped else ""
    listed = f"the list for {fetch.day.isoformat()}, {fetch.papers} papers{left_out}"
    return f"Last fetch: {listed}, " + when_text(fetch.at, "UTC", report.now)


def attempt_lines(report: StatusReport) -> list[str]:
    """The source's latest attempt, when it failed: `Last attempt: the list for 2026-08-21,
    Mon 07 Dec 2026 23:40 UTC (5 min ago), failed: huggingface (...): connection refused`.
    Nothing when it worked (the fetch line says it)."""
    attempt = report.last_attempt
    if attempt is None or attempt.error is None:
        return []
    when = when_text(attempt.at, "UTC", report.now)
    day = attempt.day.isoformat()
    return [f"Last attempt: the list for {day}, {when}, failed: {attempt.error}"]


def _paused_lines(here: Subscription | None, paused_channels: int) -> list[str]:
    """This channel's pause, if any; other channels only as a count (they may be elsewhere)."""
    reason = here.paused_reason if here is not None else None
    lines = [f"Posting here is paused: {reason}"] if reason else []
    others = paused_channels - (1 if reason else 0)
    if others:
        lines.append(f"{others} other channel{'s are' if others != 1 else ' is'} paused.")
    return lines


def search_reply(query: str, found: SearchResults) -> Reply:
    """A search's answer: a header naming the query once, exact papers, then close ones."""
    shown = _quoted(query)
    if not found:
        return Reply(f"No papers found for {shown}.")
    count = len(found.papers)
    header = f"{count} paper{'s' if count != 1 else ''} for {shown}"
    if not found.exact:
        header += " (no exact match; close matches only)"
    return Reply(header + ":", papers=found.exact, close_papers=found.close)


def _quoted(query: str) -> str:
    """The query in double quotes, unless it holds the user's own (a phrase): as typed."""
    query = query.strip()
    return query if '"' in query else f'"{query}"'
