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
from functools import cache, lru_cache
from pathlib import Path

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "lexicon.tsv"
CATEGORIES = ("insult", "profanity", "abuse", "slur", "threat", "target")
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


# A character trie: each key one character, "" marking where a stem ends.
_Trie = dict[str, "_Trie"]


def _trie_pattern(stems: list[str]) -> str:
    """One regular expression for many stems, shaped as a trie ("arsch(?:loch)?"):
    the engine follows one branch per character instead of trying every stem at
    every position, and a greedy optional tail prefers the longest stem."""
    trie: _Trie = {}
    for stem in stems:
        node = trie
        for character in stem:
            node = node.setdefault(character, {})
        node[""] = {}

    def pattern(node: _Trie) -> str:
        optional = "" in node
        branches = [
            re.escape(character) + pattern(child) for character, child in sorted(node.items()) if character
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not optional else "(?:" + "|".join(branches) + ")"
        if optional and len(branches) == 1:
            body = "(?:" + body + ")"
        return body + ("?" if optional else "")

    return pattern(trie)


@cache
def _compiled() -> tuple[tuple[str, re.Pattern[str]], ...]:
    by_category: dict[str, dict[str, list[str]]] = {}
    for entry in read_lexicon():
        match = "word" if " " in entry.stem else entry.match
        by_category.setdefault(entry.category, {}).setdefault(match, []).append(entry.stem)
    compiled = []
    for category, by_match in sorted(by_category.items()):
        parts = []
        for match, (before, after) in (
            ("word", (r"\b", r"\b")),
            ("start", (r"\b", "")),
            ("end", ("", r"\b")),
            ("any", ("", "")),
        ):
            if by_match.get(match):
                parts.append(f"{before}(?:{_trie_pattern(by_match[match])}){after}")
        compiled.append((category, re.compile("|".join(parts))))
    return tuple(compiled)


def lexicon_hits(text: str) -> Iterator[Hit]:
    """Every lexicon match in ``text`` (already normalised: lower case)."""
    for category, pattern in _compiled():
        for match in pattern.finditer(text):
            yield Hit(category=category, start=match.start(), end=match.end())


@lru_cache(maxsize=1024)
def remembered_hits(text: str) -> tuple[Hit, ...]:
    """``lexicon_hits`` of a text, remembered for the next look at the same text:
    the lexicon and context feature blocks and the explanation of a comment each
    need its hits, and matching the lexicon is the costly part."""
    return tuple(lexicon_hits(text))


def lexicon_tokens(text: str) -> list[str]:
    """The analyzer of the lexicon features: one ``lex:<category>`` token per hit."""
    return [f"lex:{hit.category}" for hit in remembered_hits(text)]
