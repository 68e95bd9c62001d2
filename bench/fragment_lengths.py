"""Title fragments of 3 to 6 words: known-item MRR@10 beside the Bayes ceiling, on SQLite.

    python bench/fragment_lengths.py --archive PATH/daily_papers_archive_*.json.gz \
        [--widths 3,4,5,6] [--items 2000] [--out bench/results/fragment_lengths.json]

bench/search.py's fragment kinds take four words. How ambiguous a fragment is depends on
its length ("of Large Language Models" ends dozens of titles; "Abilities of Large Language
Models" one), so this script runs the same recipes (bench/query_kinds.py) at several
lengths on the real archive, through `SqliteStore.search`, and reports each beside the best
MRR@10 any ranking reading only the query could reach (bench/query_ceiling.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.query_ceiling import Ceiling
from bench.query_kinds import first_words, last_words, middle
from bench.search import (
    QUALITY_ITEMS,
    SEED,
    batches,
    draw_sample,
    load_archive,
    machine,
    reciprocal_rank,
)
from bot.records.models import Paper
from bot.storage.sqlite.store import SqliteStore

RECIPES = {"first_words": first_words, "last_words": last_words, "middle": middle}


async def measure(
    store: SqliteStore, sample: list[Paper], ceiling: Ceiling, kind: str, width: int
) -> dict[str, Any]:
    """MRR@10 and its ceiling for `kind` made `width` words long, over `sample`."""
    rng = random.Random(SEED)  # as bench/search.py's kind_queries
    reciprocal: list[float] = []
    reachable: list[float] = []
    for paper in sample:
        query = RECIPES[kind](paper.title, rng, width)
        if not query:
            continue
        ids = [p.arxiv_id for p in (await store.search(query, 10)).papers]
        target = paper.arxiv_id
        reciprocal.append(reciprocal_rank(ids, target))
        reachable.append(ceiling.reciprocal_rank(kind, query, target))
    mrr, best = statistics.fmean(reciprocal), statistics.fmean(reachable)
    return {
        "items": len(reciprocal),
        "mrr": round(mrr, 3),
        "ceiling": round(best, 3),
        "share_of_ceiling": round(mrr / best, 3),
        "archive_ceiling": round(ceiling.archive(kind), 3),
    }


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--widths", default="3,4,5,6")
    parser.add_argument("--items", type=int, default=QUALITY_ITEMS)
    parser.add_argument("--out", type=Path, default=Path("bench/results/fragment_lengths.json"))
    args = parser.parse_args(argv)
    real, _ = load_archive(args.archive)
    sample = draw_sample(iter(real), args.items)  # the items bench/search.py draws
    titles = {paper.arxiv_id: paper.title for paper in real}
    report: dict[str, Any] = {"machine": machine(), "load_average": os.getloadavg(), "runs": []}
    with tempfile.TemporaryDirectory() as scratch:
        store = await SqliteStore.open(Path(scratch) / "real.db")
        try:
            for batch in batches(iter(real)):
                await store.upsert_papers(batch)
            for width in (int(w) for w in args.widths.split(",")):
                ceiling = Ceiling(titles, width)
                for kind in RECIPES:
                    row = {"kind": kind, "words": width}
                    row.update(await measure(store, sample, ceiling, kind, width))
                    report["runs"].append(row)
                    print(json.dumps(row), flush=True)
        finally:
            await store.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"saved {args.out}")


if __name__ == "__main__":
    asyncio.run(main())
