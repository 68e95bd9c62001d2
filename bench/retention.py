"""A year of rows, then the retention job: the store's size before and after, and the time.

    .venv/bin/python bench/retention.py [--channels 1000] [--days 365] [--postgres URL]
        [--no-sqlite] [--out bench/results/retention.json]

Fills a fresh store through the Store port with what `--channels` daily channels leave
behind in `--days`: one posted delivery record per channel and day (5 papers, 3 message
parts) with its posted papers (`record_post`), its two settle tasks (done), a follow-up
event per channel and week, a day's interaction keys, link codes and wrong codes, 60 papers
a day with their follow-up sightings and Hugging Face look-ups, and 48 fetches a day.
Then one `RetentionRunner.run` at the year's end with the default `[retention]` horizons
(as the scheduler runs it), timed, and the size again.

SQLite: the file's size (after a WAL checkpoint) and each table's, from `dbstat`, before and
after; the prune's time; then, on a copy made before pruning and switched back to
`auto_vacuum = NONE` (a file from before migration 33), the same run with its one-off VACUUM.
PostgreSQL (`--postgres`, a throw-away schema): each table's total relation size before,
after the prune, and after a plain VACUUM (what autovacuum does: the space is reused, the
files keep their size), and the prune's time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform as host
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config.load import DeliveryConfig, RetentionConfig
from bot.ports import Store
from bot.records.delivery import Delivery, DeliveryState
from bot.records.followups import FollowupEvent, FollowupKind, Seen
from bot.records.links import code_hash
from bot.records.models import ChannelRef, Paper, PaperArtifacts, PostReceipt
from bot.records.settle import SettleState, SettleTask
from bot.retention.plan import cutoffs
from bot.retention.runner import RetentionRunner
from bot.storage.sqlite.store import SqliteStore

START = date(2025, 1, 1)
PAPERS_A_DAY = 60
ABSTRACT = " ".join(f"word{n % 400}" for n in range(220))  # about a real abstract's length


def channels(n: int) -> list[ChannelRef]:
    half = n // 2
    slack = [ChannelRef("slack", f"C{i:05d}", f"T{i % 40:03d}") for i in range(half)]
    return slack + [ChannelRef("discord", f"D{i:05d}", f"G{i % 40:03d}") for i in range(n - half)]


def paper_ids(day: date) -> list[str]:
    return [f"{day:%y%m}.{day.day:02d}{k:03d}" for k in range(PAPERS_A_DAY)]


async def fill(store: Store, refs: list[ChannelRef], days: int, first: int = 0) -> datetime:
    """`days` as the bot leaves them, from day `first`; returns the instant they end."""
    for n in range(first, first + days):
        day = START + timedelta(days=n)
        at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
        ids = paper_ids(day)
        await store.upsert_papers(
            [
                Paper(i, f"Title {i}", ABSTRACT, ("Ada", "Bo"), at, day, upvotes=k)
                for k, i in enumerate(ids)
            ]
        )
        await store.save_followups_seen([Seen(i, None, 0, 1) for i in ids], at)
        await store.save_hf_artifacts([PaperArtifacts(i, models=("org/m",)) for i in ids], at)
        for f in range(48):
            await store.record_fetch(day, PAPERS_A_DAY, at + timedelta(minutes=30 * f))
        await _day_of_posts(store, refs, day, at, ids)
        if n % 30 == 0 and days > 1:
            print(f"  filled {n}/{days} days", file=sys.stderr, flush=True)
    end = datetime.combine(START + timedelta(days=first + days), datetime.min.time(), tzinfo=UTC)
    for k in range(2000):  # a day's interaction keys
        moment = end - timedelta(seconds=40 * k)
        await store.remember_request(f"{k:064x}", moment, moment - timedelta(minutes=15))
    return end


async def _day_of_posts(
    store: Store, refs: list[ChannelRef], day: date, at: datetime, ids: list[str]
) -> None:
    records, tasks, events = [], [], []
    for c, ref in enumerate(refs):
        posted = tuple(ids[(c + k) % PAPERS_A_DAY] for k in range(5))
        records.append(
            Delivery(
                ref,
                day,
                at,
                (day,),
                state=DeliveryState.POSTED,
                attempts=1,
                paper_ids=posted,
                message_ids=(f"{at.timestamp():.0f}.{c:06d}", "m2", "m3"),
                thread_replies=(0, 0, 0),
                posted_at=at,
            )
        )
        for age in (24, 168):
            tasks.append(
                SettleTask(
                    ref,
                    day,
                    age,
                    at + timedelta(hours=age),
                    state=SettleState.DONE,
                    attempts=1,
                    posted=tuple((i, 10) for i in posted),
                    listed=tuple(ids),
                    edited_at=at + timedelta(hours=age),
                    late_ids=(),
                )
            )
        if (c + day.toordinal()) % 7 == 0:
            events.append(
                FollowupEvent(
                    ref,
                    posted[0],
                    FollowupKind.REPO,
                    "https://github.com/o/r",
                    day,
                    records[-1].message_ids[0],
                    "k" * 20,
                    "Title",
                    at + timedelta(days=2),
                    reply_key="r" * 20,
                    message_id="m9",
                )
            )
    await store.create_deliveries(records)
    await store.create_settle_tasks(tasks)
    await store.record_followup_events(events)
    for record in records:
        receipt = PostReceipt(record.channel, record.message_ids, at)
        await store.record_post(receipt, day, record.paper_ids)
    for k in range(3):  # a few link codes a day, never used; wrong codes
        await store.create_link_code(
            code_hash(f"{day}{k}"), refs[k].key, at + timedelta(minutes=10)
        )
    await store.join_link(code_hash(f"WRONG{day}"), refs[-1], "U1", at, f"group:{day}")


def sqlite_sizes(path: Path) -> dict[str, int]:
    """Bytes per table, its indexes and (for FTS) its shadow tables included."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        owners = dict(conn.execute("SELECT name, tbl_name FROM sqlite_schema").fetchall())
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    sizes: dict[str, int] = {}
    for name, size in rows:
        owner = str(owners.get(name, name))
        for fts in ("papers_title_fts", "papers_fts"):
            owner = fts if owner.startswith(f"{fts}_") else owner
        sizes[owner] = sizes.get(owner, 0) + int(size)
    return dict(sorted(sizes.items(), key=lambda kv: -kv[1]))


