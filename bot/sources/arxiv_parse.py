"""Pure translation of arXiv API Atom feeds into `Paper`s.

Both historical shapes parse (see tests/fixtures/arxiv/README.md): the 2016 feed declares the
`arxiv` and `opensearch` namespaces on each element, the 2026 feed on the root; element
names are looked up by namespace, never by prefix or string matching. A document with a
DOCTYPE is refused outright: the API never sends one, and refusing it rules out entity
expansion attacks on the standard-library parser.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET

from bot.records.errors import MalformedResponse, UpstreamRejected
from bot.records.models import Paper
from bot.sources import bounds
from bot.sources.hf_parse import parse_timestamp
from bot.text.arxiv_ids import parse_arxiv_id
from bot.text.untrusted import one_line

log = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"

_VERSION = re.compile(r"v(\d+)$")
ERROR_ID_MARK = "/api/errors"  # entry <id> of arXiv's error feed: https://arxiv.org/api/errors#...


def parse_feed(body: bytes) -> list[Paper]:
    """The papers in an Atom feed, in feed order; entries without an id, title or date, or
    with a field past its bound (`bot.sources.bounds`), are skipped. Raises UpstreamRejected
    for arXiv's error feed, MalformedResponse for non-Atom."""
    feed = _root(body)
    papers: list[Paper] = []
    for entry in feed.iterfind(f"{ATOM}entry"):
        _raise_if_error(entry)
        paper = _paper(entry)
        if paper is not None:
            papers.append(paper)
    return papers


def parse_versions(body: bytes) -> dict[str, int]:
    """Each entry's latest version by bare id (`.../abs/2405.00001v3` → 3), from an
    `id_list` feed. Raises as `parse_feed`."""
    versions: dict[str, int] = {}
    for entry in _root(body).iterfind(f"{ATOM}entry"):
        _raise_if_error(entry)
        entry_id = (entry.findtext(f"{ATOM}id") or "").strip()
        version = _VERSION.search(entry_id)
        try:
            arxiv_id = parse_arxiv_id(entry_id)
        except ValueError:
            continue
        if version is not None:
            versions[arxiv_id] = int(version.group(1))
    return versions


def _root(body: bytes) -> ET.Element:
    if body.lstrip()[:14].lower().startswith((b"<!doctype html", b"<html")):
        raise MalformedResponse("arxiv: response is an HTML page, not an Atom feed")
    try:
        root = ET.fromstring(body, parser=_no_doctype_parser())  # noqa: S314 - see there
    except ET.ParseError:
        raise MalformedResponse("arxiv: response is not well-formed XML") from None
    if root.tag != f"{ATOM}feed":
        raise MalformedResponse("arxiv: response is not an Atom feed")
    return root


def _no_doctype_parser() -> ET.XMLParser:
    """A parser that refuses any DOCTYPE, so no entity is ever declared or expanded.

    Done inside expat rather than by looking for b"<!DOCTYPE" in the bytes: a feed in
    another encoding (UTF-16) hides that text from a byte search but not from expat.
    """
    return ET.XMLParser(target=_NoDoctypeBuilder())  # noqa: S314 - it refuses DOCTYPEs


class _NoDoctypeBuilder(ET.TreeBuilder):
    """expat calls `doctype` at the start of a DOCTYPE, before any entity is declared."""

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise MalformedResponse("arxiv: refused a feed with a DOCTYPE")


def _raise_if_error(entry: ET.Element) -> None:
    entry_id = entry.findtext(f"{ATOM}id") or ""
    title = (entry.findtext(f"{ATOM}title") or "").strip()
    if ERROR_ID_MARK in entry_id or title == "Error":
        reason = one_line(entry.findtext(f"{ATOM}summary") or "") or "unknown error"
        raise UpstreamRejected(f"arXiv says: {reason[:200]}")


def _paper(entry: ET.Element) -> Paper | None:
    entry_id = entry.findtext(f"{ATOM}id") or ""
    try:
        arxiv_id = parse_arxiv_id(entry_id)
        published_at = parse_timestamp(entry.findtext(f"{ATOM}published"))
    except ValueError as why:
        log.debug("arxiv entry %r skipped: %s", entry_id[:60], why)
        return None
    title = _text(entry, "title", bounds.MAX_TITLE)
    abstract = _text(entry, "summary", bounds.MAX_ABSTRACT)
    if not title or abstract is None:
        log.debug("arxiv entry %s skipped: no title, or a title or abstract too long", arxiv_id)
        return None
    names = (_text(a, "name", bounds.MAX_NAME) for a in entry.iterfind(f"{ATOM}author"))
    authors = tuple(name for name in names if name)[: bounds.MAX_AUTHORS]
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        authors=authors,
        published_at=published_at,
        listed_on=None,
        source="arxiv",
    )


def _text(element: ET.Element, name: str, limit: int) -> str | None:
    """The child's text on one line ("" if there is none), or None if longer than `limit`."""
    text = one_line(element.findtext(f"{ATOM}{name}") or "")
    return text if len(text) <= limit else None
