"""The project's lexicon of offensive word stems (``data/lexicon.tsv``) and its use
as classifier features.

Each category becomes a feature token (``lex:insult``, ``lex:profanity`` …) counted
once per hit, so a model learns how much an insult stem weighs in general, beyond
the n-grams of the words it saw in training: a German compound it never saw
("Obertrottel") still carries the weight of ``trottel``.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "lexicon.tsv"
CATEGORIES = ("insult", "profanity", "abuse", "threat", "target")
MATCHES = ("any", "start", "end", "word")


class LexiconError(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    stem: str
    category: str
    match: str
    language: str


@dataclass(frozen=True)
class Hit:
    category: str
    start: int  # character offsets in the normalised text
    end: int


def read_lexicon(path: Path = LEXICON_PATH) -> list[Entry]:
    entries = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 4:
                raise LexiconError(f"{path}:{number}: expected 4 tab-separated columns, found {len(parts)}")
            stem, category, match, language = parts
            if category not in CATEGORIES:
                raise LexiconError(f"{path}:{number}: unknown category {category!r}")
            if match not in MATCHES:
                raise LexiconError(f"{path}:{number}: unknown match {match!r}")
            if stem != stem.lower() or not stem.strip():
                raise LexiconError(f"{path}:{number}: stems are written in lower case")
            entries.append(Entry(stem=stem, category=category, match=match, language=language))
    return entries


def _pattern(entry: Entry) -> str:
    stem = re.escape(entry.stem)
    if " " in entry.stem or entry.match == "word":
        return rf"\b{stem}\b"
    if entry.match == "start":
        return rf"\b{stem}"
    if entry.match == "end":
        return rf"{stem}\b"
    return stem


@cache
def _compiled() -> tuple[tuple[str, re.Pattern[str]], ...]:
    by_category: dict[str, list[str]] = {}
    for entry in read_lexicon():
        by_category.setdefault(entry.category, []).append(_pattern(entry))
    # Longest first, so "arschloch" wins over "arsch" inside one category.
    return tuple(
        (category, re.compile("|".join(sorted(patterns, key=len, reverse=True))))
        for category, patterns in sorted(by_category.items())
    )


def lexicon_hits(text: str) -> Iterator[Hit]:
    """Every lexicon match in ``text`` (already normalised: lower case)."""
    for category, pattern in _compiled():
        for match in pattern.finditer(text):
            yield Hit(category=category, start=match.start(), end=match.end())


def lexicon_tokens(text: str) -> list[str]:
    """The analyzer of the lexicon features: one ``lex:<category>`` token per hit."""
    return [f"lex:{hit.category}" for hit in lexicon_hits(text)]
