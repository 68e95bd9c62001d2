"""Search benchmark: SqliteStore's FTS5 search beside a naive LIKE scan, on real data.

    python bench/search.py --archive PATH/daily_papers_archive_*.json.gz \
        [--sizes 9581,100000,1000000] [--out bench/results/search.json]

For each size: index the real archive (its own size) or a synthetic corpus recombined from
it, time a fixed list of queries through `SqliteStore.search` and through a `LIKE '%q%'`
scan on the same database, and run known-item tests (a title with one word dropped and one
typo, plus the harder kinds of bench/query_kinds.py: title fragments, misspellings,
questions, whole long titles), reporting MRR@10 and p50/p95 per kind and the worst kind,
and time `similar` for sampled papers.
Prints and saves p50/p95 latency, index build rate and peak memory (RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import platform
import random
import re
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.query_ceiling import TITLE_RECIPES, Ceiling
from bench.query_kinds import KINDS
from bot.ports import Store
from bot.records.models import Paper
from bot.sources.hf_parse import parse_daily_papers
from bot.storage.sqlite.store import SqliteStore

QUERIES = (
    "diffusion",
    "large language models",
    "reinforcement learning from human feedback",
    "vision language action",
    "mixture of experts",
    "retrieval augmented generation",
    "video generation",
    "speculative decoding",
    "chain of thought reasoning",
    "3D gaussian splatting",
    "agent benchmark",
    "tokenizer",
    "Tomas Pfister",
    "multimodal",
    "long context",
    "difusion transformr",  # typos
    "reasoning models",
    'AND OR "NEAR(',  # syntax junk
    "quantization",
    "code generation",
)
REPEATS = 5
KNOWN_ITEMS = 200
QUALITY_ITEMS = 2000
SIMILAR_ITEMS = 100
BATCH = 5_000
SEED = 20240527


def load_archive(path: Path) -> tuple[list[Paper], int]:
    """(every distinct paper of the archive, the number of items it holds).

    The later listing of a repeated id wins, as it does in the store.
    """
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        days: dict[str, Any] = json.load(handle)["days"]
    papers: dict[str, Paper] = {}
    for day, items in sorted(days.items()):
        for paper in parse_daily_papers(items, date.fromisoformat(day))[0]:
            papers[paper.arxiv_id] = paper
    return list(papers.values()), sum(len(items) for items in days.values())


def synthetic(real: list[Paper], size: int) -> Iterator[Paper]:
    """`size` papers recombined from real ones: spliced titles, borrowed abstracts and authors."""
    rng = random.Random(SEED + size)
    for i in range(size):
        a, b, c, d = (rng.choice(real) for _ in range(4))
        head, tail = a.title.split(), b.title.split()
        title = " ".join(head[: max(1, len(head) // 2)] + tail[len(tail) // 2 :])
        yield replace(
            c,
            arxiv_id=f"syn.{i:07d}",
            title=title,
            authors=d.authors,
            ai_keywords=b.ai_keywords,
            upvotes=rng.randint(0, 300),
        )


def corpus(real: list[Paper], size: int, archive_items: int) -> Iterator[Paper]:
    """The real papers for a size up to the archive's item count, else a synthetic corpus."""
    return iter(real[:size]) if size <= archive_items else synthetic(real, size)


def batches(papers: Iterator[Paper]) -> Iterator[list[Paper]]:
    batch: list[Paper] = []
    for paper in papers:
        batch.append(paper)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class Reservoir:
    """A seeded uniform sample of `items` papers from a stream, without holding the stream."""

    def __init__(self, items: int = KNOWN_ITEMS) -> None:
        self.items = items
        self.sample: list[Paper] = []
        self._rng = random.Random(SEED)
        self._seen = 0

    def offer(self, paper: Paper) -> None:
        self._seen += 1
        if len(self.sample) < self.items:
            self.sample.append(paper)
        elif (slot := self._rng.randrange(self._seen)) < self.items:
            self.sample[slot] = paper


async def build(store: SqliteStore, papers: Iterator[Paper], reservoir: Reservoir) -> float:
    """Index `papers`, keeping a seeded sample of them for the known-item test; seconds."""
    started = time.perf_counter()
    for batch in batches(papers):
        await store.upsert_papers(batch)
        for paper in batch:
            reservoir.offer(paper)
    return time.perf_counter() - started


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {
        "p50_ms": round(statistics.median(samples_ms), 2),
        "p95_ms": round(cuts[94], 2),
        "max_ms": round(max(samples_ms), 2),
    }


