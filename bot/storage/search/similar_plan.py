"""Pure: which words make a paper distinctive, and why another paper is like it.

`/papers similar` looks for the stored papers that share a paper's distinctive words. Both
stores choose those words the same way (`distinctive_terms`): the paper's words weighted by
where they stand (title over keywords over abstract), times how rare they are in the corpus
(inverse document frequency, from counts each store takes from its own index). Words most
papers hold ("model", "results") and words no other paper holds say nothing and are left
out. Each store then ranks the papers holding any of the chosen words by its own scoring
(FTS5 bm25, PostgreSQL ts_rank), and `shared_reason` says in one line what each one shares.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.records.models import Paper
from bot.storage.search.query import STOPWORDS, fold
from bot.text.words import stem

# Words that carry how a paper is written rather than what it is about.
_GENERIC_TEXT = (
    "about above across after all also although among approach approaches based been "
    "being between both but can could demonstrate demonstrates do does each effective "
    "existing experiments extensive first further has have however its large leverage "
    "leverages method methods more most new not novel only other over paper performance "
    "propose proposed provide recent result results several show shows significant "
    "significantly such than their them then these they through thus two under up us "
    "various well what when where which while who whose within work works yet achieve "
    "achieves outperforms state art code available including furthermore specifically"
)
GENERIC_WORDS = STOPWORDS | frozenset(_GENERIC_TEXT.split(" "))
TITLE_WEIGHT = 3.0
KEYWORD_WEIGHT = 2.0
# A word an abstract says once is often incidental; said again, it matters, up to a point.
ABSTRACT_WEIGHT = 0.5
ABSTRACT_CAP = 3
CANDIDATES = 24  # the paper's heaviest words whose rarity is looked up
KEEP_TERMS = 12  # the distinctive words the similar papers are looked for by
# A word held by more than this share of the corpus is too common to say what a paper is
# about (and would make the ranking walk a large part of the index).
MAX_DOC_SHARE = 0.02
MIN_DOC_CAP = 50
TITLE_BONUS = 1.5  # a shared word in the other paper's title counts this much more
SHOWN_SHARED = 4  # words or keywords named in the one-line reason
# Papers the index ranks at most for one `similar` (the sum of its query words' counts).
MATCH_BUDGET = 3000
POOL_AT_LEAST = 40  # candidates from the index re-ordered by the words they share
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Term:
    """One word of the paper (by stem): the forms it takes there, and its weight."""

    stem: str
    forms: tuple[str, ...]  # as folded in the paper, commonest first
    weight: float
    score: float = 0.0  # weight x rarity, once the corpus was asked how rare it is
    docs: int = 0  # how many other papers hold it (counted up to a cap)


def paper_terms(paper: Paper) -> list[Term]:
    """The paper's content words, heaviest first, at most CANDIDATES of them."""
    weights: dict[str, float] = {}
    forms: dict[str, Counter[str]] = {}
    fields = (
        (paper.title, TITLE_WEIGHT, None),
        (" ".join(paper.ai_keywords), KEYWORD_WEIGHT, None),
        (paper.abstract, ABSTRACT_WEIGHT, ABSTRACT_CAP),
    )
    for text, weight, cap in fields:
        counts = Counter(_content_words(text))
        for word, count in counts.items():
            root = stem(word)
            weights[root] = weights.get(root, 0.0) + weight * (min(count, cap) if cap else count)
            forms.setdefault(root, Counter())[word] += count
    heaviest = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:CANDIDATES]
    return [
        Term(root, tuple(w for w, _ in forms[root].most_common()), weight)
        for root, weight in heaviest
    ]


def _content_words(text: str) -> list[str]:
    words = _WORD.findall(fold(text))
    return [w for w in words if len(w) >= 3 and not w.isdigit() and w not in GENERIC_WORDS]


def candidate_pool(limit: int) -> int:
    """How many of the index's best candidates `rank_similar` re-orders."""
    return max(POOL_AT_LEAST, 3 * limit) + 1


def doc_cap(total: int) -> int:
    """Documents counted per word at most: past this, a word is too common to use."""
    return max(MIN_DOC_CAP, int(total * MAX_DOC_SHARE))


def distinctive_terms(terms: Sequence[Term], docs: Sequence[int], total: int) -> list[Term]:
    """The KEEP_TERMS terms with the highest weight x rarity, each with its score.

    `docs[i]` is how many other stored papers hold `terms[i]` (counted up to
    `doc_cap(total)`), `total` how many papers there are. A term no other paper holds, or
    one at the cap, is left out: it cannot tell which other papers are alike.
    """
    cap = doc_cap(total)
    scored = [
        replace(term, score=term.weight * math.log((total + 1) / (count + 1)), docs=count)
        for term, count in zip(terms, docs, strict=True)
        if 0 < count < cap
    ]
    scored.sort(key=lambda term: (-term.score, term.stem))
    return scored[:KEEP_TERMS]


def query_terms(terms: Sequence[Term]) -> list[Term]:
    """The best of `terms` whose papers add up to MATCH_BUDGET at most: ranking every paper
    that holds a common word would cost the index far more than the answer's budget, and
    the pool's final order (`rank_similar`) weighs every distinctive word anyway."""
    chosen: list[Term] = []
    spent = 0
    for term in terms:
        if spent + term.docs <= MATCH_BUDGET:
            chosen.append(term)
            spent += term.docs
    return chosen or sorted(terms, key=lambda term: term.docs)[:1]


def rank_similar(source: Paper, candidates: Sequence[Paper], terms: Sequence[Term]) -> list[Paper]:
    """`candidates` (given best first by the index) ordered by the distinctive words they
    share with `source`, each weighted by its score (more in a title); `source` left out."""
    keys = [_shared_score(paper, terms) for paper in candidates]
    order = sorted(range(len(candidates)), key=lambda i: (-keys[i], i))
    return [candidates[i] for i in order if candidates[i].arxiv_id != source.arxiv_id]


def _shared_score(paper: Paper, terms: Sequence[Term]) -> float:
    title = set(_WORD.findall(fold(paper.title)))
    text = title | set(_WORD.findall(fold(f"{paper.abstract} {' '.join(paper.ai_keywords)}")))
    score = 0.0
    for term in terms:
        if not text.isdisjoint(term.forms):
            score += term.score * (TITLE_BONUS if not title.isdisjoint(term.forms) else 1.0)
    return score


def shared_reason(source: Paper, other: Paper, terms: Sequence[Term]) -> str:
    """One line: the Hugging Face keywords both papers carry, then the shared words."""
    mine = {k.casefold(): k for k in source.ai_keywords}
    shared = [mine[k.casefold()] for k in other.ai_keywords if k.casefold() in mine]
    words = set(
        _WORD.findall(fold(f"{other.title} {other.abstract} {' '.join(other.ai_keywords)}"))
    )
    heads = {t.stem[:3] for t in terms}  # only words that may share a stem are stemmed
    stems = {stem(w) for w in words if w[:3] in heads}
    covered = {stem(w) for k in shared for w in _WORD.findall(fold(k))}
    shared += [t.forms[0] for t in terms if t.stem in stems and t.stem not in covered]
    if not shared:
        return "similar wording"
    return "shares: " + ", ".join(dict.fromkeys(shared[:SHOWN_SHARED]))
