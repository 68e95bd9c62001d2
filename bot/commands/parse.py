"""Pure parsing of `/papers` command text into typed requests: no I/O, no clock, no store.

Every mistake raises `UserInputError` with a short message naming what was wrong and the
verb's usage, so the platform can show it as it is.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.commands.parse_links import Link, Unlink, parse_link, parse_unlink
from bot.commands.parse_me import Me, parse_me
from bot.commands.parse_settings import SettingsChange, parse_settings_change
from bot.commands.parse_votes import ForYou, Saved, Top, parse_foryou, parse_saved, parse_top
from bot.commands.verbs import VERBS, closest, usage_error
from bot.records.errors import UserInputError
from bot.storage.search.search_plan import ParsedQuery, parse_query
from bot.text.arxiv_ids import parse_arxiv_id
from bot.text.input_text import plain_quotes, refuse_control_characters

MAX_QUERY_CHARS = 300
SLOW_VERBS = frozenset({"today", "search", "show", "status", "similar", "foryou"})

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Words:
    """`text` split on spaces, double quotes grouping; an unclosed quote runs to the end."""

    words: tuple[str, ...]
    unbalanced_quote: bool = False


@dataclass(frozen=True, slots=True)
class Help:
    verb: str | None = None


@dataclass(frozen=True, slots=True)
class Today:
    day: date | None = None


@dataclass(frozen=True, slots=True)
class Search:
    query: str


@dataclass(frozen=True, slots=True)
class Show:
    arxiv_id: str


@dataclass(frozen=True, slots=True)
class Similar:
    arxiv_id: str


@dataclass(frozen=True, slots=True)
class Subscribe:
    topics_text: str  # handed to bot.digest.topics.parse_topics; "" = the plain trending list


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    topics_text: str | None  # None = all: stop the digests


@dataclass(frozen=True, slots=True)
class ListTopics:
    pass


@dataclass(frozen=True, slots=True)
class Settings:
    change: SettingsChange


@dataclass(frozen=True, slots=True)
class Status:
    pass


Command = (
    Help
    | Today
    | Search
    | Show
    | Similar
    | Subscribe
    | Unsubscribe
    | ListTopics
    | Settings
    | Status
    | Saved
    | Top
    | ForYou
    | Link
    | Unlink
    | Me
)


def normalize_quotes(text: str) -> str:
    return plain_quotes(text)


def split_words(text: str) -> Words:
    """Split like a shell on double quotes only (apostrophes stay in words: "LeCun's")."""
    words: list[str] = []
    current: list[str] = []
    in_word = in_quote = False
    for char in normalize_quotes(text):
        if char == '"':
            in_quote, in_word = not in_quote, True
        elif char.isspace() and not in_quote:
            if in_word:
                words.append("".join(current))
            current, in_word = [], False
        else:
            current.append(char)
            in_word = True
    if in_word:
        words.append("".join(current))
    return Words(tuple(words), unbalanced_quote=in_quote)


def split_verb(text: str) -> tuple[str, str]:
    """(lower-cased verb, the rest of the line). A leading `/papers` word is dropped."""
    parts = normalize_quotes(text).split(maxsplit=1)
    if parts and parts[0].lower() == "/papers":
        parts = parts[1].split(maxsplit=1) if len(parts) > 1 else []
    verb = parts[0].lower() if parts else ""
    return verb, parts[1].strip() if len(parts) > 1 else ""


def verb_of(text: str) -> str:
    return split_verb(text)[0]


def is_slow(text: str) -> bool:
    """Whether the verb may take longer than a platform's 3 s answer window (defer it)."""
    return verb_of(text) in SLOW_VERBS


def parse_command(text: str) -> Command:
    """The typed request in `text` (the words after `/papers`). Raises UserInputError."""
    try:
        refuse_control_characters(text)
    except UserInputError as exc:
        raise UserInputError(_sentence(str(exc))) from None
    verb, rest = split_verb(text)
    if not verb:
        return Help()
    if verb not in VERBS:
        raise UserInputError(_unknown_verb(verb))
    if split_words(rest).unbalanced_quote:
        raise usage_error(verb, 'Unbalanced quote: every " needs a closing ".')
    return _PARSERS[verb](rest)


def _sentence(problem: str) -> str:
    return problem[:1].upper() + problem[1:] + "."


def _unknown_verb(verb: str) -> str:
    shown = verb[:30]
    guess = closest(verb, VERBS)
    hint = f" Did you mean `{guess}`?" if guess else ""
    return f"Unknown command `{shown}`.{hint} Try `/papers help`."


