"""Which commands are answered in the acknowledgement, and which need a permission look-up."""

from __future__ import annotations

import pytest

from bot.commands.ack import answered_from_text, needs_manager, shown_to_channel


@pytest.mark.parametrize(
    ("text", "from_text", "manager", "channel"),
    [
        ("", True, False, False),
        ("help", True, False, False),
        ("help subscribe", True, False, False),
        ("frobnicate", True, False, False),  # a usage mistake: the answer is the text's
        ('search "open', True, False, False),
        ("topics", False, False, False),
        ("status", False, False, False),
        ("today", False, False, False),
        ("search agents", False, False, False),
        ("settings", False, False, False),  # showing them: anyone
        ("settings time 09:00", False, True, True),
        ("subscribe", False, True, True),
        ("subscribe agents", False, True, True),
        ("unsubscribe", True, False, False),  # names nothing: its usage line
        ("unsubscribe all", False, True, True),
        ("unsubscribe agents", False, True, True),
        ("link", False, True, False),  # a link code: for the manager who asked only
        ("link K7QX-M2PA", False, True, True),
        ("unlink", False, True, True),
        ("top", False, False, False),
        ("top month public", False, False, True),
        ("saved", False, False, False),
        ("saved export bibtex", False, False, False),  # a file for the one who asked
        ("top export csv", False, False, False),
        ("top all export csv public", False, False, True),  # the file goes to the channel
        ("saved export pdf", True, False, False),  # a usage mistake
    ],
)
def test_ack_plan_by_command(text: str, from_text: bool, manager: bool, channel: bool) -> None:
    assert answered_from_text(text) is from_text
    assert needs_manager(text) is manager
    assert shown_to_channel(text) is channel
