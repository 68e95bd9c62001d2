""""For you" benchmark: the recommender's quality and latency on the real archive.

    python bench/foryou.py --archive PATH/daily_papers_archive_*.json.gz \
        [--people 360] [--out bench/results/foryou.json]

Simulated people: each is interested in one Hugging Face `ai_keywords` cluster (a frequent
keyword and its spelling variants: the same stems), saves 3, 10 or 30 papers of that
cluster listed in one month, and gets the following month's papers ranked (those that carry
keywords, so that each can be judged). Relevant = the paper carries a keyword of the
cluster. What the rankers see has `ai_keywords` stripped (asserted), so no ranker reads the
ground truth. Rankers, all in the same run: the trending order; arxiv-sanity-lite's method
(TF-IDF over unigrams and bigrams of title and abstract, a linear SVM per person trained
against the other papers; scikit-learn, a dev extra); and the recipes of
bot/recommend/model.py. Reports precision@10 and nDCG@10 by number of saves, and the time
to rank a 500-paper day for one person (p50/p95), warm and cold.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import itertools
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.digest.ranking import rank_trending
from bot.recommend.model import DEFAULT_RECIPE, DayIndex, Liked, Recipe, Taste, rank_for
from bot.recommend.terms import STOPWORDS, paper_terms
from bot.records.models import Paper
from bot.sources.hf_parse import parse_daily_papers
from bot.text.words import stem, words

SEED = 21
SAVES = (3, 10, 30)
AT = 10
MIN_POOL = 150  # a month with fewer keyworded papers is not used
MIN_RELEVANT = 10  # a cluster must have this many papers in the ranked month...
MAX_SHARE = 0.25
SEED_COUNT = 20  # a cluster's seed keyword is on this many papers of the archive
MIN_KEYWORD = 5  # ...and at most this share of it (else "relevant" says little)
LATENCY_PEOPLE = 200
DAY_SIZE = 500
RECIPES = {  # negatives are not simulated: each recipe is what it scores without them
    "centroid (Rocchio), all terms": Recipe(background=0.0, terms=None),
    "centroid − 0.3 × day, all terms": Recipe(terms=None),
    "shipped: centroid − 0.3 × day, top 300 terms": DEFAULT_RECIPE,
    "centroid − 0.6 × day, top 300 terms": Recipe(background=0.6),
    "kNN k=3": Recipe(centroid=0.0, background=0.0, neighbours=1.0, terms=None),
    "centroid − 0.3 × day + kNN k=3": Recipe(neighbours=1.0),
}
Ranker = Callable[[Sequence[Paper], Sequence[Paper]], list[str]]  # (saved, pool) -> ids


@dataclass(frozen=True)
class Person:
    cluster: frozenset[str]  # the cluster's keywords, folded
    month: str
    saves: tuple[Paper, ...]  # SAVES[-1] papers of the cluster, the first n are saved
    pool: tuple[Paper, ...]  # the next month's papers, keywords stripped
    relevant: frozenset[str]


def load(path: Path) -> list[Paper]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        days: dict[str, Any] = json.load(handle)["days"]
    papers: dict[str, Paper] = {}
    for day, items in sorted(days.items()):
        for paper in parse_daily_papers(items, date.fromisoformat(day))[0]:
            papers.setdefault(paper.arxiv_id, paper)  # the first listing: its month
    return list(papers.values())


@functools.cache
def keyword_key(keyword: str) -> str:
    return " ".join(stem(w) for w in words(keyword))


def stripped(paper: Paper) -> Paper:
    return replace(paper, ai_keywords=())


def clusters(papers: list[Paper]) -> list[frozenset[str]]:
    """Keyword clusters, of two kinds: the keywords that share a word (not a stop word:
    "video generation", "video diffusion", ... for `video`), and each frequent keyword
    (SEED_COUNT papers or more) with the keywords that mostly occur beside it (at least
    MIN_KEYWORD papers, over half of them with it)."""
    count: dict[str, int] = defaultdict(int)
    together: dict[tuple[str, str], int] = defaultdict(int)
    by_word: dict[str, set[str]] = defaultdict(set)
    for paper in papers:
        keys = sorted(_keys(paper))
        for key in keys:
            count[key] += 1
            for word in key.split():
                if word not in STOPWORDS:
                    by_word[word].add(key)
        for a, b in itertools.permutations(keys, 2):
            together[a, b] += 1
    near: dict[str, set[str]] = defaultdict(set)
    for (seed, other), n in together.items():
        if count[seed] >= SEED_COUNT and count[other] >= MIN_KEYWORD and n / count[other] > 0.5:
            near[seed].add(other)
    found = {frozenset({seed, *near[seed]}) for seed, n in count.items() if n >= SEED_COUNT}
    found |= {frozenset(keys) for keys in by_word.values() if len(keys) >= MIN_KEYWORD}
    return sorted(found, key=sorted)


def people(papers: list[Paper], count: int) -> tuple[list[Person], dict[str, Any]]:
    """`count` people, each drawn from the eligible (month, cluster) pairs."""
    by_month: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        if paper.ai_keywords and paper.listed_on is not None:
            by_month[paper.listed_on.strftime("%Y-%m")].append(paper)
    months = sorted(m for m, ps in by_month.items() if len(ps) >= MIN_POOL)
    every = clusters([p for ps in by_month.values() for p in ps])
    eligible: list[tuple[str, str, frozenset[str]]] = []
    for month, following in itertools.pairwise(months):
        size = len(by_month[following])
        for cluster in every:
            members = _members(by_month[month], cluster)
            hits = len(_members(by_month[following], cluster))
            if len(members) >= SAVES[-1] and MIN_RELEVANT <= hits <= MAX_SHARE * size:
                eligible.append((month, following, cluster))
    rng = random.Random(SEED)
    chosen: list[Person] = []
    for month, following, cluster in (rng.choice(eligible) for _ in range(count)):
        members = _members(by_month[month], cluster)
        rng.shuffle(members)
        pool = by_month[following]
        relevant = frozenset(p.arxiv_id for p in _members(pool, cluster))
        chosen.append(
            Person(
                cluster,
                month,
                tuple(stripped(p) for p in members[: SAVES[-1]]),
                tuple(stripped(p) for p in pool),
                relevant,
            )
        )
    info = {
        "months": len(months),
        "clusters": len(every),
        "eligible_month_clusters": len(eligible),
        "distinct_clusters_drawn": len({p.cluster for p in chosen}),
        "mean_cluster_keywords": round(statistics.mean(len(p.cluster) for p in chosen), 1),
        "mean_pool": round(statistics.mean(len(p.pool) for p in chosen), 1),
        "mean_relevant_share": round(
            statistics.mean(len(p.relevant) / len(p.pool) for p in chosen), 4
        ),
    }
    return chosen, info


def _keys(paper: Paper) -> frozenset[str]:
    return _keyword_keys(paper.ai_keywords)


@functools.cache
def _keyword_keys(keywords: tuple[str, ...]) -> frozenset[str]:
    return frozenset(keyword_key(k) for k in keywords) - {""}


def _members(papers: list[Paper], cluster: frozenset[str]) -> list[Paper]:
    return sorted((p for p in papers if _keys(p) & cluster), key=lambda p: p.arxiv_id)


def trending(saved: Sequence[Paper], pool: Sequence[Paper]) -> list[str]:
    return [p.arxiv_id for p in rank_trending(pool)]


_INDEXES: dict[tuple[str, ...], DayIndex] = {}


def _index(pool: Sequence[Paper]) -> DayIndex:
    """One index per month, as the bot builds one per day for every person."""
    key = tuple(p.arxiv_id for p in pool)
    if key not in _INDEXES:
        _INDEXES[key] = DayIndex(pool)
    return _INDEXES[key]


def recipe_ranker(recipe: Recipe) -> Ranker:
    def rank(saved: Sequence[Paper], pool: Sequence[Paper]) -> list[str]:
        taste = Taste(tuple(Liked(p, "saved") for p in saved))
        return [pick.paper.arxiv_id for pick in rank_for(taste, _index(pool), AT, recipe)]

    return rank


class SanityLite:
    """arxiv-sanity-lite's ranking: its TF-IDF (fit on the whole archive, as it fits on its
    whole database) and, per person, `LinearSVC(class_weight="balanced", C=0.01)` trained on
    the saved papers against every other paper of the two months."""

    def __init__(self, papers: list[Paper]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

        self.vectorizer = TfidfVectorizer(
            strip_accents="unicode",
            lowercase=True,
            analyzer="word",
            stop_words="english",
            token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",  # noqa: S106
            ngram_range=(1, 2),
            max_features=20000,
            norm="l2",
            use_idf=True,
            smooth_idf=True,
            sublinear_tf=True,
            max_df=0.1,
            min_df=5,
        )
        self.vectorizer.fit([_text(p) for p in papers])
        self.rows: dict[str, Any] = {}

    def rank(self, saved: Sequence[Paper], pool: Sequence[Paper]) -> list[str]:
        import numpy as np
        from sklearn import svm  # type: ignore[import-untyped]

        known = {p.arxiv_id for p in saved}
        candidates = [p for p in pool if p.arxiv_id not in known]
        corpus = [*saved, *candidates]
        x = self._matrix(corpus)
        y = np.zeros(len(corpus))
        y[: len(saved)] = 1
        clf = svm.LinearSVC(class_weight="balanced", max_iter=10000, tol=1e-6, C=0.01)
        clf.fit(x, y)
        scores = clf.decision_function(x[len(saved) :])
        order = sorted(range(len(candidates)), key=lambda i: (-scores[i], candidates[i].arxiv_id))
        return [candidates[i].arxiv_id for i in order[:AT]]

    def _matrix(self, corpus: list[Paper]) -> Any:
        from scipy.sparse import vstack  # type: ignore[import-untyped]

        missing = [p for p in corpus if p.arxiv_id not in self.rows]
        if missing:
            rows = self.vectorizer.transform([_text(p) for p in missing])
            for i, paper in enumerate(missing):
                self.rows[paper.arxiv_id] = rows[i]
        return vstack([self.rows[p.arxiv_id] for p in corpus]).tocsr()


def _text(paper: Paper) -> str:
    return f"{paper.title}\n{paper.abstract}"


def precision(ranked: list[str], relevant: frozenset[str]) -> float:
    return sum(1 for i in ranked[:AT] if i in relevant) / AT


def ndcg(ranked: list[str], relevant: frozenset[str]) -> float:
    gain = sum(1 / math.log2(r + 2) for r, i in enumerate(ranked[:AT]) if i in relevant)
    ideal = sum(1 / math.log2(r + 2) for r in range(min(AT, len(relevant))))
    return gain / ideal if ideal else 0.0


def quality(crowd: list[Person], rankers: dict[str, Ranker]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for name, ranker in rankers.items():
        table[name] = {}
        for n in SAVES:
            p_at, n_at = [], []
            for person in crowd:
                saved = person.saves[:n]
                assert not any(p.ai_keywords for p in [*saved, *person.pool]), "ground truth leak"
                ranked = ranker(saved, person.pool)
                p_at.append(precision(ranked, person.relevant))
                n_at.append(ndcg(ranked, person.relevant))
            table[name][str(n)] = {
                "precision@10": round(statistics.mean(p_at), 4),
                "ndcg@10": round(statistics.mean(n_at), 4),
            }
        print(name, json.dumps(table[name]), flush=True)
    return table


def latency(papers: list[Paper], crowd: list[Person]) -> dict[str, Any]:
    """A person's list for a day of DAY_SIZE papers, timed through rank_for; the day's
    index (built once a day for everyone) timed apart, from cold caches."""
    rng = random.Random(SEED)
    day = [stripped(p) for p in rng.sample(papers, DAY_SIZE)]
    tastes = [
        Taste(
            tuple(Liked(p, "saved") for p in person.saves)
            + tuple(Liked(stripped(p), "voted for") for p in rng.sample(papers, 10)),
            tuple(stripped(p) for p in rng.sample(papers, 5)),
        )
        for person in crowd[:LATENCY_PEOPLE]
    ]
    paper_terms.cache_clear()
    started = time.perf_counter()
    index = DayIndex(day)
    build = time.perf_counter() - started
    timings, cpu = [], []
    for taste in tastes:
        started, started_cpu = time.perf_counter(), time.process_time()
        rank_for(taste, index, AT)
        cpu.append((time.process_time() - started_cpu) * 1000)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "day_papers": DAY_SIZE,
        "people": len(tastes),
        "liked": len(tastes[0].liked),
        "disliked": len(tastes[0].disliked),
        "day_index_build_ms": round(build * 1000, 1),
        "wall_ms": _percentiles(timings),
        "cpu_ms": _percentiles(cpu),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "max": round(ordered[-1], 1),
    }


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cpus": str(len(os.sched_getaffinity(0))),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--people", type=int, default=360)
    parser.add_argument("--out", type=Path, default=Path("bench/results/foryou.json"))
    parser.add_argument("--only-shipped", action="store_true", help="skip the other recipes")
    args = parser.parse_args(argv)
    papers = load(args.archive)
    crowd, info = people(papers, args.people)
    print(json.dumps(info), flush=True)
    rankers: dict[str, Ranker] = {"trending": trending}
    rankers["arxiv-sanity-lite (TF-IDF + SVM)"] = SanityLite([stripped(p) for p in papers]).rank
    for name, recipe in RECIPES.items():
        if not args.only_shipped or recipe == DEFAULT_RECIPE:
            rankers[name] = recipe_ranker(recipe)
    report = {
        "people": len(crowd),
        "population": info,
        "quality": quality(crowd, rankers),
        "latency": latency(papers, crowd),
        "machine": machine(),
    }
    print(json.dumps(report["latency"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
