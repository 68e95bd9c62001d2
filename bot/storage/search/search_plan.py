"""Pure: what a search query asks for, and how well a title answers it.

Both stores read a query the same way (`parse_query`): `"quoted words"` are a phrase,
`-word` or `-"a phrase"` excludes, every other word is required. Words too common to decide a
match (STOPWORDS) are not required when the query has other words, and neither are the
openers and fillers of a question ("how do I make LLMs reason better ..." asks for papers on
llms, reason, reinforcement, learning). A word matches any word with the same stem, by the
light stemmer topics use (`bot.digest.topics.stem`), so search and topics agree on what a word is.

`title_order` then ranks a stage's candidates: a title that holds every required word first,
and among those, one that holds them side by side (a phrase) before one that scatters them;
the index's own score (bm25, ts_rank_cd) keeps the order within each group.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.storage.search.query import MAX_QUERY_CHARS, MAX_TOKENS, STOPWORDS, fold
from bot.text.words import stem

# A query of more words than this is no fragment: if a title the index ranked holds it word
# for word, that title is the answer, and no look-up of titles holding the run is needed.
FRAGMENT_WORDS = 5
# A query that starts with one of these, or ends in "?", is read as a question or sentence.
_OPENER_TEXT = "how what why which who where when can could should would is are does do did any"
QUESTION_OPENERS = frozenset(_OPENER_TEXT.split(" "))
# Words that carry a question rather than its subject; not required in a question.
_FILLER_TEXT = (
    "i me my you your we us our there some something anything way ways make makes made "
    "get use used work works paper papers about find show best better good new recent "
    "possible help please"
)
QUESTION_FILLER = QUESTION_OPENERS | frozenset(_FILLER_TEXT.split(" "))
# "papers about ...", "find me ...", "anything on ...": a request, read as a question.
_REQUEST_WORDS = frozenset(
    ["about", "on", "regarding", "me", "papers", "paper", "some", "any", "recent"]
)
_PART = re.compile(
    r'(?:(?P<field>(?i:author|org|kw)):|(?P<neg>-))?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))'
)
# The filters a search shares with topics (bot.digest.topics: author:, org:, kw:).
FILTER_FIELDS = ("author", "org", "kw")
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A search query as the stores run it; every word folded (lower case, no accents)."""

    words: tuple[str, ...]  # required single words, in order, stopwords and fillers left out
    phrases: tuple[tuple[str, ...], ...]  # required runs of adjacent words
    excluded: tuple[tuple[str, ...], ...]  # a paper holding any of these (word or run) is out
    typed: tuple[str, ...]  # every wanted word in order (stopwords too): the phrase check
    # (field, value as typed) for author:, org: and kw:. An author's or keyword's words are
    # also required words or a phrase (the index holds authors and keywords), which finds
    # the candidates; the exact test, as topics match, is the service's (bot.digest).
    filters: tuple[tuple[str, str], ...] = ()
    author_runs: tuple[tuple[str, ...], ...] = ()  # author: names' words, as in words/phrases

    @property
    def run(self) -> tuple[str, ...]:
        """The required words as typed, in order: what a title holds side by side at best."""
        wanted = {*self.words, *(w for phrase in self.phrases for w in phrase)}
        return tuple(w for w in self.typed if w in wanted)

    @property
    def as_typed(self) -> tuple[str, ...]:
        """Every word as typed, small ones too, without a question's opening or closing words
        ("how do I use", "is there work on"): the run a title may hold word for word."""
        wanted = {*self.words, *(w for phrase in self.phrases for w in phrase)}
        typed = list(self.typed)
        opened = False  # after a question's opening, its small words go too ("work on")
        while typed and typed[0] not in wanted:
            if typed[0] not in QUESTION_FILLER and not (opened and typed[0] in STOPWORDS):
                break
            typed.pop(0)
            opened = True
        while typed and typed[-1] not in wanted and typed[-1] in QUESTION_FILLER:
            typed.pop()
        return tuple(typed)

    @property
    def title_runs(self) -> tuple[tuple[str, ...], ...]:
        """The runs of words a title may hold side by side, to look up: the words as typed
        without a question's opening (`as_typed`) and, for a short query that opens like a
        question, every word typed, since many titles are questions themselves ("How Good
        Are MLLMs", "Are Transformers Effective"), named by a fragment of them."""
        runs = [self.as_typed] if len(self.as_typed) > 1 else []
        typed = self.typed
        if len(self.as_typed) < len(typed) <= FRAGMENT_WORDS:
            runs.append(typed)
        return tuple(runs)

    @property
    def is_empty(self) -> bool:
        """Nothing to look for (no words, or only exclusions and org: filters)."""
        return not self.words and not self.phrases

    @property
    def only_excludes(self) -> bool:
        """Only exclusions: nothing to exclude from (refused, never run as "everything")."""
        return self.is_empty and bool(self.excluded) and not self.filters


