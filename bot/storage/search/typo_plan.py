"""Pure: which words of a query to correct for typos, and with which indexed words.

Both stores correct typos the same way (search stage 2); each runs the look-ups in its own
SQL (bot/storage/sqlite/search.py, postgres_typos.py) and this module decides the rest:

1. `fuzzable`, `rare`: a required word of fuzzable length that fewer than RARE_DOCS papers
   hold is checked (papers carry typos too: "D iffusion" makes "iffusion" a word of the
   index, so "never seen" is too strict); a store whose index stems words its own way
   (PostgreSQL's `english`) first asks whether any indexed word has the word's stem
   (`forms_range`, `indexed`), as SQLite's word forms do;
2. `window`: its candidates are the indexed words (`search_terms`) that start with its
   first two letters and are within two letters of its length, a b-tree range, at most
   CANDIDATES_PER_WORD of them in byte order; `head_lookups`: a word with none near
   (`near`) is looked for among its one-edit variants at its start (`head_edits`), which
   the range cannot hold;
3. `corrected`: the candidates are counted (up to DOCS_COUNTED papers each) and
   `choose_corrections` keeps the nearest, most common ones as alternatives of the word.

`WrittenTerms` is what each store keeps of the words it has written to `search_terms`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.records.models import Paper
from bot.storage.search.query import (
    MIN_FUZZY_LENGTH,
    edit_distance,
    head_edits,
    index_terms,
    prefix_range,
    typo_limit,
)
from bot.storage.search.search_plan import same_stem, stem_prefix

# A word in fewer papers than this is checked for a likely misspelling.
RARE_DOCS = 3
# Papers counted at most per correction candidate: enough to tell common from rare.
DOCS_COUNTED = 500
CANDIDATES_PER_WORD = 5000  # indexed words read at most per word's range
FORMS_PER_WORD = 200  # indexed words sharing a prefix with a word's stem, read at most
# A correction held by fewer papers than this share of the most common one is left out: a
# paper's own typo ("diusion") would otherwise outrank the word meant ("diffusion").
MIN_SHARE_OF_COMMONEST = 0.05
# Words this store has written to search_terms, kept so a bulk load does not re-send the
# same words for every batch (a large share of SQLite's index build time: docs/benchmarks.md,
# "Search text and typo candidates"). Bounded: a few MB.
TERMS_CACHE_SIZE = 200_000

Groups = list[list[str]]
_PLAIN_WORD = re.compile(r"[^\W_]+")


def fuzzable(groups: Sequence[Sequence[str]]) -> list[int]:
    """Positions of the words long enough to correct (shorter ones have too many
    neighbours); each group's first word is the word as typed."""
    return [i for i, group in enumerate(groups) if len(group[0]) >= MIN_FUZZY_LENGTH]


def rare(positions: Sequence[int], doc_counts: Sequence[int]) -> list[int]:
    """The `positions` whose words fewer than RARE_DOCS papers hold (counts in order)."""
    return [i for i, count in zip(positions, doc_counts, strict=True) if count < RARE_DOCS]


def forms_range(word: str) -> tuple[str, str]:
    """[low, high) of the indexed words that may share `word`'s stem (`stem_prefix`), or
    that are `word` itself when its stem is too short to expand."""
    prefix = stem_prefix(word)
    if prefix is None:
        return word, word + "\x01"
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def indexed(word: str, terms: Sequence[str]) -> bool:
    """Whether some paper holds `word` in a form: `terms` (read by `forms_range`) hold it
    or a word with its stem. A word in no form is held by no paper, whatever an index's
    stemming makes of it."""
    return word in terms or len(same_stem(word, terms)) > 1


@dataclass(frozen=True, slots=True)
class Window:
    """The indexed words that may be `token` misspelt, unless its first letters are wrong:
    `low <= term < high` (a byte range) and `shortest <= length(term) <= longest`."""

    token: str
    low: str
    high: str
    shortest: int
    longest: int


def window(token: str) -> Window:
    low, high = prefix_range(token)
    return Window(token, low, high, len(token) - 2, len(token) + 2)


