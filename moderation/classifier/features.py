"""Feature tokens of a normalised text: word n-grams, character n-grams within
words, lexicon categories and the contexts of lexicon hits. One ``Analyzer`` per
block of the feature union; the lean scorer and the explanations call the same
objects, so they see exactly the tokens the pipeline saw."""

import re
from functools import lru_cache

from moderation.classifier.context import context_tokens
from moderation.classifier.lexicon import lexicon_tokens

_WORD = re.compile(r"\w+")


class Analyzer:
    """``kind``: ``word`` (n-grams of ``\\w+`` tokens), ``char`` (character n-grams
    within words padded with a space, as scikit-learn's ``char_wb``), ``lexicon``
    (one ``lex:<category>`` token per lexicon hit) or ``context`` (``ctx:…`` tokens:
    the contexts of the lexicon hits and the comment's length, see ``context.py``)."""

    def __init__(self, kind: str, ngram_range: tuple[int, int] = (1, 1)) -> None:
        self.kind = kind
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))

    def __call__(self, text: str) -> list[str]:
        if self.kind == "word":
            return word_ngrams(_WORD.findall(text), self.ngram_range)
        if self.kind == "char":
            return char_ngrams(text, self.ngram_range)
        if self.kind == "context":
            return context_tokens(text)
        return lexicon_tokens(text)


def word_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    low, high = ngram_range
    grams: list[str] = []
    for n in range(low, high + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    low, high = ngram_range
    grams: list[str] = []
    for word in text.split():
        grams.extend(word_char_ngrams(word, low, high))
    return grams


@lru_cache(maxsize=200_000)
def word_char_ngrams(word: str, low: int, high: int) -> tuple[str, ...]:
    """The character n-grams of one word padded with spaces. Cached: most words of a
    comment are common ones, and cutting them up again costs most of the time."""
    padded = f" {word} "
    return tuple(
        padded[i : i + n] for n in range(low, min(high, len(padded)) + 1) for i in range(len(padded) - n + 1)
    )
