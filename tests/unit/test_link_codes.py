"""The pure half of linking: code format, reading a typed code, expiry, and parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.commands.parse import parse_command
from bot.commands.parse_links import Link, Unlink
from bot.records.errors import UserInputError
from bot.records.links import (
    ALPHABET,
    CODE_LENGTH,
    code_hash,
    expires_at,
    is_expired,
    new_code,
    new_group_id,
    read_code,
)

NOW = datetime(2031, 5, 14, 8, 0, tzinfo=UTC)


def test_a_new_code_is_eight_unambiguous_characters_and_reads_back() -> None:
    codes = {new_code() for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(ALPHABET)
        assert read_code(code) == code
    assert not set("01OIL") & set(ALPHABET)


@pytest.mark.parametrize(
    ("typed", "read"),
    [("abcd-2345", "ABCD2345"), (" ab cd 23 45", "ABCD2345"), ("ABCD2345", "ABCD2345")],
)
def test_a_typed_code_is_read_in_any_case_with_separators(typed: str, read: str) -> None:
    assert read_code(typed) == read


@pytest.mark.parametrize("typed", ["", "ABCD234", "ABCD23456", "ABCD2340", "ÄBCD2345", "AB<@1>CD"])
def test_what_cannot_be_a_code_is_refused(typed: str) -> None:
    assert read_code(typed) is None


def test_a_code_expires_after_ten_minutes() -> None:
    expiry = expires_at(NOW)
    assert not is_expired(expiry, NOW + timedelta(minutes=9, seconds=59))
    assert is_expired(expiry, NOW + timedelta(minutes=10))


def test_the_stored_hash_is_not_the_code_and_groups_are_not_channel_keys() -> None:
    assert code_hash("ABCD2345") != "ABCD2345"
    assert len(code_hash("ABCD2345")) == 64
    assert new_group_id().startswith("group:")
    assert new_group_id() != new_group_id()


def test_link_and_unlink_parse() -> None:
    assert parse_command("link") == Link()
    assert parse_command("link abcd-2345") == Link("abcd-2345")
    assert parse_command("/papers unlink") == Unlink()
    with pytest.raises(UserInputError, match="Usage: /papers unlink"):
        parse_command("unlink now")
    with pytest.raises(UserInputError, match="at most one code"):
        parse_command("link A B")
