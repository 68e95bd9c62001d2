"""Digest: the neutral model, its builder and the plain-text renderer."""

from bot.digest.build import build_digest
from bot.digest.text import render_paper_text, render_papers_list_text, render_text
from bot.records.digest import TRENDING_DEFINITION, Digest, DigestEntry

__all__ = [
    "TRENDING_DEFINITION",
    "Digest",
    "DigestEntry",
    "build_digest",
    "render_paper_text",
    "render_papers_list_text",
    "render_text",
]