def near(rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """(token, term) rows grouped by token, keeping the plain words (letters and digits:
    never query syntax) other than the token within its typo limit.

    A window holds hundreds of words, most of them far off: those whose letters differ from
    the token's by more than the limit (an edit adds and removes at most one letter) are
    left out before the edit distance is computed, which saves most of the Python time
    (docs/benchmarks.md, "Search text and typo candidates").
    """
    grouped: dict[str, list[str]] = {}
    letters: dict[str, Counter[str]] = {}
    for token, term in rows:
        limit = typo_limit(token)
        if term == token or not _PLAIN_WORD.fullmatch(term):
            continue
        mine = letters.get(token) or letters.setdefault(token, Counter(token))
        theirs = Counter(term)
        if (mine - theirs).total() > limit or (theirs - mine).total() > limit:
            continue
        if edit_distance(token, term, limit) <= limit:
            grouped.setdefault(token, []).append(term)
    return grouped


def head_lookups(tokens: Sequence[str]) -> dict[str, str]:
    """Each one-edit variant at the start of `tokens` (`head_edits`), with its token: the
    words to look up exactly for tokens whose range held nothing near."""
    return {edit: token for token in tokens for edit in head_edits(token)}


def candidates(
    tokens: Sequence[str], ranged: Mapping[str, Sequence[str]], heads: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """Each token's candidates: those of its range (`near`), or if none, the head edits
    found for it (one edit away by construction)."""
    return {token: list(ranged.get(token) or heads.get(token) or []) for token in tokens}


def pool(found: Mapping[str, Sequence[str]]) -> list[str]:
    """Every candidate once, in a stable order: the words to count."""
    return sorted({term for terms in found.values() for term in terms})


def corrected(
    groups: Sequence[Sequence[str]],
    rare_positions: Sequence[int],
    found: Mapping[str, Sequence[str]],
    doc_counts: Mapping[str, int],
) -> Groups:
    """`groups` with each rare word's chosen corrections appended as alternatives."""
    result = [list(group) for group in groups]
    for i in rare_positions:
        token = groups[i][0]
        near_counts = {term: doc_counts.get(term, 0) for term in found.get(token, [])}
        result[i] = [*groups[i], *choose_corrections(token, near_counts)]
    return result


def choose_corrections(token: str, doc_counts: Mapping[str, int], keep: int = 3) -> list[str]:
    """The corrections for a misspelt `token`: nearest first, then the most common.

    `doc_counts` maps candidate words (already within `typo_limit` edits) to how many papers
    hold them. Only the nearest distance is kept, and rare words among common ones drop out.
    """
    limit = typo_limit(token)
    scored = [
        (distance, -docs, term)
        for term, docs in doc_counts.items()
        if term != token and docs > 0 and (distance := edit_distance(token, term, limit)) <= limit
    ]
    floor = max((-docs for _, docs, _ in scored), default=0) * MIN_SHARE_OF_COMMONEST
    scored = [s for s in scored if -s[1] >= floor]
    if not scored:
        return []
    nearest = min(distance for distance, _, _ in scored)
    kept = sorted(s for s in scored if s[0] == nearest)
    return [term for _, _, term in kept[:keep]]


class WrittenTerms:
    """The words a store has written to `search_terms`, so each batch sends only new ones.

    `keep_accents` matches the store's reading of queries (`parse_query`): SQLite's index
    folds accents away, PostgreSQL's `english` configuration keeps them.
    """

    def __init__(self, *, keep_accents: bool = False, size: int = TERMS_CACHE_SIZE) -> None:
        self._keep_accents = keep_accents
        self._size = size
        self._written: set[str] = set()

    def new(self, papers: Sequence[Paper]) -> list[str]:
        """The words of `papers` not known to be written, sorted (concurrent writers then
        take the same rows' locks in the same order)."""
        words = index_terms(indexed_text(papers), keep_accents=self._keep_accents)
        return sorted(words - self._written)

    def remember(self, terms: Iterable[str]) -> None:
        """Skip these words next time (call after the commit: a rolled-back word is not
        written)."""
        terms = set(terms)
        if len(self._written) + len(terms) > self._size:
            self._written.clear()
        self._written |= terms


def indexed_text(papers: Sequence[Paper]) -> Iterator[str]:
    """The text a store indexes for `papers`: title, abstract, authors, keywords."""
    for paper in papers:
        yield paper.title
        yield paper.abstract
        yield from paper.authors
        yield from paper.ai_keywords
