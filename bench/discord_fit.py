"""How many archive days' digests go out as one Discord message.

    .venv/bin/python bench/discord_fit.py --archive PATH/daily_papers_archive_....json.gz

Each day of the Hugging Face archive (shared fixtures; read by path, never by a test) is
built into the plain trending digest (10 papers at most, the default) and rendered by the
Discord renderer on the import path, with a delivery's footer mark. Prints the days, how
many fit one message, and the largest message's embed characters. Run it against another
checkout (PYTHONPATH=that/checkout) to compare renderers.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter
from datetime import date
from pathlib import Path

from adapters.discord.render import render_digest
from bot.digest.build import build_digest
from bot.records.models import ChannelRef, Subscription
from bot.sources.hf_parse import parse_item

CHANNEL = ChannelRef("discord", "1", "2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archive", type=Path, required=True)
    args = parser.parse_args()
    with gzip.open(args.archive, "rt", encoding="utf-8") as handle:
        days = json.load(handle)["days"]
    messages: Counter[int] = Counter()
    largest = 0
    for day_text, items in sorted(days.items()):
        day = date.fromisoformat(day_text)
        papers = [parse_item(item, day) for item in items]
        digest = build_digest(day, papers, Subscription(CHANNEL))
        rendered = render_digest(digest, mark_key="pb0123456789abcdef01")
        messages[len(rendered)] += 1
        largest = max(largest, *(sum(len(e) for e in m.embeds) for m in rendered))
    total = sum(messages.values())
    one = messages[1]
    print(f"days: {total}; one message: {one} ({one / total:.1%}); by count: {dict(messages)}")
    print(f"largest message: {largest} embed characters")


if __name__ == "__main__":
    main()
