"""Comment text for moderators with the words that drove the decision marked.

User text only ever passes through Django's escaping; our own <mark> tags are
the only markup.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from moderation.classifier.normalize import normalize_text

_TOKEN = re.compile(r"\w+")


def marked_spans(
    body: str, explanation: Iterable[Mapping[str, Any]], word_hits: Iterable[Mapping[str, Any]]
) -> list[tuple[int, int, str, str]]:
    """(start, end, title, css class) for every word the model weighed and every
    word-list hit, without overlaps (word-list hits win)."""
    weights: dict[str, float] = {}
    for item in explanation:
        for word in str(item.get("feature", "")).split():
            weights[word] = weights.get(word, 0.0) + float(item.get("weight", 0.0))
    spans = []
    taken = [False] * len(body)
    for hit in word_hits:
        start, end = int(hit.get("start", 0)), int(hit.get("end", 0))
        if 0 <= start < end <= len(body):
            spans.append((start, end, f"{hit.get('kind')} term: {hit.get('term')}", f"hit-{hit.get('kind')}"))
            taken[start:end] = [True] * (end - start)
    for match in _TOKEN.finditer(body):
        weight = weights.get(normalize_text(match.group()))
        if weight and weight > 0 and not any(taken[match.start() : match.end()]):
            spans.append((match.start(), match.end(), f"model: +{weight:.2f}", "weight"))
    return sorted(spans)


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
