"""Figures of bench/acks.py: ack and answer latency quantiles per platform and verb."""

from __future__ import annotations

import statistics
from typing import Any

TARGET_P99_MS = 100.0
MISS_S = 3.0


def summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    acks = sorted(s["ack_s"] * 1000 for s in samples if s["ack_s"] is not None)
    answers = sorted(s["answer_s"] * 1000 for s in samples if s["answer_s"] is not None)
    return {
        "n": len(samples),
        "ack_ms": _quantiles(acks),
        "answer_ms": _quantiles(answers),
        "no_ack": len(samples) - len(acks),
        "no_answer": len(samples) - len(answers),
        "acks_past_3s": sum(1 for a in acks if a > MISS_S * 1000) + len(samples) - len(acks),
        "generic_failures": sum(1 for s in samples if s["failed"]),
    }


def _quantiles(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else []
    pick = (lambda q: cuts[q - 1]) if cuts else (lambda q: values[0])
    return {
        "p50": round(pick(50), 1),
        "p95": round(pick(95), 1),
        "p99": round(pick(99), 1),
        "max": round(values[-1], 1),
    }


def by_verb(samples: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for platform in ("slack", "discord"):
        mine = [s for s in samples if s["platform"] == platform]
        for verb in dict.fromkeys(s["verb"] for s in mine):
            out[f"{platform} {verb}"] = summary([s for s in mine if s["verb"] == verb])
        out[f"{platform} all"] = summary(mine)
    return out


def print_table(title: str, rows: dict[str, Any]) -> None:
    print(f"{title}: ack p50/p95/p99/max ms, acks past 3 s, answer p50/p99 ms", flush=True)
    for name, row in rows.items():
        if not isinstance(row, dict):
            continue
        ack, answer = row["ack_ms"] or {}, row["answer_ms"] or {}
        flag = "" if ack.get("p99", 1e9) <= TARGET_P99_MS else "  <-- p99 > 100 ms"
        print(
            f"  {name:26} n={row['n']:5} ack {ack.get('p50')}/{ack.get('p95')}/{ack.get('p99')}"
            f"/{ack.get('max')} past3s={row['acks_past_3s']} answer {answer.get('p50')}"
            f"/{answer.get('p99')} failures={row['generic_failures']}{flag}",
            flush=True,
        )
