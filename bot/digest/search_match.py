"""Pure: whether a paper answers a search query, by the topic matcher (bot.digest.topics).

The stores answer a query with their own indexes; what they cannot decide is checked here,
with the same rules as a channel's topics, so a search and a subscription agree:

- `holds_filters`: the query's author:, org: and kw: filters, exactly as topics match them
  (the stores only find candidates holding the names' words somewhere);
- `holds_query`: the whole query (every required word and phrase, no excluded one, every
  filter), for papers from the look-up source (arXiv, the offline sample), which match by
  their own rules: exclusions and phrases would otherwise be lost.

A word is held where the stores' index holds it: the title, abstract, HF keywords (and AI
summary) as topics read them, and the authors' names.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.digest.topics import topic_reason
from bot.records.models import Paper, SearchResults, Topic, TopicKind
from bot.storage.search.search_plan import ParsedQuery
from bot.text.words import stem, words

FILTER_KINDS = {"author": TopicKind.AUTHOR, "org": TopicKind.ORG, "kw": TopicKind.KEYWORD}


def filter_topics(plan: ParsedQuery) -> tuple[Topic, ...]:
    """The query's filters as the topics they are (`author:"Yann LeCun"` and the rest)."""
    return tuple(Topic(FILTER_KINDS[field], value) for field, value in plan.filters)


def holds_filters(paper: Paper, plan: ParsedQuery) -> bool:
    return all(topic_reason(paper, topic) is not None for topic in filter_topics(plan))


def holds_query(paper: Paper, plan: ParsedQuery) -> bool:
    """Whether `paper` holds every required word and phrase, none excluded, every filter."""
    wanted = [(word,) for word in plan.words] + list(plan.phrases)
    if not all(_mentions(paper, run) for run in wanted):
        return False
    if any(_mentions(paper, run) for run in plan.excluded):
        return False
    return holds_filters(paper, plan)


def narrowed(found: SearchResults, plan: ParsedQuery, limit: int) -> SearchResults:
    """`found` without the papers failing the query's filters, at most `limit` papers."""
    if not plan.filters:
        return SearchResults(found.exact[:limit], found.close[: max(0, limit - len(found.exact))])
    exact = tuple(p for p in found.exact if holds_filters(p, plan))[:limit]
    close = tuple(p for p in found.close if holds_filters(p, plan))[: limit - len(exact)]
    return SearchResults(exact, close)


def _mentions(paper: Paper, run: Sequence[str]) -> bool:
    """Whether the paper's text (as topics read it) or one author's name holds `run`."""
    if topic_reason(paper, Topic(TopicKind.PHRASE, " ".join(run))) is not None:
        return True
    stems = [stem(w) for w in run]
    return any(_holds_run([stem(w) for w in words(name)], stems) for name in paper.authors)


def _holds_run(held: Sequence[str], run: Sequence[str]) -> bool:
    width = len(run)
    return any(list(held[i : i + width]) == list(run) for i in range(len(held) - width + 1))
