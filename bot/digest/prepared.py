"""Pure: many channels' digests from one set of papers, sharing the work between them.

`build_digest` is the definition; `PreparedPapers.build` gives the same digest (a test checks
it over real papers and generated topics) at a fraction of the cost when thousands of
channels draw on the same day's list:

- the papers are de-duplicated and put in trending order once, so a channel walks them from
  the top and stops at its cap (or at the first paper below its minimum upvotes);
- each topic is matched once per run (`topic_reason`), not once per channel that follows
  it, and only against the papers that hold all its words (an index of each paper's stems
  and author names, `paper_features`);
- each paper's summary is made once.

`artifacts` (Hugging Face's linked repos, as cached: bot/artifacts.py) are attached to the
entries of the papers that have them; build_digest leaves them out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date

from bot.digest.build import empty_reason, unique_papers
from bot.digest.model import Digest, DigestEntry
from bot.models import Paper, PaperArtifacts, Subscription, Topic, TopicKind
from bot.ranking import trending_key
from bot.summary import summarize
from bot.topics import POSITIVE_KINDS, paper_features, required_features, topic_reason


class PreparedPapers:
    """One list of papers (a covered day, or the days a catch-up covers), ready for digests."""

    def __init__(
        self, papers: Sequence[Paper], artifacts: Mapping[str, PaperArtifacts] | None = None
    ) -> None:
        self.papers = tuple(papers)
        self.artifacts = dict(artifacts or {})
        self._ranked = sorted(unique_papers(papers), key=trending_key)
        self._ids = frozenset(p.arxiv_id for p in self._ranked)
        self._by_id = {p.arxiv_id: p for p in self._ranked}
        self._by_feature: dict[str, set[str]] = {}  # e.g. a stem -> the papers that have it
        for paper in self._ranked:
            for feature in paper_features(paper):
                self._by_feature.setdefault(feature, set()).add(paper.arxiv_id)
        self._hits: dict[Topic, dict[str, str]] = {}
        self._summaries: dict[str, str] = {}

    def build(
        self, day: date, subscription: Subscription, *, already_posted: Collection[str] = ()
    ) -> Digest:
        """`build_digest(day, self.papers, subscription, already_posted=...)`, shared."""
        topics = subscription.topics
        positive = [self._reasons(t) for t in topics if t.kind in POSITIVE_KINDS]
        excluded = [self._reasons(t) for t in topics if t.kind is TopicKind.EXCLUDE]
        settings = subscription.settings
        entries: list[DigestEntry] = []
        for paper in self._ranked:
            if len(entries) >= settings.max_papers or paper.upvotes < settings.min_upvotes:
                break
            key = paper.arxiv_id
            if key in already_posted or any(key in hits for hits in excluded):
                continue
            reasons = tuple(dict.fromkeys(hits[key] for hits in positive if key in hits))
            if positive and not reasons:
                continue
            entry = DigestEntry(len(entries) + 1, paper, self._summary(paper), reasons)
            entries.append(replace(entry, artifacts=self.artifacts.get(key)))
        reason = None
        if not entries:
            reason = self._empty_reason(subscription, positive, excluded, already_posted)
        return Digest(
            day, tuple(entries), topics, empty_reason=reason, total_candidates=len(self._ranked)
        )

    def _empty_reason(
        self,
        subscription: Subscription,
        positive: list[dict[str, str]],
        excluded: list[dict[str, str]],
        already_posted: Collection[str],
    ) -> str:
        """build_digest's reason: which filter emptied the list (set arithmetic on ids)."""
        fresh = self._ids.difference(already_posted)
        matched = set().union(*positive) & fresh if positive else fresh
        matched = matched.difference(*excluded)
        return empty_reason(len(self._ids), len(fresh), len(matched), subscription)

    def _reasons(self, topic: Topic) -> dict[str, str]:
        """Every paper `topic` fits (an exclude: mentions), with the reason, by arXiv id."""
        hits = self._hits.get(topic)
        if hits is None:
            found = ((p.arxiv_id, topic_reason(p, topic)) for p in self._candidates(topic))
            hits = self._hits[topic] = {key: reason for key, reason in found if reason}
        return hits

    def _candidates(self, topic: Topic) -> list[Paper]:
        """The papers that have every feature `topic` needs (all of them if it needs none)."""
        needed = required_features(topic)
        if not needed:
            return self._ranked
        ids = set.intersection(*(self._by_feature.get(f, set()) for f in needed))
        return [self._by_id[key] for key in ids]

    def _summary(self, paper: Paper) -> str:
        summary = self._summaries.get(paper.arxiv_id)
        if summary is None:
            summary = self._summaries[paper.arxiv_id] = summarize(paper)
        return summary
