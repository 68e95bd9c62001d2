"""A response body as JSON, or MalformedResponse: never another exception.

`json.loads` recurses once per level of nesting, so a body of 200,000 `[` raises
RecursionError, which is no ValueError and would end a whole `fetch` with a traceback.
Any body the decoder cannot take (not UTF-8, not JSON, nested past the interpreter's
recursion limit) is a malformed answer, which the HTTP client retries and then reports in
one line, like a truncated one.
"""

from __future__ import annotations

import json

from bot.records.errors import MalformedResponse


def decode_json(body: bytes, where: str) -> object:
    """The decoded body. Raises MalformedResponse naming `where` and what was wrong."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        looks_like = "an HTML page" if body.lstrip()[:1] == b"<" else "not JSON"
        raise MalformedResponse(f"{where}: response is {looks_like}") from None
    except RecursionError:
        raise MalformedResponse(f"{where}: response is JSON nested too deep to read") from None
