"""GET /api/me/export/: a reader downloads their data (GDPR Art. 15 and 20): their
account, comments with every earlier text, likes, reports and the decisions about
them, and nothing of anyone else."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import ReaderProfile
from discussion.models import Comment
from discussion.services import comment_edit
from moderation.decisions import comment_decide, reader_moderate
from moderation.permissions import moderators_group
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/me/export/"


@pytest.fixture
def moderator(db):
    user = UserFactory(username="moderatorin-mia", is_staff=True)
    user.groups.add(moderators_group())
    return user


@pytest.fixture
def neighbour(db):
    user = UserFactory(username="nachbar-otto", email="otto@example.org")
    ReaderProfile.objects.create(user=user, display_name="Otto vom Nachbarhaus")
    return user


@pytest.fixture
def history(reader, neighbour, moderator, article, reader_client: APIClient) -> dict[str, Comment]:
    """The reader's life on the site: a comment edited twice, one a moderator rejected,
    a like and a report of the neighbour's comment, and a suspension."""
    reader.email = "leserin@example.org"
    reader.save()
    ReaderProfile.objects.create(user=reader, display_name="Lea Leserin")
    edited = CommentFactory(article=article, author=reader, body="Erste Fassung")
    for body in ("Zweite Fassung", "Dritte Fassung"):
        response = reader_client.patch(f"/api/comments/{edited.pk}/", {"body": body}, format="json")
        assert response.status_code == 200
    rejected = CommentFactory(article=article, author=reader, status=Comment.Status.PENDING, body="Grob")
    comment_decide(comment_id=rejected.pk, moderator=moderator, action="reject", reason="insult")
    theirs = CommentFactory(article=article, author=neighbour, body="Ottos eigener Text")
    assert reader_client.post(f"/api/comments/{theirs.pk}/reactions/").status_code == 200
    report = {"reason": "spam", "note": "Sieht nach Werbung aus."}
    assert reader_client.post(f"/api/comments/{theirs.pk}/reports/", report, format="json").status_code == 201
    reader_moderate(
        reader=reader,
        moderator=moderator,
        action="suspend",
        reason="Eine Pause",
        until=timezone.now() + timedelta(days=1),
    )
    return {"edited": edited, "rejected": rejected, "theirs": theirs}


def client_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_the_export_is_a_file_named_after_the_reader(history, reader_client: APIClient) -> None:
    response = reader_client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="stammtisch-export-leserin.json"'
    assert "no-store" in response["Cache-Control"]


def test_the_account_is_the_readers(history, reader_client: APIClient) -> None:
    account = reader_client.get(URL).json()["account"]

    assert account["username"] == "leserin"
    assert account["display_name"] == "Lea Leserin"
    assert account["email"] == "leserin@example.org"
    assert account["date_joined"]
    assert account["suspension_reason"] == "Eine Pause"


def test_comments_hold_their_current_and_earlier_texts_in_order(history, reader_client: APIClient) -> None:
    comments = reader_client.get(URL).json()["comments"]

    assert [c["id"] for c in comments] == [history["edited"].pk, history["rejected"].pk]
    edited, rejected = comments
    assert (edited["body"], edited["revision"], edited["status"]) == ("Dritte Fassung", 3, "pending")
    assert [(r["revision"], r["body"]) for r in edited["earlier_revisions"]] == [
        (1, "Erste Fassung"),
        (2, "Zweite Fassung"),
    ]
    assert edited["edited_at"] is not None
    article = history["edited"].article
    assert edited["article"] == {"slug": article.slug, "title": article.title}
    assert (rejected["body"], rejected["status"], rejected["earlier_revisions"]) == ("Grob", "rejected", [])


def test_likes_reports_decisions_and_restrictions_are_exactly_the_readers(
    history, reader_client: APIClient
) -> None:
    export = reader_client.get(URL).json()
    theirs = history["theirs"].pk

    assert [r["comment"] for r in export["reactions"]] == [theirs]
    [report] = export["reports"]
    assert {k: report[k] for k in ("comment", "comment_revision", "reason", "note", "state")} == {
        "comment": theirs,
        "comment_revision": 1,
        "reason": "spam",
        "note": "Sieht nach Werbung aus.",
        "state": "open",
    }
    [decision] = export["decisions"]
    assert {k: decision[k] for k in ("comment", "from_status", "to_status", "reason", "decided_by")} == {
        "comment": history["rejected"].pk,
        "from_status": "pending",
        "to_status": "rejected",
        "reason": "insult",
        "decided_by": "moderator",
    }
    [restriction] = export["restrictions"]
    assert (restriction["action"], restriction["reason"], restriction["decided_by"]) == (
        "suspend",
        "Eine Pause",
        "moderator",
    )


def test_nobody_elses_personal_data_is_in_it(history, reader_client: APIClient) -> None:
    text = reader_client.get(URL).content.decode()

    for foreign in ("nachbar-otto", "Otto vom Nachbarhaus", "otto@example.org", "Ottos eigener Text"):
        assert foreign not in text
    assert "moderatorin-mia" not in text


def test_another_readers_export_holds_none_of_the_readers_data(history, neighbour) -> None:
    export = client_of(neighbour).get(URL).json()
    text = str(export)

    assert export["account"]["username"] == "nachbar-otto"
    assert [c["id"] for c in export["comments"]] == [history["theirs"].pk]
    assert export["reactions"] == export["reports"] == export["decisions"] == export["restrictions"] == []
    for own in ("leserin", "Lea Leserin", "Fassung", "Grob", "Werbung", "Eine Pause"):
        assert own not in text


def test_a_new_reader_gets_an_empty_export(reader_client: APIClient) -> None:
    export = reader_client.get(URL).json()

    assert export["account"]["display_name"] == ""
    assert export["account"]["email"] is None
    assert export["comments"] == export["reactions"] == export["reports"] == export["decisions"] == []


def test_a_session_reaches_it_as_a_token_does(reader) -> None:
    client = APIClient()
    client.force_login(reader)

    assert client.get(URL).status_code == 200


def test_anonymous_callers_are_refused_as_on_the_other_own_data(api_client: APIClient) -> None:
    response = api_client.get(URL)

    assert response.status_code == 401
    assert response.json() == api_client.get("/api/me/comments/").json()


def test_queries_do_not_grow_with_the_readers_history(
    reader, neighbour, moderator, article, reader_client: APIClient, django_assert_max_num_queries
) -> None:
    theirs = CommentFactory(article=article, author=neighbour)
    for n in range(10):
        comment = CommentFactory(
            article=article, author=reader, status=Comment.Status.PENDING, body=f"Text {n}"
        )
        comment_edit(comment_id=comment.pk, user=reader, body=f"Text {n}, verbessert")
        comment_decide(comment_id=comment.pk, moderator=moderator, action="reject", reason="spam")
    reader_client.post(f"/api/comments/{theirs.pk}/reactions/")
    reader_client.post(f"/api/comments/{theirs.pk}/reports/", {"reason": "spam"}, format="json")

    # The token, then the selector's nine: profile, publisher account, comments,
    # earlier texts, likes, reports, the comments' and the account's audit entries,
    # the moderators' notes.
    with django_assert_max_num_queries(10):
        export = reader_client.get(URL).json()

    assert len(export["comments"]) == len(export["decisions"]) == 10