def parse_query(text: str, *, keep_accents: bool = False) -> ParsedQuery:
    """`text` read as web-search syntax; never raises, whatever it holds.

    Words are folded to lower case without accents, as SQLite's index holds them, or with
    `keep_accents` to lower case only (PostgreSQL's `english` configuration keeps them).
    """
    text = text[:MAX_QUERY_CHARS]
    folding = str.casefold if keep_accents else fold
    plain: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    typed: list[str] = []
    filters: list[tuple[str, str]] = []
    named: list[str] = []  # single words of author: and kw: filters
    authors: list[tuple[str, ...]] = []
    for match in _PART.finditer(text):
        quoted = match.group("phrase") is not None
        raw = match.group("phrase" if quoted else "word") or ""
        found = tuple(_WORD.findall(folding(raw)))
        if not found:
            continue
        if match.group("field"):
            field = match.group("field").lower()
            filters.append((field, " ".join(raw.split())))
            if field == "org":  # organizations are not indexed: org: only filters
                continue
            if field == "author":
                authors.append(found)
            if len(found) > 1:
                phrases.append(found)
            else:
                named.append(found[0])
        elif match.group("neg"):
            excluded.append(found)
        elif quoted and len(found) > 1:
            phrases.append(found)
            typed.extend(found)
        else:
            plain.extend(found)
            typed.extend(found)
    required = _required(plain, has_phrase=bool(phrases), question=_is_question(text, typed))
    return ParsedQuery(
        words=tuple(dict.fromkeys([*required, *named]))[:MAX_TOKENS],
        phrases=tuple(dict.fromkeys(phrases))[:MAX_TOKENS],
        excluded=tuple(dict.fromkeys(excluded))[:MAX_TOKENS],
        typed=tuple(typed[: MAX_TOKENS * 2]),
        filters=tuple(dict.fromkeys(filters))[:MAX_TOKENS],
        author_runs=tuple(dict.fromkeys(authors)),
    )


def _is_question(text: str, typed: Sequence[str]) -> bool:
    if not typed:
        return False
    asks = typed[0] in QUESTION_OPENERS or text.rstrip().endswith("?")
    return asks or (len(typed) > 1 and typed[0] in QUESTION_FILLER and typed[1] in _REQUEST_WORDS)


def _required(plain: Sequence[str], *, has_phrase: bool, question: bool) -> tuple[str, ...]:
    """The distinct words that must match: the content words, or all if there are none."""
    distinct = list(dict.fromkeys(plain))
    dropped = QUESTION_FILLER | STOPWORDS if question else STOPWORDS
    content = [w for w in distinct if w not in dropped]
    if not content and not has_phrase and question:
        content = [w for w in distinct if w not in STOPWORDS]
    if not content and not has_phrase:
        content = distinct
    return tuple(content[:MAX_TOKENS])


# ------------------------------------------------------------------ word forms


def stem_prefix(word: str) -> str | None:
    """Every indexed word with `word`'s stem starts with this, or None (too short to expand).

    The stemmer only strips endings, except "-ies" -> "-y": a stem's last "y" may be "ie".
    """
    root = stem(word)
    if len(root) < 3:
        return None
    return root[:-1] if root.endswith("y") else root


