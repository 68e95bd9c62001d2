"""Pure translation of Hugging Face Daily Papers items into `Paper`s.

Tolerant by design (see tests/fixtures/hf/README.md): an item needs only `paper.id`,
`paper.title`, `paper.summary`, `paper.authors`, `paper.upvotes` and a date; every other
field is optional and a wrong-typed optional field is dropped, not fatal. An item missing a
required field is skipped and counted; only a payload that is not a list is an error. A value
outside its bound (`bot.sources.bounds`: a count past what the stores hold, a megabyte
title, a date in year 9999) counts as wrong-typed: the item is skipped, or the field dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from bot.records.errors import MalformedResponse
from bot.records.models import Paper
from bot.sources import bounds
from bot.text.arxiv_ids import parse_arxiv_id
from bot.text.untrusted import is_clean, one_line

log = logging.getLogger(__name__)


class _Skip(ValueError):
    """An item the parser cannot turn into a Paper; the message says which field."""


def parse_daily_papers(payload: object, day: date) -> tuple[list[Paper], int]:
    """(papers de-duplicated on bare arXiv id in first-seen order, number of skipped items).

    For a repeated id the copy with the most upvotes wins: the list grows during the day,
    so a later page can hold a fresher copy. Raises MalformedResponse if `payload` is not a list.
    """
    if not isinstance(payload, list):
        raise MalformedResponse(f"expected a JSON list of papers, got {type(payload).__name__}")
    by_id: dict[str, Paper] = {}
    skipped = 0
    for index, item in enumerate(payload):
        try:
            paper = parse_item(item, day)
        except _Skip as why:
            skipped += 1
            log.debug("daily papers %s: item %d skipped: %s", day, index, why)
            continue
        known = by_id.get(paper.arxiv_id)
        if known is None or paper.upvotes > known.upvotes:
            by_id[paper.arxiv_id] = paper
    return list(by_id.values()), skipped


def parse_item(item: object, day: date) -> Paper:
    """One API item to a Paper listed on `day`. Raises _Skip (a ValueError) if unusable."""
    top = _mapping(item, "item")
    paper = _mapping(top.get("paper"), "paper")
    return Paper(
        arxiv_id=_arxiv_id(paper.get("id")),
        title=_required_text(paper, "title", bounds.MAX_TITLE),
        abstract=_required_text(paper, "summary", bounds.MAX_ABSTRACT),
        authors=_authors(paper.get("authors")),
        published_at=_published_at(paper, top),
        listed_on=day,
        upvotes=_required_count(paper, "upvotes"),
        comments=_optional_count(top.get("numComments")) or 0,
        github_repo=_url(paper.get("githubRepo")),
        github_stars=_optional_count(paper.get("githubStars")),
        project_page=_url(paper.get("projectPage")),
        thumbnail=_url(top.get("thumbnail")),
        ai_summary=_optional_text(paper.get("ai_summary"), bounds.MAX_SUMMARY),
        ai_keywords=_keywords(paper.get("ai_keywords")),
        organization=_organization(paper.get("organization"))
        or _organization(top.get("organization")),
        source="huggingface",
    )


def parse_timestamp(value: object) -> datetime:
    """An ISO 8601 timestamp ('2026-08-20T00:00:00.000Z') as an aware UTC datetime, within
    the bounds' dates. Raises _Skip (a ValueError) otherwise."""
    if not isinstance(value, str) or len(value) > 64:
        raise _Skip("date is not a timestamp")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        parsed = parsed.astimezone(UTC)  # OverflowError near year 1 or 9999
    except (ValueError, OverflowError):
        raise _Skip(f"bad date {value[:40]!r}") from None
    if not bounds.in_date_range(parsed):
        raise _Skip(f"date {value[:40]!r} is out of range")
    return parsed


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _Skip(f"{what} is not an object")
    return value


def _arxiv_id(value: object) -> str:
    # Papers are linked as arxiv.org/abs/<id>, so an id that is not an arXiv id is unusable.
    if not isinstance(value, str):
        raise _Skip("paper.id is missing")
    try:
        return parse_arxiv_id(value)
    except ValueError:
        raise _Skip(f"paper.id {value[:40]!r} is not an arXiv id") from None


def _required_text(paper: Mapping[str, Any], key: str, limit: int) -> str:
    text = _optional_text(paper.get(key), limit)
    if text is None:
        raise _Skip(f"paper.{key} is missing, empty or longer than {limit:,} characters")
    return text


def _required_count(paper: Mapping[str, Any], key: str) -> int:
    count = _optional_count(paper.get(key))
    if count is None:
        raise _Skip(f"paper.{key} is not a count the store can hold")
    return count


def _authors(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > bounds.MAX_AUTHORS:
        raise _Skip(f"paper.authors is not a list of at most {bounds.MAX_AUTHORS:,}")
    names = (_optional_text(a.get("name"), bounds.MAX_NAME) for a in value if isinstance(a, dict))
    return tuple(name for name in names if name)


def _published_at(paper: Mapping[str, Any], top: Mapping[str, Any]) -> datetime:
    """The arXiv date; the Daily Papers listing time stands in if it is missing."""
    value = paper.get("publishedAt")
    return parse_timestamp(value if value is not None else top.get("publishedAt"))


def _optional_text(value: object, limit: int) -> str | None:
    """Paper text on one line, without control or bidi-override characters
    (bot.text.untrusted); None if there is none, or more than `limit` characters of it."""
    if not isinstance(value, str) or len(value) > 4 * limit:  # not worth cleaning
        return None
    text = one_line(value)
    return text if 0 < len(text) <= limit else None


def _optional_count(value: object) -> int | None:
    """A count the stores can hold; None for anything else (a float, a bool, 10**30)."""
    if isinstance(value, bool) or not isinstance(value, int) or not bounds.in_count_range(value):
        return None
    return value


def _url(value: object) -> str | None:
    """Only http(s) links survive: anything else (javascript:, data:) never reaches a renderer,
    nor does a link holding a control or bidi character (it could rewrite a terminal)."""
    if not isinstance(value, str) or len(value) > bounds.MAX_URL:
        return None
    text = value.strip()
    if not text.lower().startswith(("https://", "http://")) or any(c.isspace() for c in text):
        return None
    if not is_clean(text):
        return None
    return text


def _keywords(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > bounds.MAX_KEYWORDS:
        return ()
    words = (_optional_text(v, bounds.MAX_KEYWORD) for v in value)
    return tuple(dict.fromkeys(w for w in words if w))


def _organization(value: object) -> str | None:
    if not isinstance(value, dict):
        return None
    names = (_optional_text(value.get(key), bounds.MAX_NAME) for key in ("fullname", "name"))
    return next((name for name in names if name), None)
