"""arXiv identifiers: accept what users paste, return the bare id (no version suffix)."""

from __future__ import annotations

import re

# New style (0704 onwards): YYMM.NNNN or YYMM.NNNNN; old style: archive(.SC)/YYMMNNN.
_NEW = r"\d{4}\.\d{4,5}"
_OLD = r"[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7}"
_ID = re.compile(rf"^(?P<id>{_NEW}|{_OLD})(?:v(?P<version>\d+))?$")
_PREFIXES = (
    "https://arxiv.org/abs/",
    "https://arxiv.org/pdf/",
    "http://arxiv.org/abs/",
    "http://arxiv.org/pdf/",
    "https://export.arxiv.org/abs/",
    "https://www.arxiv.org/abs/",
    "https://huggingface.co/papers/",
    "https://hf.co/papers/",
    "arxiv:",
)


def parse_arxiv_id(text: str) -> str:
    """The bare arXiv id in `text` (an id, `arXiv:` id, or arXiv/HF URL). Raises ValueError."""
    candidate = text.strip().strip("<>")
    lowered = candidate.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            candidate = candidate[len(prefix) :]
            break
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