TABLES = (
    "deliveries",
    "settle_tasks",
    "followup_events",
    "followup_seen",
    "hf_artifacts",
    "handled_requests",
    "link_codes",
    "link_failures",
    "link_guards",
    "fetches",
    "posts",
    "posted_papers",
    "papers",
)


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


async def prune_timed(store: Store, end: datetime) -> dict[str, Any]:
    """The retention run's two phases, as RetentionRunner.run does them, timed apart, while a
    probe writes a request key every 10 ms: its longest wait is how long the store was held."""
    retention, probe = RetentionConfig(), _Probe(store, end)
    probing = asyncio.create_task(probe.run())
    pruned: dict[str, int] = {}
    started = time.perf_counter()
    for cutoff in cutoffs(retention, DeliveryConfig(), end):
        while True:
            deleted = await store.prune(cutoff.kind, cutoff.before, retention.batch_size)
            pruned[cutoff.kind.value] = pruned.get(cutoff.kind.value, 0) + deleted
            if deleted < retention.batch_size:
                break
            await asyncio.sleep(0)
    prune_s = time.perf_counter() - started
    started = time.perf_counter()
    bloat = await store.reclaim_space()
    reclaim_s = time.perf_counter() - started
    probe.stop = True
    await probing
    waits = sorted(probe.waits)
    return {
        "prune_s": round(prune_s, 2),
        "reclaim_s": round(reclaim_s, 2),
        "pruned": {k: v for k, v in pruned.items() if v},
        "bloat": [f"{b.table}: {b.dead} dead {b.unit}" for b in bloat],
        "probe_writes": len(waits),
        "probe_wait_p99_ms": round(1000 * waits[int(0.99 * (len(waits) - 1))], 1),
        "probe_wait_max_ms": round(1000 * waits[-1], 1),
    }


async def _a_month_more(store: Store, refs: list[ChannelRef], days: int) -> dict[str, Any]:
    """30 more days, the retention job run after each (as every_hours = 24 does)."""
    runs = []
    for n in range(days, days + 30):
        end = await fill(store, refs, 1, first=n)
        runs.append(await second_run(store, end))
    return {"last": runs[-1], "longest_s": max(r["s"] for r in runs)}


async def second_run(store: Store, end: datetime) -> dict[str, Any]:
    runner = RetentionRunner(store, _Clock(end), RetentionConfig(), DeliveryConfig())
    started = time.perf_counter()
    pruned = await runner.run(end)
    return {"s": round(time.perf_counter() - started, 3), "pruned": dict(pruned)}


