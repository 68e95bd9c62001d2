"""Pure: a PaperArtifacts as the values of an `hf_artifacts` row, and back, for both dialects
(instants are converted by the caller's functions), and the SQL both share."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bot.records.errors import StoreError
from bot.records.models import CachedArtifacts, PaperArtifacts

COLUMNS = ("arxiv_id", "models", "datasets", "spaces", "more", "fetched_at")


def upsert_sql(marks: list[str]) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
    return (
        f"INSERT INTO hf_artifacts ({', '.join(COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join(marks)}) ON CONFLICT (arxiv_id) DO UPDATE SET {updates}"
    )


def values(
    artifacts: PaperArtifacts, at: datetime, instant: Callable[[datetime], Any], flag: Any
) -> tuple[Any, ...]:
    return (
        artifacts.arxiv_id,
        json.dumps(list(artifacts.models)),
        json.dumps(list(artifacts.datasets)),
        json.dumps(list(artifacts.spaces)),
        flag(artifacts.more),
        instant(at),
    )


def cached_from(row: Mapping[str, Any], instant: Callable[[Any], datetime]) -> CachedArtifacts:
    try:
        artifacts = PaperArtifacts(
            row["arxiv_id"],
            _ids(row["models"]),
            _ids(row["datasets"]),
            _ids(row["spaces"]),
            bool(row["more"]),
        )
        return CachedArtifacts(artifacts, instant(row["fetched_at"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"hf_artifacts row is inconsistent: {exc}") from exc


def _ids(text: str) -> tuple[str, ...]:
    ids = json.loads(text)
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ValueError("repo ids are not a list of strings")
    return tuple(ids)
