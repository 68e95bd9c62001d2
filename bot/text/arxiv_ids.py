"""arXiv identifiers: accept what users paste, return the bare id (no version suffix)."""

from __future__ import annotations

import re

# New style (0704 onwards): YYMM.NNNN or YYMM.NNNNN; old style: archive(.SC)/YYMMNNN.
_NEW = r"\d{4}\.\d{4,5}"
_OLD = r"[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7}"
_ID = re.compile(rf"^(?P<id>{_NEW}|{_OLD})(?:v(?P<version>\d+))?$")
# What may stand before the id: `arXiv:`, or an arXiv or Hugging Face paper URL, with or
# without its scheme (a link pasted from a browser's address bar often has none).
_PREFIX = re.compile(
    r"^(?:arxiv:"
    r"|(?:https?://)?(?:(?:www|export)\.)?arxiv\.org/(?:abs|pdf)/"
    r"|(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/papers/)",
    re.IGNORECASE,
)


def parse_arxiv_id(text: str) -> str:
    """The bare arXiv id in `text` (an id, `arXiv:` id, or arXiv/HF URL). Raises ValueError."""
    candidate = text.strip().strip("<>")
    prefix = _PREFIX.match(candidate)
    if prefix is not None:
        candidate = candidate[prefix.end() :]
    candidate = candidate.split("?")[0].split("#")[0].rstrip("/")
    candidate = candidate.removesuffix(".pdf")
    match = _ID.match(candidate)
    if match is None:
        raise ValueError(f"{text.strip()[:60]!r} is not an arXiv id like 2608.19880")
    return match.group("id")


def bare_id(versioned: str) -> str:
    """Drop a version suffix: '2608.19880v2' -> '2608.19880'. Unknown shapes pass unchanged."""
    match = _ID.match(versioned)
    return match.group("id") if match else versioned
