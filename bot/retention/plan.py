"""What the retention job prunes this run, and from what age: one cut-off per kind. Pure.

Each horizon comes from `[retention]` (0 keeps a kind forever), stretched to the window in
which the bot still reads that kind, plus a day's margin, so that a short horizon can never
take away what pending work needs:

- a delivery record is read by settling (until its last settle age) and by follow-ups
  (`followup_days`); the planner needs only each channel's newest, which the store keeps;
- a settle task is planned again for a post younger than the last settle age without one;
- a follow-up event, once deleted, could be detected again within `followup_days`;
- a request key must outlive the replay horizon, a wrong link code its counting window.

Papers, votes, saves, subscriptions, and the papers posted in each channel (`posted_papers`,
`period_posted_papers`: never twice in a channel) are never pruned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.chat.replays import REPLAY_HORIZON
from bot.config.load import DeliveryConfig, RetentionConfig
from bot.records.links import WRONG_CODE_WINDOW
from bot.records.retention import PruneKind

MARGIN = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Cutoff:
    kind: PruneKind
    before: datetime  # rows of `kind` older than this may go


def cutoffs(retention: RetentionConfig, delivery: DeliveryConfig, now: datetime) -> list[Cutoff]:
    """This run's cut-offs, in the order they run (a kind off at 0 has none)."""
    settling = timedelta(hours=max(delivery.settle_after_hours, default=0)) + MARGIN
    following = timedelta(days=delivery.followup_days) + MARGIN
    days = timedelta(days=1)
    keep: list[tuple[PruneKind, int, timedelta, timedelta]] = [
        # kind, horizon, its unit, the least it is kept
        (PruneKind.SETTLE_TASKS, retention.settle_days, days, settling),
        (PruneKind.DELIVERIES, retention.deliveries_days, days, max(settling, following)),
        (PruneKind.PERSONAL_DELIVERIES, retention.deliveries_days, days, timedelta(days=1)),
        (PruneKind.FOLLOWUP_EVENTS, retention.followups_days, days, following),
        (PruneKind.FOLLOWUP_SEEN, retention.followups_days, days, following),
        (PruneKind.HANDLED_REQUESTS, retention.requests_hours, timedelta(hours=1), REPLAY_HORIZON),
        (PruneKind.LINK_CODES, retention.links_days, days, timedelta(0)),
        (PruneKind.LINK_FAILURES, retention.links_days, days, WRONG_CODE_WINDOW),
        (PruneKind.LINK_GUARDS, retention.links_days, days, timedelta(0)),
        (PruneKind.ARTIFACTS, retention.artifacts_days, days, timedelta(0)),
        (PruneKind.FETCHES, retention.fetches_days, days, timedelta(0)),
    ]
    return [
        Cutoff(kind, now - max(horizon * unit, least))
        for kind, horizon, unit, least in keep
        if horizon > 0
    ]
