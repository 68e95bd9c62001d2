"""The verbs of `/papers`, their usage lines, summaries and details: the one table the parsers,
the help text and the platforms' command lists all read; and `usage_error`, the one way every
parser words a mistake with the verb's usage line, with `closest` for its "did you mean".
"""

from __future__ import annotations

import difflib

from bot.records.errors import UserInputError

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
    "foryou",
    "link",
    "unlink",
    "me",
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
    "saved": "/papers saved [remove <arXiv id> | export bibtex|markdown|csv]",
    "top": "/papers top [week|month|all] [export bibtex|markdown|csv] [public]",
    "foryou": "/papers foryou [week]",
    "link": "/papers link [code]",
    "unlink": "/papers unlink",
    "me": "/papers me [subscribe <topics> | unsubscribe <topic | all> | topics | settings "
    "[time HH:MM] [tz Area/City] [cadence daily|weekly [weekday]] [max N] | pause | resume | "
    "forget]",
}


def usage_error(verb: str, problem: str) -> UserInputError:
    """`problem`, then the verb's usage line: every parser's mistakes read alike."""
    return UserInputError(f"{problem}\nUsage: {USAGE[verb]}")


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
    "foryou": "the latest list (or the week's) ranked for you, from what you saved and voted",
    "link": "share this channel's subscription with another channel (channel managers)",
    "unlink": "stop sharing this channel's subscription (channel managers)",
    "me": "your own digest by direct message: your topics, your time (only you see it)",
}


DETAIL = {
    "search": 'Words match in any form ("world" finds "Worlds"); a "quoted phrase" in that '
    'order; -word or -"a phrase" excludes; author:"Name", org:name and kw:"keyword" filter '
    "as topics do. A lone arXiv id or URL shows that paper. When the bot knows no paper, "
    "arXiv is asked the same query.",
    "subscribe": 'Topics: a word (agents; light stemming), a "quoted phrase", -word to '
    'exclude, author:"Name", org:name (the Hugging Face organization), kw:"keyword". '
    "`subscribe` alone starts the plain trending list, or resumes a channel whose posting was "
    "paused; a channel follows at most 25 topics.",
    "similar": "Papers are alike when they share words that few other papers use, in their "
    "titles, keywords and abstracts; the paper itself may be one the bot has not stored.",
    "unsubscribe": "Dropping the last topic leaves the plain trending list; `unsubscribe all` "
    "stops the digests in this channel (and forgets its settings); in a linked channel it "
    "unlinks it too, and the other channels keep theirs.",
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
    "Only you see the answer unless you add `public`. `export bibtex|markdown|csv` answers "
    "with the list as a file (only you get it unless you add `public`).",
    "foryou": "Learns from the papers you saved (🔖) and voted for (👍), in any channel, and "
    "those you marked “Not for me”; each paper says which of yours it is like. Until you "
    "have saved 3 papers it shows the trending list. `week`: the last 7 days' papers. Only "
    "you see the answer.",
    "saved": "🔖 under a paper saves it for you, in any channel; click it again, or use "
    "`saved remove <arXiv id>`, to drop it. `saved export bibtex|markdown|csv` answers with "
    "all your saved papers as a file that only you get: BibTeX in arXiv's own form, a "
    "Markdown list of linked titles with the dates saved, or CSV for a spreadsheet.",
    "link": "`link` alone gives you a one-time code, good for 10 minutes; `link <code>` in a "
    "channel on the other platform, workspace or server joins it to this channel's "
    "subscription: one set of topics, settings and votes, each channel posting on its own "
    "platform. Joining replaces the joining channel's topics and settings. Two channels of "
    "one workspace or server are not linked. After 5 wrong codes in 10 minutes, a channel "
    "(and, separately, its workspace or server) may not try another for 10 minutes.",
    "unlink": "Each channel keeps a copy of the shared topics, settings and votes.",
    "me": "Your own digest, by direct message, without changing any channel's: `me "
    "subscribe` takes topics as `subscribe` does (alone: the plain trending list); `me "
    "settings` sets its time, zone, cadence and size; `me pause` and `me resume` stop and "
    "restart it; `me` alone shows it. A paper one of your channels already posted that day "
    "is linked there instead of shown again. `me forget` deletes everything the bot keeps "
    "about you (your digest, its records, your votes and saves) once you confirm it. Works "
    "in any channel the bot is in (on Slack, in a DM with it too).",
    "today": "A day's list is complete once Hugging Face closes it, early the next morning UTC; "
    "there are none on weekends, so on Monday morning `today` shows Friday's.",
}


def closest(word: str, choices: tuple[str, ...]) -> str | None:
    """The choice a mistyped word most likely meant (a verb, a setting), for "did you mean"."""
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else None
