"""Pure helpers that turn a user's search text into safe FTS5 match expressions.

User text is never passed to FTS5 as syntax: it is cut into words (runs of letters and
digits, as FTS5's unicode61 tokenizer sees them) and every word is quoted, so `AND`, `*`,
`-`, `"`, `:` or `NEAR(` are only ever words or separators, never operators.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

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
    # Nearly every abstract is ASCII: nothing to strip, and far faster than folding
    # (docs/benchmarks.md, "Search text and typo candidates").
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def index_terms(texts: Iterable[str], *, keep_accents: bool = False) -> set[str]:
    """The distinct folded words of `texts`: what the typo correction may suggest. With
    `keep_accents`, lower case only (PostgreSQL's `english` configuration keeps accents)."""
    folding = str.casefold if keep_accents else fold
    return {word for text in texts for word in _WORD.findall(folding(text))}


def quote(token: str) -> str:
    """An FTS5 string literal: the token as one word, whatever it contains."""
    return '"' + token.replace('"', '""') + '"'


def any_of(alternatives: Sequence[str]) -> str:
    """One query position that any of `alternatives` may fill."""
    if len(alternatives) == 1:
        return quote(alternatives[0])
    return "(" + " OR ".join(quote(a) for a in alternatives) + ")"


def match_expression(
    groups: Sequence[Sequence[str]],
    phrases: Sequence[Sequence[str]],
    *,
    all_but_one: bool = False,
) -> str:
    """Every word position (any of its alternatives) and every phrase must match; with
    `all_but_one`, every position but (at most) one, which finds a title with a word wrong."""
    quoted = [quote(" ".join(phrase)) for phrase in phrases]
    if not all_but_one or len(groups) < 2:
        return " AND ".join([*(any_of(g) for g in groups), *quoted])
    if len(groups) == 2:
        return " AND ".join(["(" + " OR ".join(any_of(g) for g in groups) + ")", *quoted])
    options = [
        "(" + " AND ".join(any_of(g) for g in [*groups[:skip], *groups[skip + 1 :]]) + ")"
        for skip in range(len(groups))
    ]
    return " AND ".join(["(" + " OR ".join(options) + ")", *quoted])


def exclusion_expression(
    excluded: Sequence[Sequence[str]], forms: Mapping[str, Sequence[str]]
) -> str:
    """` NOT (...)` for the excluded words (each in every form in `forms`) and phrases, or ""."""
    parts = [any_of(forms[e[0]]) if len(e) == 1 else quote(" ".join(e)) for e in excluded]
    return " NOT (" + " OR ".join(parts) + ")" if parts else ""


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of neighbours costs 1), or limit + 1.

    Only the cells within `limit` of the diagonal are computed (a cell further off costs more
    than `limit` already): typo correction filters hundreds of candidates a query, and the
    full table was most of its time in Python.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    far = limit + 1
    width = len(b)
    previous2: list[int] = []
    previous = [j if j <= limit else far for j in range(width + 1)]
    for i, char_a in enumerate(a, start=1):
        current = [far] * (width + 1)
        if i <= limit:
            current[0] = i
        nearest = current[0]
        for j in range(max(1, i - limit), min(width, i + limit) + 1):
            char_b = b[j - 1]
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                cost = min(cost, previous2[j - 2] + 1)
            current[j] = cost
            nearest = min(nearest, cost)
        if nearest > limit:
            return far
        previous2, previous = previous, current
    return min(previous[-1], far)


def typo_limit(token: str) -> int:
    """How many edits a word of this length may carry and still be corrected."""
    return 1 if len(token) < 8 else 2


HEAD_LETTERS = 3  # a typo at most this far into a word is looked for by `head_edits`
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def head_edits(token: str) -> set[str]:
    """The words one edit away from `token` within its first HEAD_LETTERS letters (a letter
    dropped, doubled in, replaced or swapped with its neighbour): the corrections a typo at
    a word's start can have, which a look-up by its first letters cannot find."""
    found: set[str] = set()
    for i in range(min(HEAD_LETTERS, len(token))):
        found.add(token[:i] + token[i + 1 :])
        found.update(token[:i] + c + token[i + 1 :] for c in _ALPHABET)
        found.update(token[:i] + c + token[i:] for c in _ALPHABET)
        if i + 1 < len(token):
            found.add(token[:i] + token[i + 1] + token[i] + token[i + 2 :])
    found.discard(token)
    return found


def prefix_range(token: str, length: int = 2) -> tuple[str, str]:
    """[low, high) bounds of the vocabulary terms that start like `token`."""
    head = token[:length]
    return head, head[:-1] + chr(ord(head[-1]) + 1)