class _Probe:
    def __init__(self, store: Store, end: datetime) -> None:
        self.store, self.end, self.stop, self.waits = store, end, False, list[float]()

    async def run(self) -> None:
        while not self.stop:
            started = time.perf_counter()
            await self.store.remember_request(uuid.uuid4().hex, self.end, self.end)
            self.waits.append(time.perf_counter() - started)
            await asyncio.sleep(0.01)


class _Clock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


async def bench_sqlite(refs: list[ChannelRef], days: int, workdir: Path) -> dict[str, Any]:
    path = workdir / "year.db"
    store = await SqliteStore.open(path)
    started = time.perf_counter()
    end = await fill(store, refs, days)
    fill_s = time.perf_counter() - started
    await store.close()
    before, counts_before = sqlite_sizes(path), sqlite_counts(path)
    legacy = workdir / "legacy.db"
    shutil.copy(path, legacy)
    with sqlite3.connect(legacy, isolation_level=None) as conn:
        conn.execute("PRAGMA auto_vacuum = NONE")
        conn.execute("VACUUM")

    store = await SqliteStore.open(path)
    run = await prune_timed(store, end)
    again = await second_run(store, end)
    await store.close()
    after, counts_after = sqlite_sizes(path), sqlite_counts(path)
    store = await SqliteStore.open(path)  # a month more, pruned as it goes: the steady state
    month_later = await _a_month_more(store, refs, days)
    await store.close()
    steady = sqlite_sizes(path)

    store = await SqliteStore.open(legacy)
    legacy_run = await prune_timed(store, end)
    await store.close()
    return {
        "fill_s": round(fill_s, 1),
        "file_before": path_size(before),
        "file_after": path_size(after),
        "run": run,
        "second_run": again,
        "legacy_file_run": legacy_run,
        "legacy_file_after": path_size(sqlite_sizes(legacy)),
        "a_month_more_then_pruned": {"file": path_size(steady), "tables": steady},
        "a_month_more_run": month_later,
        "rows_before": counts_before,
        "rows_after": counts_after,
        "tables_before": before,
        "tables_after": after,
    }


def path_size(sizes: dict[str, int]) -> int:
    return sum(sizes.values())


async def bench_postgres(url: str, refs: list[ChannelRef], days: int) -> dict[str, Any]:
    import asyncpg

    from bot.storage.postgres.store import PostgresStore

    schema = f"pbbench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(url)
    await conn.execute(f"CREATE SCHEMA {schema}")
    try:
        store = await PostgresStore.open(url, schema=schema)
        started = time.perf_counter()
        end = await fill(store, refs, days)
        fill_s = time.perf_counter() - started
        sizes = (
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
            f"ON n.oid = c.relnamespace WHERE n.nspname = '{schema}' AND c.relkind = 'r'"
        )
        before = int(await conn.fetchval(sizes))
        run = await prune_timed(store, end)
        again = await second_run(store, end)
        after_prune = int(await conn.fetchval(sizes))
        await conn.execute(f"SET search_path = {schema}")
        await conn.execute("VACUUM")
        after_vacuum = int(await conn.fetchval(sizes))
        month_later = await _a_month_more(store, refs, days)
        await conn.execute("VACUUM")
        steady = int(await conn.fetchval(sizes))
        await store.close()
    finally:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.close()
    return {
        "fill_s": round(fill_s, 1),
        "relations_before": before,
        "relations_after_prune": after_prune,
        "relations_after_vacuum": after_vacuum,
        "a_month_more_then_pruned": steady,
        "a_month_more_run": month_later,
        "run": run,
        "second_run": again,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--postgres", default="", help="also on this server, in a new schema")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--out", default="bench/results/retention.json")
    args = parser.parse_args()
    refs = channels(args.channels)
    report: dict[str, Any] = {
        "channels": args.channels,
        "days": args.days,
        "machine": f"{host.machine()} {os.cpu_count()} cores, Python {host.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}",
    }
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as workdir:
            report["sqlite"] = await bench_sqlite(refs, args.days, Path(workdir))
    if args.postgres:
        report["postgres"] = await bench_postgres(args.postgres, refs, args.days)
    text = json.dumps(report, indent=2)
    print(text)
    out = Path(args.out)
    await asyncio.to_thread(out.parent.mkdir, parents=True, exist_ok=True)
    await asyncio.to_thread(out.write_text, text + "\n", encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main())
