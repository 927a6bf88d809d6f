"""Comment text for moderators with the words that drove the decision marked.

User text only ever passes through Django's escaping; our own <mark> tags are
the only markup.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from moderation.classifier.explanation import MIN_WEIGHT, STOP_WORDS
from moderation.classifier.normalize import SPELT_OUT, normalize_text

_TOKEN = re.compile(r"\w+")
# The comment's words as the model read them: a word spelt out letter by letter
# ("i d i o t") is one.
_BODY_TOKEN = re.compile(rf"{SPELT_OUT.pattern}|\w+")


def marked_spans(
    body: str, explanation: Iterable[Mapping[str, Any]], word_hits: Iterable[Mapping[str, Any]]
) -> list[tuple[int, int, str, str]]:
    """(start, end, title, css class) for every word-list hit and every word or
    phrase the model weighed, without overlaps (word-list hits win). The words of a
    phrase are one mark, and so are marks only whitespace apart: a moderator reads
    "halt die Fresse", not three marks. An item of an explanation stored before
    explanation.py's rules (a function word alone, a small weight) is not marked."""
    spans = []
    taken = [False] * len(body)
    for hit in word_hits:
        start, end = int(hit.get("start", 0)), int(hit.get("end", 0))
        if 0 <= start < end <= len(body):
            spans.append((start, end, f"{hit.get('kind')} term: {hit.get('term')}", f"hit-{hit.get('kind')}"))
            taken[start:end] = [True] * (end - start)
    tokens = list(_BODY_TOKEN.finditer(body))
    normalised = [normalize_text(match.group()) for match in tokens]
    # For each token, the explanation item (phrase) it belongs to.
    owner: list[int | None] = [None] * len(tokens)
    weights: list[float] = []
    for item in explanation:
        words, weight = _TOKEN.findall(str(item.get("feature", ""))), float(item.get("weight", 0.0))
        if weight < MIN_WEIGHT or all(word in STOP_WORDS for word in words):
            continue
        weights.append(weight)
        for first in range(len(tokens) - len(words) + 1):
            place = range(first, first + len(words))
            if normalised[first : first + len(words)] == words and all(owner[i] is None for i in place):
                for i in place:
                    owner[i] = len(weights) - 1
    run: list[int] = []
    for number, match in enumerate(tokens):
        if owner[number] is None or any(taken[match.start() : match.end()]):
            continue
        if run and not _joined(body, tokens[run[-1]], match, owner[run[-1]] == owner[number], taken):
            spans.append(_model_span(tokens, run, owner, weights))
            run = []
        run.append(number)
    if run:
        spans.append(_model_span(tokens, run, owner, weights))
    return sorted(spans)


def _joined(body: str, before: re.Match[str], after: re.Match[str], same: bool, taken: list[bool]) -> bool:
    """Whether two marked tokens are one mark: the words of one phrase, or marks
    with nothing but whitespace between them (no other word, no word-list hit)."""
    if any(taken[before.end() : after.start()]) or _TOKEN.search(body, before.end(), after.start()):
        return False
    return same or not body[before.end() : after.start()].strip()


def _model_span(
    tokens: list[re.Match[str]], run: list[int], owner: list[int | None], weights: list[float]
) -> tuple[int, int, str, str]:
    weight = sum(weights[item] for item in {owner[number] for number in run} if item is not None)
    return (tokens[run[0]].start(), tokens[run[-1]].end(), f"model: +{weight:.2f}", "weight")


def highlighted(
    body: str, explanation: Iterable[Mapping[str, Any]], word_hits: Iterable[Mapping[str, Any]]
) -> SafeString:
    pieces = []
    position = 0
    for start, end, title, css in marked_spans(body, explanation, word_hits):
        pieces.append(escape(body[position:start]))
        pieces.append(format_html('<mark class="{}" title="{}">{}</mark>', css, title, body[start:end]))
        position = end
    pieces.append(escape(body[position:]))
    return format_html_join("", "{}", ((piece,) for piece in pieces))
