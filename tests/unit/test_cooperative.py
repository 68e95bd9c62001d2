"""in_turns: a long loop hands the event loop back every few items."""

from __future__ import annotations

import asyncio

from bot.delivery.cooperative import in_turns


async def test_other_tasks_run_between_turns_of_a_long_loop() -> None:
    seen: list[str] = []
    done = asyncio.Event()

    async def other_task() -> None:  # e.g. a slash command waiting to be acked
        while not done.is_set():
            seen.append("other")
            await asyncio.sleep(0)

    other = asyncio.create_task(other_task())
    async for item in in_turns(range(250), every=100):
        seen.append(str(item))
    done.set()
    await other
    turns = [i for i, s in enumerate(seen) if s == "other"]
    position = {s: i for i, s in enumerate(seen)}
    # the other task ran after item 99 and before item 100, and again after item 199
    assert any(position["99"] < t < position["100"] for t in turns)
    assert any(position["199"] < t < position["200"] for t in turns)
    assert [s for s in seen if s != "other"] == [str(n) for n in range(250)]
