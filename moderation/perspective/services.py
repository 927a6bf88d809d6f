"""What the two endpoints do, once the key is checked and the body read."""

from typing import Any

from moderation.modelops.registry import NoActiveModel, active_model
from moderation.models import AnalysisKey, SuggestedScore
from moderation.perspective.attributes import detected_language, language_code, scores, sentences, served
from moderation.perspective.errors import invalid, refused
from moderation.perspective.requests import AnalyzeRequest, SuggestRequest

# Values as Perspective gives them: a probability to seven decimals.
DIGITS = 7


def _probability(value: float) -> dict[str, Any]:
    return {"value": round(value, DIGITS), "type": "PROBABILITY"}


def comment_analyze(request: AnalyzeRequest) -> dict[str, Any]:
    """Perspective's AnalyzeCommentResponse for the request. Nothing is stored or
    logged, whatever ``doNotStore`` says: the text is scored and forgotten."""
    try:
        model = active_model().model
    except NoActiveModel as exc:
        raise refused(
            "UNAVAILABLE", "No model is active; the service cannot score comments.", "NO_MODEL"
        ) from exc
    detected = detected_language(request.text)
    wanted = [language_code(code) for code in request.languages]
    languages = served(model)
    for attribute in request.attributes:
        supported = languages.get(attribute.name, frozenset())
        missing = [code for code in (wanted or [detected]) if code not in supported]
        if missing:
            raise invalid(
                "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
                f"Attribute {attribute.name} does not support request languages: {', '.join(missing)}",
                languageNotSupportedByAttributeError={
                    "detectedLanguages": wanted or [detected],
                    "attribute": attribute.name,
                },
            )
    # The detected language if the client allows it, else the first it names.
    language = detected if not wanted or detected in wanted else wanted[0]
    names = [attribute.name for attribute in request.attributes]
    summary = scores(model, request.text, language, names)
    spans = []
    if request.span_annotations:
        spans = [(span, scores(model, span.text, language, names)) for span in sentences(request.text)]
    attribute_scores: dict[str, Any] = {}
    for attribute in request.attributes:
        value = summary[attribute.name]
        if attribute.threshold is not None and value < attribute.threshold:
            continue
        result: dict[str, Any] = {"summaryScore": _probability(value)}
        if request.span_annotations:
            result["spanScores"] = [
                {"begin": span.begin, "end": span.end, "score": _probability(values[attribute.name])}
                for span, values in spans
            ]
        attribute_scores[attribute.name] = result
    response: dict[str, Any] = {
        "attributeScores": attribute_scores,
        "languages": request.languages,
        "detectedLanguages": [detected],
    }
    if request.client_token is not None:
        response["clientToken"] = request.client_token
    return response


def score_suggest(key: AnalysisKey, request: SuggestRequest) -> dict[str, Any]:
    """Store the client's label of a comment for the next training; Perspective's
    SuggestCommentScoreResponse. Only keys allowed to suggest may."""
    if not key.allow_suggestions:
        raise refused("PERMISSION_DENIED", "This API key may not suggest scores.", "SUGGESTIONS_NOT_ALLOWED")
    label = request.scores.get("TOXICITY", request.scores.get("INSULT"))
    if label is None:
        raise invalid(
            "INVALID_REQUEST", "A suggestion is kept with a TOXICITY or INSULT score; none was given."
        )
    SuggestedScore.objects.create(
        text=request.text,
        offensive=label >= 0.5,
        key=key,
        community_id=request.community_id,
        client_token=request.client_token or "",
    )
    response: dict[str, Any] = {}
    if request.client_token is not None:
        response["clientToken"] = request.client_token
    return response
