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
from bot.records.instants import DELIMITERS

# C0 and C1 controls (U+0000-U+001F, U+007F-U+009F) but the whitespace ones, and lone
# surrogates (a JSON "\ud800" decodes to one; neither store can encode it as UTF-8), and the
# delimiters of a time marker (bot/records/instants.py): a topic echoed in a reply must not
# pass for a time the bot states.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff" + DELIMITERS + "]")
# Phones and macOS turn " into curly quotes. One table for every parser (command words,
# topics): when they differed, a topic holding U+201F was shown as typed and read back by
# the command parser as an unbalanced quote.
_DOUBLE_QUOTES = str.maketrans(dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb", '"'))


def plain_quotes(text: str) -> str:
    """`text` with every curly or angle double quote made the plain `"`."""
    return text.translate(_DOUBLE_QUOTES)


def refuse_control_characters(text: str) -> None:
    """Raise UserInputError (short, lower-case, no final stop) if `text` holds a control
    character, naming the first one by its code point."""
    found = _CONTROL.search(text)
    if found:
        raise UserInputError(
            f"control characters such as U+{ord(found.group()):04X} are not allowed; "
            "retype the text without them"
        )
