"""comments:suggestscore as Coral sends it when its moderators decide (its
listeners/perspective.ts): stored as a label for the next training, only for keys
allowed to suggest."""

import json
from typing import Any

import pytest
from django.test import Client

from moderation.modelops.training_data import decisions_dataset
from moderation.models import AnalysisKey, SuggestedScore
from moderation.perspective.keys import key_create

pytestmark = pytest.mark.django_db

URL = "/v1alpha1/comments:suggestscore"
TEXT = "Du Vollpfosten hast keine Ahnung."


def coral_body(value: int, comment_id: str = "c-1") -> dict[str, Any]:
    """Coral 9's body: APPROVED → 0, REJECTED → 1, the context as JSON in one entry."""
    context = json.dumps(
        {"url": "https://zeitung.example/artikel", "reply_to_id": None, "comment_id": comment_id}
    )
    return {
        "comment": {"text": TEXT},
        "context": {"entries": [{"text": context}]},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": value}}},
        "languages": ["de"],
        "communityId": "Coral:https://zeitung.example",
        "clientToken": f"comment:{comment_id}",
    }


def suggest(body: Any, key: str):
    return Client().post(f"{URL}?key={key}", json.dumps(body), content_type="application/json")


@pytest.fixture
def key(db) -> str:
    return key_create(name="Coral Zeitung", allow_suggestions=True)[1]


def test_coral_feedback_is_stored_as_a_label_for_retraining(key: str) -> None:
    rejected = suggest(coral_body(1, "c-1"), key)
    approved = suggest(coral_body(0, "c-2"), key)

    assert rejected.status_code == approved.status_code == 200
    assert rejected.json() == {"clientToken": "comment:c-1"}
    rows = SuggestedScore.objects.order_by("created_at", "id")
    assert [(row.offensive, row.client_token) for row in rows] == [
        (True, "comment:c-1"),
        (False, "comment:c-2"),
    ]
    assert {row.community_id for row in rows} == {"Coral:https://zeitung.example"}
    assert rows[0].key == AnalysisKey.objects.get()
    dataset = decisions_dataset()
    assert (dataset.texts, dataset.labels) == ([TEXT, TEXT], [1, 0])


def test_insult_labels_without_toxicity(key: str) -> None:
    body = {"comment": {"text": TEXT}, "attributeScores": {"INSULT": {"summaryScore": {"value": 0.9}}}}
    assert suggest(body, key).json() == {}
    assert SuggestedScore.objects.get().offensive


def test_a_suggestion_without_toxicity_or_insult_is_refused(key: str) -> None:
    body = {"comment": {"text": TEXT}, "attributeScores": {"THREAT": {"summaryScore": {"value": 1}}}}
    response = suggest(body, key)
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["errorType"] == "INVALID_REQUEST"
    assert not SuggestedScore.objects.exists()


@pytest.mark.parametrize(
    "scores",
    [
        {},
        {"TOXICITY": {"summaryScore": {"value": 1.5}}},
        {"TOXICITY": {}},
        {"NICENESS": {"summaryScore": {"value": 1}}},
    ],
)
def test_malformed_scores_are_refused(key: str, scores: dict[str, Any]) -> None:
    response = suggest({"comment": {"text": TEXT}, "attributeScores": scores}, key)
    assert response.status_code == 400
    assert not SuggestedScore.objects.exists()


def test_a_key_without_the_permission_403(db) -> None:
    key = key_create(name="Nur lesen")[1]
    response = suggest(coral_body(1), key)
    error = response.json()["error"]
    assert (response.status_code, error["status"]) == (403, "PERMISSION_DENIED")
    assert not SuggestedScore.objects.exists()


def test_without_a_key_401(db) -> None:
    response = Client().post(URL, json.dumps(coral_body(1)), content_type="application/json")
    assert (response.status_code, response.json()["error"]["status"]) == (401, "UNAUTHENTICATED")
