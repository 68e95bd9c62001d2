"""The soak's faults (bench/soak.py): a seeded schedule, saved as JSON so a failing run can
be replayed with `--faults FILE`, and what each fault does to the fakes or the bot.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

KINDS = (
    "hf_down",  # every Hugging Face list request answers 503, for `hours`
    "hf_429",  # a burst of 429s with Retry-After
    "hf_5xx",  # a burst of 500s
    "hf_drip",  # an answer sent one byte at a time (the request deadline ends it)
    "slack_storm",  # chat.postMessage answers 500s, then 429s
    "discord_storm",  # channel messages answer 502s, then 429s
    "slack_token_rejected",  # the bot token is invalid_auth for `hours`, then valid again
    "sigkill",  # the bot's process is killed at a random moment, and started again
)


@dataclass(frozen=True)
class Fault:
    kind: str
    at_h: float  # hours of simulated time after the start
    hours: float = 0.0  # how long it lasts (0: a burst, at once)

    @property
    def at(self) -> timedelta:
        return timedelta(hours=self.at_h)

    @property
    def ends(self) -> timedelta:
        return timedelta(hours=self.at_h + self.hours)


def schedule(seed: int, days: float) -> list[Fault]:
    """Faults spread over the run; the long HF outage (three days) when the run is long
    enough to see it end and be caught up."""
    rng = random.Random(seed)
    span = days * 24.0
    outage_h = min(8.0, span * 0.15)  # hours; shorter in a short run, so that it ends in it
    faults = [
        Fault("hf_down", rng.uniform(0.1, 0.7) * span, rng.uniform(outage_h / 4, outage_h))
        for _ in range(2)
    ]
    if days >= 10:
        faults.append(Fault("hf_down", rng.uniform(0.3, 0.5) * span, 72.0))
    for kind in ("hf_429", "hf_5xx", "hf_drip", "slack_storm", "discord_storm"):
        faults += [
            Fault(kind, rng.uniform(0.05, 0.95) * span) for _ in range(max(1, int(days // 7)))
        ]
    # a day in a long run; a shorter rejection in a short one, so that it ends in the run
    faults.append(
        Fault("slack_token_rejected", rng.uniform(0.3, 0.5) * span, min(24.0, span * 0.15))
    )
    weeks = max(1, int(days // 7))
    week_h = min(7 * 24.0, span)  # a short run still sees one kill
    faults += [
        Fault("sigkill", week * week_h + rng.uniform(0.1, 0.7) * week_h) for week in range(weeks)
    ]
    quiet_end = min(36.0, span / 4)  # the end is left quiet, for the backlog to clear
    return sorted((f for f in faults if f.at_h + f.hours < span - quiet_end), key=lambda f: f.at_h)


def save(faults: list[Fault], path: Path) -> None:
    path.write_text(json.dumps([asdict(f) for f in faults], indent=1), encoding="utf-8")


def load(path: Path) -> list[Fault]:
    return [Fault(**item) for item in json.loads(path.read_text(encoding="utf-8"))]
