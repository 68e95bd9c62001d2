"""`/papers settings followups on|off`: the word to the setting, and back. Pure."""

from __future__ import annotations

_ON = frozenset({"on", "yes", "true", "1"})
_OFF = frozenset({"off", "no", "false", "0"})


def parse_on_off(text: str) -> bool:
    """`on` → True, `off` → False (yes/no, true/false, 1/0 too). Raises ValueError."""
    word = text.strip().lower()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    raise ValueError(f"{text[:30]!r} is not one of on | off")


def on_off_text(enabled: bool) -> str:
    return "on" if enabled else "off"
