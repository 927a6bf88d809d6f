"""comments:analyze as Perspective's clients call it: Coral 9, Discourse's plugin and
the WordPress plugin, in the exact shapes they send (docs/perspective.md), and every
way Perspective refuses a request."""

import json
import logging
from typing import Any

import pytest
from django.test import Client

from moderation.models import AnalysisKey, SuggestedScore
from moderation.perspective.keys import key_create

pytestmark = pytest.mark.django_db

URL = "/v1alpha1/comments:analyze"
INSULT = "Du bist ein dummer Idiot und ein Vollpfosten."
KIND = "Danke für den ausführlichen Bericht, sehr gut recherchiert."


@pytest.fixture
def key(active_model) -> str:
    return key_create(name="Coral Testsite")[1]


def analyze(body: Any, key: str | None, raw: str | None = None, **extra: str):
    url = URL if key is None else f"{URL}?key={key}"
    data = raw if raw is not None else json.dumps(body)
    return Client().post(url, data, content_type="application/json", **extra)


def error_type(response) -> str:
    [detail] = response.json()["error"]["details"]
    return detail["errorType"]


def test_coral_9_request_gets_perspectives_answer(key: str) -> None:
    # Coral's services/perspective/perspective.ts:
    # {comment:{text}, doNotStore, requestedAttributes:{[model]:{}}, languages:[lang]}
    body = {
        "comment": {"text": INSULT},
        "doNotStore": True,
        "requestedAttributes": {"TOXICITY": {}},
        "languages": ["de"],
    }

    response = analyze(body, key)

    assert response.status_code == 200, response.content
    answer = response.json()
    assert set(answer) == {"attributeScores", "languages", "detectedLanguages"}
    summary = answer["attributeScores"]["TOXICITY"]["summaryScore"]
    assert summary["type"] == "PROBABILITY"
    assert summary["value"] > 0.5  # Coral's default threshold is 0.8 of this scale
    assert "spanScores" not in answer["attributeScores"]["TOXICITY"]
    assert answer["languages"] == ["de"] and answer["detectedLanguages"] == ["de"]


def test_an_insult_scores_above_a_friendly_comment(key: str) -> None:
    def toxicity(text: str) -> float:
        body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["de"]}
        return analyze(body, key).json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"]

    assert toxicity(INSULT) > toxicity(KIND)


def test_discourse_plugin_request(key: str) -> None:
    # discourse_perspective.rb: sessionId "#{Discourse.base_url}_#{user_id}", scoreType
    # PROBABILITY, no languages
    body = {
        "comment": {"text": INSULT},
        "doNotStore": True,
        "sessionId": "https://forum.example_42",
        "requestedAttributes": {"TOXICITY": {"scoreType": "PROBABILITY"}},
    }

    response = analyze(body, key)

    assert response.status_code == 200, response.content
    answer = response.json()
    assert 0 <= answer["attributeScores"]["TOXICITY"]["summaryScore"]["value"] <= 1
    assert answer["languages"] == [] and answer["detectedLanguages"] == ["de"]


def test_wordpress_plugin_request_without_languages(key: str) -> None:
    # compassionate-comments common.js: {comment:{text}, doNotStore, requestedAttributes:{TOXICITY:{}}}
    body = {
        "comment": {"text": "You are a stupid idiot."},
        "doNotStore": False,
        "requestedAttributes": {"TOXICITY": {}},
    }

    answer = analyze(body, key).json()

    assert answer["detectedLanguages"] == ["en"] and answer["languages"] == []
    assert "TOXICITY" in answer["attributeScores"]


def test_the_key_may_come_in_googles_header(key: str) -> None:
    body = {"comment": {"text": KIND}, "requestedAttributes": {"TOXICITY": {}}}
    assert analyze(body, None, HTTP_X_GOOG_API_KEY=key).status_code == 200


def test_insult_and_profanity_are_fine_label_shares_of_toxicity(key: str) -> None:
    body = {
        "comment": {"text": INSULT},
        "requestedAttributes": {"TOXICITY": {}, "INSULT": {}, "PROFANITY": {}},
    }

    scores = {
        name: s["summaryScore"]["value"] for name, s in analyze(body, key).json()["attributeScores"].items()
    }

    assert set(scores) == {"TOXICITY", "INSULT", "PROFANITY"}
    assert scores["INSULT"] <= scores["TOXICITY"] and scores["PROFANITY"] <= scores["TOXICITY"]
    assert scores["INSULT"] > scores["PROFANITY"]


