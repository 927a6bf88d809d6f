"""Keys in the admin: made with the key shown once and only its hash kept, switched
off with the action; a switched-off key opens nothing."""

import hashlib
import json
import re

import pytest
from django.test import Client

from moderation.models import AnalysisKey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    return client


def test_a_key_is_made_shown_once_and_kept_as_its_hash(admin_client: Client, active_model) -> None:
    form = {"name": "Coral Zeitung", "is_active": "on", "rate_per_minute": "120"}

    response = admin_client.post("/admin/moderation/analysiskey/add/", form, follow=True)

    message = " ".join(m.message for m in response.context["messages"])
    # The admin speaks German; the key is URL-safe base64 (letters, digits, - and _).
    key = re.search(r"Der Schlüssel für Coral Zeitung lautet ([\w-]+)\. ", message).group(1)
    row = AnalysisKey.objects.get()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert row.prefix == key[:8] and row.rate_per_minute == 120 and not row.allow_suggestions
    assert key not in admin_client.get(f"/admin/moderation/analysiskey/{row.pk}/change/").content.decode()
    body = {"comment": {"text": "Hallo"}, "requestedAttributes": {"TOXICITY": {}}}
    analyze = Client().post(
        f"/v1alpha1/comments:analyze?key={key}", json.dumps(body), content_type="application/json"
    )
    assert analyze.status_code == 200

    admin_client.post(
        "/admin/moderation/analysiskey/",
        {"action": "deactivate", "_selected_action": [row.pk]},
    )

    assert not AnalysisKey.objects.get().is_active
    again = Client().post(
        f"/v1alpha1/comments:analyze?key={key}", json.dumps(body), content_type="application/json"
    )
    assert again.status_code == 403
    listing = admin_client.get("/admin/moderation/analysiskey/").content.decode()
    assert "Coral Zeitung" in listing and key[:8] in listing


def test_the_suggestions_list_opens(admin_client: Client) -> None:
    assert admin_client.get("/admin/moderation/suggestedscore/").status_code == 200
