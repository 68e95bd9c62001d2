"""Export benchmark: the three export files of the largest list the bot exports.

    python bench/export.py --archive PATH/daily_papers_archive_*.json.gz \
        [--out bench/results/export.json]

Renders EXPORT_LIMIT real papers of the archive (the most recent ones) as BibTeX, Markdown
and CSV, and prints each file's size, bytes per paper (mean and largest) and render time
(median of 5 runs), beside the platforms' upload limits (Discord's default 10 MiB for an
attachment). Also renders the whole archive as BibTeX once.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.export.formats import ExportFormat, ExportItem
from bot.export.runner import EXPORT_LIMIT, render
from bot.records.models import Paper
from bot.sources.hf_parse import parse_daily_papers

DISCORD_ATTACHMENT_LIMIT = 10 * 1024 * 1024
SAVED = datetime(2026, 8, 22, tzinfo=UTC)


def load(path: Path) -> list[Paper]:
    days = json.loads(gzip.decompress(path.read_bytes()))["days"]
    papers: dict[str, Paper] = {}
    for day, items in sorted(days.items()):
        for paper in parse_daily_papers(items, date.fromisoformat(day))[0]:
            papers.setdefault(paper.arxiv_id, paper)
    return list(papers.values())


def measure(fmt: ExportFormat, items: list[ExportItem]) -> dict[str, float]:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        data = render(fmt, "Saved papers", items).encode("utf-8")
        times.append(time.perf_counter() - start)
    sizes = [len(render(fmt, "x", [item]).encode("utf-8")) for item in items]
    return {
        "papers": len(items),
        "bytes": len(data),
        "bytes_per_paper_mean": round(statistics.mean(sizes)),
        "bytes_per_paper_max": max(sizes),
        "render_ms_median": round(statistics.median(times) * 1000, 1),
        "share_of_discord_limit": round(len(data) / DISCORD_ATTACHMENT_LIMIT, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("bench/results/export.json"))
    args = parser.parse_args()
    papers = load(args.archive)
    recent = [ExportItem(p, saved_at=SAVED) for p in papers[-EXPORT_LIMIT:]]
    results: dict[str, object] = {"machine": f"{platform.machine()} {platform.python_version()}"}
    for fmt in ExportFormat:
        results[fmt.value] = measure(fmt, recent)
    start = time.perf_counter()
    whole = render(ExportFormat.BIBTEX, "x", [ExportItem(p) for p in papers]).encode("utf-8")
    results["whole_archive_bibtex"] = {
        "papers": len(papers),
        "bytes": len(whole),
        "render_ms": round((time.perf_counter() - start) * 1000, 1),
    }
    text = json.dumps(results, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
