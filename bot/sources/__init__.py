"""Paper sources: Hugging Face Daily Papers, arXiv, and the offline sample.

The only package that talks HTTP to the outside world (through `bot.sources.http`).
"""

from bot.sources.arxiv import ArxivSource
from bot.sources.huggingface import HuggingFaceSource
from bot.sources.sample import SampleSource

__all__ = ["ArxivSource", "HuggingFaceSource", "SampleSource"]
