"""bot.text.untrusted: paper text without control, bidi-override or surrogate characters."""

from __future__ import annotations

import pytest

from bot.text.untrusted import clean_text, is_clean, one_line
from tests.hostile_text import HOSTILE, unsafe_chars


@pytest.mark.parametrize(("raw", "expected"), [
    ("plain text", "plain text"),
    ("ESC\x1b[31mred", "ESC[31mred"),
    ("CSI\x9b31m", "CSI31m"),
    ("NUL\x00byte", "NULbyte"),
    ("DEL\x7f", "DEL"),
    ("a\x0cb\x0bc", "a b c"),  # whitespace controls become spaces, words stay apart
    ("x\u202eevil\u202c", "xevil"),
    ("\u2066isolated\u2069", "isolated"),
    ("Hebrew \u200fmark\u200e kept", "Hebrew \u200fmark\u200e kept"),
    ("broken \ud800 pair", "broken  pair"),
    ("a\r\nb\rc\nd\te", "a\nb\nc\nd\te"),
    ("emoji 👩‍🔬 and accents é", "emoji 👩‍🔬 and accents é"),  # ZWJ sequences survive
])  # fmt: skip
def test_clean_text_drops_what_could_rewrite_a_screen(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_one_line_collapses_every_line_break_and_run_of_spaces() -> None:
    assert one_line("  Title\r\nwith CRLF\rand CR\n\nand\u2028LF\x85end  ") == (
        "Title with CRLF and CR and LF end"
    )


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_nothing_unsafe_survives_any_hostile_string(name: str) -> None:
    cleaned = one_line(HOSTILE[name])
    assert unsafe_chars(cleaned) == []
    assert "\n" not in cleaned
    assert is_clean(cleaned)
    assert one_line(cleaned) == cleaned  # idempotent: cleaning twice changes nothing


@pytest.mark.parametrize("text", ["https://ok.example/a_b", "ümlaut"])
def test_is_clean_accepts_ordinary_text(text: str) -> None:
    assert is_clean(text)


@pytest.mark.parametrize("text", ["https://x\x1b]8;;", "a\rb", "\u202e", "\x00"])
def test_is_clean_refuses_anything_clean_text_would_change(text: str) -> None:
    assert not is_clean(text)
