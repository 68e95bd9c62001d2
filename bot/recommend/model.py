"""The "For you" model, pure: a person's taste and a day's papers in, ranked picks out.

TF-IDF vectors over the terms of `terms` (idf from the day's papers, built once per day in
a `DayIndex` shared by every person), then each paper scored by its closeness to the
centroid of what the person liked (Rocchio), less that of what they turned down ("Not for
me"), less a little of the day's own centroid, so that a paper like every other paper of
the day does not win on being generic. A recipe may add the mean closeness to the `k`
liked papers a paper is nearest to (kNN); the bench tries it, and the default leaves it
out. Each pick says which liked paper it is nearest to: its one line of why. The recipe, and
why it beats the others tried, is in (docs/benchmarks.md, "For you").
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.recommend.terms import paper_terms
from bot.records.foryou import Pick
from bot.records.models import Paper
from bot.text.untrusted import one_line

Vector = dict[str, float]
TITLE_CHARS = 60


@dataclass(frozen=True, slots=True)
class Liked:
    """A paper the person liked, and how: `saved` (🔖) or `voted for` (👍)."""

    paper: Paper
    how: str


@dataclass(frozen=True, slots=True)
class Taste:
    liked: tuple[Liked, ...]
    disliked: tuple[Paper, ...] = ()


@dataclass(frozen=True, slots=True)
class Recipe:
    """How much each part of the score weighs (see the module docstring). `terms`: the
    person's profile keeps only its heaviest terms, which is what makes a list quick
    (None: every term)."""

    centroid: float = 1.0
    negatives: float = 0.5
    background: float = 0.3
    neighbours: float = 0.0
    k: int = 3
    terms: int | None = 300


DEFAULT_RECIPE = Recipe()


class DayIndex:
    """A day's (or a week's) papers as TF-IDF vectors, an inverted index over them and how
    close each is to the day's centroid: built once, shared by every person ranked."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        self.papers = _distinct(papers)
        frequency: dict[str, int] = defaultdict(int)
        for paper in self.papers:
            for term in paper_terms(paper):
                frequency[term] += 1
        count = len(self.papers)
        # Smoothed, as scikit-learn's TfidfTransformer; a term the day lacks weighs the most.
        self.idf = {t: math.log((1 + count) / (1 + df)) + 1.0 for t, df in frequency.items()}
        self.unseen_idf = math.log(1 + count) + 1.0
        self.vectors = [self.vector(paper) for paper in self.papers]
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, vector in enumerate(self.vectors):
            for term, value in vector.items():
                self.postings[term].append((index, value))
        centroid = _mean(self.vectors)
        self.generic = [_dot(vector, centroid) for vector in self.vectors]

    def vector(self, paper: Paper) -> Vector:
        """The paper's TF-IDF vector, of unit length."""
        idf, unseen = self.idf, self.unseen_idf
        raw = {term: tf * idf.get(term, unseen) for term, tf in paper_terms(paper).items()}
        norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
        return {term: v / norm for term, v in raw.items()}

    def scores(self, weights: Vector) -> list[float]:
        """Every paper's dot product with `weights`, through the inverted index."""
        found = [0.0] * len(self.papers)
        for term, weight in weights.items():
            for index, value in self.postings.get(term, ()):
                found[index] += value * weight
        return found


def rank_for(
    taste: Taste, day: DayIndex, limit: int, recipe: Recipe = DEFAULT_RECIPE
) -> list[Pick]:
    """The day's papers best first for `taste`, at most `limit`, leaving out what the
    person already liked or turned down. With nothing liked, nothing is picked."""
    if not taste.liked or limit <= 0:
        return []
    known = {item.paper.arxiv_id for item in taste.liked} | {p.arxiv_id for p in taste.disliked}
    liked = [day.vector(item.paper) for item in taste.liked]
    disliked = [day.vector(paper) for paper in taste.disliked]
    profile = _profile(recipe, liked, disliked)
    scores = day.scores(profile)
    near = _Neighbours(liked) if recipe.neighbours else None
    scored: list[tuple[float, int]] = []  # (score, -index): ties go to the earlier paper
    for index, paper in enumerate(day.papers):
        if paper.arxiv_id in known:
            continue
        score = scores[index] - recipe.background * day.generic[index]
        if near is not None:
            top = heapq.nlargest(recipe.k, near.similarities(day.vectors[index]))
            score += recipe.neighbours * sum(top) / recipe.k
        scored.append((score, -index))
    best = heapq.nlargest(limit, scored)
    nearest = _nearest_liked([day.vectors[-neg] for _, neg in best], liked)
    return [
        Pick(day.papers[-neg], reason_line(taste.liked[liked_index]), round(score, 6))
        for (score, neg), liked_index in zip(best, nearest, strict=True)
    ]


def reason_line(liked: Liked) -> str:
    """`like “Attention Is All You Need”, which you saved`."""
    title = one_line(liked.paper.title)
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1] + "…"
    return f"like “{title}”, which you {liked.how}"


def _distinct(papers: Iterable[Paper]) -> list[Paper]:
    seen: dict[str, Paper] = {}
    for paper in papers:
        seen.setdefault(paper.arxiv_id, paper)
    return list(seen.values())


def _mean(vectors: Sequence[Vector]) -> Vector:
    total: dict[str, float] = defaultdict(float)
    for vector in vectors:
        for term, value in vector.items():
            total[term] += value
    return {term: value / len(vectors) for term, value in total.items()} if vectors else {}


def _dot(vector: Vector, other: Vector) -> float:
    return sum(value * other.get(term, 0.0) for term, value in vector.items())


def _profile(recipe: Recipe, liked: Sequence[Vector], disliked: Sequence[Vector]) -> Vector:
    """The person's weight per term: liked centroid less the turned-down one, its heaviest
    `recipe.terms` terms kept."""
    weights: dict[str, float] = defaultdict(float)
    for part, scale in ((_mean(liked), recipe.centroid), (_mean(disliked), -recipe.negatives)):
        for term, value in part.items():
            weights[term] += scale * value
    if recipe.terms is None or len(weights) <= recipe.terms:
        return dict(weights)
    # The weight of the n-th heaviest term, found without a key function (the quick path).
    floor = heapq.nlargest(recipe.terms, map(abs, weights.values()))[-1]
    return {term: weight for term, weight in weights.items() if abs(weight) >= floor}


def _nearest_liked(picks: Sequence[Vector], liked: Sequence[Vector]) -> list[int]:
    """For each pick, the index of the liked paper it is closest to: the picks (a handful)
    are indexed, and each liked vector is read once against them."""
    index = _Neighbours(picks)
    best = [(-1.0, 0)] * len(picks)
    for liked_index, vector in enumerate(liked):
        for pick, similarity in enumerate(index.similarities(vector)):
            if similarity > best[pick][0]:
                best[pick] = (similarity, liked_index)
    return [liked_index for _, liked_index in best]


class _Neighbours:
    """Vectors as an inverted index: another vector's closeness to each of them at once."""

    def __init__(self, liked: Sequence[Vector]) -> None:
        self.size = len(liked)
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, vector in enumerate(liked):
            for term, value in vector.items():
                self.postings[term].append((index, value))

    def similarities(self, vector: Vector) -> list[float]:
        found = [0.0] * self.size
        for term, value in vector.items():
            for index, weight in self.postings.get(term, ()):
                found[index] += value * weight
        return found
