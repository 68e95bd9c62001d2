"""Pure: many channels' digests from one set of papers, sharing the work between them.

`build_digest` is the definition; `PreparedPapers.build` gives the same digest (a test checks
it over real papers and generated topics) at a fraction of the cost when thousands of
channels draw on the same day's list:

- the papers are de-duplicated and put in trending order once; a paper is then its position
  in that order, so a channel walks positions from the top and stops at its cap (or at the
  first paper below its minimum upvotes);
- each topic is matched once per run, not once per channel that follows it, and only against
  the papers that have every feature it needs (an inverted index feature -> positions,
  `bot.digest.topic_features`); for a one-word topic or an author, having the feature is the match;
- a paper's reason for a topic (`topic_reason`) is worked out only when a digest shows the
  paper, once per run; each paper's summary is made once;
- channels with the same topics and none of the list posted before share one listing, each
  taking the prefix its cap and minimum upvotes allow (`_Listing`).

`artifacts` (Hugging Face's linked repos, as cached) are attached to the entries of the
papers that have them; build_digest leaves them out.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence, Set
from datetime import date

from bot.digest.build import empty_reason, unique_papers
from bot.digest.ranking import trending_key
from bot.digest.summary import summarize
from bot.digest.topic_features import FeatureTest, feature_test, paper_features, paper_pairs
from bot.digest.topics import POSITIVE_KINDS, index_reason, paper_index
from bot.records.digest import Digest, DigestEntry
from bot.records.models import Paper, PaperArtifacts, Subscription, Topic, TopicKind

_NONE: frozenset[int] = frozenset()
LISTINGS_KEPT = 128  # topic sets whose listing is kept (least recently used goes first)


class _Hits:
    """The papers one topic matches, as positions in trending order, and their reasons."""

    __slots__ = ("members", "order", "reasons")

    def __init__(
        self,
        order: Sequence[int],
        *,
        members: frozenset[int] | None = None,
        reasons: dict[int, str] | None = None,
    ) -> None:
        self.order = order  # ascending
        self.members: Set[int] = frozenset(order) if members is None else members
        self.reasons = reasons if reasons is not None else {}


class _Listing:
    """One digest's entries without a cap, made as far as the channels asking need them: a
    channel's digest is a prefix (its cap, and its minimum upvotes: positions ascend as the
    upvotes go down)."""

    __slots__ = ("checks", "entries", "papers", "positions", "skipped", "walk")

    def __init__(
        self,
        papers: PreparedPapers,
        positive: list[tuple[Topic, _Hits]],
        skipped: Set[int],
    ) -> None:
        self.papers = papers
        self.walk: Iterator[int] | None = iter(papers.walk([h.order for _, h in positive]))
        self.skipped = skipped  # posted before, or excluded
        self.checks = [(t, hits, hits.members, hits.reasons) for t, hits in positive]
        self.positions: list[int] = []
        self.entries: list[DigestEntry] = []

    def take(self, bound: int, most: int) -> tuple[DigestEntry, ...]:
        """The first `most` entries of papers at positions below `bound`."""
        positions, entries = self.positions, self.entries
        walk = self.walk
        if walk is not None and len(entries) < most and not (positions and positions[-1] >= bound):
            papers, skipped, checks = self.papers, self.skipped, self.checks
            ranked, artifacts = papers.ranked, papers.artifacts
            for n in walk:
                if n in skipped:
                    continue
                found = [
                    reasons.get(n) or papers.reason(t, hits, n)
                    for t, hits, members, reasons in checks
                    if n in members
                ]
                paper = ranked[n]
                entries.append(
                    DigestEntry(
                        len(entries) + 1,
                        paper,
                        papers.summary(n),
                        tuple(dict.fromkeys(found)) if len(found) > 1 else tuple(found),
                        artifacts.get(paper.arxiv_id),
                    )
                )
                positions.append(n)
                if len(entries) >= most or n >= bound:
                    break
            else:
                self.walk = None
        return tuple(entries[: min(most, bisect_left(positions, bound))])


class PreparedPapers:
    """One list of papers (a covered day, or the days a catch-up covers), ready for digests."""

    def __init__(
        self, papers: Sequence[Paper], artifacts: Mapping[str, PaperArtifacts] | None = None
    ) -> None:
        self.papers = tuple(papers)
        self.artifacts = dict(artifacts or {})
        self.ranked = sorted(unique_papers(papers), key=trending_key)  # a paper: its position
        self._ids = frozenset(p.arxiv_id for p in self.ranked)
        self._position = {p.arxiv_id: n for n, p in enumerate(self.ranked)}
        self._fewer_upvotes = [-p.upvotes for p in self.ranked]  # ascending, for bisect
        self._indexes = [paper_index(paper) for paper in self.ranked]
        self._postings: dict[str, list[int]] = {}  # e.g. a stem -> positions that have it
        for n, index in enumerate(self._indexes):
            for feature in paper_features(index):
                self._postings.setdefault(feature, []).append(n)
        self._hits: dict[Topic, _Hits] = {}
        self._feature_sets: dict[str, frozenset[int]] = {}
        self._pairs: dict[bool, dict[int, frozenset[tuple[str, str]]]] = {False: {}, True: {}}
        self._summaries: dict[int, str] = {}
        self._listings: OrderedDict[tuple[Topic, ...], _Listing] = OrderedDict()

    def build(
        self, day: date, subscription: Subscription, *, already_posted: Collection[str] = ()
    ) -> Digest:
        """`build_digest(day, self.papers, subscription, already_posted=...)`, shared."""
        topics = subscription.topics
        positive = [(t, self._topic(t)) for t in topics if t.kind in POSITIVE_KINDS]
        excluded = [self._topic(t).members for t in topics if t.kind is TopicKind.EXCLUDE]
        settings = subscription.settings
        posted = self._posted(already_posted)
        if posted:  # rare: a channel sent some of these papers already (a catch-up)
            listing = _Listing(self, positive, posted.union(*excluded))
        else:
            listing = self._listing(topics, positive, excluded)
        bound = bisect_right(self._fewer_upvotes, -settings.min_upvotes)
        entries = listing.take(bound, settings.max_papers)
        reason = None
        if not entries:
            members = [hits.members for _, hits in positive]
            reason = self._empty_reason(subscription, members, excluded, posted)
        return Digest(day, entries, topics, empty_reason=reason, total_candidates=len(self.ranked))

    def _listing(
        self,
        topics: tuple[Topic, ...],
        positive: list[tuple[Topic, _Hits]],
        excluded: list[Set[int]],
    ) -> _Listing:
        """The shared listing of channels with these topics (and nothing of the list posted)."""
        listing = self._listings.get(topics)
        if listing is None:
            skipped = _NONE.union(*excluded) if excluded else _NONE
            listing = self._listings[topics] = _Listing(self, positive, skipped)
            if len(self._listings) > LISTINGS_KEPT:
                self._listings.popitem(last=False)
        else:
            self._listings.move_to_end(topics)
        return listing

    def walk(self, orders: list[Sequence[int]]) -> Iterable[int]:
        """Positions in trending order: every one (no positive topic), or those any matches."""
        if not orders:
            return range(len(self.ranked))
        if len(orders) == 1:
            return orders[0]
        return sorted(set().union(*orders))  # at most the day's papers, sorted in C

    def _posted(self, already_posted: Collection[str]) -> frozenset[int]:
        """The positions of the papers posted before (the channel's history may be long)."""
        if not already_posted:
            return frozenset()
        if isinstance(already_posted, (set, frozenset)):
            common: Iterable[str] = self._ids & already_posted  # walks the smaller set
        else:
            common = (key for key in already_posted if key in self._ids)
        return frozenset(self._position[key] for key in common)

    def _empty_reason(
        self,
        subscription: Subscription,
        positive: list[Set[int]],
        excluded: list[Set[int]],
        posted: Set[int],
    ) -> str:
        """build_digest's reason: which filter emptied the list (set arithmetic)."""
        listed = len(self.ranked)
        matched = set().union(*positive) if positive else set(range(listed))
        matched = matched.difference(posted, *excluded)
        return empty_reason(listed, listed - len(posted), len(matched), subscription)

    def _topic(self, topic: Topic) -> _Hits:
        hits = self._hits.get(topic)
        if hits is None:
            hits = self._hits[topic] = self._match(topic)
        return hits

    def _match(self, topic: Topic) -> _Hits:
        """Every paper `topic` fits (an exclude: mentions), by position."""
        test = feature_test(topic)
        candidates: Sequence[int]
        if test.needed is None:
            candidates = range(len(self.ranked))
        elif len(test.needed) == 1:
            (feature,) = test.needed
            candidates = self._postings.get(feature, [])
            if test.exact and not test.pairs:  # one word: the papers that have it (shared)
                return _Hits(candidates, members=self._members(feature))
        else:
            candidates = sorted(frozenset.intersection(*map(self._members, test.needed)))
        if test.pairs:
            made = self._pairs[test.in_keywords]
            candidates = [
                n for n in candidates if test.pairs <= (made.get(n) or self._pairs_of(n, test))
            ]
        if test.exact:
            return _Hits(candidates)
        found = ((n, index_reason(self._indexes[n], topic)) for n in candidates)
        reasons = {n: reason for n, reason in found if reason}
        return _Hits(list(reasons), reasons=reasons)

    def _members(self, feature: str) -> frozenset[int]:
        members = self._feature_sets.get(feature)
        if members is None:
            members = self._feature_sets[feature] = frozenset(self._postings.get(feature, ()))
        return members

    def _pairs_of(self, n: int, test: FeatureTest) -> frozenset[tuple[str, str]]:
        pairs = paper_pairs(self._indexes[n], in_keywords=test.in_keywords)
        self._pairs[test.in_keywords][n] = pairs
        return pairs

    def reason(self, topic: Topic, hits: _Hits, n: int) -> str:
        """Why the paper at position `n` fits `topic` (a paper `hits` holds), once a run."""
        reason = hits.reasons.get(n)
        if reason is None:
            found = index_reason(self._indexes[n], topic)
            if found is None:  # feature_test promised a match: a bug, never a silent entry
                raise AssertionError(f"{topic} has no reason for {self.ranked[n].arxiv_id}")
            reason = hits.reasons[n] = found
        return reason

    def summary(self, n: int) -> str:
        summary = self._summaries.get(n)
        if summary is None:
            summary = self._summaries[n] = summarize(self.ranked[n])
        return summary
