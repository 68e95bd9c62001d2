"""Digest build benchmark: 10,000 subscriptions with topics on one 500-paper day.

    .venv/bin/python bench/digest_build.py [--subscriptions 10000] [--papers 500]

The papers are the real Hugging Face archive slice (tests/fixtures/hf), repeated with new
arXiv ids up to `--papers`; subscriptions get 0 to 8 topics of every kind, drawn from the
papers' own words, authors, organizations and keywords (tests/unit/test_prepared_digest.py,
which also proves both paths give the same digests). Printed, from the same run:

- `prepared`: what DeliveryRunner does now (bot/digest/prepared.py), for every subscription;
- `reference_build_digest`: the per-channel `build_digest` the runner used to call, timed on
  a sample of `--reference-sample` subscriptions and scaled (all 10,000 take minutes).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.digest.build import build_digest
from bot.digest.prepared import PreparedPapers
from bot.models import Paper, Subscription
from tests.unit.test_prepared_digest import PAPERS, random_subscription

DAY = date(2024, 6, 3)


def day_of(count: int) -> list[Paper]:
    return [
        replace(PAPERS[n % len(PAPERS)], arxiv_id=f"2406.{n:05d}", upvotes=(n * 37) % 400)
        for n in range(count)
    ]


def timed_prepared(papers: list[Paper], subscriptions: list[Subscription]) -> float:
    start = time.perf_counter()
    prepared = PreparedPapers(papers)
    for subscription in subscriptions:
        prepared.build(DAY, subscription)
    return time.perf_counter() - start


def timed_reference(papers: list[Paper], subscriptions: list[Subscription]) -> float:
    start = time.perf_counter()
    for subscription in subscriptions:
        build_digest(DAY, papers, subscription)
    return time.perf_counter() - start


def run(count: int, paper_count: int, sample: int) -> dict[str, Any]:
    rng = random.Random(13)
    papers = day_of(paper_count)
    subscriptions = [random_subscription(rng, n) for n in range(count)]
    timed_reference(papers, subscriptions[:20])  # warm the per-paper token cache for both
    prepared_s = timed_prepared(papers, subscriptions)
    plain = [Subscription(s.channel, (), s.settings) for s in subscriptions]
    reference_s = timed_reference(papers, subscriptions[:sample]) * count / sample
    return {
        "subscriptions": count,
        "papers": paper_count,
        "distinct_topics": len({t for s in subscriptions for t in s.topics}),
        "prepared_s": round(prepared_s, 2),
        "prepared_no_topics_s": round(timed_prepared(papers, plain), 2),
        "reference_build_digest_s_scaled": round(reference_s, 1),
        "reference_sample": sample,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--papers", type=int, default=500)
    parser.add_argument("--reference-sample", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("bench/results/digest_build.json"))
    args = parser.parse_args()
    result = run(args.subscriptions, args.papers, args.reference_sample)
    text = json.dumps(result, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
