"""Which commands are answered in the acknowledgement, and which need a permission look-up."""

from __future__ import annotations

import pytest

from bot.ack_plan import answered_from_text, needs_manager


@pytest.mark.parametrize(
    ("text", "from_text", "manager"),
    [
        ("", True, False),
        ("help", True, False),
        ("help subscribe", True, False),
        ("frobnicate", True, False),  # a usage mistake: the answer is the text's
        ('search "open', True, False),
        ("topics", False, False),
        ("status", False, False),
        ("today", False, False),
        ("search agents", False, False),
        ("settings", False, False),  # showing them: anyone
        ("settings time 09:00", False, True),
        ("subscribe", False, True),
        ("subscribe agents", False, True),
        ("unsubscribe", True, False),  # names nothing: its usage line
        ("unsubscribe all", False, True),
        ("unsubscribe agents", False, True),
    ],
)
def test_ack_plan_by_command(text: str, from_text: bool, manager: bool) -> None:
    assert answered_from_text(text) is from_text
    assert needs_manager(text) is manager
