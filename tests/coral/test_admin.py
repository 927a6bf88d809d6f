"""The phase's secrets and decisions in the admin: Coral's secret pasted in (or, for
other callers, one made and shown once), never shown again, switched off with the
action; the decisions listed read-only with their count per verdict."""

import re

import pytest
from django.test import Client

from moderation.models import CoralDecision, CoralSecret, SitePolicy
from tests.coral.coral import INSULT, KIND, post, request_with
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CORALS_SECRET = "empsec_" + "c0ffee" * 10


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    return client


def test_corals_secret_is_pasted_in_and_not_shown_again(admin_client: Client, active_model) -> None:
    form = {"name": "Coral Zeitung, Phase Stammtisch", "new_secret": CORALS_SECRET, "is_active": "on"}

    response = admin_client.post("/admin/moderation/coralsecret/add/", form, follow=True)

    assert response.status_code == 200
    row = CoralSecret.objects.get()
    assert row.secret == CORALS_SECRET and row.prefix == CORALS_SECRET[:12]
    page = admin_client.get(f"/admin/moderation/coralsecret/{row.pk}/change/").content.decode()
    assert CORALS_SECRET not in page
    assert post(request_with(KIND), CORALS_SECRET).status_code in (200, 204)

    admin_client.post(
        "/admin/moderation/coralsecret/", {"action": "deactivate", "_selected_action": [row.pk]}
    )

    assert post(request_with(KIND), CORALS_SECRET).status_code == 403


def test_left_empty_a_secret_is_made_and_shown_once(admin_client: Client, active_model) -> None:
    form = {"name": "Eigener Dienst", "new_secret": "", "is_active": "on"}

    response = admin_client.post("/admin/moderation/coralsecret/add/", form, follow=True)

    message = " ".join(m.message for m in response.context["messages"])
    made = re.search(r"empsec_[0-9a-f]{64}", message).group(0)
    assert CoralSecret.objects.get().secret == made
    assert post(request_with(KIND), made).status_code in (200, 204)


def test_a_secret_with_spaces_is_refused(admin_client: Client) -> None:
    form = {"name": "Falsch kopiert", "new_secret": "empsec_ab cd ef 01 23 45", "is_active": "on"}

    response = admin_client.post("/admin/moderation/coralsecret/add/", form)

    assert response.status_code == 200  # the form again, with the error
    assert not CoralSecret.objects.exists()


def test_the_decisions_are_counted_per_verdict(admin_client: Client, active_model) -> None:
    admin_client.post(
        "/admin/moderation/coralsecret/add/",
        {"name": "Coral", "new_secret": CORALS_SECRET, "is_active": "on"},
    )
    SitePolicy.objects.update_or_create(pk=1, defaults={"publish_below": 0.05, "reject_above": 0.5})
    post(request_with(INSULT), CORALS_SECRET)
    post(request_with(INSULT, action="EDIT"), CORALS_SECRET)
    post(request_with(KIND, role="STAFF"), CORALS_SECRET)

    response = admin_client.get("/admin/moderation/coraldecision/")

    assert response.status_code == 200
    counts = {(row["verdict"], row["status"]): row["count"] for row in response.context["verdict_counts"]}
    assert sorted(counts.values()) == [1, 2]
    assert len(counts) == 2
    filtered = admin_client.get("/admin/moderation/coraldecision/?action__exact=EDIT")
    assert [row["count"] for row in filtered.context["verdict_counts"]] == [1]
    record = CoralDecision.objects.filter(action="EDIT").get()
    detail = admin_client.get(f"/admin/moderation/coraldecision/{record.pk}/change/")
    assert detail.status_code == 200
    assert INSULT not in detail.content.decode()  # the text is not kept
    assert admin_client.get("/admin/moderation/coraldecision/add/").status_code == 403  # read-only