def test_client_token_is_echoed(key: str) -> None:
    body = {"comment": {"text": KIND}, "requestedAttributes": {"TOXICITY": {}}, "clientToken": "comment:123"}
    assert analyze(body, key).json()["clientToken"] == "comment:123"


def test_attributes_below_their_threshold_are_left_out(key: str) -> None:
    body = {
        "comment": {"text": KIND},
        "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.99}, "INSULT": {"scoreThreshold": 0}},
    }

    scores = analyze(body, key).json()["attributeScores"]

    assert set(scores) == {"INSULT"}


def test_span_offsets_are_utf16_code_units_with_exclusive_end(key: str) -> None:
    # "😀" is one code point and two UTF-16 code units; "ü" is one of each.
    text = "Schön 😀 hier. Du bist ein Idiot! 😀😀 Tschüss"
    body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, "spanAnnotations": True}

    spans = analyze(body, key).json()["attributeScores"]["TOXICITY"]["spanScores"]

    units = text.encode("utf-16-le")
    pieces = [units[span["begin"] * 2 : span["end"] * 2].decode("utf-16-le") for span in spans]
    assert pieces == ["Schön 😀 hier.", "Du bist ein Idiot!", "😀😀 Tschüss"]
    assert spans[-1]["end"] == len(units) // 2 == len(text) + 3
    insult = spans[1]["score"]["value"]
    assert insult > spans[0]["score"]["value"] and spans[1]["score"]["type"] == "PROBABILITY"


