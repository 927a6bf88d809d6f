"""Matching banned and suspect terms the way trolls spell them.

Pure functions. Text and terms are brought to one canonical spelling before they
are compared: case folded, umlauts and ß spelled out (ä → ae, ß → ss), digits and
symbols read as the letters they imitate (1d10t → idiot, $ → s), runs of a letter
collapsed (Iiiidiot → idiot), and letters joined across inserted dots, stars,
hyphens or single spaces (A.r.s.c.h, I d i o t). Matching is on whole words: a
term matches a word only entirely, unless it ends in ``*``, which makes it a
prefix (``idiot*`` matches "Idioten", ``anal`` does not match "Analyse").
Multi-word terms match consecutive words.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from moderation.classifier.normalize import LOOKALIKE_LETTERS

_SPELLED_OUT = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"}
# Whole words are compared here, so "!" inside one is read as an i too.
_LOOKALIKES = str.maketrans({**LOOKALIKE_LETTERS, "!": "i"})
_WORD = re.compile(r"[\w@$!]+")
# Single characters separated by one joiner each: "a.r.s.c.h", "i d i o t", "s-c-h".
_SPACED_OUT = re.compile(r"(?<![\w@$])(?:[\w@$][.\-_* ]){2,}[\w@$](?![\w@$])")
_JOINERS = re.compile(r"(?<=[\w@$])[.*_\-·]+(?=[\w@$])")
_RUNS = re.compile(r"(.)\1+")


def canonical_word(word: str) -> str:
    word = word.casefold()
    word = "".join(_SPELLED_OUT.get(char, char) for char in word)
    word = word.translate(_LOOKALIKES)
    return _RUNS.sub(r"\1", word)


@dataclass(frozen=True)
class Word:
    canonical: str
    start: int
    end: int


def words_of(text: str) -> list[Word]:
    """The words of ``text`` in canonical spelling, with their spans in the original."""
    # Joiners are removed in a copy of equal length, so spans stay valid.
    joined = _SPACED_OUT.sub(lambda m: re.sub(r"[.\-_* ]", "\0", m.group()), text)
    joined = _JOINERS.sub(lambda m: "\0" * len(m.group()), joined)
    words = []
    for match in re.finditer(r"[^\s,;:?\"'()\[\]{}<>/\\|+=~^`´„“”«»‚‘’…]+", joined):
        # Trailing sentence punctuation is not part of the word; "!" inside a word may be an i.
        core = match.group().rstrip(".!")
        canonical = canonical_word("".join(_WORD.findall(core.replace("\0", ""))))
        if canonical:
            words.append(Word(canonical, match.start(), match.start() + len(core)))
    return words


@dataclass(frozen=True)
class Term:
    text: str  # as the moderator wrote it
    kind: str  # "banned" or "suspect"
    words: tuple[str, ...]
    prefix: bool


@dataclass(frozen=True)
class Hit:
    term: str
    kind: str
    matched: str  # the words as they stand in the comment
    start: int
    end: int

    def as_dict(self) -> dict[str, object]:
        return {
            "term": self.term,
            "kind": self.kind,
            "matched": self.matched,
            "start": self.start,
            "end": self.end,
        }


def compile_terms(entries: Iterable[tuple[str, str]]) -> list[Term]:
    """(text, kind) pairs into terms ready for matching; blank entries are skipped."""
    terms = []
    for text, kind in entries:
        prefix = text.strip().endswith("*")
        words = tuple(canonical_word(w) for w in text.strip().rstrip("*").split())
        words = tuple(w for w in words if w)
        if words:
            terms.append(Term(text=text.strip(), kind=kind, words=words, prefix=prefix))
    return terms


def find_hits(text: str, terms: Iterable[Term]) -> list[Hit]:
    """Every place where a term occurs in ``text``, in text order."""
    words = words_of(text)
    hits = []
    for term in terms:
        size = len(term.words)
        for index in range(len(words) - size + 1):
            window = words[index : index + size]
            *whole, last = term.words
            if any(word.canonical != expected for word, expected in zip(window, whole, strict=False)):
                continue
            final = window[-1].canonical
            if final == last or (term.prefix and final.startswith(last)):
                start, end = window[0].start, window[-1].end
                hits.append(Hit(term.text, term.kind, text[start:end], start, end))
    return sorted(hits, key=lambda hit: (hit.start, hit.kind))
