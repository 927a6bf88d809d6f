"""The notifier's page, opened from the link in the receipt: the notice's state and
outcome, and the appeal against a refusal, for whoever holds the secret."""

import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from moderation.models import Appeal, Notice
from moderation.services import site_policy_update
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db
SECRET = "das-geheimnis"


def notice(**fields) -> Notice:
    return Notice.objects.create(
        token_hash=hashlib.sha256(SECRET.encode()).hexdigest(),
        comment=CommentFactory(),
        comment_revision=1,
        comment_url="https://zeitung.example/artikel/#comment-1",
        legal_ground="stgb_130",
        explanation="Volksverhetzung gegen eine Gruppe.",
        notifier_email="melder@example.org",
        good_faith=True,
        **fields,
    )


def test_the_page_shows_the_notice_to_whoever_holds_the_secret() -> None:
    sent = notice()
    page = Client().get(f"/notices/{sent.reference}/?token={SECRET}")
    assert page.status_code == 200
    text = page.content.decode()
    assert str(sent.reference) in text
    assert "§ 130 StGB: Volksverhetzung" in text
    assert "Noch nicht entschieden" in text
    assert "<form" not in text  # nothing to appeal while open
    assert page["Cache-Control"].startswith("max-age=0")
    for wrong in ("", "?token=falsch"):
        assert Client().get(f"/notices/{sent.reference}/{wrong}").status_code == 404


def test_a_notifier_appeals_a_refusal_from_the_page() -> None:
    refused = notice(
        status=Notice.Status.REFUSED,
        decided_by=UserFactory(is_staff=True),
        decided_at=timezone.now(),
        decision_explanation="Zulässige Meinungsäußerung.",
    )
    page = Client().get(f"/notices/{refused.reference}/?token={SECRET}").content.decode()
    assert "Zulässige Meinungsäußerung." in page
    assert "Widerspruch senden" in page
    empty = Client().post(f"/notices/{refused.reference}/", {"token": SECRET, "text": ""})
    assert empty.status_code == 200 and not Appeal.objects.exists()
    sent = Client().post(f"/notices/{refused.reference}/", {"token": SECRET, "text": "Das ist strafbar."})
    assert "Ihr Widerspruch ist eingegangen" in sent.content.decode()
    assert Appeal.objects.get().notice == refused
    forged = Client().post(f"/notices/{refused.reference}/", {"token": "falsch", "text": "Noch einmal."})
    assert forged.status_code == 404
    assert Appeal.objects.count() == 1


def test_without_appeals_the_page_offers_none() -> None:
    site_policy_update(source="command", appeals_enabled=False)
    refused = notice(
        status=Notice.Status.REFUSED, decided_by=UserFactory(is_staff=True), decided_at=timezone.now()
    )
    page = Client().get(f"/notices/{refused.reference}/?token={SECRET}").content.decode()
    assert "<form" not in page


def test_the_page_speaks_the_language_the_notice_was_written_in() -> None:
    sent = notice(language="en")
    page = Client().get(f"/notices/{sent.reference}/?token={SECRET}").content.decode()
    assert '<html lang="en">' in page
    assert "Not decided yet." in page
    assert "§ 130 StGB: incitement to hatred (Volksverhetzung)" in page
