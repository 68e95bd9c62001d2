"""Pure helpers that turn a user's search text into safe FTS5 match expressions.

User text is never passed to FTS5 as syntax: it is cut into words (runs of letters and
digits, as FTS5's unicode61 tokenizer sees them) and every word is quoted, so `AND`, `*`,
`-`, `"`, `:` or `NEAR(` are only ever words or separators, never operators.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

MAX_QUERY_CHARS = 500
MAX_TOKENS = 12
MIN_FUZZY_LENGTH = 4  # shorter words are not typo-corrected: too many near neighbours

# Words too common to decide a relaxed (some-words-missing) match on their own.
_STOPWORD_TEXT = "a an and are as at be by for from in into is it of on or the to via with without"
STOPWORDS = frozenset([*_STOPWORD_TEXT.split(" "), "we", "our", "this", "that", "using"])

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without diacritics, as FTS5's `unicode61 remove_diacritics 2` sees text."""
    lowered = text.casefold()
    if lowered.isascii():  # nearly every abstract: nothing to strip, and 10x faster
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def index_terms(texts: Iterable[str]) -> set[str]:
    """The distinct folded words of `texts`: what the typo correction may suggest."""
    return {word for text in texts for word in _WORD.findall(fold(text))}


def query_tokens(text: str) -> list[str]:
    """The distinct folded words of `text`, in order, at most MAX_TOKENS of them."""
    seen: dict[str, None] = {}
    for match in _WORD.finditer(fold(text[:MAX_QUERY_CHARS])):
        seen.setdefault(match.group(), None)
        if len(seen) == MAX_TOKENS:
            break
    return list(seen)


def quote(token: str) -> str:
    """An FTS5 string literal: the token as one word, whatever it contains."""
    return '"' + token.replace('"', '""') + '"'


def any_of(alternatives: Sequence[str]) -> str:
    """One query position that any of `alternatives` may fill."""
    if len(alternatives) == 1:
        return quote(alternatives[0])
    return "(" + " OR ".join(quote(a) for a in alternatives) + ")"


def all_of(groups: Sequence[Sequence[str]]) -> str:
    """Every position must match (each position: any of its alternatives)."""
    return " AND ".join(any_of(group) for group in groups)


def all_but_one(groups: Sequence[Sequence[str]]) -> str:
    """Every position but (at most) one must match: finds a title with one word wrong.

    Stopword positions are left out first, so they alone never decide a match.
    """
    content = [g for g in groups if g[0] not in STOPWORDS] or list(groups)
    if len(content) < 3:
        return " OR ".join(any_of(group) for group in content)
    clauses = [
        "(" + all_of(content[:skip] + content[skip + 1 :]) + ")" for skip in range(len(content))
    ]
    return " OR ".join(clauses)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of neighbours costs 1), or limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1] if previous[-1] <= limit else limit + 1


def typo_limit(token: str) -> int:
    """How many edits a word of this length may carry and still be corrected."""
    return 1 if len(token) < 8 else 2


def prefix_range(token: str, length: int = 2) -> tuple[str, str]:
    """[low, high) bounds of the vocabulary terms that start like `token`."""
    head = token[:length]
    return head, head[:-1] + chr(ord(head[-1]) + 1)


def best_corrections(token: str, candidates: Iterable[str], keep: int = 3) -> list[str]:
    """The `keep` vocabulary terms nearest to a misspelt `token` (nearest first)."""
    limit = typo_limit(token)
    scored = [
        (distance, term)
        for term in candidates
        if term != token and (distance := edit_distance(token, term, limit)) <= limit
    ]
    return [term for _, term in sorted(scored)[:keep]]
