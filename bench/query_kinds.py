"""Known-item query kinds for the search benchmark, each built from a real title.

Every kind is a fixed, seeded recipe applied to the same sampled titles; none looks at how
the search ranks. `drop_typo` is the benchmark's original kind (a word dropped and a typo);
the others are the shapes people type that it did not cover (issue 12):

- `first_words`, `last_words`, `middle`: four consecutive words of the title (its start,
  its end, or a run that touches neither end when the title is long enough);
- `misspelt`: the whole title with two words (of four letters or more) misspelt;
- `question`: the title's words after a question opener ("how do I", "what is", ...);
- `long_title`: the whole title as typed, for titles of eight words or more (latency of
  title-length queries).
"""

from __future__ import annotations

import random
from collections.abc import Callable

FRAGMENT_WORDS = 4
LONG_TITLE_WORDS = 8
QUESTION_OPENERS = (
    "how do I use {}?",
    "what is {}",
    "papers about {}",
    "is there work on {}?",
    "how can we do {}",
)


def misspell(word: str, rng: random.Random) -> str:
    """One edit: swap two neighbours, drop, double or replace a letter."""
    i = rng.randrange(len(word) - 1) if len(word) > 1 else 0
    edit = rng.choice(("swap", "drop", "double", "replace"))
    if edit == "swap" and len(word) > 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if edit == "drop" and len(word) > 1:
        return word[:i] + word[i + 1 :]
    if edit == "double":
        return word[: i + 1] + word[i:]
    letter = rng.choice([c for c in "abcdefghijklmnopqrstuvwxyz" if c != word[i].lower()])
    return word[:i] + letter + word[i + 1 :]


def drop_typo(title: str, rng: random.Random) -> str | None:
    """The title with one word dropped and a typo in another (a word of 4+ letters if any)."""
    words = title.split()
    if len(words) > 1:
        del words[rng.randrange(len(words))]
    long_words = [i for i, w in enumerate(words) if len(w) >= 4] or list(range(len(words)))
    target = rng.choice(long_words)
    words[target] = misspell(words[target], rng)
    return " ".join(words)


def first_words(title: str, rng: random.Random, width: int = FRAGMENT_WORDS) -> str | None:
    words = title.split()
    return " ".join(words[:width]) if len(words) > width else None


def last_words(title: str, rng: random.Random, width: int = FRAGMENT_WORDS) -> str | None:
    words = title.split()
    return " ".join(words[-width:]) if len(words) > width else None


def middle(title: str, rng: random.Random, width: int = FRAGMENT_WORDS) -> str | None:
    words = title.split()
    if len(words) < width + 2:
        return None
    start = rng.randrange(1, len(words) - width)
    return " ".join(words[start : start + width])


def misspelt(title: str, rng: random.Random) -> str | None:
    words = title.split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 4]
    if len(long_words) < 2:
        return None
    for target in rng.sample(long_words, 2):
        words[target] = misspell(words[target], rng)
    return " ".join(words)


def question(title: str, rng: random.Random) -> str | None:
    body = title.split(":", 1)[-1].strip() if ":" in title else title
    return rng.choice(QUESTION_OPENERS).format(body)


def long_title(title: str, rng: random.Random) -> str | None:
    return title if len(title.split()) >= LONG_TITLE_WORDS else None


KINDS: dict[str, Callable[[str, random.Random], str | None]] = {
    "drop_typo": drop_typo,
    "first_words": first_words,
    "last_words": last_words,
    "middle": middle,
    "misspelt": misspelt,
    "question": question,
    "long_title": long_title,
}
