"""Digest and Reply -> Block Kit, held against Slack's limits with real and hostile paper text."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from adapters.slack.mrkdwn import MAX_SECTION_CHARS, escape, link, safe_url, split_mrkdwn
from adapters.slack.render import (
    MAX_BLOCKS,
    MAX_FALLBACK_CHARS,
    MAX_HEADER_CHARS,
    DigestPart,
    SlackMessage,
    clip,
    fallback,
    render_digest,
    render_reply,
)
from bot.records.chat import Reply, Visibility
from bot.records.digest import Digest, DigestEntry
from bot.records.models import Paper, Topic, TopicKind
from bot.sources.sample import load_snapshot, snapshot_dir
from tests.hostile_text import HOSTILE as HOSTILE_TABLE
from tests.hostile_text import unsafe_chars

DAY = date(2026, 8, 21)
HOSTILE_TITLES = (
    "<!channel> read this now",
    "Ping <@U123> and <!here> and <!everyone>",
    "Entities &lt; stay &amp; literal",
    "<https://evil.example|click> me",
    "Pipes | and > arrows < everywhere &",
)
LINK = re.compile(r"<([^<>]*)>")


def real_papers() -> list[Paper]:
    papers = load_snapshot(snapshot_dir())[DAY]
    assert len(papers) >= 15
    return sorted(papers, key=lambda p: -p.upvotes)


def digest_of(papers: list[Paper], **kwargs: Any) -> Digest:
    entries = tuple(
        DigestEntry(rank=i, paper=p, summary=p.ai_summary or p.abstract[:280], reasons=("agent",))
        for i, p in enumerate(papers, 1)
    )
    return Digest(day=DAY, entries=entries, total_candidates=len(papers), **kwargs)


def all_messages(parts: tuple[DigestPart, ...]) -> list[SlackMessage]:
    return [m for part in parts for m in (part.message, *part.thread)]


def block_texts(block: dict[str, Any]) -> list[str]:
    if "text" in block:
        return [block["text"]["text"]]
    # context elements hold mrkdwn text; buttons (actions blocks) a plain_text object
    return [_text(e["text"]) for e in block.get("elements", ())]


def _text(text: str | dict[str, Any]) -> str:
    return text["text"] if isinstance(text, dict) else text


def assert_within_limits(message: SlackMessage) -> None:
    assert 0 < len(message.blocks) <= MAX_BLOCKS
    assert 0 < len(message.text) <= MAX_FALLBACK_CHARS
    for raw in message.blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        parsed.validate_json()  # slack_sdk's own limits: raises SlackObjectFormationError
        if raw["type"] == "header":
            assert len(raw["text"]["text"]) <= MAX_HEADER_CHARS
        for text in block_texts(raw):
            assert len(text) <= MAX_SECTION_CHARS


def assert_links_are_ours(text: str, allowed_mention: str | None = None) -> None:
    """Every `<...>` in the output is a link the renderer made, never paper text."""
    for target in LINK.findall(text):
        if allowed_mention and target == f"@{allowed_mention}":
            continue
        assert target.startswith(("https://", "http://")), target
        assert not target.startswith("https://evil"), target


def test_a_real_day_renders_in_one_message_with_every_paper_and_its_abstract() -> None:
    papers = real_papers()
    parts = render_digest(digest_of(papers))
    assert len(parts) == 1
    part = parts[0]
    assert_within_limits(part.message)
    assert part.message.blocks[0]["type"] == "header"
    assert part.message.blocks[0]["text"]["text"] == "Trending papers for Friday 21 August 2026"
    assert "ordered by upvotes" in part.message.blocks[1]["elements"][0]["text"]
    assert part.arxiv_ids == tuple(p.arxiv_id for p in papers)
    body = "\n".join(t for b in part.message.blocks for t in block_texts(b))
    for p in papers:
        assert f"<{p.arxiv_url}|arXiv>" in body
        assert f"<{p.pdf_url}|PDF>" in body
        if p.github_repo:
            assert f"<{p.github_repo}|Code>" in body
    assert "_Why:_ agent" in body
    assert "|Hugging Face>" not in body  # the title links there: no second link
    assert not re.search(r"(?<![\d,])1 comments", body)
    assert not re.search(r"(?<![\d,])1 upvotes", body)
    thumbnails = [b for b in part.message.blocks if "accessory" in b]
    assert [b["accessory"]["type"] for b in thumbnails] == ["image"] * 3  # the top three
    assert all(
        b["accessory"]["image_url"].startswith("https://cdn-thumbnails.huggingface.co/")
        for b in thumbnails
    )
    thread = "\n".join(t for m in part.thread for b in m.blocks for t in block_texts(b))
    for p in papers:
        assert _words_in(p.abstract, thread)
        assert escape(p.authors[0]) in thread
    for message in part.thread:
        assert_within_limits(message)


def _words_in(text: str, haystack: str) -> bool:
    flat = re.sub(r"\s+", "", haystack)
    return re.sub(r"\s+", "", escape(text)) in flat


def test_fifty_long_papers_split_into_several_messages_losing_nothing() -> None:
    base = real_papers()
    long_papers = [
        dataclasses.replace(
            base[i % len(base)],
            arxiv_id=f"2608.{10000 + i}",
            authors=base[i % len(base)].authors * 12,  # consortium-sized author lists
            abstract=(base[i % len(base)].abstract + " ") * 3,
            ai_summary=(base[i % len(base)].ai_summary or "A summary.") * 4,
        )
        for i in range(50)
    ]
    parts = render_digest(digest_of(long_papers))
    assert len(parts) > 1
    for message in all_messages(parts):
        assert_within_limits(message)
    assert [i for part in parts for i in part.arxiv_ids] == [p.arxiv_id for p in long_papers]
    assert "continued (2/" in parts[1].message.blocks[0]["elements"][0]["text"]
    for part in parts:
        thread = "".join(t for m in part.thread for b in m.blocks for t in block_texts(b))
        for arxiv_id in part.arxiv_ids:
            paper = next(p for p in long_papers if p.arxiv_id == arxiv_id)
            assert _words_in(paper.abstract, thread)
            assert _words_in(", ".join(paper.authors[:30]), thread)  # then "and N more"
            assert f"and {len(paper.authors) - 30} more" in thread


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_paper_text_cannot_form_links_or_mentions(title: str) -> None:
    paper = dataclasses.replace(
        real_papers()[0],
        title=title,
        abstract=f"{title} abstract <!subteam^S1> <#C1>",
        authors=("<@U999>", "Ann & <Bob>"),
        ai_summary=f"summary {title}",
        organization="<!channel>",
        github_repo="https://github.com/x/y>|<!channel",
        project_page="javascript:alert(1)",
    )
    digest = digest_of([paper], topics=(Topic(TopicKind.TERM, "<!here>"),))
    parts = render_digest(digest)
    for message in all_messages(parts):
        assert_within_limits(message)
        texts = [message.text, *(t for b in message.blocks for t in block_texts(b))]
        for text in texts:
            assert_links_are_ours(text)
            for opener in ("<!", "<@", "<#"):
                assert opener not in text
    body = "".join(t for b in parts[0].message.blocks for t in block_texts(b))
    assert escape(title) in body
    assert "javascript" not in body


def test_entities_in_paper_text_are_shown_literally() -> None:
    assert escape("&lt; <b> & >") == "&amp;lt; &lt;b&gt; &amp; &gt;"


def test_every_mrkdwn_object_is_verbatim_so_slack_does_not_autolink() -> None:
    for message in all_messages(render_digest(digest_of(real_papers()))):
        for block in message.blocks:
            objects = [block["text"]] if "text" in block else block.get("elements", [])
            for obj in objects:
                if obj["type"] == "mrkdwn":
                    assert obj["verbatim"] is True


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/a/b", "https://github.com/a/b"),
        ("https://x.org/?a=1&b=2", "https://x.org/?a=1&amp;b=2"),
        ("https://x.org/a|b>c<d", "https://x.org/a%7Cb%3Ec%3Cd"),
        ("javascript:alert(1)", None),
        ("https://x.org/a b", None),
        ("", None),
        (None, None),
        ("https://x.org/" + "a" * 2000, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_a_link_with_an_unsafe_url_keeps_its_label_as_plain_text() -> None:
    assert link("ftp://x", "<!channel>") == "&lt;!channel&gt;"


def test_split_never_cuts_a_link_or_an_entity_and_loses_nothing() -> None:
    pieces = [
        f"*{link(f'https://huggingface.co/papers/{i}', f'Title {i} & more')}* words words"
        for i in range(200)
    ]
    text = "\n".join(pieces) + " " + "&amp;" * 900 + " tail"
    for limit in (100, 333, 3000):
        chunks = split_mrkdwn(text, limit)
        assert all(len(c) <= limit for c in chunks)
        assert re.sub(r"\s+", "", "".join(chunks)) == re.sub(r"\s+", "", text)
        for chunk in chunks:
            assert chunk.count("<") == chunk.count(">")
            assert re.search(r"&(?![a-z]+;)", chunk) is None, chunk[-20:]


def test_split_prefers_line_breaks() -> None:
    text = "\n".join(["x" * 60] * 10)
    assert split_mrkdwn(text, 200) == ["\n".join(["x" * 60] * 3)] * 3 + ["x" * 60]


def test_empty_digest_says_why() -> None:
    digest = Digest(day=DAY, entries=(), empty_reason="No paper matched <!channel> today.")
    (part,) = render_digest(digest)
    assert_within_limits(part.message)
    assert part.thread == ()
    assert "No paper matched &lt;!channel&gt; today." in part.message.text


def test_fallback_names_how_many_were_left_out() -> None:
    items = [f"{i}. " + "word " * 40 for i in range(100)]
    text = fallback("Trending", items)
    assert len(text) <= MAX_FALLBACK_CHARS
    assert re.search(r"… and \d+ more$", text)
    assert clip("a &amp; b", 4) == "a…"
    assert clip("aaaa&amp;bbbb", 8) == "aaaa…"


def test_channel_reply_names_who_changed_the_subscription() -> None:
    reply = Reply(text="Subscribed to: agents, <!channel>", visibility=Visibility.CHANNEL)
    (message,) = render_reply(reply, actor_id="U0123ABC")
    assert_within_limits(message)
    texts = [t for b in message.blocks for t in block_texts(b)]
    assert "Changed by <@U0123ABC>" in texts
    assert "Subscribed to: agents, &lt;!channel&gt;" in texts[0]
    for text in texts:
        assert_links_are_ours(text, allowed_mention="U0123ABC")


def test_a_forged_actor_id_is_not_turned_into_markup() -> None:
    reply = Reply(text="ok", visibility=Visibility.CHANNEL)
    (message,) = render_reply(reply, actor_id="U1>|<!channel")
    assert all("Changed by" not in t for b in message.blocks for t in block_texts(b))


def test_search_reply_lists_papers_and_long_text_is_split() -> None:
    papers = tuple(real_papers()[:10])
    reply = Reply(text="Results:\n" + "long line of text " * 400, papers=papers, is_error=False)
    messages = render_reply(reply)
    for message in messages:
        assert_within_limits(message)
    body = "".join(t for m in messages for b in m.blocks for t in block_texts(b))
    for paper in papers:
        assert f"<{paper.arxiv_url}|arXiv>" in body


def test_error_reply_is_marked_and_digest_reply_has_the_digest() -> None:
    (error,) = render_reply(Reply(text="bad time '25:00'", is_error=True))
    assert error.blocks[0]["text"]["text"].startswith(":warning: bad time")
    messages = render_reply(Reply(text="", digest=digest_of(real_papers()[:3])))
    assert messages[0].blocks[0]["type"] == "header"


LITERAL_TOKEN = re.compile(r"<!date\^00000000\^\{_\}\|[*_~`]+>")  # formatting shown literally


def hostile_slack_messages(hostile: str) -> list[SlackMessage]:
    """Every rendered field carrying `hostile`: digest with thread, empty digest, replies."""
    evil = dataclasses.replace(
        real_papers()[0],
        title=f"Title {hostile}",
        abstract=f"Abstract {hostile}",
        authors=tuple(f"Author {n} {hostile}" for n in range(5)),
        ai_summary=f"Summary {hostile}",
        ai_keywords=(f"kw {hostile}",),
        organization=f"Org {hostile}",
    )
    topics = tuple(Topic(TopicKind.PHRASE, f"topic {n} {hostile}") for n in range(3))
    entries = tuple(
        DigestEntry(n, evil, summary=f"Summary {hostile}", reasons=(f"why {hostile}",))
        for n in range(1, 13)
    )
    digest = Digest(day=DAY, entries=entries, topics=topics, total_candidates=12)
    empty = Digest(day=DAY, entries=(), topics=topics, empty_reason=f"Empty {hostile}")
    return [
        *all_messages(render_digest(digest)),
        *all_messages(render_digest(empty)),
        *render_reply(Reply(f"Reply {hostile}", papers=(evil,) * 12)),
        *render_reply(Reply(f"Reply {hostile}", visibility=Visibility.CHANNEL), actor_id="U1"),
    ]


@pytest.mark.parametrize("name", sorted(HOSTILE_TABLE))
def test_hostile_text_in_every_field_is_literal_and_within_every_limit(name: str) -> None:
    for message in hostile_slack_messages(HOSTILE_TABLE[name]):
        assert_within_limits(message)  # 50 blocks, section 3,000, header 150, fallback
        for text in [message.text, *(t for b in message.blocks for t in block_texts(b))]:
            assert unsafe_chars(text) == []
            plain = LITERAL_TOKEN.sub("", text)
            assert_links_are_ours(plain, allowed_mention="U1")
            for opener in ("<!", "<#"):
                assert opener not in plain
            for markup in ("*bold*", "_italic_", "~strike~", "`code`", "``", "~10x"):
                assert markup not in plain, markup


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A* search", "A<!date^00000000^{_}|*> search"),
        ("~10x faster", "<!date^00000000^{_}|~>10x faster"),
        ("*bold* _it_", "<!date^00000000^{_}|*>bold<!date^00000000^{_}|*> "
         "<!date^00000000^{_}|_>it<!date^00000000^{_}|_>"),
        ("```code```", "<!date^00000000^{_}|```>code<!date^00000000^{_}|```>"),
        ("> quote\n> two", "\u00ad&gt; quote\n\u00ad&gt; two"),
        ("x\x1b[31m\u202ey", "x[31my"),
    ],
)  # fmt: skip
def test_formatting_characters_are_shown_literally(text: str, expected: str) -> None:
    assert escape(text) == expected


def test_formatting_in_a_linked_title_becomes_look_alikes() -> None:
    assert link("https://x.example", "A* _b_ ~c `d`") == "<https://x.example|A∗ ˍbˍ ∼c ˋdˋ>"


def test_the_fallback_is_never_cut_inside_a_token() -> None:
    text = fallback(escape("word " * 590 + "*" * 40), [])
    assert text.endswith("…")
    assert LITERAL_TOKEN.sub("", text).count("<") == 0


def test_a_paper_with_500_authors_fits_one_thread_reply() -> None:
    [paper] = real_papers()[:1]
    crowd = replace(paper, authors=tuple(f"Author With A Long Name {i}" for i in range(500)))
    [part] = render_digest(digest_of([crowd]))
    [reply] = part.thread
    text = "".join(t for b in reply.blocks for t in block_texts(b))
    assert "Author With A Long Name 29, and 470 more" in text
