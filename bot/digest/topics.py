"""Pure: parse a channel's topics, and decide whether a paper matches them and why.

What a user types after `/papers subscribe` (commas and any Unicode whitespace separate
topics; the text is NFKC-normalised first, so full-width letters, quotes and colons work):

    agents  "world model"  -survey  -"position paper"  author:"Yann LeCun"  org:google  kw:diffusion

- a bare word is a TERM; a word with inner punctuation ("gpt-4o") must match as consecutive
  words, like a phrase;
- "quoted words" are a PHRASE: the words in that order;
- -word or -"some words" EXCLUDEs any paper that mentions them, whatever else matched;
- author:Name or author:"First Last" is an AUTHOR: the full name, case- and accent-
  insensitively; a single word (author:LeCun) matches an author's last name;
- org:name is the paper's Hugging Face ORGanization ("org:google", "org:antresearch" and
  "org:ant research" all match "Ant Research");
- kw:word or kw:"multi word" is an HF KEYWORD: words inside one of the paper's ai_keywords.

Matching is word-based and case-insensitive, over the title, the abstract, the HF AI summary
and the HF keywords. Words are compared after a light suffix stripper (`stem`): plurals
(agents, studies, approaches), -ing and -ed (learning, trained), and a final -e (generate,
generating). Stems never get shorter than four letters, so "RAG" matches "RAGs" and
"RAG-based" but never "leverage", "storage" or "rage". Positive topics are OR-ed together; a
subscription with no positive topics (none at all, or only excludes) is the plain trending
list: every paper that is not excluded matches, with no reasons.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from bot.records.errors import UserInputError
from bot.records.models import Match, Paper, Topic, TopicKind
from bot.text.input_text import plain_quotes, refuse_control_characters
from bot.text.words import WORD_PATTERN, stem, words

MAX_TOPICS = 25
MAX_TOPIC_CHARS = 100
PREFIXES = {"author": TopicKind.AUTHOR, "org": TopicKind.ORG, "kw": TopicKind.KEYWORD}
POSITIVE_KINDS = frozenset(TopicKind) - {TopicKind.EXCLUDE}
_PREFIX_HINT = "use author:Name, org:name or kw:word (or quote the text)"

# ---------------------------------------------------------------------------- parsing


def parse_topics(text: str) -> tuple[Topic, ...]:
    """Every topic in `text`, normalised, de-duplicated, in the order typed.

    A stored topic is what `str(topic)` shows and what typing that back parses to again.
    """
    refuse_control_characters(text)
    topics: list[Topic] = []
    seen: set[tuple[TopicKind, str]] = set()
    for raw in _split(plain_quotes(unicodedata.normalize("NFKC", text))):
        topic = _make_topic(raw)
        key = topic_key(topic)
        if key not in seen:
            seen.add(key)
            topics.append(topic)
    if len(topics) > MAX_TOPICS:
        raise UserInputError(f"too many topics: {len(topics)} (at most {MAX_TOPICS})")
    return tuple(topics)


def topic_key(topic: Topic) -> tuple[TopicKind, str]:
    """What makes two topics the same: their words as matching sees them (case, accents,
    compatibility forms, punctuation and spacing ignored).

    A term of several words ("gpt-4o") matches exactly like a phrase, and one stored before
    topics were normalised ("a b", split on a no-break space) is shown quoted, so typing it
    back gives a phrase: both count as the phrase they are shown as.
    """
    folded = words(topic.value)
    several = len(folded) > 1
    kind = TopicKind.PHRASE if topic.kind is TopicKind.TERM and several else topic.kind
    return kind, " ".join(folded)


def parse_topic(text: str) -> Topic:
    """Exactly one topic, as for `/papers unsubscribe <topic>`."""
    topics = parse_topics(text)
    if len(topics) != 1:
        got = "none" if not topics else str(len(topics))
        raise UserInputError(f'give exactly one topic (got {got}); quote a phrase: "world model"')
    return topics[0]


@dataclass(frozen=True, slots=True)
class _RawTopic:
    prefix: str  # "", "-", or a word before ":" such as "author"
    value: str
    quoted: bool


def _split(text: str) -> list[_RawTopic]:
    """Cut the user's text into raw topics; quotes group words, spaces and commas split."""
    found: list[_RawTopic] = []
    i = 0
    while i < len(text):
        if _is_separator(text[i]):
            i += 1
            continue
        raw, i = _read_one(text, i)
        found.append(raw)
    return found


def _is_separator(char: str) -> bool:
    return char == "," or char.isspace()  # every Unicode space: U+00A0, U+2003, U+3000...


