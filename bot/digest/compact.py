"""Pure: the pieces of a compact paper entry that every renderer shares, in plain text.

Counts read as people say them ("1 upvote", "2 comments"); a comment count is shown only
when it tells something (on Hugging Face a paper's one comment is nearly always the
automatic similar-papers bot); the byline names three authors and the organisation; long
author lists are capped with "and N more". A thumbnail is shown only from Hugging Face's
own hosts over https: paper data is untrusted, and an image URL is fetched by every
reader's client.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from bot.records.models import HF_PAPERS, Paper, PaperArtifacts
from bot.text.untrusted import is_clean, one_line

BYLINE_AUTHORS = 3
THREAD_AUTHORS_MAX = 30  # the full list in a thread, up to this many names
THUMBNAILS_FOR_TOP = 3  # the top papers of a digest show Hugging Face's thumbnail
MIN_COMMENTS_SHOWN = 2  # one comment is the similar-papers bot, nearly always
_IMAGE_HOSTS = ("huggingface.co", "cdn-thumbnails.huggingface.co", "cdn-uploads.huggingface.co")
_URL_MAX = 500


def plural(count: int, noun: str) -> str:
    """`count` and `noun`, with thousands separators: "1 upvote", "1,234 upvotes"."""
    return f"{count:,} {noun if count == 1 else noun + 's'}"


def upvotes(paper: Paper) -> str:
    return plural(paper.upvotes, "upvote")


def risen(count: int) -> str | None:
    """A settled post's mark on a paper that rose: "▲ +120 since posted" (None: it did not)."""
    return f"▲ +{count:,} since posted" if count > 0 else None


def comments(paper: Paper) -> str | None:
    """ "3 comments", or None when the count tells nothing (0 or the lone bot comment)."""
    return plural(paper.comments, "comment") if paper.comments >= MIN_COMMENTS_SHOWN else None


def stars(paper: Paper) -> str | None:
    return plural(paper.github_stars, "star") if paper.github_stars else None


def byline(paper: Paper) -> str:
    """First three authors ("et al." after them) and the organisation, " · " apart."""
    names = [one_line(a) for a in paper.authors[:BYLINE_AUTHORS]]
    who = ", ".join(n for n in names if n)
    if who and len(paper.authors) > BYLINE_AUTHORS:
        who += " et al."
    org = one_line(paper.organization or "")
    return " · ".join(part for part in (who, org) if part)


def capped_authors(authors: Sequence[str], limit: int = THREAD_AUTHORS_MAX) -> str:
    """Every author up to `limit`, then "and N more"; "unknown" for none."""
    names = [one_line(a) for a in authors[:limit]]
    hidden = len(authors) - len(names)
    text = ", ".join(names) or "unknown"
    return f"{text}, and {hidden:,} more" if hidden > 0 else text


def keywords(paper: Paper) -> str:
    return ", ".join(one_line(k) for k in paper.ai_keywords if one_line(k))


def thumbnail(paper: Paper, rank: int) -> str | None:
    """The paper's thumbnail for one of the top papers, if it is an https URL on one of
    Hugging Face's hosts; None otherwise."""
    url = (paper.thumbnail or "").strip()
    if rank > THUMBNAILS_FOR_TOP or not url or len(url) > _URL_MAX or not is_clean(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    ok = parts.scheme == "https" and parts.hostname in _IMAGE_HOSTS and not parts.username
    return url if ok and parts.port is None and " " not in url else None


def artifact_counts(artifacts: PaperArtifacts | None) -> list[tuple[str, str]]:
    """(label, URL) per kind present: ("2 models", the first one's page or the Hub search)."""
    if artifacts is None:
        return []
    shown = []
    for noun, ids, prefix in artifacts.kinds():
        if not ids:
            continue
        label = plural(len(ids), noun) + ("+" if artifacts.more and len(ids) >= 2 else "")
        target = prefix + ids[0] if len(ids) == 1 else _hub_search(prefix, artifacts.arxiv_id)
        shown.append((label, target))
    return shown


def artifact_links(artifacts: PaperArtifacts | None, limit: int = 5) -> list[tuple[str, str]]:
    """(repo id, URL) for up to `limit` repos of each kind, for a thread."""
    if artifacts is None:
        return []
    return [(repo, prefix + repo) for _, ids, prefix in artifacts.kinds() for repo in ids[:limit]]


def _hub_search(prefix: str, arxiv_id: str) -> str:
    """Where every linked repo of one kind is listed: the Hub's models or datasets list
    filtered by the paper's tag (the paper page's own "Browse N models citing this paper"
    link), and for Spaces, which have no such list, the paper page (it lists them)."""
    base = prefix.rstrip("/")
    if base.endswith("/spaces"):
        return HF_PAPERS + arxiv_id
    if base.endswith("huggingface.co"):
        base += "/models"
    return f"{base}?other=arxiv:{arxiv_id}"
