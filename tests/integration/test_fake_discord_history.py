"""The fake Discord reads back the history of every text channel it serves.

Found by the soak (bench/soak.py): a worker killed mid-digest came back past the nonce
window and read the channel's history to find its parts; the fake answered 10003 Unknown
Channel for any channel but the guild's first, and the bot paused a channel that exists.
"""

from __future__ import annotations

import aiohttp

from tests.fakes.discord_setup import fake_discord

OTHER = "100000000000000042"


async def test_an_extra_channel_answers_its_history() -> None:
    async with fake_discord(channels={OTHER}) as fake, aiohttp.ClientSession() as http:
        auth = {"Authorization": f"Bot {fake.token}"}
        url = f"{fake.base_url}/channels/{OTHER}/messages"
        async with http.post(url, json={"content": "hello"}, headers=auth) as posted:
            assert posted.status == 200
        async with http.get(url, params={"limit": "10"}, headers=auth) as read:
            assert read.status == 200, await read.text()
            [message] = await read.json()
    assert message["content"] == "hello"
