"""Digest build benchmark: 10,000 subscriptions with topics on one 500-paper day.

    .venv/bin/python bench/digest_build.py [--subscriptions 10000] [--papers 500]

The papers are the real Hugging Face archive slice (tests/fixtures/hf), repeated with new
arXiv ids up to `--papers` (each copy's abstract ends with a word of its own, so no two texts
are the same), saved in a real SQLite store as one day's list. Each channel has a
history of 30 papers posted on earlier days, and one in ten has also been sent three of
today's papers. Two topic mixes, both reported, and the worst of them:

- `random`: 0 to 8 topics of every kind drawn at random from the papers' own words, authors,
  organizations and keywords (tests/unit/test_prepared_digest.py), so about one distinct
  topic per channel and many of them common words ("the", "we"): the hard case;
- `realistic`: 0 to 8 topics drawn, the popular ones more often, from one pool of a few
  hundred real topic phrases that channels share: the HF keywords most often given to the
  archive's papers (typed as a word, a "phrase" or kw:), its most frequent authors and
  organizations, and a few excludes ("survey", "benchmark").

Timed per mix, the path DeliveryRunner takes (`DeliveryRunner._digest`): one `RunPapers` per
run reading the day from the store, then `PreparedPapers.build` for every channel:

- `cold`: the first run of a process (no paper tokenised yet);
- `warm`: a later run (papers read again from the store, tokens kept), median of three;
- `no_topics`: the warm run for the same channels without topics;
- `reference_build_digest`: in the same process, the per-channel `build_digest` the runner used
  to call, on a sample of `--reference-sample` channels, scaled; the sample's digests are
  checked equal to the prepared ones.

Wall and CPU seconds are both printed: other processes share the machine (load in the JSON).
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
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.digest import topics
from bot.digest.build import build_digest
from bot.digest.run_papers import RunPapers
from bot.digest.topics import parse_topics
from bot.records.digest import Digest
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription, Topic
from bot.storage.sqlite.store import SqliteStore
from bot.text.words import words
from tests.unit.test_prepared_digest import PAPERS, random_subscription

DAY = date(2024, 6, 3)
TARGET_S = 2.0
WARM_RUNS = 3
EXCLUDES = ("-survey", "-benchmark", '-"position paper"', "-dataset", '-"technical report"')


def day_of(count: int) -> list[Paper]:
    """`count` papers, each with its own text (a word of its own ends the abstract), so each
    is tokenised: the slice's 155 papers, copied."""
    return [
        replace(
            paper,
            arxiv_id=f"2406.{n:05d}",
            abstract=f"{paper.abstract} x{n}",
            upvotes=(n * 37) % 400,
            listed_on=DAY,
        )
        for n, paper in ((n, PAPERS[n % len(PAPERS)]) for n in range(count))
    ]


def topic_pool() -> list[Topic]:
    """A few hundred real topics: the archive's most frequent keywords, authors, orgs."""
    keywords = Counter(k.casefold() for p in PAPERS for k in p.ai_keywords)
    authors = Counter(a for p in PAPERS for a in p.authors)
    orgs = Counter(p.organization for p in PAPERS if p.organization)
    typed: list[str] = []
    for n, (keyword, _) in enumerate(keywords.most_common(300)):
        folded = " ".join(words(keyword))
        if not folded:
            continue
        if n % 5 == 4:
            typed.append(f'kw:"{folded}"')
        else:
            typed.append(f'"{folded}"' if " " in folded else folded)
    typed += [f'author:"{a}"' for a, _ in authors.most_common(40)]
    typed += [f"author:{a.split()[-1]}" for a, _ in authors.most_common(80)[40:]]
    typed += [f'org:"{o}"' for o, _ in orgs.most_common(30)]
    return [parse_topics(text)[0] for text in dict.fromkeys(typed)]


def realistic_subscription(rng: random.Random, n: int, pool: list[Topic]) -> Subscription:
    weights = [1 / (rank + 1) for rank in range(len(pool))]  # Zipf: popular topics shared
    count = rng.choice((0, 1, 2, 3, 4, 8))
    topics = rng.choices(pool, weights, k=count)
    if count and rng.random() < 0.2:
        topics.append(parse_topics(rng.choice(EXCLUDES))[0])
    settings = ChannelSettings(
        min_upvotes=rng.choice((0, 0, 5, 20, 100)), max_papers=rng.choice((1, 5, 10, 10, 200))
    )
    return Subscription(ChannelRef("slack", f"C{n}", "T"), tuple(dict.fromkeys(topics)), settings)


