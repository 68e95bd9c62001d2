from __future__ import annotations

import pytest

from bot.text.arxiv_ids import bare_id, parse_arxiv_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2608.19880", "2608.19880"),
        ("2608.19880v3", "2608.19880"),
        ("  arXiv:2608.19880 ", "2608.19880"),
        ("https://arxiv.org/abs/2608.19880v2", "2608.19880"),
        ("https://arxiv.org/pdf/2608.19880.pdf", "2608.19880"),
        ("https://arxiv.org/pdf/2608.19880v1", "2608.19880"),
        ("https://huggingface.co/papers/2608.19880", "2608.19880"),
        ("<https://arxiv.org/abs/1111.2011>", "1111.2011"),
        ("astro-ph/0601001", "astro-ph/0601001"),
        ("math.GT/0309136v1", "math.GT/0309136"),
        ("0704.0001", "0704.0001"),
    ],
)
def test_accepts_what_users_paste(text: str, expected: str) -> None:
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "arxiv.org/pdf/2608.19880.pdf",
        "arxiv.org/abs/2608.19880v2",
        "www.arxiv.org/abs/2608.19880",
        "export.arxiv.org/abs/2608.19880",
        "ARXIV.ORG/abs/2608.19880",
        "http://www.arxiv.org/pdf/2608.19880",
        "huggingface.co/papers/2608.19880",
        "www.huggingface.co/papers/2608.19880",
        "hf.co/papers/2608.19880",
        "https://hf.co/papers/2608.19880#community",
    ],
)
def test_accepts_urls_pasted_without_their_scheme(text: str) -> None:
    assert parse_arxiv_id(text) == "2608.19880"


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "",
        "2608.198",
        "2608.198800",
        "https://example.com/2608.19880",
        "example.com/arxiv.org/abs/2608.19880",
        "notarxiv.org/abs/2608.19880",
        "1234",
    ],
)
def test_rejects_what_is_not_an_id(text: str) -> None:
    with pytest.raises(ValueError, match="not an arXiv id"):
        parse_arxiv_id(text)


def test_bare_id_drops_only_a_version() -> None:
    assert bare_id("2608.19880v12") == "2608.19880"
    assert bare_id("astro-ph/0601001v1") == "astro-ph/0601001"
    assert bare_id("weird") == "weird"
