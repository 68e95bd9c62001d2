"""A source whose host cannot be reached (no network, nothing listening): one error at once,
no retries.

The suite's guard (tests/conftest.py) answers every non-loopback look-up with
socket.gaierror, as a machine without a network or DNS does; nothing leaves the machine.
"""

from __future__ import annotations

import socket
from datetime import date

import pytest

from bot.config.load import DEFAULT_USER_AGENT, ArxivConfig, HuggingFaceConfig
from bot.records.errors import SourceUnavailable, SourceUnreachable
from bot.sources import ArxivSource, HuggingFaceSource


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_an_unresolvable_host_fails_at_once_without_retrying() -> None:
    sleep = RecordingSleep()
    config = HuggingFaceConfig(base_url="http://papers.invalid", retries=4)
    source = HuggingFaceSource(config, DEFAULT_USER_AGENT, sleep=sleep)
    try:
        with pytest.raises(
            SourceUnreachable,
            match=r"^huggingface \(papers\.invalid\): cannot resolve the host name$",
        ):
            await source.daily(date(2026, 8, 21))
    finally:
        await source.aclose()
    assert sleep.waits == []
    assert issubclass(SourceUnreachable, SourceUnavailable)  # callers that retry later still do


async def test_arxiv_look_ups_fail_the_same_way() -> None:
    config = ArxivConfig(base_url="http://export.arxiv.invalid/api/query", retries=4)
    source = ArxivSource(config, DEFAULT_USER_AGENT, sleep=RecordingSleep())
    try:
        with pytest.raises(
            SourceUnreachable, match=r"^arxiv \(export\.arxiv\.invalid\): cannot resolve"
        ):
            await source.get("2608.19880")
    finally:
        await source.aclose()


async def test_a_refused_connection_is_not_retried() -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleep = RecordingSleep()
    config = HuggingFaceConfig(base_url=f"http://127.0.0.1:{port}", retries=2)
    source = HuggingFaceSource(config, DEFAULT_USER_AGENT, sleep=sleep)
    try:
        with pytest.raises(SourceUnreachable, match=r"connection refused$"):
            await source.daily(date(2026, 8, 21))
    finally:
        await source.aclose()
    # Each retry used to wait for the same refusal: 10 s a day over a backfill.
    assert sleep.waits == []
