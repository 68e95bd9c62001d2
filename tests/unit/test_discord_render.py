"""The Discord renderer is pure: Digest / Reply in, messages of embeds out, within every limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from adapters.discord.render import (
    DiscordMessage,
    pack,
    paper_embeds,
    render_details,
    render_digest,
    render_reply,
)
from adapters.discord.text import ELLIPSIS, escape, fit, safe_url, split
from bot.records.chat import Reply
from bot.records.digest import Digest, DigestEntry
from bot.records.models import Paper, Topic, TopicKind
from tests.fakes.discord_checks import all_text, assert_nothing_live, assert_within_limits
from tests.hostile_text import HOSTILE as HOSTILE_TABLE

HOSTILE = "@everyone <@123456789012345678> **bold** [link](https://evil) `code` @here"
DAY = date(2026, 8, 21)


def paper(n: int = 1, **changes: Any) -> Paper:
    base = Paper(
        arxiv_id=f"2608.{n:05d}",
        title=f"Paper number {n}",
        abstract="We study things. Then we study more things.",
        authors=("Ada Lovelace", "Alan Turing"),
        published_at=datetime(2026, 8, 20, tzinfo=UTC),
        listed_on=DAY,
        upvotes=100 - n,
        comments=n,
        thumbnail=f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2608.{n:05d}.png",
    )
    return replace(base, **changes)


def digest(*entries: DigestEntry, **changes: Any) -> Digest:
    return replace(Digest(day=DAY, entries=entries, total_candidates=len(entries)), **changes)


def entry(n: int = 1, summary: str = "A short summary.", **changes: Any) -> DigestEntry:
    reasons = changes.pop("reasons", ())
    return DigestEntry(rank=n, paper=paper(n, **changes), summary=summary, reasons=reasons)


def bodies(messages: list[DiscordMessage]) -> list[dict[str, Any]]:
    """The JSON discord.py would send for each message."""
    return [{"content": m.content, "embeds": [e.to_dict() for e in m.embeds]} for m in messages]


def test_a_small_digest_is_one_message_with_the_header_in_its_content() -> None:
    [body] = bodies(render_digest(digest(entry(1), entry(2))))
    first, second = body["embeds"]
    assert body["content"].startswith("**Trending papers for Friday 21 August 2026**\n2 papers")
    assert "-# Trending = " in body["content"]  # the definition, in small print
    assert first["title"] == "1. Paper number 1 · ▲ 99 upvotes"
    assert first["url"] == "https://huggingface.co/papers/2608.00001"
    lines = first["description"].split("\n")
    assert lines[0] == "Ada Lovelace, Alan Turing"
    assert lines[1] == "A short summary."
    assert lines[2] == (
        "[arXiv](https://arxiv.org/abs/2608.00001) · [PDF](https://arxiv.org/pdf/2608.00001)"
    )  # one comment (the similar-papers bot) is not worth a mention
    assert first["thumbnail"]["url"].endswith("2608.00001.png")
    assert "2 comments" in second["description"]
    assert "fields" not in first  # authors, abstract and keywords are in the thread


def test_why_this_paper_appears_only_when_topics_matched() -> None:
    matched = render_digest(digest(entry(1, reasons=("title mentions “agents”",))))
    plain = render_digest(digest(entry(1)))
    last_line = bodies(matched)[0]["embeds"][0]["description"].split("\n")[-1]
    assert last_line == "*Why:* title mentions “agents”"
    assert "Why" not in all_text(bodies(plain)[0])


def test_code_project_and_stars_are_shown_when_the_feed_has_them() -> None:
    with_code = entry(
        1,
        github_repo="https://github.com/org/repo",
        github_stars=1234,
        project_page="https://example.org/project (v2)",
        organization="Google",
        authors=("A", "B", "C", "D"),
    )
    embed = bodies(render_digest(digest(with_code)))[0]["embeds"][0]
    lines = embed["description"].split("\n")
    assert lines[0] == "A, B, C et al. · Google"
    assert "[Code](https://github.com/org/repo) ★ 1,234 stars" in lines[2]
    assert "[Project](https://example.org/project%20%28v2%29)" in lines[2]  # ) cannot end it


@pytest.mark.parametrize(
    "thumbnail",
    [
        None,
        "",
        "javascript:alert(1)",
        "ftp://x.org/a.png",
        "http://cdn-thumbnails.huggingface.co/a.png",  # not https
        "https://evil.example/a.png",  # not Hugging Face's
        "https://cdn-thumbnails.huggingface.co.evil.example/a.png",
        "https://user@cdn-thumbnails.huggingface.co/a.png",
    ],
)
def test_no_thumbnail_unless_it_is_https_on_a_hugging_face_host(thumbnail: str | None) -> None:
    embed = bodies(render_digest(digest(entry(1, thumbnail=thumbnail))))[0]["embeds"][0]
    assert "thumbnail" not in embed


def test_only_the_top_three_papers_show_a_thumbnail() -> None:
    [body] = bodies(render_digest(digest(*(entry(n) for n in range(1, 6)))))
    assert ["thumbnail" in e for e in body["embeds"]] == [True, True, True, False, False]


def test_hostile_paper_text_is_escaped_everywhere() -> None:
    evil = entry(
        1,
        summary=HOSTILE,
        title=HOSTILE,
        authors=(HOSTILE, "B"),
        organization=HOSTILE,
        reasons=(HOSTILE,),
    )
    topics = (Topic(TopicKind.PHRASE, HOSTILE),)
    for body in bodies(render_digest(digest(evil, topics=topics, empty_reason=HOSTILE))):
        assert_nothing_live(body)
        assert_within_limits(body)
    text = all_text(bodies(render_digest(digest(evil)))[0])
    assert "\\*\\*bold\\*\\*" in text
    assert "\\[link\\](https://evil)" in text  # both brackets: no masked link can form
    assert "@\u200beveryone" in text
    assert "\\<@\u200b123456789012345678>" in text


def test_hostile_reply_text_is_escaped() -> None:
    [body] = bodies(render_reply(Reply(HOSTILE)))
    assert_nothing_live(body)


def test_a_long_title_is_cut_visibly_and_kept_whole_in_the_description() -> None:
    long_title = " ".join(["Transformers"] * 40)  # 519 characters
    embed = paper_embeds(paper(1, title=long_title), "summary", (), 1)[0].to_dict()
    assert len(embed["title"]) <= 256
    assert embed["title"].endswith(ELLIPSIS)
    assert long_title in embed["description"]


def test_a_huge_digest_splits_into_messages_within_every_limit_and_loses_no_paper() -> None:
    long_summary = "word " * 3000  # far over a description's 4,096
    many_authors = tuple(f"Author Number {i}" for i in range(400))
    reasons = tuple(f"matched topic {i}" for i in range(80))
    entries = [
        entry(n, summary=long_summary, authors=many_authors, reasons=reasons, title="T" * 300)
        for n in range(1, 31)
    ]
    messages = render_digest(digest(*entries))
    assert len(messages) >= 3
    for i, body in enumerate(bodies(messages), 1):
        assert_within_limits(body)
        assert f"(part {i} of {len(messages)})" in body["content"].split("\n")[0]
    urls = [e.url for m in messages for e in m.embeds if e.url]
    assert urls == [f"https://huggingface.co/papers/2608.{n:05d}" for n in range(1, 31)]
    details = render_details(digest(*entries))
    for body in bodies(details):
        assert_within_limits(body)
    text = "\n".join(all_text(b) for b in bodies(details))
    assert text.count("and 370 more") == 30  # the full list is capped, and says so


def test_a_field_that_would_pass_25_fields_continues_in_another_embed() -> None:
    reasons = tuple("x" * 1000 for _ in range(40))  # 40 fields' worth
    embeds = paper_embeds(paper(1), "s", reasons, 1)
    assert len(embeds) > 1
    assert embeds[1].title == "1. Paper number 1 (continued)"
    values = [f.value or "" for e in embeds for f in e.fields if f.name and "Why" in f.name]
    assert "".join(v.replace("\n", "").replace("• ", "") for v in values) == "x" * 40_000
    for body in bodies(pack(embeds)):
        assert_within_limits(body)


def test_pack_obeys_ten_embeds_and_six_thousand_characters() -> None:
    small = [paper_embeds(paper(n), "s", ())[0] for n in range(25)]
    assert [len(m.embeds) for m in pack(small)] == [10, 10, 5]
    big = [paper_embeds(paper(n), "w " * 1500, ())[0] for n in range(5)]  # ~3,100 chars each
    assert [len(m.embeds) for m in pack(big)] == [1, 1, 1, 1, 1]


def test_an_empty_digest_says_why() -> None:
    [body] = bodies(render_digest(digest(empty_reason="No paper matched your topics today.")))
    assert body["embeds"] == []
    assert body["content"].split("\n")[1] == "No paper matched your topics today."


def test_a_long_reply_is_split_into_messages_without_losing_text() -> None:
    text = "\n".join(f"line {i}: " + "word " * 30 for i in range(60))  # ~9,800 characters
    messages = render_reply(Reply(text))
    assert len(messages) >= 5
    for body in bodies(messages):
        assert_within_limits(body)
    joined = " ".join((m.content or "") for m in messages)
    assert joined.split() == escape(text).split()


def test_a_reply_with_papers_rides_its_text_on_the_first_embed_message() -> None:
    papers = tuple(paper(n, abstract="An abstract. " * 100) for n in range(1, 13))
    messages = render_reply(Reply("12 results for agents", papers=papers))
    assert messages[0].content == "12 results for agents"
    assert [len(m.embeds) for m in messages] == [10, 2]
    description = messages[0].embeds[0].description or ""
    assert len(description) < 500  # a short summary, the abstract is one click away


def test_a_reply_with_a_digest_renders_the_digest() -> None:
    messages = render_reply(Reply("Here is today's digest", digest=digest(entry(1))))
    assert (messages[0].content or "").startswith("Here is today's digest\n**Trending papers")
    assert messages[0].embeds[0].title == "1. Paper number 1 · ▲ 99 upvotes"


def test_a_reply_that_only_names_its_digest_does_not_repeat_the_title() -> None:
    small = digest(entry(1))
    [message] = render_reply(Reply(small.title, digest=small))
    assert (message.content or "").count(small.title) == 1
    big = digest(*(entry(n, summary="w " * 1500, title="T" * 250) for n in range(1, 12)))
    messages = render_reply(Reply("Asked for it:", digest=big))
    assert len(messages) == 2
    assert (messages[0].content or "").startswith(f"Asked for it:\n**{big.title} (part 1 of 2)**")


@pytest.mark.parametrize("limit", [5, 20, 100])
def test_fit_stays_within_the_limit_and_shows_the_cut(limit: int) -> None:
    cut = fit("**a** " * 100, limit)
    assert len(cut) <= limit
    assert cut.endswith(ELLIPSIS)
    assert fit("short", limit) == "short"


def test_split_never_separates_a_backslash_from_what_it_escapes() -> None:
    escaped = escape("*" * 50)  # "\*" fifty times, no spaces to cut at
    chunks = split(escaped, 7)
    assert "".join(chunks) == escaped
    assert all(len(c) <= 7 and not c.startswith("*") for c in chunks)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/a/b", "https://github.com/a/b"),
        ("https://x.org/a b)", "https://x.org/a%20b%29"),
        ("javascript:alert(1)", None),
        ("//no-scheme.org", None),
        (None, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def hostile_messages(hostile: str) -> list[DiscordMessage]:
    """Every rendered field carrying `hostile`: digest, empty digest, search and show replies."""
    evil = entry(
        1,
        summary=f"Summary {hostile}",
        title=f"Title {hostile}",
        abstract=f"Abstract {hostile}",
        authors=tuple(f"Author {n} {hostile}" for n in range(30)),
        organization=f"Org {hostile}",
        ai_keywords=(f"kw {hostile}",),
        github_repo="https://github.com/a/" + "b" * 990,  # two long links: a second field
        project_page="https://example.org/" + "c" * 990,
        reasons=tuple(f"why {n} {hostile}" for n in range(5)),
    )
    topics = tuple(Topic(TopicKind.PHRASE, f"topic {n} {hostile}") for n in range(40))
    return [
        *render_digest(digest(evil, *(entry(n) for n in range(2, 14)), topics=topics)),
        *render_details(digest(evil, *(entry(n) for n in range(2, 14)), topics=topics)),
        *render_digest(digest(topics=topics, empty_reason=f"Empty {hostile}")),
        *render_reply(Reply(f"Reply {hostile}", papers=(evil.paper,) * 12)),
        *render_reply(Reply(f"Reply {hostile}", papers=(evil.paper,))),
    ]


@pytest.mark.parametrize("name", sorted(HOSTILE_TABLE))
def test_hostile_text_in_every_field_is_literal_and_within_every_limit(name: str) -> None:
    for body in bodies(hostile_messages(HOSTILE_TABLE[name])):
        assert_within_limits(body)  # title, description, fields, footer, 10 embeds, 6,000...
        assert_nothing_live(body)  # no mention, masked link, token, control or bidi char


def test_several_masked_links_on_one_line_are_all_escaped() -> None:
    text = "see [Click here](https://evil.example) then [b](https://evil.example) [[c]](x)"
    assert escape(text) == (
        "see \\[Click here\\](https://evil.example) then \\[b\\](https://evil.example) "
        "\\[\\[c\\]\\](x)"
    )


@pytest.mark.parametrize(
    "token", ["<#123>", "<t:1:R>", "</cmd:1>", "<:e:1>", "<a:e:1>", "<@&1>", "<id:customize>"]
)
def test_discord_tokens_from_paper_text_are_escaped(token: str) -> None:
    assert escape(f"a {token} b") == f"a \\{token} b"


def test_a_5000_character_title_is_shown_cut_with_its_upvotes() -> None:
    [body] = bodies(render_digest(digest(entry(1, title="T" * 5000))))
    paper_embed = body["embeds"][0]
    assert len(paper_embed["title"]) <= 256
    assert paper_embed["title"].endswith(f"{ELLIPSIS} · ▲ 99 upvotes")
    assert_within_limits(body)


def test_newlines_in_a_title_or_author_are_collapsed() -> None:
    [body] = bodies(render_digest(digest(entry(1, title="A\r\nB\rC\nD", authors=("X\nY",)))))
    paper_embed = body["embeds"][0]
    assert paper_embed["title"] == "1. A B C D · ▲ 99 upvotes"
    assert paper_embed["description"].split("\n")[0] == "X Y"
