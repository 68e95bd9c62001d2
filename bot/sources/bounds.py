"""What a field a source sends may hold, so one hostile item costs one paper, not a day.

The parsers (`hf_parse`, `arxiv_parse`) check every value against these bounds: a required
field outside them skips the item (counted), an optional one is dropped. Each bound is far
above anything real (the busiest fixtures hold titles of ~110 characters, abstracts under
2,000, names under 30, 75 authors) and far below what breaks a layer after us: PostgreSQL's
INTEGER for counts, its 1 MB limit on a search vector (title, keywords, abstract and authors
together; tests/contract/test_count_bounds_contract.py stores the largest paper these
bounds let through, every field of distinct words), and `datetime` arithmetic near year 1
or 9999.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.records.models import MAX_COUNT

__all__ = [
    "EARLIEST",
    "LATEST",
    "MAX_ABSTRACT",
    "MAX_AUTHORS",
    "MAX_COUNT",
    "MAX_KEYWORD",
    "MAX_KEYWORDS",
    "MAX_NAME",
    "MAX_SUMMARY",
    "MAX_TITLE",
    "MAX_URL",
    "in_count_range",
    "in_date_range",
]

MAX_TITLE = 10_000  # characters, after cleaning
MAX_ABSTRACT = 10_000  # arXiv itself caps abstracts at 1,920
MAX_SUMMARY = 2_000  # Hugging Face's ai_summary
MAX_NAME = 100  # an author's name, an organization
MAX_AUTHORS = 3_000  # the largest collaborations sign ~3,000
MAX_KEYWORD = 100
MAX_KEYWORDS = 100
MAX_URL = 2_000
# arXiv began in 1991; a date past 2200 is no paper's. Both keep `datetime` arithmetic
# (ages, weeks, time zones) far from its limits.
EARLIEST = datetime(1991, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def in_count_range(value: int) -> bool:
    """Whether `value` is a count both stores hold (0..MAX_COUNT)."""
    return 0 <= value <= MAX_COUNT


def in_date_range(value: datetime) -> bool:
    return EARLIEST <= value < LATEST
