"""The terms a paper is compared by: unigrams and bigrams of its title and abstract,
folded and lightly stemmed (bot/text/words.py), without English stop words. Pure.

The Hugging Face `ai_keywords` are never read: `bench/foryou.py` scores the model against
them, so a model that read them would be graded on its own input
(docs/benchmarks.md, "For you").
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Mapping

from bot.records.models import Paper
from bot.text.words import stem, words

# Words that say nothing about a paper's subject: English function words and the verbs every
# abstract uses. A bigram is made of the words left once these are gone, as scikit-learn's
# TfidfVectorizer does.
_STOP_TEXT = (
    "a about above after again against all also although am among an and any are as at be "
    "because been before being below between both but by can could did do does doing down "
    "during each either et etc few for from further had has have having here how however i "
    "if in into is it its itself may might more most much must no nor not of off on once "
    "only or other our ours out over own per same should since so some such than that the "
    "their them then there these they this those through thus to too under until up upon "
    "us very via was we were what when where whether which while who whom why will with "
    "within without would yet you your "
    "approach approaches method methods paper propose proposed proposes present presents "
    "show shows shown results result work new novel based using use used existing "
    "demonstrate demonstrates across achieve achieves significant significantly well "
    "however furthermore moreover first one two three"
)
STOPWORDS = frozenset(_STOP_TEXT.split())
TITLE_WEIGHT = 2  # a title's words count twice: it names the subject


def term_counts(title: str, abstract: str) -> Counter[str]:
    """How often each term (a stem, or two stems joined by a space) occurs."""
    counts: Counter[str] = Counter()
    for text, weight in ((title, TITLE_WEIGHT), (abstract, 1)):
        stems = [stem(w) for w in words(text) if w not in STOPWORDS and not w.isdigit()]
        for index, term in enumerate(stems):
            counts[term] += weight
            if index:
                counts[f"{stems[index - 1]} {term}"] += weight
    return counts


@functools.lru_cache(maxsize=1024)  # a week's papers are read for every person
def paper_terms(paper: Paper) -> Mapping[str, float]:
    """The paper's sublinear term frequencies (1 + log tf); read-only, shared by callers."""
    counts = term_counts(paper.title, paper.abstract)
    return {term: 1.0 + math.log(count) for term, count in counts.items()}