def same_stem(word: str, terms: Sequence[str]) -> list[str]:
    """`word` and the `terms` that share its stem ("world" -> "world", "worlds")."""
    root = stem(word)
    return [word, *(t for t in terms if t != word and stem(t) == root)]


# ------------------------------------------------------------------ title order


def title_order(
    titles: Sequence[str],
    groups: Sequence[Sequence[str]],
    typed: Sequence[str],
    as_typed: Sequence[str] = (),
    *,
    or_as: Sequence[str] = (),
) -> list[int]:
    """Indexes of `titles` (given best first by the index) in their final order.

    `groups` holds, per required word, the words that may stand for it (its forms and
    corrections); `typed` the required words in query order, for the side-by-side check;
    `as_typed` every word of the query in order, small ones too, and `or_as` a shorter run
    that may stand for it (the words after a question's opening: "papers about X" names a
    title holding X). The order, from the most telling: a title holding every required
    word; holding them side by side; holding the very run typed, small words included
    ("reasoning via reinforcement learning" before "reasoning with reinforcement
    learning"), the whole run before the shorter one; holding it in the very forms typed
    ("models for" before "model for"); then the title the query covers most (fewest other
    words: a fragment names the short title that holds it better than a long one that also
    does).
    """
    wanted = [{stem(fold(w)) for w in group} for group in groups]
    run = [stem(fold(w)) for w in typed if w not in STOPWORDS]
    runs = dict.fromkeys(tuple(fold(w) for w in words) for words in (as_typed, or_as))
    exacts = [list(words) for words in runs if len(words) > 1] or [[]]
    keys = [
        min(_title_key(title, wanted, run, exact, n) for n, exact in enumerate(exacts))
        for title in titles
    ]
    return sorted(range(len(titles)), key=lambda i: (keys[i], i))


def plan_order(
    plan: ParsedQuery, titles: Sequence[str], groups: Sequence[Sequence[str]]
) -> list[int]:
    """`title_order` for a parsed query: its words as typed, or after a question's opening."""
    return title_order(titles, groups, plan.run, plan.typed, or_as=plan.as_typed)


def needs_run_lookup(plan: ParsedQuery, titles: Sequence[str]) -> bool:
    """Whether a stage should look up the titles holding the query's words as typed
    (`title_runs`): for a fragment (a few words, often common ones) always; for a longer
    query only when none of `titles` (the index's best) already holds it word for word. A
    title-length phrase cost an index walk of every small word in it ("for", "of", "the")
    (docs/benchmarks.md, "Search text and typo candidates")."""
    runs = plan.title_runs
    if any(len(run) <= FRAGMENT_WORDS for run in runs):
        return True
    held = [_WORD.findall(fold(t)) for t in titles]
    return any(not any(_holds_run(words, run) for words in held) for run in runs)


def names_a_title(plan: ParsedQuery, titles: Sequence[str]) -> bool:
    """Whether the query is a whole title (more words than a fragment) that one of `titles`
    holds word for word: the paper is named, and papers that only mention the words in
    their abstracts are not looked up to fill the places left (on a large corpus that
    look-up walked the abstract index of every word, a large part of a title-length query's
    time: docs/benchmarks.md, "Search targets (issue 12): one run")."""
    typed = plan.as_typed
    if len(typed) <= FRAGMENT_WORDS:
        return False
    return any(_holds_run(_WORD.findall(fold(t)), typed) for t in titles)


def title_holds_all(title: str, groups: Sequence[Sequence[str]]) -> bool:
    """Whether `title` holds a form of every required word: a decisive, exact answer."""
    stems = set(_title_stems(title))
    return bool(groups) and all(stems & {stem(fold(w)) for w in group} for group in groups)


