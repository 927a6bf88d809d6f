"""Admin pages that once failed or showed stored values instead of words (found by
tests/browser/test_admin_pages.py, checked here without a browser)."""

import pytest
from django.templatetags.static import static
from django.test import Client

from discussion.models import Comment
from moderation.decisions import comment_decide
from moderation.models import AuditEntry, StatementOfReasons
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator_client() -> Client:
    client = Client(headers={"accept-language": "de"})
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def rejected() -> Comment:
    comment = CommentFactory(status=Comment.Status.HELD, body="Du Vollpfosten.")
    AuditEntry.objects.create(
        comment=comment, comment_revision=1, actor="model", from_status="pending", to_status="held"
    )
    moderator = UserFactory(username="moderatorin", is_staff=True, is_superuser=True)
    comment_decide(comment_id=comment.pk, moderator=moderator, action="reject", reason="insult")
    return comment


def test_the_admins_style_sheet_is_served(administrator_client: Client) -> None:
    response = administrator_client.get(static("stammtisch/admin.css"))
    assert response.status_code == 200
    assert "#result_list" in b"".join(response.streaming_content).decode()


def test_a_statement_of_reasons_opens_beside_the_notices_ordering(
    administrator_client: Client, rejected: Comment
) -> None:
    statement = StatementOfReasons.objects.get(comment=rejected)
    response = administrator_client.get(f"/admin/moderation/statementofreasons/{statement.pk}/change/")
    assert response.status_code == 200


def test_the_audit_log_names_statuses_in_words(administrator_client: Client, rejected: Comment) -> None:
    page = administrator_client.get("/admin/moderation/auditentry/").content.decode()
    assert "wartet auf Bewertung → zurückgehalten" in page
    assert "zurückgehalten → abgelehnt" in page
    filtered = administrator_client.get("/admin/moderation/auditentry/?to_status=rejected")
    assert "zurückgehalten → abgelehnt" in filtered.content.decode()
    assert "wartet auf Bewertung → zurückgehalten" not in filtered.content.decode()
