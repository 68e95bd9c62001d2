"""The printed payloads are the ones posted: the Slack preview uses the platform's own
post_body, and the Discord one equals what discord.py itself builds from send_message's
arguments."""

from __future__ import annotations

from datetime import UTC, date, datetime

import discord
from discord.http import handle_message_parameters

from adapters.discord.posting import nonce_for
from adapters.discord.preview import PREVIEW_KEY, create_body
from adapters.discord.preview import digest_preview as discord_preview
from adapters.discord.render import render_digest
from adapters.slack.preview import digest_preview as slack_preview
from bot.records.digest import Digest, DigestEntry
from bot.records.models import Paper

HOSTILE = "@everyone <!channel> <@123456789012345678> **bold** [link](https://evil) @here"


def _digest() -> Digest:
    paper = Paper(
        arxiv_id="2608.00001",
        title=f"Title {HOSTILE}",
        abstract=f"Abstract {HOSTILE}",
        authors=(f"Author {HOSTILE}",),
        published_at=datetime(2026, 8, 20, tzinfo=UTC),
        listed_on=date(2026, 8, 21),
        upvotes=99,
    )
    entry = DigestEntry(rank=1, paper=paper, summary=f"Summary {HOSTILE}")
    return Digest(day=date(2026, 8, 21), entries=(entry,), total_candidates=1)


async def test_discord_body_is_what_discord_py_sends() -> None:
    message = render_digest(_digest(), mark_key=PREVIEW_KEY)[0]
    nonce = nonce_for(PREVIEW_KEY, 0)
    sent = handle_message_parameters(  # the arguments of adapters/discord/posting.send_message
        content=message.content,
        embeds=list(message.embeds),
        allowed_mentions=discord.AllowedMentions.none(),
        nonce=nonce,
        view=message.view or discord.utils.MISSING,
    )
    assert create_body(message, nonce=nonce) == sent.payload


async def test_hostile_paper_text_pings_no_one_in_either_preview() -> None:
    digest = _digest()
    discord_body = discord_preview(digest)["messages"][0]
    assert discord_body["allowed_mentions"] == {"parse": []}
    slack_body = slack_preview(digest)["messages"][0]["body"]
    assert slack_body["link_names"] is False
    assert "<!channel>" not in str(slack_body["blocks"])
