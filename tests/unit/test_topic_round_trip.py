"""Property: every topic the parser accepts is shown in exactly the text that gives it back.

`/papers topics` lists `str(topic)`; a user copies one into `/papers unsubscribe`. A value
holding a comma once showed unquoted (`author:,kw:diffusion,author:`) and parsed back as
three other topics, so the channel could never drop it.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.commands.parse import Unsubscribe, parse_command
from bot.commands.wording import topics_list
from bot.digest.topics import parse_topic, parse_topics
from bot.records.errors import UserInputError
from bot.records.models import Topic, TopicKind

# Pieces that steer the parser into its corners (prefixes, quotes, separators, exclusions),
# mixed with arbitrary printable characters.
_PIECES = st.sampled_from(
    ["author:", "AUTHOR:", "org:", "kw:", "-", '"', ",", " ", "\u00a0", ":", "all", "a", "Z", "4o"]
)
_CHARS = st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"))
_TEXT = st.lists(st.one_of(_PIECES, _CHARS), max_size=16).map("".join)


def _accepted(text: str) -> tuple[Topic, ...]:
    try:
        return parse_topics(text)
    except UserInputError:
        return ()


@settings(max_examples=300)
@given(_TEXT)
@example('gpt-4o,author:",kw:diffusion,author:",AUTHOR:X')  # the report's case
@example('-",a"')
@example('kw:"a,b"')
@example("\u201fauthor:")  # a curly quote the topic parser once kept and commands did not
def test_a_shown_topic_parses_back_to_itself(text: str) -> None:
    topics = _accepted(text)
    for topic in topics:
        shown = str(topic)
        assert parse_topic(shown) == topic
        command = parse_command(f"unsubscribe {shown}")
        assert isinstance(command, Unsubscribe)
        assert command.topics_text is not None  # never read as `unsubscribe all`
        assert parse_topics(command.topics_text) == (topic,)
    assert parse_topics(topics_list(topics)) == topics  # the whole list, pasted back


def test_the_reported_author_topic_is_shown_quoted() -> None:
    topics = parse_topics('gpt-4o,author:",kw:diffusion,author:",AUTHOR:X')
    assert topics_list(topics) == 'gpt-4o, author:",kw:diffusion,author:", author:X'
    assert topics[1] == Topic(TopicKind.AUTHOR, ",kw:diffusion,author:")


def test_all_alone_is_no_topic_but_quoted_it_is() -> None:
    # `unsubscribe all` stops the digests, so a topic `all` could never be dropped by name.
    with pytest.raises(UserInputError, match="quote it"):
        parse_topics("agents all")
    topic = parse_topic('"all"')
    assert parse_command(f"unsubscribe {topic}") == Unsubscribe('"all"')