async def time_fts(store: Store) -> dict[str, float]:
    """p50/p95/max of the fixed queries through any Store's search."""
    samples: list[float] = []
    for _ in range(REPEATS):
        for query in QUERIES:
            started = time.perf_counter()
            await store.search(query, 10)
            samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def time_like(db: Path) -> dict[str, float]:
    """The naive baseline: a substring scan of title and abstract, no ranking, 10 rows."""
    conn = sqlite3.connect(db)
    samples: list[float] = []
    try:
        for query in QUERIES:
            pattern = f"%{query}%"
            started = time.perf_counter()
            conn.execute(
                "SELECT arxiv_id FROM papers WHERE title LIKE ? OR abstract LIKE ? LIMIT 10",
                (pattern, pattern),
            ).fetchall()
            samples.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
    return percentiles(samples)


def reciprocal_rank(ids: list[str], target: str) -> float:
    """1 / the target's rank among `ids` (a top 10), or 0 when it is not there."""
    return 1 / (ids.index(target) + 1) if target in ids else 0.0


def plain_fts_mrr(db: Path, sample: list[Paper], joiner: str) -> dict[str, float]:
    """Reference, not paperbot: MRR@10 per kind of a plain FTS5 search on the same file
    (the query's words quoted and joined by `joiner`, " AND " or " OR ", over title,
    keywords, abstract and authors; plain bm25), the kind of baseline the issue measured
    beside paperbot."""
    conn = sqlite3.connect(db)
    sql = (
        "SELECT p.arxiv_id FROM papers_fts AS f JOIN papers AS p ON p.id = f.rowid "
        "WHERE papers_fts MATCH ? ORDER BY bm25(papers_fts) LIMIT 10"
    )
    report: dict[str, float] = {}
    try:
        for name, pairs in kind_queries(sample).items():
            reciprocal: list[float] = []
            for query, target in pairs:
                words = re.findall(r"[^\W_]+", query)
                expression = joiner.join('"' + w + '"' for w in words) or '""'
                ids = [row[0] for row in conn.execute(sql, (expression,)).fetchall()]
                reciprocal.append(reciprocal_rank(ids, target))
            report[name] = round(statistics.fmean(reciprocal), 3)
    finally:
        conn.close()
    return report


def kind_queries(sample: list[Paper]) -> dict[str, list[tuple[str, str]]]:
    """Per query kind, its (query, target arXiv id) pairs: each recipe on the same titles."""
    queries: dict[str, list[tuple[str, str]]] = {}
    for name, recipe in KINDS.items():
        rng = random.Random(SEED)  # each kind its own seeded stream: adding one moves no other
        built = ((recipe(paper.title, rng), paper.arxiv_id) for paper in sample)
        queries[name] = [(query, target) for query, target in built if query]
    return queries


async def known_item(
    store: Store, sample: list[Paper], ceiling: Ceiling | None = None
) -> dict[str, Any]:
    """MRR@10, hits and latency per query kind (bench/query_kinds.py), and the worst kind;
    with a `ceiling` over the corpus, the best MRR@10 any ranking could reach on the same
    queries (bench/query_ceiling.py) and the share of it reached."""
    report: dict[str, Any] = {}
    for name, pairs in kind_queries(sample).items():
        reciprocal: list[float] = []
        reachable: list[float] = []
        samples: list[float] = []
        for query, target in pairs:
            started = time.perf_counter()
            found = await store.search(query, 10)
            samples.append((time.perf_counter() - started) * 1000)
            ids = [p.arxiv_id for p in found.papers]
            reciprocal.append(reciprocal_rank(ids, target))
            if ceiling is not None:
                reachable.append(ceiling.reciprocal_rank(name, query, target))
        report[name] = {
            "items": len(pairs),
            "mrr": round(statistics.fmean(reciprocal), 3),
            "hit_at_1": round(sum(r == 1.0 for r in reciprocal) / len(pairs), 3),
            "found_in_10": round(sum(r > 0 for r in reciprocal) / len(pairs), 3),
            **percentiles(samples),
        }
        if reachable:
            best = statistics.fmean(reachable)
            report[name]["ceiling"] = round(best, 3)
            report[name]["share_of_ceiling"] = round(statistics.fmean(reciprocal) / best, 3)
    report["worst_kind"] = min(KINDS, key=lambda name: report[name]["mrr"])
    if ceiling is not None:
        report["archive_ceiling"] = {
            kind: round(ceiling.archive(kind), 4) for kind in TITLE_RECIPES
        }
    return report


async def time_similar(store: Store, sample: list[Paper]) -> dict[str, Any]:
    """p50/p95/max of `similar` for each sampled paper, and how often its answers share a
    Hugging Face keyword with it (a rough check that they are alike, not a tuned target)."""
    samples: list[float] = []
    answered = shared = listed = 0
    for paper in sample[:SIMILAR_ITEMS]:
        started = time.perf_counter()
        found = await store.similar(paper, 10)
        samples.append((time.perf_counter() - started) * 1000)
        answered += bool(found)
        mine = {k.casefold() for k in paper.ai_keywords}
        listed += len(found) if mine else 0
        shared += sum(bool(mine & {k.casefold() for k in f.paper.ai_keywords}) for f in found)
    return {
        "items": len(samples),
        "answered": round(answered / len(samples), 3),
        "share_a_keyword": round(shared / listed, 3) if listed else None,
        **percentiles(samples),
    }


