"""Pure: what a paper has and what a topic needs, for matching many topics against many papers.

An inverted index (feature -> papers) built from `paper_features` lets a topic be matched only
against the papers that have every feature `feature_test` says it needs, instead of paper by
paper. A feature is:

- a stem of the paper's title, abstract, AI summary or HF keywords ("agent");
- a stem inside one of its HF keywords ("kw:agent");
- an author's folded full name ("author:yann lecun") and last name ("author-last:lecun").

For most topics (one word; an author) having the feature is the match itself, so `topic_reason`
is needed only for the papers a digest shows, to say why. A phrase also needs each pair of
its consecutive stems to be consecutive in one field or keyword (`paper_pairs`, made only for
the papers that have all its stems); for two words that is the match.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from bot.digest.topics import PaperIndex, name_words
from bot.records.models import Topic, TopicKind
from bot.text.words import stem, words


@dataclass(frozen=True, slots=True)
class FeatureTest:
    """Every paper `topic_reason` finds a reason in has all of `needed` (None: no such test,
    scan every paper). `exact`: a paper with them always has a reason, no check needed."""

    needed: frozenset[str] | None
    exact: bool = False
    pairs: frozenset[tuple[str, str]] = frozenset()  # consecutive stems, see `paper_pairs`
    in_keywords: bool = False  # the pairs must be in a keyword (kw:), not any field


def paper_features(index: PaperIndex) -> frozenset[str]:
    """The features of the paper `index` was made from (`paper_index`)."""
    found = set(index.stems)
    found.update(f"kw:{s}" for keyword in index.keywords for s in keyword.stems)
    for _, name in index.authors:
        if name:
            found.add(f"author:{' '.join(name)}")
            found.add(f"author-last:{name[-1]}")
    return frozenset(found)


def feature_test(topic: Topic) -> FeatureTest:
    """What a paper needs for `topic_reason(paper, topic)` to give a reason.

    Text topics (terms, phrases, excludes) need each stem of their words somewhere in the
    paper; a one-word one needs nothing more (its stem is in a field or a keyword, so `find`
    finds it). `kw:` needs the stems inside a keyword. An author topic matches a full name,
    or with one word a last name. An organization is scanned (a few per run).
    """
    if topic.kind is TopicKind.ORG:
        return FeatureTest(None)
    if topic.kind is TopicKind.AUTHOR:
        wanted = name_words(topic.value)
        if not wanted:
            return FeatureTest(None)
        if len(wanted) == 1:
            return FeatureTest(frozenset({f"author-last:{wanted[0]}"}), exact=True)
        return FeatureTest(frozenset({f"author:{' '.join(wanted)}"}), exact=True)
    query = [stem(w) for w in words(topic.value)]
    if not query:
        return FeatureTest(None)
    keyword = topic.kind is TopicKind.KEYWORD
    prefix = "kw:" if keyword else ""
    return FeatureTest(
        frozenset(prefix + s for s in query),
        exact=len(query) <= 2,
        pairs=frozenset(pairwise(query)),
        in_keywords=keyword,
    )


def paper_pairs(index: PaperIndex, *, in_keywords: bool) -> frozenset[tuple[str, str]]:
    """Each two stems that follow each other in one of the paper's fields or keywords (with
    `in_keywords`, in one of its keywords)."""
    texts = index.keywords if in_keywords else index.fields + index.keywords
    return frozenset(pair for text in texts for pair in pairwise(text.stems))