def _read_one(text: str, start: int) -> tuple[_RawTopic, int]:
    """One raw topic starting at `start`, and the offset just past it."""
    prefix, i = "", start
    if text[i] == "-":
        prefix, i = "-", i + 1
    else:
        colon = re.match(r"([^\W\d_]+):", text[i:])
        if colon:
            prefix, i = colon.group(1).lower(), i + colon.end()
    if i < len(text) and text[i] == '"':
        close = text.find('"', i + 1)
        if close < 0:
            raise UserInputError(f"unbalanced quote in: {text[start : start + 40]}")
        return _RawTopic(prefix, text[i + 1 : close], quoted=True), close + 1
    end = i
    while end < len(text) and not _is_separator(text[end]) and text[end] != '"':
        end += 1
    return _RawTopic(prefix, text[i:end], quoted=False), end


def _make_topic(raw: _RawTopic) -> Topic:
    value = " ".join(raw.value.split())
    shown = f"{raw.prefix}:" if raw.prefix not in ("", "-") else raw.prefix
    if raw.prefix not in ("", "-") and raw.prefix not in PREFIXES:
        raise UserInputError(f'unknown prefix "{shown}": {_PREFIX_HINT}')
    if not value:
        quotes = '""' if raw.quoted else ""
        raise UserInputError(f'empty topic "{shown}{quotes}"')
    if len(value) > MAX_TOPIC_CHARS:
        raise UserInputError(f"topic too long: {value[:30]}… (at most {MAX_TOPIC_CHARS} chars)")
    if not words(value):
        raise UserInputError(f'topic "{value}" has no letters or digits')
    if raw.prefix == "-":
        return Topic(TopicKind.EXCLUDE, _normal(value))
    if raw.prefix:
        kind = PREFIXES[raw.prefix]
        return Topic(kind, value if kind is TopicKind.AUTHOR else _normal(value))
    if not raw.quoted and value.casefold() == "all":
        # `unsubscribe all` stops the digests: a topic `all` could never be dropped alone.
        raise UserInputError('`all` alone is no topic (it stops the digests); quote it: "all"')
    return Topic(TopicKind.PHRASE if raw.quoted else TopicKind.TERM, _normal(value))


def _normal(value: str) -> str:
    """NFKC and case-folded: what is stored, shown, and typed back. (Authors keep their
    case for display; matching folds them like everything else.)"""
    return unicodedata.normalize("NFKC", value.casefold())


# ---------------------------------------------------------------------- normalising


# ------------------------------------------------------------------------- matching


@dataclass(frozen=True, slots=True, eq=False)
class _Field:
    """One searchable text and its word stems (interned: papers share their vocabulary)."""

    label: str  # "title", "abstract", "AI summary", "HF keyword"
    text: str
    stems: tuple[str, ...]
    spans: array[int]  # where each stem's word starts and ends in `text`: 2 numbers a stem

    @classmethod
    def of(cls, label: str, text: str) -> _Field:
        text = unicodedata.normalize("NFC", text)
        found = _words_at(text)
        spans = array("I", (edge for span, _ in found for edge in span))
        return cls(label, text, tuple(sys.intern(stem(w)) for _, w in found), spans)

    def find(self, query: Sequence[str]) -> str | None:
        """The original text of the first place where `query` stems occur in a row."""
        at = self._first(tuple(query))
        if at is None:
            return None
        return self.text[self.spans[2 * at] : self.spans[2 * (at + len(query)) - 1]]

    def _first(self, query: tuple[str, ...]) -> int | None:
        if not query:
            return None
        stems, at = self.stems, -1
        while True:
            try:
                at = stems.index(query[0], at + 1)  # a C-speed scan
            except ValueError:
                return None
            if stems[at : at + len(query)] == query:
                return at


def _words_at(text: str) -> list[tuple[tuple[int, int], str]]:
    """(span in `text`, folded word) pairs; folding may split a word ("½" -> "1", "2")."""
    if text.isascii():  # most text: folding is lower-casing, one word a match
        return [(m.span(), m.group().lower()) for m in WORD_PATTERN.finditer(text)]
    return [(m.span(), word) for m in WORD_PATTERN.finditer(text) for word in words(m.group())]


@dataclass(frozen=True, slots=True)
class PaperIndex:
    fields: tuple[_Field, ...]  # title, abstract, AI summary
    keywords: tuple[_Field, ...]
    authors: tuple[tuple[str, tuple[str, ...]], ...]  # (display name, folded words)
    organization: str  # display name, e.g. "Ant Research"
    organization_words: tuple[str, ...]
    stems: frozenset[str]  # every stem of the fields and keywords: a quick "cannot match"


