"""Digest: the neutral model, its builder and the plain-text renderer."""

from bot.digest.build import build_digest
from bot.digest.model import TRENDING_DEFINITION, Digest, DigestEntry
from bot.digest.text import render_paper_text, render_papers_list_text, render_text

__all__ = [
    "TRENDING_DEFINITION",
    "Digest",
    "DigestEntry",
    "build_digest",
    "render_paper_text",
    "render_papers_list_text",
    "render_text",
]
