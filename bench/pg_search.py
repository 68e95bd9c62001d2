"""Search on PostgreSQL beside SQLite, on the same corpus, in one run.

    PAPERBOT_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \
    .venv/bin/python bench/pg_search.py --archive PATH/daily_papers_archive_*.json.gz \
        [--sizes 100000] [--out bench/results/pg_search.json]

For each size, the corpus of bench/search.py (the real archive, or papers recombined from
it) is indexed through `PostgresStore.upsert_papers` in a throw-away schema, then the same
20 queries (5 rounds) and the same 200 known-item queries (a title with one word dropped and
one typo) run through `PostgresStore.search`. SQLite's figures come from bench/search.py's
own `run_size` on the same corpus in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg

from bench.query_ceiling import Ceiling
from bench.search import (
    QUALITY_ITEMS,
    QUERIES,
    batches,
    ceiling_for,
    corpus,
    draw_sample,
    known_item,
    load_archive,
    machine,
    run_size,
    sample_size,
    time_fts,
    time_similar,
)
from bot.records.models import Paper
from bot.storage.postgres.store import PostgresStore

ENV = "PAPERBOT_BENCH_POSTGRES_URL"


async def build(store: PostgresStore, papers: list[Paper], url: str, schema: str) -> float:
    """Index `papers`, then VACUUM ANALYZE them, as autovacuum does within a minute of a
    bulk load (PostgreSQL 13+ vacuums insert-only tables too): measured before ANALYZE, the
    planner (no statistics yet) walked whole tables for `similar`; before VACUUM, counting a
    word's papers visited every matching row for its visibility."""
    started = time.perf_counter()
    for batch in batches(iter(papers)):
        await store.upsert_papers(batch)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            f"VACUUM ANALYZE {schema}.papers, {schema}.paper_ranks, {schema}.search_terms"
        )
    finally:
        await conn.close()
    return time.perf_counter() - started


async def run_postgres(
    url: str, papers: list[Paper], items: int, ceiling: Ceiling | None
) -> dict[str, Any]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    store = await PostgresStore.open(url, schema=schema)
    try:
        build_s = await build(store, papers, url, schema)
        sample = draw_sample(iter(papers), items)  # the very items bench/search.py's run draws
        return {
            "papers": len(papers),
            "build_s": round(build_s, 1),
            "build_papers_per_s": round(len(papers) / build_s),
            "typo_fallback": "search_terms" if store.corrects_typos else "none",
            "search": await time_fts(store),
            "known_item": await known_item(store, sample, ceiling),
            "similar": await time_similar(store, sample),
        }
    finally:
        await store.close()
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        finally:
            await conn.close()


async def run_sqlite(
    args: argparse.Namespace, real: list[Paper], archive_items: int, size: int
) -> dict[str, Any]:
    """bench/search.py's run of `size` on SQLite, in --workdir or a scratch folder."""
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.workdir or Path(scratch)
        return await run_size(
            real, archive_items, size, workdir, reuse=args.reuse, quality_items=args.quality_items
        )


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--out", type=Path, default=Path("bench/results/pg_search.json"))
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--sqlite-sizes", default="", help="sizes run on SQLite only (bench/search.py's run)"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="SQLite databases (see --reuse)")
    parser.add_argument("--reuse", action="store_true", help="reuse SQLite databases in --workdir")
    parser.add_argument(
        "--quality-items", type=int, default=QUALITY_ITEMS, help="known items, real archive"
    )
    args = parser.parse_args(argv)
    url = os.environ.get(ENV) or sys.exit(f"set {ENV}=postgresql://USER@HOST:PORT/DATABASE")
    real, archive_items = load_archive(args.archive)
    report: dict[str, Any] = {
        "machine": machine(),
        "queries": list(QUERIES),
        "load_average_at_start": os.getloadavg(),
        "runs": [],
    }
    for size in (int(s) for s in args.sizes.split(",")):
        papers = list(corpus(real, size, archive_items))
        items = sample_size(size, archive_items, args.quality_items)
        postgres = await run_postgres(url, papers, items, ceiling_for(real, size, archive_items))
        row: dict[str, Any] = {"size": size, "postgres": postgres}
        print(json.dumps(row), flush=True)
        if not args.skip_sqlite:
            row["sqlite"] = await run_sqlite(args, real, archive_items, size)
            print(json.dumps(row["sqlite"]), flush=True)
        report["runs"].append(row)
    for size in (int(s) for s in args.sqlite_sizes.split(",") if s):
        sqlite = await run_sqlite(args, real, archive_items, size)
        report["runs"].append({"size": size, "sqlite": sqlite})
        print(json.dumps(sqlite), flush=True)
    report["load_average"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"saved {args.out}")


if __name__ == "__main__":
    asyncio.run(main())
