"""A SQLite file with damaged pages: the check `paperbot run` makes refuses it in one line
that names the file and the way back, within a bounded time; one-shot opens skip the check,
and a damaged page they read fails as StoreCorrupt with the same line."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from bot.records.errors import StoreCorrupt
from bot.storage.sqlite.integrity import check_pages
from bot.storage.sqlite.store import SqliteStore
from tests.contract.test_store_contract import DAY, paper

PAGE = 4096


async def make_damaged_db(path: Path) -> Path:
    """A real database of 300 papers, with three of its pages overwritten by junk (as a
    failing disk or a copy taken mid-write leaves them); its first page stays sound.

    The junk starts at the papers table's root page, read by every query of papers: a fixed
    page number would land elsewhere whenever a migration adds a table."""
    store = await SqliteStore.open(path)
    papers = [paper(f"2405.{n:05d}", f"Title {n}", "abstract words " * 40) for n in range(300)]
    await store.upsert_papers(papers)
    await store.close()
    with sqlite3.connect(path) as conn:
        query = "SELECT rootpage FROM sqlite_master WHERE name = 'papers'"
        (root,) = conn.execute(query).fetchone()
    conn.close()
    with path.open("r+b") as file:
        file.seek(PAGE * (root - 1))  # pages count from 1
        file.write(b"\xde\xad\xbe\xef" * (PAGE * 3 // 4))
    return path


def assert_one_recovery_line(message: str, path: Path) -> None:
    assert "\n" not in message
    assert str(path) in message
    assert f"sqlite3 {path} .recover" in message
    assert "backup" in message


async def test_a_checked_open_refuses_damaged_pages(tmp_path: Path) -> None:
    path = await make_damaged_db(tmp_path / "paperbot.db")
    with pytest.raises(StoreCorrupt) as raised:
        await SqliteStore.open(path, check=True)
    assert_one_recovery_line(str(raised.value), path)
    assert "Page " in str(raised.value)  # what quick_check found, on the same line


async def test_a_file_that_is_not_a_database_is_refused_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "paperbot.db"
    path.write_bytes(b"\x00garbage" * 2048)
    with pytest.raises(StoreCorrupt) as raised:
        await SqliteStore.open(path, check=True)
    assert_one_recovery_line(str(raised.value), path)


async def test_reading_a_damaged_page_later_fails_as_store_corrupt(tmp_path: Path) -> None:
    path = await make_damaged_db(tmp_path / "paperbot.db")
    store = await SqliteStore.open(path)  # unchecked: one-shot commands do not pay for it
    try:
        with pytest.raises(StoreCorrupt) as raised:
            await store.papers_listed_on(DAY)  # every paper of the day: every page of them
    finally:
        await store.close()
    assert_one_recovery_line(str(raised.value), path)


async def test_a_sound_file_passes_the_check(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "paperbot.db")
    await store.upsert_papers([paper("2405.00001")])
    await store.close()
    reopened = await SqliteStore.open(tmp_path / "paperbot.db", check=True)
    assert await reopened.get_paper("2405.00001") is not None
    await reopened.close()


async def test_the_check_stops_at_its_deadline_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "big.db"
    with sqlite3.connect(path) as filler:  # enough pages that checking them takes a while
        filler.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)")
        filler.executemany(
            "INSERT INTO t (b) VALUES (?)", ((f"{n:x}" * 40,) for n in range(200_000))
        )
    async with aiosqlite.connect(path) as conn:
        with caplog.at_level(logging.WARNING):
            await check_pages(conn, path, budget_s=0)  # no time at all: interrupted at once
        # the connection is usable afterwards
        rows = await conn.execute_fetchall("SELECT count(*) FROM t")
    assert next(iter(rows))[0] == 200_000
    assert any("without finishing" in r.getMessage() for r in caplog.records)


def test_the_damage_is_real(tmp_path: Path) -> None:
    """The fixture's file is damaged for SQLite itself, not only for paperbot."""
    import asyncio

    path = asyncio.run(make_damaged_db(tmp_path / "paperbot.db"))
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA quick_check(3)").fetchone() != ("ok",)
    finally:
        conn.close()