def files_mb(folder: Path, name: str) -> int:
    """The database's size on disk, WAL included."""
    return round(sum(f.stat().st_size for f in folder.glob(name + "*")) / 2**20)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def draw_sample(papers: Iterator[Paper], items: int = KNOWN_ITEMS) -> list[Paper]:
    """The sample `build` keeps, drawn from the same stream without indexing it."""
    reservoir = Reservoir(items)
    for paper in papers:
        reservoir.offer(paper)
    return reservoir.sample


def sample_size(size: int, archive_items: int, quality_items: int) -> int:
    """Known items drawn: `quality_items` on the real archive (the quality figures: 200
    items put a kind's MRR within about ±0.02, too coarse to tell 0.969 from 0.97), the
    usual KNOWN_ITEMS on a synthetic corpus (speed only)."""
    return quality_items if size <= archive_items else KNOWN_ITEMS


def ceiling_for(real: list[Paper], size: int, archive_items: int) -> Ceiling | None:
    """The kinds' Bayes ceilings over the real corpus; none for a synthetic one."""
    if size > archive_items:
        return None
    return Ceiling({paper.arxiv_id: paper.title for paper in real[:size]})


async def run_size(
    real: list[Paper],
    archive_items: int,
    size: int,
    workdir: Path,
    *,
    reuse: bool = False,
    quality_items: int = QUALITY_ITEMS,
) -> dict[str, Any]:
    """Index a corpus of `size` papers (or, with `reuse`, open the one a previous run left in
    `workdir`: the corpus is seeded, so it is the same) and measure it."""
    db = workdir / f"search-{size}.db"
    built = db.with_suffix(".build.json")
    if not (reuse and db.exists() and built.exists()):
        db.unlink(missing_ok=True)
        built.unlink(missing_ok=True)
    store = await SqliteStore.open(db)
    reservoir = Reservoir(sample_size(size, archive_items, quality_items))
    try:
        is_real = size <= archive_items
        count = min(size, len(real)) if is_real else size
        reused = built.exists()
        if reused:
            for paper in corpus(real, size, archive_items):
                reservoir.offer(paper)
            build_s = float(json.loads(built.read_text(encoding="utf-8"))["build_s"])
        else:
            build_s = await build(store, corpus(real, size, archive_items), reservoir)
            built.write_text(json.dumps({"build_s": build_s}), encoding="utf-8")
        sample = reservoir.sample
        ceiling = ceiling_for(real, size, archive_items)
        result: dict[str, Any] = {
            "papers": count,
            "corpus": "real archive" if is_real else "synthetic (recombined from the archive)",
            "reused_db": reused,
            "build_s": round(build_s, 1),
            "build_papers_per_s": round(count / build_s),
            "db_mb": files_mb(workdir, db.name),
            "fts": await time_fts(store),
            "known_item": await known_item(store, sample, ceiling),
            "similar": await time_similar(store, sample),
        }
    finally:
        await store.close()
    result["like_baseline"] = time_like(db)
    if ceiling is not None:  # quality figures: the real archive
        result["plain_fts_mrr_reference"] = {
            "all words (AND)": plain_fts_mrr(db, sample, " AND "),
            "any word (OR)": plain_fts_mrr(db, sample, " OR "),
        }
    result["peak_rss_mb"] = peak_rss_mb()
    return result


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
        "cpus": str(len(__import__("os").sched_getaffinity(0))),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--sizes", default="9581,100000,1000000")
    parser.add_argument("--out", type=Path, default=Path("bench/results/search.json"))
    parser.add_argument("--workdir", type=Path, default=None, help="where the databases go")
    parser.add_argument(
        "--reuse", action="store_true", help="open the databases a previous run left in --workdir"
    )
    parser.add_argument(
        "--quality-items", type=int, default=QUALITY_ITEMS, help="known items, real archive"
    )
    args = parser.parse_args(argv)
    real, archive_items = load_archive(args.archive)
    report: dict[str, Any] = {"machine": machine(), "queries": list(QUERIES), "runs": []}
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.workdir or Path(scratch)
        for size in (int(s) for s in args.sizes.split(",")):
            result = await run_size(
                real,
                archive_items,
                size,
                workdir,
                reuse=args.reuse,
                quality_items=args.quality_items,
            )
            report["runs"].append(result)
            print(json.dumps(result), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"saved {args.out}")


if __name__ == "__main__":
    asyncio.run(main())
