"""arXiv Atom parsing, over both historical shapes in tests/fixtures/arxiv/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.records.errors import MalformedResponse, UpstreamRejected
from bot.sources.arxiv import build_search_query
from bot.sources.arxiv_parse import parse_feed, parse_versions
from tests.fakes.feed_server import arxiv_fixture
from tests.hostile_text import unsafe_chars

ARXIV = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv"
OLD_ONE = "api_query_idlist_1111.2011v2_oldformat.xml"


def feed(name: str) -> bytes:
    return (ARXIV / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("api_query_search_testing_max100_2026-04.xml", 100),
        ("api_query_search_au_del_maestro_2016-10_oldformat.xml", 10),
        ("api_query_idlist_1111.2011v2_oldformat.xml", 1),
        ("api_query_idlist_old_style_id_2026-04.xml", 1),
        ("api_query_idlist_one_valid_one_unknown_id_2026-04.xml", 1),
        ("api_query_idlist_no_results_2026-04.xml", 0),
    ],
)
def test_every_fixture_feed_parses_whole(name: str, count: int) -> None:
    papers = parse_feed(feed(name))
    assert len(papers) == count
    for paper in papers:
        assert "v" not in paper.arxiv_id.split("/")[-1], "ids are stored bare"
        assert paper.title
        assert paper.abstract
        assert paper.authors
        assert paper.published_at.tzinfo is UTC
        assert (paper.source, paper.listed_on, paper.upvotes) == ("arxiv", None, 0)


def test_the_2016_shape_with_per_element_namespaces() -> None:
    (paper,) = parse_feed(feed("api_query_idlist_1111.2011v2_oldformat.xml"))
    assert paper.arxiv_id == "1111.2011"
    assert paper.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert paper.abstract.startswith("Theoretical description of anisotropic systems, such")
    assert paper.abstract.endswith("describing a single node.")
    assert paper.authors == ("James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic")
    assert paper.published_at == datetime(2011, 11, 8, 18, 48, 36, tzinfo=UTC)


def test_the_2026_shape_with_an_old_style_id_and_escaped_text() -> None:
    (paper,) = parse_feed(feed("api_query_idlist_old_style_id_2026-04.xml"))
    assert paper.arxiv_id == "astro-ph/0601001"
    assert paper.title.startswith("Frequency of Hot Jupiters and Very Hot Jupiters")
    assert "Gould & Morgan (2003)" in paper.abstract
    assert "V_max<17.5" in paper.abstract
    assert paper.authors[0] == "Andrew Gould"
    assert len(paper.authors) == 4
    assert paper.published_at == datetime(2006, 1, 2, 14, 57, 58, tzinfo=UTC)


def test_the_old_search_feed_keeps_feed_order() -> None:
    papers = parse_feed(feed("api_query_search_au_del_maestro_2016-10_oldformat.xml"))
    assert [p.arxiv_id for p in papers[:3]] == ["1201.4869", "cond-mat/0412498", "cond-mat/0603029"]
    assert all(any(a.endswith("Del Maestro") for a in p.authors) for p in papers)
    assert len({p.arxiv_id for p in papers}) == 10


def test_the_error_feed_says_what_arxiv_said() -> None:
    with pytest.raises(UpstreamRejected) as caught:
        parse_feed(feed("api_query_error_400_bad_id_2026-04.xml"))
    assert str(caught.value) == "arXiv says: incorrect id format for abc"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol2;</title></feed>"""


@pytest.mark.parametrize(
    ("body", "why"),
    [
        pytest.param(BILLION_LAUGHS, "DOCTYPE", id="entity-expansion"),
        # The same feed in UTF-16: the bytes hold no ASCII "<!DOCTYPE", but expat decodes it.
        pytest.param(
            BILLION_LAUGHS.replace(b'"1.0"', b'"1.0" encoding="UTF-16"').decode().encode("utf-16"),
            "DOCTYPE",
            id="entity-expansion-utf16",
        ),
        pytest.param(b"<!DOCTYPE html><html><body>502</body></html>", "HTML page", id="html"),
        pytest.param(b"\n <HTML><body><h1>Bad Gateway</h1></body></HTML>", "HTML page", id="h1"),
        pytest.param(b"<rss><channel/></rss>", "not an Atom feed", id="rss"),
        pytest.param(
            feed("api_query_idlist_1111.2011v2_oldformat.xml")[:900], "not well", id="cut"
        ),
        pytest.param(b"", "not well", id="empty"),
        pytest.param(b'{"entries": []}', "not well", id="json"),
    ],
)
def test_anything_but_an_atom_feed_is_malformed(body: bytes, why: str) -> None:
    with pytest.raises(MalformedResponse, match=why):
        parse_feed(body)


def test_an_entry_without_an_id_or_date_is_skipped() -> None:
    body = feed("api_query_idlist_1111.2011v2_oldformat.xml")
    no_date = body.replace(b"<published>2011-11-08T18:48:36Z</published>", b"")
    bad_id = body.replace(b"<id>http://arxiv.org/abs/1111.2011v2</id>", b"<id>nonsense</id>")
    assert parse_feed(no_date) == []
    assert parse_feed(bad_id) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("testing", "all:testing"),
        ("graph neural networks", "all:graph AND all:neural AND all:networks"),
        # Read as the stores read it (parse_query): words of letters and digits, lower case,
        # small words left out, each once.
        ('ti:"foo" OR (bar)', "all:ti AND all:foo AND all:bar"),
        ("self-attention GPT-4.5", "all:self AND all:attention AND all:gpt AND all:4 AND all:5"),
        ("  ", ""),
        ("&&& ***", ""),
        ("a " * 20, "all:a"),
        (" ".join(f"w{i}" for i in range(20)), " AND ".join(f"all:w{i}" for i in range(12))),
    ],
)
def test_free_text_becomes_an_arxiv_query_without_operators(query: str, expected: str) -> None:
    assert build_search_query(query) == expected


def _one_entry_feed(title: str, summary: str, author: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry>
    <id>http://arxiv.org/abs/2608.19880v1</id>
    <published>2026-08-20T17:59:59Z</published>
    <title>{title}</title>
    <summary>{summary}</summary>
    <author><name>{author}</name></author>
  </entry>
</feed>""".encode()


def test_control_and_bidi_characters_in_a_feed_are_cleaned() -> None:
    # XML 1.0 forbids C0 controls even as references, but not C1 (CSI), bidi or CR.
    hostile = "CSI&#x9b;31m red &#x202e;gpj.exe&#x202c; &#x2066;iso&#x2069;&#13;&#10;line"
    (paper,) = parse_feed(_one_entry_feed(f"Title {hostile}", f"Sum {hostile}", f"Au {hostile}"))
    assert paper.title == "Title CSI31m red gpj.exe iso line"
    for text in (paper.title, paper.abstract, *paper.authors):
        assert unsafe_chars(text) == [], text
        assert not {"\n", "\r"} & set(text), text


def test_parse_versions_reads_the_version_off_each_entry_id() -> None:
    assert parse_versions(arxiv_fixture("api_query_idlist_1111.2011v2_oldformat.xml")) == {
        "1111.2011": 2
    }
    assert parse_versions(arxiv_fixture("api_query_idlist_no_results_2026-04.xml")) == {}
