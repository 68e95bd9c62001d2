"""Digest: the neutral model, its builder and the plain-text renderer."""

from bot.digest.model import TRENDING_DEFINITION, Digest, DigestEntry

__all__ = ["TRENDING_DEFINITION", "Digest", "DigestEntry"]
