"""Pure: one short paragraph that says what a paper is about.

The Hugging Face `ai_summary` is preferred (it is written to be one sentence); otherwise the
abstract's first sentence(s), as many whole sentences as fit. A text that must be cut is cut
at a sentence boundary when one is in reach, else at a word boundary with an ellipsis, never
in the middle of a word (unless a single "word" is longer than the whole budget).
"""

from __future__ import annotations

import re

from bot.records.models import Paper

ELLIPSIS = "…"
_MIN_CHARS = 10

# A sentence ends at . ! or ? (perhaps followed by closing quotes or brackets), then
# whitespace, then something that can start a sentence. Decimals ("9.0-point") never match
# because no whitespace follows their dot.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")

# Words whose trailing dot is an abbreviation, not a full stop (compared lower-cased).
_ABBREVIATIONS = frozenset(
    {
        "e.g.",
        "i.e.",
        "al.",
        "cf.",
        "vs.",
        "fig.",
        "figs.",
        "eq.",
        "eqs.",
        "sec.",
        "tab.",
        "ref.",
        "refs.",
        "no.",
        "approx.",
        "resp.",
        "dr.",
        "prof.",
        "mr.",
        "ms.",
        "st.",
        "ca.",
        "viz.",
        "incl.",
    }
)
_INITIAL = re.compile(r"(?:^|\s)[A-Z]\.$")  # "Y. LeCun": a name's initial
_DOTTED = re.compile(r"(?:[^\W\d_]\.){2,}")  # "U.S.", "a.k.a."


def collapse_whitespace(text: str) -> str:
    """One space between words: arXiv abstracts are hard-wrapped at ~80 columns."""
    return " ".join(text.split())


def summarize(paper: Paper, max_chars: int = 300) -> str:
    """A plain-text summary of at most `max_chars` characters ("" when there is no text)."""
    if max_chars < _MIN_CHARS:
        raise ValueError(f"max_chars must be at least {_MIN_CHARS}, got {max_chars}")
    ai_summary = collapse_whitespace(paper.ai_summary or "")
    text = ai_summary or collapse_whitespace(paper.abstract)
    return fit_text(text, max_chars)


def fit_text(text: str, max_chars: int) -> str:
    """The longest run of whole sentences within `max_chars`, else a word-boundary cut + "…"."""
    if len(text) <= max_chars:
        return text
    best = ""
    for end in sentence_ends(text):
        if end > max_chars:
            break
        best = text[:end]
    return best or cut_at_word(text, max_chars)


def sentence_ends(text: str) -> list[int]:
    """Offsets just past each sentence's closing punctuation (abbreviations skipped)."""
    return [
        found.start() + len(found.group().rstrip())  # keep closing quotes and brackets
        for found in _SENTENCE_END.finditer(text)
        if not _is_abbreviation(text[: found.start() + 1])
    ]


def _is_abbreviation(upto_dot: str) -> bool:
    if not upto_dot.endswith("."):
        return False
    last_word = upto_dot.rsplit(maxsplit=1)[-1].lower().lstrip("([\"'“‘")
    return (
        last_word in _ABBREVIATIONS
        or bool(_INITIAL.search(upto_dot))
        or bool(_DOTTED.fullmatch(last_word))
    )


def cut_at_word(text: str, max_chars: int) -> str:
    """Cut before the last word that does not fit, add "…"; the result fits `max_chars`."""
    budget = max_chars - len(ELLIPSIS)
    cut = text.rfind(" ", 0, budget + 1)
    head = text[:cut] if cut > 0 else text[:budget]  # one giant "word": no boundary to use
    return head.rstrip(" ,;:-–—(") + ELLIPSIS
