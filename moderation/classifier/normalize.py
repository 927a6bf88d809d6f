"""Text normalisation shared by training and scoring.

Tweets and comments carry artefacts that say nothing about offensiveness but
fragment the vocabulary: user mentions, URLs, the ``|LBR|`` line-break token of
the GermEval files, HTML entities, runs of the same letter ("Iiiiidiot") or symbol
("!!!!!", "😂😂😂😂"), skin-tone and presentation variants of emoji. And spellings
meant to slip past a filter: digits and symbols for letters inside a word
("1d10t", "schw4chk0pf") and a word spelt out letter by letter ("i d i o t",
"I-d-i-o-t").
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
# Digits and symbols written for the letters they look like. A word is read this way
# only when one of them stands between two letters ("id1ot", "1d10t"), so
# "covid19", "g20" and "mp3" keep their digits.
LOOKALIKE_LETTERS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET = str.maketrans(LOOKALIKE_LETTERS)
_LEET_WORD = re.compile(r"[\w@$]+")
_LOOKALIKE = re.compile(f"[{re.escape(''.join(LOOKALIKE_LETTERS))}]")
_INNER_LEET = re.compile(rf"[^\W\d_]{_LOOKALIKE.pattern}+[^\W\d_]")
# Four or more single letters with the same separator between each: one word
# ("i d i o t", "I.d.i.o.t"); "z. B." and "u. a." are left alone.
SPELT_OUT = re.compile(r"(?<!\w)[^\W\d_]([ .*_-])(?:[^\W\d_]\1){2,}[^\W\d_](?!\w)")


def _unleet(match: re.Match[str]) -> str:
    word = match.group()
    return word.translate(_LEET) if _INNER_LEET.search(word) else word


def _joined_letters(match: re.Match[str]) -> str:
    return match.group().replace(match.group(1), "")


def normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFC", html.unescape(text))
    text = _LINE_BREAK.sub(" ", text)
    text = _URL.sub(" URL ", text)
    text = _MENTION.sub(" @USER ", text)
    text = _REPEATS.sub(r"\1\1", text)
    text = _EMOJI_VARIANTS.sub("", text)
    text = _SYMBOL_REPEATS.sub(r"\1\1", text)
    text = SPELT_OUT.sub(_joined_letters, text)
    # Rare: the word-by-word pass only where it can change something.
    if _LOOKALIKE.search(text) and _INNER_LEET.search(text):
        text = _LEET_WORD.sub(_unleet, text)
    return _SPACE.sub(" ", text).strip().lower()


def normalize_batch(texts: Iterable[str]) -> list[str]:
    return [normalize_text(text) for text in texts]