def test_do_not_store_stores_and_logs_nothing_of_the_text(key: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Geheimnisvoller Kommentar über den Bürgermeister, du Idiot."
    body = {"comment": {"text": secret}, "doNotStore": True, "requestedAttributes": {"TOXICITY": {}}}

    assert analyze(body, key).status_code == 200

    assert "Geheimnisvoller" not in caplog.text
    assert not SuggestedScore.objects.exists()
    assert AnalysisKey.objects.get().usage_count == 1


@pytest.mark.parametrize(
    ("body", "expected", "message"),
    [
        (
            {"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}},
            "COMMENT_EMPTY",
            "Comment must be non-empty.",
        ),
        ({"comment": {"text": "  \n"}, "requestedAttributes": {"TOXICITY": {}}}, "COMMENT_EMPTY", None),
        ({"requestedAttributes": {"TOXICITY": {}}}, "COMMENT_EMPTY", None),
        (
            {"comment": {"text": "ä" * 10241}, "requestedAttributes": {"TOXICITY": {}}},
            "COMMENT_TOO_LONG",
            None,
        ),
        ({"comment": {"text": "Hallo"}, "requestedAttributes": {}}, "NO_REQUESTED_ATTRIBUTES", None),
        ({"comment": {"text": "Hallo"}}, "NO_REQUESTED_ATTRIBUTES", None),
        (
            {"comment": {"text": "Hallo"}, "requestedAttributes": {"NICENESS": {}}},
            "INVALID_REQUEST",
            "Unknown requested attribute: NICENESS",
        ),
        (
            {"comment": {"text": "Hallo", "type": "HTML"}, "requestedAttributes": {"TOXICITY": {}}},
            "INVALID_REQUEST",
            None,
        ),
        ({"comment": {"text": 5}, "requestedAttributes": {"TOXICITY": {}}}, "INVALID_REQUEST", None),
        ({"comment": "Hallo", "requestedAttributes": {"TOXICITY": {}}}, "INVALID_REQUEST", None),
        (
            {"comment": {"text": "Hallo"}, "requestedAttributes": {"TOXICITY": {"scoreType": "RAW"}}},
            "INVALID_REQUEST",
            "Requested score type RAW is not supported by attribute TOXICITY.",
        ),
        (
            {"comment": {"text": "Hallo"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 2}}},
            "INVALID_REQUEST",
            None,
        ),
        (
            {"comment": {"text": "Hallo"}, "requestedAttributes": {"TOXICITY": {}}, "doNotStore": "yes"},
            "INVALID_REQUEST",
            None,
        ),
        (
            {"comment": {"text": "Hallo"}, "requestedAttributes": {"TOXICITY": {}}, "languages": "de"},
            "INVALID_REQUEST",
            None,
        ),
        (
            {
                "comment": {"text": "Hallo"},
                "requestedAttributes": {"TOXICITY": {}},
                "context": {
                    "entries": [{"text": "a"}],
                    "articleAndParentComment": {"article": {"text": "b"}},
                },
            },
            "INVALID_REQUEST",
            None,
        ),
        (
            {"comment": {"text": "Hallo"}, "requestedAttributes": {"TOXICITY": {}}, "clientToken": "x" * 513},
            "INVALID_REQUEST",
            None,
        ),
        ([1, 2], "INVALID_REQUEST", None),
    ],
)
def test_refusals_in_googles_envelope(key: str, body: Any, expected: str, message: str | None) -> None:
    response = analyze(body, key)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"
    assert error["details"][0]["@type"] == "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
    assert error_type(response) == expected
    if message:
        assert error["message"] == message


@pytest.mark.parametrize("raw", ["{", "", "nul", '{"comment": NaN}', "[" * 100000, '"\\ud800"'])
def test_malformed_json_is_an_invalid_request(key: str, raw: str) -> None:
    response = analyze(None, key, raw=raw)
    assert (response.status_code, error_type(response)) == (400, "INVALID_REQUEST")


def test_a_lone_surrogate_or_nul_in_the_text_is_refused(key: str) -> None:
    for text in ('"Hallo \\ud800"', '"Hallo \\u0000"'):
        raw = '{"comment": {"text": TEXT}, "requestedAttributes": {"TOXICITY": {}}}'.replace("TEXT", text)
        response = analyze(None, key, raw=raw)
        assert (response.status_code, error_type(response)) == (400, "INVALID_REQUEST")


def test_twenty_kilobytes_are_scored(key: str) -> None:
    body = {"comment": {"text": "ä" * 10240}, "requestedAttributes": {"TOXICITY": {}}}
    assert analyze(body, key).status_code == 200


@pytest.mark.parametrize(
    ("attribute", "languages"),
    [
        ("IDENTITY_ATTACK", ["de"]),
        ("SEVERE_TOXICITY", None),
        ("SPAM", ["de"]),
        ("TOXICITY", ["fr"]),
        ("TOXICITY", ["de", "om"]),
    ],
)
def test_attributes_and_languages_not_served_are_refused_as_perspective_does(
    key: str, attribute: str, languages: list[str] | None
) -> None:
    body: dict[str, Any] = {"comment": {"text": INSULT}, "requestedAttributes": {attribute: {}}}
    if languages:
        body["languages"] = languages

    response = analyze(body, key)

    assert response.status_code == 400
    [detail] = response.json()["error"]["details"]
    assert detail["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    assert detail["languageNotSupportedByAttributeError"]["attribute"] == attribute
    assert response.json()["error"]["message"].startswith(
        f"Attribute {attribute} does not support request languages:"
    )


def test_without_a_key_401(key: str) -> None:
    response = analyze({"comment": {"text": KIND}, "requestedAttributes": {"TOXICITY": {}}}, None)
    error = response.json()["error"]
    assert (response.status_code, error["code"], error["status"]) == (401, 401, "UNAUTHENTICATED")


def test_an_unknown_or_switched_off_key_403(key: str) -> None:
    body = {"comment": {"text": KIND}, "requestedAttributes": {"TOXICITY": {}}}
    assert analyze(body, "not-a-key").json()["error"]["status"] == "PERMISSION_DENIED"
    AnalysisKey.objects.update(is_active=False)
    response = analyze(body, key)
    assert (response.status_code, response.json()["error"]["status"]) == (403, "PERMISSION_DENIED")
    assert AnalysisKey.objects.get().usage_count == 0


def test_over_the_keys_rate_429_and_the_usage_counts(key: str, settings) -> None:
    settings.THROTTLE_ENABLED = True  # off for the other tests (tests/conftest.py)
    AnalysisKey.objects.update(rate_per_minute=3)
    body = {"comment": {"text": KIND}, "requestedAttributes": {"TOXICITY": {}}}

    codes = [analyze(body, key).status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]
    response = analyze(body, key)
    assert response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert int(response["Retry-After"]) >= 1
    row = AnalysisKey.objects.get()
    assert row.usage_count == 3 and row.last_used_at is not None
    # Another client's key has a rate of its own.
    other = key_create(name="Discourse")[1]
    assert analyze(body, other).status_code == 200


def test_without_an_active_model_503(db) -> None:
    key = key_create(name="Früh")[1]
    response = analyze({"comment": {"text": KIND}, "requestedAttributes": {"TOXICITY": {}}}, key)
    assert (response.status_code, response.json()["error"]["status"]) == (503, "UNAVAILABLE")


def test_get_is_not_allowed(key: str) -> None:
    assert Client().get(f"{URL}?key={key}").status_code == 405
