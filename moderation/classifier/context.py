"""In what context an offensive word stands: features where news comments differ
from tweets.

A lexicon hit (``lexicon.lexicon_hits``) means different things depending on its
sentence. "Du bist ein Idiot" insults the person addressed; "Die Regierung besteht
aus Idioten" is rude criticism of public figures, which a newsroom publishes more
often; "Es ist falsch, Menschen als Idioten zu bezeichnen" and a word in quotation
marks are counter-speech or quotation. News comments are also longer than tweets,
so a hit in a long comment may weigh differently from one in a one-liner.

Each hit of an offensive category gives one token per context it stands in, within
its sentence, and a comment with such hits one token for its length:

- ``ctx:you+<category>``: second-person address (du, dich, dein…, ihr, euch, euer…;
  you, your). "Sie" is left out: in lower-cased text it cannot be told from "they".
- ``ctx:public+<category>``: a word for a public figure or institution
  (Regierung, Minister, Polizei, party names…).
- ``ctx:distanced+<category>``: a negation before the hit ("kein Idiot"), or a
  distancing frame before it with a verb of calling after it ("falsch, … als
  Idioten zu bezeichnen", "wer Idiot sagt"), or "darf man nicht" after it.
- ``ctx:quoted+<category>``: the hit inside quotation marks.
- ``ctx:words<10`` … ``ctx:words>=80``: the length of the comment in words. Only
  with a hit: as a length prior on every comment it learned the corpora's habits
  (the short texts of the cold-start corpus are mostly insults) and pushed short
  civil comments towards "offensive", for no gain in cross-validation.

The text is the normalised one (lower case, ``normalize.normalize_text``).
"""

import re
from bisect import bisect_right
from dataclasses import dataclass

from moderation.classifier.lexicon import Hit, remembered_hits

# The lexicon categories whose hits get context tokens ("target" words are context
# themselves, not offence).
OFFENSIVE_CATEGORIES = frozenset({"insult", "profanity", "abuse", "slur", "threat"})
# Upper bounds (exclusive) of the length buckets, in words; the last bucket is open.
LENGTH_BOUNDS = (10, 30, 80)

# A sentence ends at a run of these followed by a space or the end of the text
# (so "3.5" and "z.b.x" stay whole; line breaks are spaces after normalisation).
_SENTENCE_END = re.compile(r"[.!?…;]+(?=\s|$)")
_WORD = re.compile(r"\w+")

_ADDRESS = frozenset(
    {
        "du", "dich", "dir", "dein", "deine", "deinen", "deinem", "deiner", "deines",
        "ihr", "euch", "euer", "eure", "euren", "eurem", "eurer", "eures",
        "you", "your", "yours", "yourself", "yourselves", "ya", "u", "ur",
    }
)  # fmt: skip
# Public figures and institutions: matched inside words ("bundesregierung",
# "politikerin", "mainstreammedien").
_PUBLIC_STEMS = (
    "regierung", "politiker", "minister", "kanzler", "präsident", "bürgermeister",
    "abgeordnete", "parlament", "bundestag", "landtag", "partei", "behörde", "beamte",
    "polizei", "polizist", "justiz", "richter", "medien", "journalist",
    "redaktion", "moderator", "rundfunk", "staatsfernseh", "verwaltung",
    "government", "politician", "senator", "congress", "parliament",
)  # fmt: skip
# Matched at the start or end of a word only: "lügenpresse", not "erpresser".
_PUBLIC_EDGES = ("presse",)
# Short names matched as whole words only ("eu", not "euch").
_PUBLIC_WORDS = (
    "afd", "cdu", "csu", "spd", "fdp", "grüne", "grünen", "linke", "linken", "bsw",
    "eu", "ard", "zdf", "ezb", "merkel", "scholz", "merz", "habeck", "baerbock", "lindner",
    "söder", "weidel", "höcke", "wagenknecht", "lauterbach", "faeser", "putin", "trump",
    "biden", "media", "police", "cops", "president", "democrats", "republicans",
)  # fmt: skip
_EDGES = "|".join(_PUBLIC_EDGES)
_PUBLIC = re.compile(
    rf"(?:{'|'.join(_PUBLIC_STEMS)})|\b(?:{_EDGES})|(?:{_EDGES})\b|\b(?:{'|'.join(_PUBLIC_WORDS)})\b"
)
_NEGATION = re.compile(r"\b(?:nicht|kein\w*|niemand\w*|nie|niemals|weder|not|no|never|nobody|\w+n['’]t)\b")
# A frame before the hit that is completed by a verb of calling after it:
# "es ist falsch, X als Idioten zu bezeichnen", "wer Idiot sagt".
_FRAME = re.compile(r"\b(?:falsch\w*|unangebracht\w*|unfair\w*|wer|wrong|whoever)\b")
_CALLING = re.compile(r"\b(?:bezeichn\w*|nenn\w*|genannt|beschimpf\w*|sagt|sagen|call\w*|say\w*)\b")
_FORBIDDEN_AFTER = re.compile(r"\b(?:darf|sollte|kann|soll) man (?:nicht|niemand\w*)\b")
_QUOTED = re.compile(r"[\"„“”«»]([^\"„“”«»]*)[\"„“”«»]")


