"""Papers as BibTeX in arXiv's own form: `@misc` with `eprint`, `archivePrefix = {arXiv}`,
the authors, the year and the abstract page's URL.

- Keys are stable and unique: the first author's last name, the year and the first
  significant word of the title (`huang2026envharness`), ASCII letters and digits only;
  papers that would share a key get a, b, c ... in the order of their arXiv ids, so the same
  set of papers always gets the same keys, whatever order they were saved in.
- Text is escaped for LaTeX (`& % $ # _ { } ~ ^ \\`; a brace as `\textbraceleft{}`, since
  BibTeX counts even an escaped brace and one unmatched would end the field); other
  characters stay as UTF-8, which biber and biblatex read as they are (and BibTeX 0.99
  passes through), rather than accent macros that could not spell the many scripts a title
  may hold.
- `primaryClass` is left out: the Hugging Face list the bot stores does not say a paper's
  arXiv category, and a wrong one is worse than none.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

from bot.export.formats import ExportItem
from bot.records.models import Paper

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",  # not \{: BibTeX counts that brace and would end the field
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPECIAL_RE = re.compile("[" + re.escape("".join(_SPECIAL)) + "]")
_LINEAGE = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_SKIPPED_TITLE_WORDS = frozenset({"a", "an", "the", "on", "of", "in", "for", "to", "and", "with"})
_AND = re.compile(r"\band\b", re.IGNORECASE)


def escape(text: str) -> str:
    """`text` with LaTeX's special characters escaped and its whitespace made one line."""
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group()], " ".join(text.split()))


def render_bibtex(items: Sequence[ExportItem]) -> str:
    """One `@misc` entry per paper, in the items' order, each with its unique key."""
    keys = entry_keys([item.paper for item in items])
    return "\n".join(entry(item.paper, keys[item.paper.arxiv_id]) for item in items)


def entry(paper: Paper, key: str) -> str:
    fields = [("title", escape(paper.title))]
    if paper.authors:
        fields.append(("author", " and ".join(bibtex_name(a) for a in paper.authors)))
    fields += [
        ("year", str(paper.published_at.year)),
        ("eprint", escape(paper.arxiv_id)),
        ("archivePrefix", "arXiv"),
        ("url", paper.arxiv_url),
    ]
    body = ",\n".join(f"      {name}={{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def bibtex_name(name: str) -> str:
    """An author as BibTeX reads one: "Last, First", "Last, Jr., First"; a single word, or
    a name BibTeX would misread (a comma, the word "and", braces), whole in braces."""
    words = name.split()
    tricky = "," in name or _AND.search(name) or "{" in name or "}" in name
    if len(words) < 2 or tricky:
        return "{" + escape(name) + "}"
    if words[-1].lower() in _LINEAGE and len(words) >= 3:
        first, last, lineage = words[:-2], words[-2], words[-1]
        return f"{escape(last)}, {escape(lineage)}, {escape(' '.join(first))}"
    return f"{escape(words[-1])}, {escape(' '.join(words[:-1]))}"


def entry_keys(papers: Sequence[Paper]) -> dict[str, str]:
    """arXiv id -> its key: unique within `papers`, the same for the same papers."""
    by_base: dict[str, list[str]] = defaultdict(list)
    for arxiv_id, base in sorted({(p.arxiv_id, base_key(p)) for p in papers}):
        by_base[base].append(arxiv_id)
    keys: dict[str, str] = {}
    taken = set(by_base)
    for base, ids in by_base.items():
        if len(ids) == 1:
            keys[ids[0]] = base
            continue
        for index, arxiv_id in enumerate(ids):
            keys[arxiv_id] = _free(f"{base}{_letters(index)}", taken)
    return keys


def base_key(paper: Paper) -> str:
    """`huang2026envharness`: first author's last name, year, first significant title word."""
    last = _ascii_word(paper.authors[0].split()[-1]) if paper.authors else ""
    words = [_ascii_word(w) for w in paper.title.split()]
    significant = [w for w in words if w and w not in _SKIPPED_TITLE_WORDS]
    first_word = significant[0] if significant else next((w for w in words if w), "")
    return f"{last or 'anon'}{paper.published_at.year}{first_word[:20]}"


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _letters(index: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa: a suffix for as many twins as there are."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("a") + rest) + text
    return text


def _free(key: str, taken: set[str]) -> str:
    """`key`, or `key` with more letters when another paper's base key already is it."""
    candidate, extra = key, 0
    while candidate in taken:
        candidate, extra = f"{key}{_letters(extra)}", extra + 1
    taken.add(candidate)
    return candidate
