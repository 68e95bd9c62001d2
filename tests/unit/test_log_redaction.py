"""The log filter takes out every secret the libraries write, in each way they write it,
and leaves ordinary lines as they were."""

from __future__ import annotations

import io
import logging

import pytest

from bot.app.log_redaction import REDACTED, RedactSecrets, install, redact

HOOK = "https://hooks.slack.com/actions/T0TEAM/1234567890/aBcDeFgHiJkLmNoPqRsTuVwX"


@pytest.mark.parametrize(
    "line",
    [
        # bolt's warning about a request a middleware dropped: the body as a dict
        f"A global middleware skipped ... ({{'response_url': '{HOOK}', 'trigger_id': '1.2.3'}})",
        # slack_sdk's webhook client at DEBUG
        f"Sending a request - url: {HOOK}, body: {{'text': 'hi'}}, headers: {{}}",
        # a raw form body, percent-encoded
        "token=legacy&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F2%2Fsecret",
        # raw JSON as Slack sends it (slashes escaped)
        '{"response_url":"https:\\/\\/hooks.slack.com\\/actions\\/T1\\/2\\/s","token":"x"}',
        f"response_url={HOOK} trigger_id=13345224609.738474920.8088930838d",
    ],
)
def test_slack_secrets_are_taken_out_in_every_form(line: str) -> None:
    cleaned = redact(line)
    assert "hooks.slack.com" not in cleaned
    for secret in ("aBcDeFgHiJ", "legacy", "1.2.3", "8088930838d", '"x"', "secret"):
        assert secret not in cleaned
    assert REDACTED in cleaned


def test_tokens_and_discord_token_urls_are_taken_out() -> None:
    line = (
        "bot_token=xoxb-1-2-abc app xapp-1-A0-3-def "
        "POST http://127.0.0.1:5/api/v10/interactions/123/aW50ZXJhY3Rpb24/callback "
        "POST /api/v10/webhooks/444/dG9rZW4/messages/@original"
    )
    cleaned = redact(line)
    for secret in ("xoxb-", "xapp-", "aW50ZXJhY3Rpb24", "dG9rZW4"):
        assert secret not in cleaned
    assert "/interactions/123/" in cleaned  # the id stays, to find the interaction


@pytest.mark.parametrize(
    "line",
    [
        "Slack rejected the bot token (invalid_auth)",
        "reply needs 7 messages; response_url takes 5",
        "max_tokens=300 for a summary of 2608.19880",
        "posting to slack:T1:C1 failed: rate limited",
    ],
)
def test_ordinary_lines_are_left_alone(line: str) -> None:
    assert redact(line) == line


def test_the_installed_filter_covers_every_logger_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    secrets = RedactSecrets()
    try:
        secrets = install()
        assert secrets in handler.filters
        assert install() is not None
        assert handler.filters.count(secrets) == 1
        library = logging.getLogger("some.library.deep.down")
        library.warning("body %s", {"response_url": HOOK})
        try:
            raise ValueError(f"bad body: token={HOOK}")
        except ValueError:
            library.exception("failed")
    finally:
        root.removeHandler(handler)
        for other in root.handlers:  # pytest's own, which outlive this test
            other.removeFilter(secrets)
    text = stream.getvalue()
    assert "hooks.slack.com" not in text
    assert "ValueError: bad body: token=[redacted]" in text


def test_a_record_with_a_bad_format_is_passed_on_untouched() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d", ("nan",), None)
    assert RedactSecrets().filter(record) is True
    assert record.msg == "%d"
