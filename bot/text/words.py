"""Words and stems: how topics, the search index and similar papers split text into words
(Unicode letters and digits, case- and accent-folded) and stem them lightly. Pure.
"""

from __future__ import annotations

import functools
import re
import unicodedata

WORD_PATTERN = re.compile(r"[^\W_]+")


def _fold(text: str) -> str:
    """Lower-case without accents: "Müller" and "muller" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The folded words of `text`: letters and digits; punctuation and hyphens split."""
    if text.isascii():  # folding ASCII is lower-casing
        return WORD_PATTERN.findall(text.lower())
    return WORD_PATTERN.findall(_fold(text))


@functools.lru_cache(maxsize=16384)  # papers share their vocabulary
def stem(word: str) -> str:
    """A light suffix stripper (see the module docstring); both sides of a match use it."""
    if len(word) <= 3 or not word.isalpha():
        return word
    word = _strip_plural(word)
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 and not word.endswith("eed"):
            word = _undouble(word[: -len(suffix)])
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def _strip_plural(word: str) -> str:
    for suffix, replacement in (("sses", "ss"), ("ies", "y"), ("ches", "ch"), ("shes", "sh")):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            return word[: -len(suffix)] + replacement
    if word.endswith("xes"):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _undouble(word: str) -> str:
    """After -ing/-ed: "embedd" -> "embed", "runn" -> "run", "modell" -> "model".

    "ss", "zz" and most "ll" stay ("passing", "installing", "calling"); "ell" is undoubled
    only when five letters remain, for British spellings ("modelling", "labelled").
    """
    if len(word) < 4 or word[-1] != word[-2]:
        return word
    if word[-1] not in "aeiouylsz" or (word.endswith("ell") and len(word) >= 6):
        return word[:-1]
    return word
