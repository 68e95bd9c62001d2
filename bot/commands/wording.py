"""The plain-text wording of `/papers` answers: usage, help, topics, settings and status.

Plain text only: each platform's renderer escapes it and adds its own markup.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.chat.connection import ConnectionStatus, LinkState
from bot.commands.parse_cadence import cadence_text
from bot.commands.parse_followups import on_off_text
from bot.records.models import ChannelSettings, Subscription, Topic

if TYPE_CHECKING:
    from bot.digest.service import StatusReport

VERBS = (
    "help",
    "today",
    "search",
    "show",
    "similar",
    "subscribe",
    "unsubscribe",
    "topics",
    "settings",
    "status",
    "saved",
    "top",
    "link",
    "unlink",
)

USAGE = {
    "help": "/papers help [command]",
    "today": "/papers today [YYYY-MM-DD]",
    "search": "/papers search <words>",
    "show": "/papers show <arXiv id or URL>",
    "similar": "/papers similar <arXiv id or URL>",
    "subscribe": '/papers subscribe [topics], e.g. agents "world model" -survey '
    'author:"Yann LeCun" org:google kw:"retrieval augmented generation"',
    "unsubscribe": "/papers unsubscribe <topic | all>",
    "topics": "/papers topics",
    "settings": "/papers settings [time HH:MM] [tz Area/City] [min-upvotes N] [max N] "
    "[weekdays daily|weekdays|catchup] [cadence daily|weekly [weekday]|monthly] "
    "[followups on|off]",
    "status": "/papers status",
    "saved": "/papers saved [remove <arXiv id>]",
    "top": "/papers top [week|month|all] [public]",
    "link": "/papers link [code]",
    "unlink": "/papers unlink",
}

SUMMARY = {
    "help": "this help, or one command's",
    "today": "the digest of the latest complete list (or of that day)",
    "search": "search papers by title, abstract, authors and keywords",
    "show": "one paper, by arXiv id or arXiv / Hugging Face URL",
    "similar": "the stored papers most like one, each with the words they share",
    "subscribe": "start digests here, or follow topics (channel managers)",
    "unsubscribe": "stop following a topic, or stop the digests (channel managers)",
    "topics": "the topics this channel follows",
    "settings": "show or change when and how much this channel gets (channel managers)",
    "status": "what the bot last fetched and when this channel's next digest is due",
    "saved": "the papers you saved with 🔖 (only you see them), or drop one",
    "top": "this channel's most-voted papers (👍) of the week, month or all time",
    "link": "share this channel's subscription with another channel (channel managers)",
    "unlink": "stop sharing this channel's subscription (channel managers)",
}

DETAIL = {
    "subscribe": 'Topics: a word (agents; light stemming), a "quoted phrase", -word to '
    'exclude, author:"Name", org:name (the Hugging Face organization), kw:"keyword". '
    "`subscribe` alone starts the plain trending list, or resumes a channel whose posting was "
    "paused; a channel follows at most 25 topics.",
    "similar": "Papers are alike when they share words that few other papers use, in their "
    "titles, keywords and abstracts; the paper itself may be one the bot has not stored.",
    "unsubscribe": "Dropping the last topic leaves the plain trending list; `unsubscribe all` "
    "stops the digests in this channel (and forgets its settings).",
    "settings": "time and tz set when the daily digest is posted; min-upvotes and max filter "
    "and cap it; weekdays: daily = every day, weekdays = Monday to Friday, catchup = Monday "
    "to Friday with the weekend in Monday's digest. cadence: daily, weekly (the last ISO "
    "week's best, on Monday or the weekday named) or monthly (the last month's best, on the "
    "1st), one or several (`cadence daily weekly fri`). followups on (the default): a short "
    "reply in a digest's thread when one of its papers gets a GitHub repository, passes "
    "100, 1k or 10k stars, a new arXiv version or a first model, dataset or Space on Hugging "
    "Face, for 14 days. Every digest is also settled (by default 24 h and 7 d after it went "
    "out): edited in place with the new counts, and papers that joined the day's list late "
    "replied in its thread. `settings` alone shows them.",
    "top": "Counts the 👍 votes cast in this channel in the last 7 days (week, the default), "
    "30 days (month) or ever (all); ties go to the paper with more Hugging Face upvotes. "
    "Only you see the answer unless you add `public`.",
    "saved": "🔖 under a paper saves it for you, in any channel; click it again, or use "
    "`saved remove <arXiv id>`, to drop it.",
    "link": "`link` alone gives you a one-time code, good for 10 minutes; `link <code>` in a "
    "channel on the other platform, workspace or server joins it to this channel's "
    "subscription: one set of topics, settings and votes, each channel posting on its own "
    "platform. Joining replaces the joining channel's topics and settings.",
    "unlink": "Each channel keeps a copy of the shared topics, settings and votes.",
    "today": "A day's list is complete once Hugging Face closes it, early the next morning UTC; "
    "there are none on weekends, so on Monday morning `today` shows Friday's.",
}

GENERIC_FAILURE = "Something went wrong; it has been logged."
SOURCE_DOWN = "The paper source is not answering right now; try again in a few minutes."
NEXT_STEPS = "Narrow it with /papers subscribe <topics>; set the time with /papers settings."
RESTART = "/papers subscribe starts them again."
MANAGERS_ONLY = "Only people who can manage this channel can change its subscription or settings."


def help_text(verb: str | None = None) -> str:
    if verb is not None:
        lines = [f"Usage: {USAGE[verb]}", SUMMARY[verb].capitalize() + "."]
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
    """`Fri 22 Aug 2026 09:00 Europe/Paris (in 5 h 55 min)`."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%a %d %b %Y %H:%M} {timezone} ({_relative(moment - now)})"


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
    lines = [f"Latest complete day: {report.covered_day.isoformat()}"]
    lines.append(_fetch_line(report))
    subscription = report.subscription
    if subscription is None:
        lines.append("This channel: not subscribed (no scheduled digest).")
    else:
        lines.append(topics_text(subscription))
        lines.append("Settings: " + settings_text(subscription.settings))
        if report.next_digest_at is not None:
            zone = subscription.settings.timezone
            lines.append("Next digest: " + when_text(report.next_digest_at, zone, report.now))
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
    day, count, at = report.last_fetch
    return f"Last fetch: the list for {day.isoformat()}, {count} papers, " + when_text(
        at, "UTC", report.now
    )


def _paused_lines(here: Subscription | None, paused_channels: int) -> list[str]:
    """This channel's pause, if any; other channels only as a count (they may be elsewhere)."""
    reason = here.paused_reason if here is not None else None
    lines = [f"Posting here is paused: {reason}"] if reason else []
    others = paused_channels - (1 if reason else 0)
    if others:
        lines.append(f"{others} other channel{'s are' if others != 1 else ' is'} paused.")
    return lines
