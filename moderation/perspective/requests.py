"""Reading Perspective's request bodies (AnalyzeCommentRequest and
SuggestCommentScoreRequest, named as in Google's discovery document). Every way a
body can be wrong is a 400 in Perspective's terms: no input reaches the model or the
database unchecked, and none can end in a 500."""

import json
from dataclasses import dataclass
from typing import Any

from moderation.perspective.attributes import PERSPECTIVE_ATTRIBUTES
from moderation.perspective.errors import PerspectiveError, invalid

# Perspective's limit on comment.text: 20 KB of UTF-8.
MAX_TEXT_BYTES = 20 * 1024
# Tokens and ids are echoed or stored, never interpreted: a bound keeps them small.
MAX_TOKEN_LENGTH = 512


@dataclass(frozen=True)
class RequestedAttribute:
    name: str
    threshold: float | None


@dataclass(frozen=True)
class AnalyzeRequest:
    text: str
    attributes: list[RequestedAttribute]
    languages: list[str]  # as the client sent them
    span_annotations: bool
    do_not_store: bool
    client_token: str | None


@dataclass(frozen=True)
class SuggestRequest:
    text: str
    scores: dict[str, float]  # attribute → the client's summaryScore.value
    languages: list[str]
    community_id: str
    client_token: str | None


def _bad(message: str) -> PerspectiveError:
    return invalid("INVALID_REQUEST", message)


def parse_json(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object (no NaN or Infinity, which JSON does not have)."""

    def no_constant(name: str) -> None:
        raise ValueError(name)

    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=no_constant)
    except (ValueError, RecursionError) as exc:
        raise _bad("Invalid JSON payload received.") from exc
    if not isinstance(body, dict):
        raise _bad("Invalid JSON payload received: the body must be an object.")
    return body


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"Invalid value at '{field}': an object is expected.")
    return value


def _string(value: Any, field: str, max_length: int | None = MAX_TOKEN_LENGTH) -> str:
    if not isinstance(value, str):
        raise _bad(f"Invalid value at '{field}': a string is expected.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _bad(f"Invalid value at '{field}': not valid Unicode.") from exc
    if "\x00" in value:
        raise _bad(f"Invalid value at '{field}': NUL characters are not accepted.")
    if max_length is not None and len(value) > max_length:
        raise _bad(f"Invalid value at '{field}': longer than {max_length} characters.")
    return value


def _optional_string(body: dict[str, Any], field: str) -> str | None:
    return _string(body[field], field) if field in body else None


def _boolean(body: dict[str, Any], field: str) -> bool:
    value = body.get(field, False)
    if not isinstance(value, bool):
        raise _bad(f"Invalid value at '{field}': true or false is expected.")
    return value


def _probability(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise _bad(f"Invalid value at '{field}': a number from 0 to 1 is expected.")
    return float(value)


def _text_entry(value: Any, field: str) -> str:
    """A TextEntry ({text, type}): its text, which must be plain text."""
    entry = _object(value, field)
    if entry.get("type", "PLAIN_TEXT") != "PLAIN_TEXT":
        raise _bad(f"Invalid value at '{field}.type': only PLAIN_TEXT is supported.")
    return _string(entry.get("text", ""), f"{field}.text", max_length=None)


def _comment(body: dict[str, Any]) -> str:
    text = _text_entry(body.get("comment", {}), "comment")
    if not text.strip():
        raise invalid("COMMENT_EMPTY", "Comment must be non-empty.")
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise invalid(
            "COMMENT_TOO_LONG",
            f"Comment text too long: {size} bytes of UTF-8, the limit is {MAX_TEXT_BYTES}.",
        )
    return text


def _languages(body: dict[str, Any]) -> list[str]:
    value = body.get("languages", [])
    if not isinstance(value, list):
        raise _bad("Invalid value at 'languages': a list of language codes is expected.")
    return [_string(code, "languages[]", max_length=35) for code in value]


def _context(body: dict[str, Any]) -> None:
    """Checked, not used: Perspective does not use the context either."""
    if "context" not in body:
        return
    context = _object(body["context"], "context")
    if "entries" in context and "articleAndParentComment" in context:
        raise _bad("Context may hold entries or articleAndParentComment, not both.")
    if "entries" in context:
        if not isinstance(context["entries"], list):
            raise _bad("Invalid value at 'context.entries': a list is expected.")
        for entry in context["entries"]:
            _text_entry(entry, "context.entries[]")
    if "articleAndParentComment" in context:
        pair = _object(context["articleAndParentComment"], "context.articleAndParentComment")
        for part in ("article", "parentComment"):
            if part in pair:
                _text_entry(pair[part], f"context.articleAndParentComment.{part}")


def _known(name: str) -> str:
    if name not in PERSPECTIVE_ATTRIBUTES:
        raise _bad(f"Unknown requested attribute: {name}")
    return name


def analyze_request(body: dict[str, Any]) -> AnalyzeRequest:
    text = _comment(body)
    requested = _object(body.get("requestedAttributes", {}), "requestedAttributes")
    if not requested:
        raise invalid("NO_REQUESTED_ATTRIBUTES", "No requested attributes.")
    attributes = []
    for name, config in requested.items():
        _known(name)
        options = _object(config, f"requestedAttributes.{name}")
        score_type = options.get("scoreType", "PROBABILITY")
        if score_type != "PROBABILITY":
            raise _bad(f"Requested score type {score_type} is not supported by attribute {name}.")
        threshold = None
        if "scoreThreshold" in options:
            threshold = _probability(options["scoreThreshold"], f"requestedAttributes.{name}.scoreThreshold")
        attributes.append(RequestedAttribute(name=name, threshold=threshold))
    languages = _languages(body)
    _context(body)
    for field in ("sessionId", "communityId"):
        _optional_string(body, field)
    return AnalyzeRequest(
        text=text,
        attributes=attributes,
        languages=languages,
        span_annotations=_boolean(body, "spanAnnotations"),
        do_not_store=_boolean(body, "doNotStore"),
        client_token=_optional_string(body, "clientToken"),
    )


def suggest_request(body: dict[str, Any]) -> SuggestRequest:
    text = _comment(body)
    given = _object(body.get("attributeScores", {}), "attributeScores")
    if not given:
        raise invalid("NO_REQUESTED_ATTRIBUTES", "No attribute scores.")
    scores = {}
    for name, config in given.items():
        _known(name)
        summary = _object(
            _object(config, f"attributeScores.{name}").get("summaryScore"), f"{name}.summaryScore"
        )
        if summary.get("type", "PROBABILITY") != "PROBABILITY":
            raise _bad(f"Invalid value at 'attributeScores.{name}.summaryScore.type': only PROBABILITY.")
        scores[name] = _probability(summary.get("value"), f"attributeScores.{name}.summaryScore.value")
    languages = _languages(body)
    _context(body)
    return SuggestRequest(
        text=text,
        scores=scores,
        languages=languages,
        community_id=_optional_string(body, "communityId") or "",
        client_token=_optional_string(body, "clientToken"),
    )
