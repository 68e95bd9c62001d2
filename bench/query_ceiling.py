"""The best known-item MRR@10 any search could reach on a query kind: its Bayes ceiling.

A known-item query names its paper only as well as its text does. "of Large Language
Models" is the last four words of dozens of titles: whichever the search puts first, a
query drawn from one of the others ranks its paper lower, and no ranking reading only the
query can do better than chance among them. This module computes, for the deterministic
recipes of bench/query_kinds.py, the expected reciprocal rank that the best possible
ranking reaches (Bayes-optimal: candidates ordered by how likely each is to have produced
the query, ties in any order), so a kind's MRR can be read against what is reachable.

- `first_words` / `last_words`: a title produces the query if its first / last four words
  (split on spaces, exactly as the recipe does, case and punctuation kept) are the query.
- `middle`: a title of L words produces each run of four words touching neither end with
  probability 1 / (L - 5) (the recipe's uniform start); a short title holding the run is
  likelier than a long one.
- `question`: a title produces each of the recipe's five questions about its words after
  the colon with probability 1/5, so "what is A Survey" names every "...: A Survey" alike.
- every kind: titles that are the same string produce the same queries, so they tie.

The ceilings use the exact strings, so they bound a search that reads case and punctuation
too; one that folds them (as both stores do) can only tie more. Pure: titles in, numbers out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from fractions import Fraction

from bench.query_kinds import FRAGMENT_WORDS, QUESTION_OPENERS

TOP = 10  # MRR@10: a paper ranked below this counts 0


def expected_reciprocal_rank(target: Fraction, candidates: Sequence[Fraction]) -> float:
    """The mean reciprocal rank of a candidate of likelihood `target` (one of `candidates`,
    which holds every candidate's likelihood, the target's included) when the candidates
    are ranked most likely first and ties fall in any order."""
    higher = sum(1 for weight in candidates if weight > target)
    ties = sum(1 for weight in candidates if weight == target)
    ranks = (higher + r for r in range(1, ties + 1))
    return sum(1 / rank for rank in ranks if rank <= TOP) / ties


class Ceiling:
    """The Bayes ceilings of the recipes over one corpus: each paper's title by its id."""

    def __init__(self, titles: Mapping[str, str], width: int = FRAGMENT_WORDS) -> None:
        self._titles = dict(titles)
        self._width = width  # the fragments' length in words
        self._producers: dict[str, dict[str, dict[str, Fraction]]] = {}

    def reciprocal_rank(self, kind: str, query: str, target: str) -> float:
        """The best expected reciprocal rank of paper `target` (its id) for `query`, built
        from its title by recipe `kind`."""
        if kind in TITLE_RECIPES:
            producers = self._by_query(kind).get(query, {})
            if target in producers:
                return expected_reciprocal_rank(producers[target], list(producers.values()))
        same = self._by_query("same_title")[self._titles[target]]
        return expected_reciprocal_rank(Fraction(1), list(same.values()))

    def archive(self, kind: str) -> float:
        """The ceiling of `kind` over every title of the corpus (each query the recipe can
        make from it, by its probability): the figure a sample estimates."""
        total = Fraction(0)
        count = 0
        for paper, title in self._titles.items():
            made = self._made(kind, title)
            if not made:
                continue
            count += 1
            for query, chance in made.items():
                total += chance * Fraction(self.reciprocal_rank(kind, query, paper))
        return float(total / count) if count else 1.0

    def _made(self, kind: str, title: str) -> dict[str, Fraction]:
        """The queries recipe `kind` makes from `title`, with their probabilities."""
        if kind in TITLE_RECIPES:
            return TITLE_RECIPES[kind](title, self._width)
        return {title: Fraction(1)}

    def _by_query(self, kind: str) -> dict[str, dict[str, Fraction]]:
        """query -> {paper id: probability that the recipe makes the query from its title}."""
        if kind not in self._producers:
            table: dict[str, dict[str, Fraction]] = defaultdict(dict)
            for paper, title in self._titles.items():
                made = self._made(kind, title)
                for query, chance in made.items():
                    table[query][paper] = chance
            self._producers[kind] = table
        return self._producers[kind]


def _first(title: str, width: int) -> dict[str, Fraction]:
    words = title.split()
    return {" ".join(words[:width]): Fraction(1)} if len(words) > width else {}


def _last(title: str, width: int) -> dict[str, Fraction]:
    words = title.split()
    return {" ".join(words[-width:]): Fraction(1)} if len(words) > width else {}


def _middle(title: str, width: int) -> dict[str, Fraction]:
    words = title.split()
    starts = range(1, len(words) - width)  # bench/query_kinds.middle's choices
    made: dict[str, Fraction] = defaultdict(Fraction)
    for start in starts:
        made[" ".join(words[start : start + width])] += Fraction(1, len(starts))
    return dict(made)


def _question(title: str, width: int) -> dict[str, Fraction]:
    body = title.split(":", 1)[-1].strip() if ":" in title else title  # as the recipe does
    made: dict[str, Fraction] = defaultdict(Fraction)
    for opener in QUESTION_OPENERS:
        made[opener.format(body)] += Fraction(1, len(QUESTION_OPENERS))
    return dict(made)


# The kinds whose queries follow from the title alone (no random typo): each maps a title
# to the queries its recipe makes and their probabilities.
TITLE_RECIPES = {
    "first_words": _first,
    "last_words": _last,
    "middle": _middle,
    "question": _question,
}