def histories(rng: random.Random, count: int, today: list[Paper]) -> list[set[str]]:
    """What each channel was sent before: 30 earlier papers; one in ten, 3 of today's too."""
    found = []
    for n in range(count):
        posted = {f"2405.{rng.randrange(20_000):05d}" for _ in range(30)}
        if n % 10 == 0:
            posted |= {p.arxiv_id for p in rng.sample(today, 3)}
        found.append(posted)
    return found


def clear_token_cache() -> None:
    """As in a new process: no paper tokenised yet (`_index` before this branch, so the
    script also runs on an export of main for a before/after)."""
    for name in ("_tokenised", "_index", "_spans"):
        cached = getattr(topics, name, None)
        if cached is not None:
            cached.cache_clear()


@contextmanager
def clocked(into: dict[str, float], name: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    into[f"{name}_s"] = round(time.perf_counter() - wall, 2)
    into[f"{name}_cpu_s"] = round(time.process_time() - cpu, 2)


async def runner_path(
    store: SqliteStore, subscriptions: list[Subscription], posted: list[set[str]]
) -> list[Digest]:
    """What DeliveryRunner._digest does for each channel of one run (the store's
    `posted_paper_ids` read aside: `posted` holds each channel's answer)."""
    run = RunPapers(store.papers_listed_on)
    digests = []
    for subscription, history in zip(subscriptions, posted, strict=True):
        papers = await run.prepared((DAY,))
        digests.append(papers.build(DAY, subscription, already_posted=history))
    return digests


async def run_mix(
    store: SqliteStore,
    papers: list[Paper],
    subscriptions: list[Subscription],
    posted: list[set[str]],
    sample: int,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "distinct_topics": len({t for s in subscriptions for t in s.topics}),
        "with_topics": sum(1 for s in subscriptions if s.topics),
    }
    clear_token_cache()
    with clocked(result, "cold"):
        await runner_path(store, subscriptions, posted)
    runs: list[dict[str, float]] = []
    for _ in range(WARM_RUNS):
        runs.append({})
        with clocked(runs[-1], "warm"):
            digests = await runner_path(store, subscriptions, posted)
    for key in ("warm_s", "warm_cpu_s"):  # the median run
        result[key] = statistics.median(r[key] for r in runs)
    plain = [Subscription(s.channel, (), s.settings) for s in subscriptions]
    with clocked(result, "no_topics"):
        await runner_path(store, plain, posted)
    step = max(1, len(subscriptions) // sample)
    picked = range(0, len(subscriptions), step)
    started = time.perf_counter()
    expected = {
        n: build_digest(DAY, papers, subscriptions[n], already_posted=posted[n]) for n in picked
    }
    reference_s = (time.perf_counter() - started) * len(subscriptions) / len(picked)
    result["reference_build_digest_s_scaled"] = round(reference_s, 1)
    result["reference_sample"] = len(picked)
    result["reference_over_warm"] = round(reference_s / max(result["warm_s"], 1e-9), 1)
    result["identical_to_reference"] = all(digests[n] == d for n, d in expected.items())
    result["entries_posted"] = sum(len(d.entries) for d in digests)
    return result


def mixes(count: int) -> dict[str, Callable[[], list[Subscription]]]:
    pool = topic_pool()
    return {
        "random": lambda: [random_subscription(random.Random(13 + n), n) for n in range(count)],
        "realistic": lambda: [
            realistic_subscription(random.Random(31 + n), n, pool) for n in range(count)
        ],
    }


async def run(count: int, paper_count: int, sample: int) -> dict[str, Any]:
    papers = day_of(paper_count)
    posted = histories(random.Random(5), count, papers)
    report: dict[str, Any] = {
        "subscriptions": count,
        "papers": paper_count,
        "target_s": TARGET_S,
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "mixes": {},
    }
    with tempfile.TemporaryDirectory() as scratch:
        store = await SqliteStore.open(Path(scratch) / "digest_build.db")
        try:
            await store.upsert_papers(papers)
            stored = await store.papers_listed_on(DAY)  # the reference gets the same list
            for name, make in mixes(count).items():
                result = await run_mix(store, stored, make(), posted, sample)
                report["mixes"][name] = result
                print(name, json.dumps(result), flush=True)
        finally:
            await store.close()
    report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    worst = max(report["mixes"].items(), key=lambda item: item[1]["cold_s"])
    report["worst"] = {"mix": worst[0], "cold_s": worst[1]["cold_s"], "warm_s": worst[1]["warm_s"]}
    report["meets_target"] = worst[1]["cold_s"] <= TARGET_S
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--papers", type=int, default=500)
    parser.add_argument("--reference-sample", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("bench/results/digest_build.json"))
    args = parser.parse_args()
    report = asyncio.run(run(args.subscriptions, args.papers, args.reference_sample))
    text = json.dumps(report, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