def paper_index(paper: Paper) -> PaperIndex:
    """A paper's tokens, made once: a digest run matches many channels against the same papers.

    Keyed on the paper's searchable text, so changed text is never served stale, while a
    paper read again from the store, or refreshed with new upvotes, is not tokenised again.
    """
    return _tokenised(
        paper.title,
        paper.abstract,
        paper.ai_summary,
        paper.ai_keywords,
        paper.authors,
        paper.organization,
    )


# An entry holds a paper's tokens and word spans (its size: docs/benchmarks.md, "Digest and
# commands"). A run covers at most a few days: a Monday catch-up of three 500-paper days
# must fit, or every look-up of a channel walking the list misses (least recently used).
@functools.lru_cache(maxsize=2048)
def _tokenised(
    title: str,
    abstract: str,
    ai_summary: str | None,
    ai_keywords: tuple[str, ...],
    authors: tuple[str, ...],
    organization: str | None,
) -> PaperIndex:
    texts = (("title", title), ("abstract", abstract), ("AI summary", ai_summary))
    fields = tuple(_Field.of(label, text) for label, text in texts if text)
    keywords = tuple(_Field.of("HF keyword", kw) for kw in ai_keywords)
    return PaperIndex(
        fields=fields,
        keywords=keywords,
        authors=tuple((name, tuple(words(name))) for name in authors),
        organization=organization or "",
        organization_words=tuple(words(organization or "")),
        stems=frozenset(s for field in fields + keywords for s in field.stems),
    )


def match_paper(paper: Paper, topics: Sequence[Topic]) -> Match | None:
    """A Match with the reasons `paper` fits `topics`, or None (excluded or no topic fits)."""
    index = paper_index(paper)
    positive = [t for t in topics if t.kind in POSITIVE_KINDS]
    for topic in topics:
        if topic.kind is TopicKind.EXCLUDE and _text_reason(index, topic.value) is not None:
            return None
    if not positive:
        return Match(paper)
    reasons = dict.fromkeys(r for r in (_reason(index, t) for t in positive) if r is not None)
    return Match(paper, tuple(reasons)) if reasons else None  # "agent agents": one reason


def topic_reason(paper: Paper, topic: Topic) -> str | None:
    """Why `paper` fits this one topic, or None; for an exclude, where the paper mentions it.

    `match_paper` is these combined; many channels' digests share them per (paper, topic).
    """
    return index_reason(paper_index(paper), topic)


def index_reason(index: PaperIndex, topic: Topic) -> str | None:
    """`topic_reason` for the paper `index` was made from (for callers that keep it)."""
    if topic.kind is TopicKind.EXCLUDE:
        return _text_reason(index, topic.value)
    return _reason(index, topic)


def _reason(index: PaperIndex, topic: Topic) -> str | None:
    if topic.kind is TopicKind.AUTHOR:
        return _author_reason(index, topic.value)
    if topic.kind is TopicKind.ORG:
        return _org_reason(index, topic.value)
    if topic.kind is TopicKind.KEYWORD:
        return _keyword_reason(index, topic.value)
    return _text_reason(index, topic.value)


@functools.lru_cache(maxsize=16384)  # a run's distinct topics
def _query(value: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(value))


def _text_reason(index: PaperIndex, value: str) -> str | None:
    query = _query(value)
    if not index.stems.issuperset(query):  # most (paper, topic) pairs end here
        return None
    for field in index.fields:
        found = field.find(query)
        if found is not None:
            return f'{field.label} mentions "{found}"'
    return _keyword_reason(index, value)


def _keyword_reason(index: PaperIndex, value: str) -> str | None:
    query = _query(value)
    if not index.stems.issuperset(query):
        return None
    for keyword in index.keywords:
        if keyword.find(query) is not None:
            return f'HF keyword "{keyword.text}"'
    return None


@functools.lru_cache(maxsize=4096)
def name_words(value: str) -> tuple[str, ...]:
    """`words` of an author or organization topic, as a tuple (cached: asked per paper)."""
    return tuple(words(value))


def _author_reason(index: PaperIndex, value: str) -> str | None:
    wanted = name_words(value)
    for name, folded in index.authors:
        if folded == wanted or (len(wanted) == 1 and folded[-1:] == wanted):
            return f"author {name}"
    return None


def _org_reason(index: PaperIndex, value: str) -> str | None:
    org, wanted = index.organization_words, name_words(value)
    if not org or not wanted:
        return None
    in_a_row = any(org[i : i + len(wanted)] == wanted for i in range(len(org)))
    if in_a_row or "".join(org) == "".join(wanted):
        return f"from {index.organization}"
    return None