def _parse_help(rest: str) -> Help:
    words = split_words(rest).words
    if words[:1] and words[0].lower() == "/papers":
        words = words[1:]  # `help /papers search` names `search`
    if not words:
        return Help()
    verb = words[0].lower()
    if verb not in VERBS:
        raise UserInputError(_unknown_verb(verb))
    return Help(verb)


def _parse_today(rest: str) -> Today:
    words = split_words(rest).words
    if not words:
        return Today()
    if len(words) > 1:
        raise usage_error("today", "`today` takes at most one date.")
    return Today(parse_day(words[0]))


def parse_day(text: str) -> date:
    """A `YYYY-MM-DD` date. Raises UserInputError."""
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise usage_error("today", f"Bad date `{text[:30]}`: use YYYY-MM-DD.") from None


def _parse_search(rest: str) -> Search | Show:
    try:
        return read_search(rest)
    except UserInputError as exc:
        raise usage_error("search", str(exc)) from None


def read_search(text: str) -> Search | Show:
    """What `search text` asks for: one arXiv id or paper URL is a `show` (answered as
    `show` answers it); anything else a search, read as the stores read it (`parse_query`).
    Raises UserInputError (the problem alone: the CLI shares this, with its own usage)."""
    query = " ".join(text.split())
    if not query:
        raise UserInputError("Search needs some words to look for.")
    if len(query) > MAX_QUERY_CHARS:
        raise UserInputError(
            f"That query is {len(query)} characters; the limit is {MAX_QUERY_CHARS}."
        )
    words = split_words(query).words
    if len(words) == 1:
        with contextlib.suppress(ValueError):
            return Show(parse_arxiv_id(words[0]))
    plan = parse_query(query)
    if plan.is_empty:
        raise UserInputError(_nothing_to_search(plan))
    return Search(query)


def _nothing_to_search(plan: ParsedQuery) -> str:
    """Why a query with no word to look for is refused: run as it stood, exclusions alone
    matched nothing in the store and then reached arXiv as words to find."""
    if plan.only_excludes:
        return "Only exclusions (-word) leave nothing to search: add a word to search for."
    if plan.filters:
        return "org: only narrows a search: add a word to search for."
    return "Search needs some words (letters or digits) to look for."


def _parse_show(rest: str) -> Show:
    return Show(_one_arxiv_id("show", rest))


def _parse_similar(rest: str) -> Similar:
    return Similar(_one_arxiv_id("similar", rest))


def _one_arxiv_id(verb: str, rest: str) -> str:
    words = split_words(rest).words
    if len(words) != 1:
        named = verb.capitalize()
        problem = f"{named} needs an arXiv id." if not words else f"{named} takes one arXiv id."
        raise usage_error(verb, problem)
    try:
        return parse_arxiv_id(words[0])
    except ValueError as exc:
        raise usage_error(verb, f"Bad arXiv id: {exc}.") from None


def _parse_subscribe(rest: str) -> Subscribe:
    return Subscribe(rest)  # no topics: the plain trending list


def _parse_unsubscribe(rest: str) -> Unsubscribe:
    if not rest:
        raise usage_error("unsubscribe", "Name a topic to drop, or `all`.")
    if rest.lower() == "all":
        return Unsubscribe(None)
    return Unsubscribe(rest)


def _no_arguments(verb: str, rest: str) -> None:
    if rest:
        raise usage_error(verb, f"`{verb}` takes no arguments.")


def _parse_topics(rest: str) -> ListTopics:
    _no_arguments("topics", rest)
    return ListTopics()


def _parse_status(rest: str) -> Status:
    _no_arguments("status", rest)
    return Status()


def _parse_settings(rest: str) -> Settings:
    return Settings(parse_settings_change(split_words(rest).words))


_PARSERS: dict[str, Callable[[str], Command]] = {
    "help": _parse_help,
    "today": _parse_today,
    "search": _parse_search,
    "show": _parse_show,
    "similar": _parse_similar,
    "subscribe": _parse_subscribe,
    "unsubscribe": _parse_unsubscribe,
    "topics": _parse_topics,
    "settings": _parse_settings,
    "status": _parse_status,
    "saved": parse_saved,  # bot/commands/parse_votes.py; answered by bot/commands/votes.py
    "top": parse_top,
    "foryou": parse_foryou,  # answered by bot/commands/votes.py
    "link": parse_link,  # bot/commands/parse_links.py; answered by bot/commands/links.py
    "unlink": parse_unlink,
    "me": parse_me,  # bot/commands/parse_me.py; answered by bot/commands/me.py
}
