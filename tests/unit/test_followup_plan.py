"""Follow-up events between two sightings of a paper (bot/lifecycle/followup_plan.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.lifecycle.followup_plan import changes, reply_text
from bot.records.followups import Change, FollowupEvent, FollowupKind, Seen, reply_key
from bot.records.models import ChannelRef, Paper, PaperArtifacts

REPO = "https://github.com/org/model"
ID = "2405.00001"


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        (Seen(ID), Seen(ID), []),
        (Seen(ID), Seen(ID, REPO, 3), [Change(FollowupKind.REPO, REPO)]),
        (
            Seen(ID),
            Seen(ID, REPO, 120),
            [Change(FollowupKind.REPO, REPO), Change(FollowupKind.STARS, "100")],
        ),
        (Seen(ID, REPO, 99), Seen(ID, REPO, 100), [Change(FollowupKind.STARS, "100")]),
        (Seen(ID, REPO, 100), Seen(ID, REPO, 999), []),  # 100 already crossed
        # several thresholds at once: only the highest is worth a line
        (Seen(ID, REPO, 50), Seen(ID, REPO, 12_000), [Change(FollowupKind.STARS, "10000")]),
        (Seen(ID, REPO, 1500), Seen(ID, REPO, 900), []),  # stars fell: nothing
        (Seen(ID, None, 500), Seen(ID, None, 5000), []),  # stars without a repo: not ours
        (Seen(ID, REPO), Seen(ID, "https://github.com/other/x"), []),  # a repo, not a first
        (Seen(ID, version=1), Seen(ID, version=2), [Change(FollowupKind.VERSION, "v2")]),
        (Seen(ID, version=None), Seen(ID, version=3), []),  # no baseline yet
        (Seen(ID, version=3), Seen(ID, version=None), []),  # not looked up this pass
        (Seen(ID, version=3), Seen(ID, version=3), []),
    ],
)
def test_changes(before: Seen, now: Seen, expected: list[Change]) -> None:
    assert changes(before, now) == expected


def test_merged_keeps_what_a_source_dropped_for_a_pass() -> None:
    then = Seen(ID, REPO, 150, 2)
    assert then.merged(Seen(ID)) == then
    assert then.merged(Seen(ID, REPO, 90, None)) == then  # stars never go back down
    assert Seen(ID).merged(Seen(ID, REPO, 7, 1)) == Seen(ID, REPO, 7, 1)


def event(kind: FollowupKind, value: str, title: str = "A <b>@here</b> title") -> FollowupEvent:
    return FollowupEvent(
        ChannelRef("slack", "C1", "T1"),
        ID,
        kind,
        value,
        date(2024, 5, 9),
        "1715331600.000100",
        "k" * 20,
        title,
        datetime(2024, 5, 10, tzinfo=UTC),
    )


def test_reply_text_is_a_short_line_per_event_in_a_stable_order() -> None:
    events = [event(FollowupKind.STARS, "1000"), event(FollowupKind.REPO, REPO)]
    assert reply_text(events) == reply_text(events[::-1])
    assert reply_text(events).splitlines() == [
        f"• Code released for “A <b>@here</b> title”: {REPO}",
        "• “A <b>@here</b> title” passed 1k GitHub stars",
    ]
    assert "new arXiv version (v2)" in reply_text([event(FollowupKind.VERSION, "v2")])


def test_reply_keys_fit_a_discord_nonce_and_differ_per_batch() -> None:
    keys = {reply_key("k" * 20, n) for n in range(1, 50)}
    assert len(keys) == 49
    assert all(len(k) <= 25 for k in keys)


HUB = "https://huggingface.co/"
LINKED = PaperArtifacts(ID, models=("org/m", "org/m2"), spaces=("org/demo",))
PAPER = Paper(ID, "T", "A.", ("A",), datetime(2024, 5, 9, tzinfo=UTC), date(2024, 5, 9))


@pytest.mark.parametrize(
    ("before", "artifacts", "expected"),
    [
        # known to have none, now one of two kinds: one event per kind, the first repo's page
        (
            (0, 0, 0),
            LINKED,
            [
                Change(FollowupKind.MODEL, HUB + "org/m"),
                Change(FollowupKind.SPACE, HUB + "spaces/org/demo"),
            ],
        ),
        (
            (0, 0, 0),
            PaperArtifacts(ID, datasets=("org/d",)),
            [Change(FollowupKind.DATASET, HUB + "datasets/org/d")],
        ),
        ((1, 0, 0), LINKED, [Change(FollowupKind.SPACE, HUB + "spaces/org/demo")]),  # a 2nd model
        ((None, None, None), LINKED, []),  # never looked up before: no baseline, no event
        ((0, 0, 0), None, []),  # not looked up now
        ((0, 0, 0), PaperArtifacts(ID), []),
    ],
)
def test_a_first_model_dataset_or_space_is_an_event_per_kind(
    before: tuple[int | None, int | None, int | None],
    artifacts: PaperArtifacts | None,
    expected: list[Change],
) -> None:
    now = Seen.of(PAPER, None, artifacts)
    assert changes(Seen(ID, hf=before), now) == expected


def test_artifact_counts_merge_to_the_most_known() -> None:
    then = Seen(ID, hf=(0, 2, None))
    assert then.merged(Seen(ID)).hf == (0, 2, None)  # a failed look-up keeps what was known
    assert then.merged(Seen.of(PAPER, None, LINKED)).hf == (2, 2, 1)
    assert Seen.of(PAPER, None, LINKED) == Seen(ID, hf=(2, 0, 1))  # the pages are not compared


def test_an_artifact_event_is_one_line_naming_the_kind_and_the_repo() -> None:
    lines = reply_text(
        [
            event(FollowupKind.MODEL, HUB + "org/m"),
            event(FollowupKind.DATASET, HUB + "datasets/org/d"),
            event(FollowupKind.SPACE, HUB + "spaces/org/demo"),
        ]
    ).splitlines()
    assert lines == [
        f"• First dataset on Hugging Face for “A <b>@here</b> title”: {HUB}datasets/org/d",
        f"• First model on Hugging Face for “A <b>@here</b> title”: {HUB}org/m",
        f"• First Space on Hugging Face for “A <b>@here</b> title”: {HUB}spaces/org/demo",
    ]
