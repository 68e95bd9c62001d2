"""What users may type: text with no control characters in it.

PostgreSQL refuses NUL in text (the command failed with a traceback) while SQLite stores it,
and no control character can be shown back or typed again, so a topic holding one could not
be removed. Commands and topics are refused at the door instead, before any store sees them.
Tab, line feed, vertical tab, form feed and carriage return are whitespace: they separate
words like a space does.
"""

from __future__ import annotations

import re

from bot.records.errors import UserInputError

# C0 and C1 controls (U+0000-U+001F, U+007F-U+009F) but the whitespace ones, and lone
# surrogates (a JSON "\ud800" decodes to one; neither store can encode it as UTF-8).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def refuse_control_characters(text: str) -> None:
    """Raise UserInputError (short, lower-case, no final stop) if `text` holds a control
    character, naming the first one by its code point."""
    found = _CONTROL.search(text)
    if found:
        raise UserInputError(
            f"control characters such as U+{ord(found.group()):04X} are not allowed; "
            "retype the text without them"
        )
