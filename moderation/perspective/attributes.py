"""The attributes the active model can honestly serve, and their scores.

- ``TOXICITY``: the model's probability that the comment is offensive, in every
  language it has a pipeline for (de, en).
- ``INSULT`` and ``PROFANITY``: the probability that it is offensive *and* of
  GermEval's fine label of the same name (an insult of a person; swearing), in the
  languages whose training data has those labels (German; English only where its
  data used GermEval's scheme, not Davidson's hate/offensive).
- Nothing else. GermEval's ABUSE is degrading abuse in general, of persons as of
  groups; Perspective's IDENTITY_ATTACK is narrower (an attack on an identity), so
  ABUSE is not served under that name; nor SEVERE_TOXICITY or THREAT, which the
  model does not measure. They are refused as Perspective refuses an attribute in a
  language it does not support.

Span scores are per sentence, with ``begin``/``end`` in UTF-16 code units as
Perspective counts them (``end`` exclusive)."""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from moderation.classifier.language import detect_language
from moderation.classifier.normalize import normalize_text

if TYPE_CHECKING:  # the model's module brings scikit-learn, loaded with the model
    from moderation.classifier.model import ToxicityModel

# Every attribute Perspective knows: a name outside this set is "unknown"; one in it
# that ``served`` does not list is refused as not supported in the language.
PERSPECTIVE_ATTRIBUTES = frozenset(
    {
        "TOXICITY",
        "SEVERE_TOXICITY",
        "IDENTITY_ATTACK",
        "INSULT",
        "PROFANITY",
        "THREAT",
        "TOXICITY_EXPERIMENTAL",
        "SEVERE_TOXICITY_EXPERIMENTAL",
        "IDENTITY_ATTACK_EXPERIMENTAL",
        "INSULT_EXPERIMENTAL",
        "PROFANITY_EXPERIMENTAL",
        "THREAT_EXPERIMENTAL",
        "TOXICITY_FAST",
        "SEXUALLY_EXPLICIT",
        "FLIRTATION",
        "ATTACK_ON_AUTHOR",
        "ATTACK_ON_COMMENTER",
        "INCOHERENT",
        "INFLAMMATORY",
        "LIKELY_TO_REJECT",
        "OBSCENE",
        "SPAM",
        "UNSUBSTANTIAL",
    }
)
# The attributes measured by a fine label of the same meaning.
FINE_ATTRIBUTES = {"INSULT": "INSULT", "PROFANITY": "PROFANITY"}

# A sentence: from its first visible character to its closing punctuation (before a
# space or the end), a line break or the end of the text.
_SENTENCE = re.compile(r"\S.*?(?:[.!?…]+(?=\s|$)|(?=[ \t]*(?:\r?\n|\r))|$)", re.DOTALL)


def served(model: "ToxicityModel") -> dict[str, frozenset[str]]:
    """Attribute → the languages the model serves it in."""
    languages = {"TOXICITY": frozenset(model.languages)}
    for attribute, label in FINE_ATTRIBUTES.items():
        languages[attribute] = frozenset(
            language for language in model.languages if label in model.classifier(language).fine_labels_
        )
    return languages


def language_code(code: str) -> str:
    """The ISO 639-1 part of a language tag ("de-DE" → "de")."""
    return re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]


def detected_language(text: str) -> str:
    return detect_language(normalize_text(text))


@dataclass(frozen=True)
class Span:
    begin: int  # UTF-16 code units
    end: int  # exclusive
    text: str


def sentences(text: str) -> list[Span]:
    """The sentences of ``text`` with their UTF-16 offsets (characters beyond the
    Basic Multilingual Plane, such as most emoji, count two)."""
    spans = []
    position = units = 0  # code points and UTF-16 units up to ``position``
    for match in _SENTENCE.finditer(text):
        start, stop = match.span()
        units += _utf16_length(text[position:start])
        begin = units
        units += _utf16_length(text[start:stop])
        spans.append(Span(begin=begin, end=units, text=match.group()))
        position = stop
    return spans


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def scores(model: "ToxicityModel", text: str, language: str, attributes: list[str]) -> dict[str, float]:
    """The value of each attribute for ``text``, scored by ``language``'s pipeline."""
    analysis = model.assess(text, language)
    values = {}
    for attribute in attributes:
        if attribute == "TOXICITY":
            values[attribute] = analysis.score
        else:
            values[attribute] = analysis.fine.get(FINE_ATTRIBUTES[attribute], 0.0)
    return values