def _title_key(
    title: str, wanted: Sequence[set[str]], run: Sequence[str], exact: Sequence[str], rank: int
) -> tuple[int, bool, bool, int, bool, bool, int]:
    stems = _title_stems(title)
    lacks = sum(not group & set(stems) for group in wanted) if wanted else 1
    holds_run = not lacks and _holds_run(stems, run)
    if not holds_run or not exact:
        return (lacks, not holds_run, True, 0, True, True, 0)
    words = _WORD.findall(fold(title))
    holds_whole = _holds_run([stem(w) for w in words], [stem(w) for w in exact])
    holds_exact = holds_whole and _holds_run(words, exact)
    others = len(words) - len(exact) if holds_whole else 0
    ends = holds_exact and _at_an_end(title, exact)
    return (0, False, not holds_whole, rank, not holds_exact, not ends, others)


def _at_an_end(title: str, exact: Sequence[str]) -> bool:
    """Whether the title (or its part after a colon) starts with `exact`, or ends with it."""
    words = _WORD.findall(fold(title))
    tail = _WORD.findall(fold(title.split(":", 1)[1])) if ":" in title else []
    width = len(exact)
    return list(exact) in (words[:width], words[-width:], tail[:width])


def _title_stems(title: str, *, keep_small: bool = False) -> list[str]:
    words = _WORD.findall(fold(title))
    return [stem(w) for w in words if keep_small or w not in STOPWORDS]


def _holds_run(stems: Sequence[str], run: Sequence[str]) -> bool:
    """Whether `run` occurs in `stems` word for word, side by side."""
    if len(run) < 2:
        return True
    width = len(run)
    return any(list(stems[i : i + width]) == list(run) for i in range(len(stems) - width + 1))


# ------------------------------------------------------------------ most of the words

# A query of at least this many required words is also matched by most of them, when the
# stages before found too little: a title quoted with two words misspelt past correction
# ("How to Knw Waht Your Language Model Knows") fails "all words" and "all but one" alike.
MOST_WORDS_MIN = 4
# The rarest words a title must hold one of to be looked at: rare words are few papers'
# (a small match set), and they are what names a title.
RAREST_WORDS = 3


def rarest_positions(counts: Sequence[int]) -> list[int]:
    """Which word positions to look titles up by: the RAREST_WORDS held by the fewest
    papers (at least one: a word no paper holds finds nothing), fewest first."""
    held = sorted((count, i) for i, count in enumerate(counts) if count > 0)
    return [i for _, i in held[:RAREST_WORDS]]


def holds_most(title: str, groups: Sequence[Sequence[str]]) -> bool:
    """Whether `title` holds a form of more than half of the required words: a close
    match; fewer would be a paper that merely shares a topic word."""
    stems = set(_title_stems(title))
    held = sum(bool(stems & {stem(fold(w)) for w in group}) for group in groups)
    return 2 * held > len(groups)


# ------------------------------------------------------------------ stage results

# How many of a stage's best (by the index's score) are re-ordered by their titles, at least.
RERANK_AT_LEAST = 30


@dataclass(slots=True)
class RankedIds:
    """Paper ids best first: `exact` from the strict stage, `close` from relaxed ones."""

    exact: list[int]
    close: list[int]

    def __len__(self) -> int:
        return len(self.exact) + len(self.close)

    def wanted(self, limit: int) -> int:
        """How many candidates a stage asks its index for: enough to re-order by title and
        to fill `limit` past the ids already found."""
        return max(RERANK_AT_LEAST, 3 * limit + len(self))

    def add_by_title(
        self,
        plan: ParsedQuery,
        rows: Sequence[Any],
        groups: Sequence[Sequence[str]],
        limit: int,
        *,
        close: bool,
    ) -> None:
        """Append a stage's `rows` ((id, title) pairs, best first by the index) in
        `plan_order`, up to `limit` ids in all."""
        order = plan_order(plan, [str(row[1]) for row in rows], groups)
        self.add([int(rows[i][0]) for i in order], limit, close=close)

    def add(self, ids: Sequence[int], limit: int, *, close: bool) -> None:
        """Append the ids not seen yet, up to `limit` ids in all."""
        seen = {*self.exact, *self.close}
        target = self.close if close else self.exact
        for paper_id in ids:
            if len(self) >= limit:
                return
            if paper_id not in seen:
                seen.add(paper_id)
                target.append(paper_id)
