"""Text normalisation shared by training and scoring.

Tweets and comments carry artefacts that say nothing about offensiveness but
fragment the vocabulary: user mentions, URLs, the ``|LBR|`` line-break token of
the GermEval files, HTML entities, runs of the same letter ("Iiiiidiot") or symbol
("!!!!!", "😂😂😂😂"), skin-tone and presentation variants of emoji.
"""

import html
import re
import unicodedata
from collections.abc import Iterable

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_LINE_BREAK = re.compile(r"\|LBR\|")
_REPEATS = re.compile(r"(\w)\1{2,}")
# Emoji variants (skin tones, the emoji presentation selector, joiners) say the same.
_EMOJI_VARIANTS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0e\ufe0f\u200d]")
# Runs of one symbol ("!!!!!", "😂😂😂😂") count as two, as runs of one letter do.
_SYMBOL_REPEATS = re.compile(r"([^\w\s])\1{2,}")
_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFC", html.unescape(text))
    text = _LINE_BREAK.sub(" ", text)
    text = _URL.sub(" URL ", text)
    text = _MENTION.sub(" @USER ", text)
    text = _REPEATS.sub(r"\1\1", text)
    text = _EMOJI_VARIANTS.sub("", text)
    text = _SYMBOL_REPEATS.sub(r"\1\1", text)
    return _SPACE.sub(" ", text).strip().lower()


def normalize_batch(texts: Iterable[str]) -> list[str]:
    return [normalize_text(text) for text in texts]