@dataclass(frozen=True)
class ContextHit:
    token: str
    # Where the lexicon hits the token describes start in the text: one hit for a
    # context, every offensive hit of the comment for the length token.
    starts: tuple[int, ...]


def context_hits(text: str) -> list[ContextHit]:
    """The context tokens of a normalised text, each with the starts of its hits."""
    hits = _offensive_hits(text)
    found: list[ContextHit] = []
    if hits:
        ends = [match.end() for match in _SENTENCE_END.finditer(text)]
        quoted = [(match.start(1), match.end(1)) for match in _QUOTED.finditer(text)]
        for hit in hits:
            number = bisect_right(ends, hit.start)
            sentence_start = ends[number - 1] if number else 0
            sentence_end = ends[number] if number < len(ends) else len(text)
            before = text[sentence_start : hit.start]
            after = text[hit.end : sentence_end]
            sentence = text[sentence_start:sentence_end]
            for context in _contexts(hit, sentence, before, after, quoted):
                found.append(ContextHit(token=f"ctx:{context}+{hit.category}", starts=(hit.start,)))
        found.append(ContextHit(token=length_token(text), starts=tuple(hit.start for hit in hits)))
    return found


def context_tokens(text: str) -> list[str]:
    """The analyzer of the context features."""
    return [hit.token for hit in context_hits(text)]


def length_token(text: str) -> str:
    words = len(text.split())
    for bound in LENGTH_BOUNDS:
        if words < bound:
            return f"ctx:words<{bound}"
    return f"ctx:words>={LENGTH_BOUNDS[-1]}"


def _contexts(hit: Hit, sentence: str, before: str, after: str, quoted: list[tuple[int, int]]) -> list[str]:
    contexts = []
    if not _ADDRESS.isdisjoint(_WORD.findall(sentence)):
        contexts.append("you")
    if _PUBLIC.search(sentence):
        contexts.append("public")
    if (
        _NEGATION.search(before)
        or (_FRAME.search(before) and _CALLING.search(after))
        or _FORBIDDEN_AFTER.search(after)
    ):
        contexts.append("distanced")
    if any(start <= hit.start and hit.end <= end for start, end in quoted):
        contexts.append("quoted")
    return contexts


def _offensive_hits(text: str) -> list[Hit]:
    """The hits of the offensive categories, in text order."""
    return sorted(
        (hit for hit in remembered_hits(text) if hit.category in OFFENSIVE_CATEGORIES),
        key=lambda hit: (hit.start, hit.category),
    )
