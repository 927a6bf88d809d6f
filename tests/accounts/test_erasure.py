"""DELETE /api/me/: a reader deletes their account (GDPR Art. 17). Their texts, likes
and name go; their reports stay from nobody; the audit log keeps its entries under a
pseudonym; the thread keeps placeholders or loses the comments, as the site chooses."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.core.checks import run_checks
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import ReaderProfile, UsernameKey
from accounts.names import display_name_key
from articles.models import Article
from discussion.models import Comment, CommentRevision, Reaction, Report
from moderation.decisions import comment_check_reports, comment_decide, reader_moderate
from moderation.modelops import registry
from moderation.modelops.training_data import decisions_dataset
from moderation.models import AuditEntry, ReaderAuditEntry, SitePolicy
from moderation.permissions import moderators_group
from moderation.privacy.erasure import reader_account_erase
from moderation.services import comment_moderate
from moderation.webhooks.events import endpoints_subscribed
from tests.factories import CommentFactory, UserFactory, reply_to

pytestmark = pytest.mark.django_db

URL = "/api/me/"
PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's
CSRF_SECRET = "c" * 32
Status = Comment.Status


def token_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def delete_account(client: APIClient, password: str | None = PASSWORD):
    body = {} if password is None else {"password": password}
    return client.delete(URL, body, format="json")


@pytest.fixture
def neighbour(db) -> User:
    return UserFactory(username="nachbar-otto")


@pytest.fixture
def moderator(db) -> User:
    user = UserFactory(username="moderatorin-mia", is_staff=True)
    user.groups.add(moderators_group())
    return user


def thread_of(article: Article, viewer: User) -> list[dict]:
    response = token_client(viewer).get(f"/api/articles/{article.slug}/comments/")
    assert response.status_code == 200
    return response.json()["results"]


def erase_directly(user: User) -> None:
    """The deletion as the view calls it, with a request from the test address."""
    reader_account_erase(user=user, password=PASSWORD, request=RequestFactory().delete(URL))


# --- The request -------------------------------------------------------------


def test_the_account_is_deleted_and_its_token_stops_working(reader, reader_client: APIClient) -> None:
    response = delete_account(reader_client)

    assert response.status_code == 204
    assert response.content == b""
    assert reader_client.get(URL).status_code == 401
    assert reader_client.get("/api/me/export/").status_code == 401
    assert not Token.objects.filter(user=reader).exists()


def test_the_account_is_left_under_a_pseudonym_marked_deleted(reader, reader_client: APIClient) -> None:
    reader.email, reader.first_name, reader.last_name = "lea@example.org", "Lea", "Leserin"
    reader.save()
    ReaderProfile.objects.create(user=reader, display_name="Lea Leserin")

    assert delete_account(reader_client).status_code == 204

    account = User.objects.get(pk=reader.pk)
    assert account.username.startswith("deleted-")
    assert (account.email, account.first_name, account.last_name) == ("", "", "")
    assert not account.has_usable_password()
    assert not account.is_active
    profile = ReaderProfile.objects.get(user=account)
    assert profile.display_name == ""
    assert timezone.now() - profile.deleted_at < timedelta(minutes=1)
    assert UsernameKey.objects.get(user=account).key == display_name_key(account.username)


def test_the_username_and_display_name_can_be_registered_again(reader, reader_client: APIClient) -> None:
    ReaderProfile.objects.create(user=reader, display_name="Lea Leserin")
    assert delete_account(reader_client).status_code == 204

    again = {
        "username": "leserin",
        "password": "ein-sicheres-Passwort-42",
        "display_name": "Lea Leserin",
        "consent": True,
    }
    response = APIClient().post("/api/auth/register/", again, format="json")

    assert response.status_code == 201, response.content
    assert User.objects.get(username="leserin").pk != reader.pk


def test_a_session_ends_and_so_does_every_other_of_the_account(reader) -> None:
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(reader)
    browser.cookies["csrftoken"] = CSRF_SECRET
    elsewhere = APIClient()
    elsewhere.force_login(reader)

    response = browser.delete(URL, {"password": PASSWORD}, format="json", HTTP_X_CSRFTOKEN=CSRF_SECRET)

    assert response.status_code == 204
    assert SESSION_KEY not in browser.session
    assert browser.get(URL).status_code == 401
    assert elsewhere.get(URL).status_code == 401


@pytest.mark.parametrize(
    ("password", "message"),
    [(None, "Geben Sie Ihr Passwort an"), ("falsches-Passwort", "nicht Ihr Passwort")],
)
def test_a_missing_or_wrong_password_is_400_naming_it_and_changes_nothing(
    reader, reader_client: APIClient, article, password: str | None, message: str
) -> None:
    comment = CommentFactory(article=article, author=reader, body="Mein Beitrag")

    response = delete_account(reader_client, password)

    assert response.status_code == 400
    assert message in response.json()["password"][0]
    assert reader_client.get(URL).json()["username"] == "leserin"
    assert Comment.objects.get(pk=comment.pk).body == "Mein Beitrag"


def test_wrong_passwords_count_as_failed_logins_and_lock_as_those_do(
    reader, reader_client: APIClient, settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 3

    statuses = [delete_account(reader_client, "falsch").status_code for _ in range(3)]

    assert statuses == [400, 400, 429]
    locked = delete_account(reader_client)
    assert (locked.status_code, locked.json()["code"]) == (429, "locked_out")
    assert int(locked["Retry-After"]) == 15 * 60
    signing_in = {"username": "leserin", "password": PASSWORD}
    assert APIClient().post("/api/auth/token/", signing_in, format="json").status_code == 429
    # Nothing beyond the login's rules: the account is still there, its token works.
    assert reader_client.get(URL).status_code == 200


def test_the_login_records_of_the_old_username_go_with_the_account(reader, reader_client: APIClient) -> None:
    assert delete_account(reader_client, "falsch").status_code == 400
    assert AccessAttempt.objects.filter(username="leserin").exists()

    assert delete_account(reader_client).status_code == 204

    assert not AccessAttempt.objects.filter(username="leserin").exists()


@pytest.mark.parametrize("role", ["moderator", "administrator"])
def test_staff_cannot_delete_their_account_here(role: str) -> None:
    staff = UserFactory(username="redaktion-ria", is_staff=True, is_superuser=role == "administrator")
    if role == "moderator":
        staff.groups.add(moderators_group())
    client = token_client(staff)

    response = delete_account(client)

    assert response.status_code == 403
    assert response.json()["code"] == "staff_account"
    assert "ein Administrator entfernt sie" in response.json()["detail"]
    assert User.objects.get(pk=staff.pk).is_active
    assert client.get(URL).status_code == 200


def test_the_admin_lists_the_account_as_deleted(reader, reader_client: APIClient, settings) -> None:
    ReaderProfile.objects.create(user=UserFactory(username="noch-da"))  # a reader who stays
    assert delete_account(reader_client).status_code == 204
    admin = UserFactory(username="chefin", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    readers = f"/{settings.ADMIN_PATH}accounts/readerprofile/"

    deleted = browser.get(readers, {"deleted_at__isempty": "0"}).content.decode()

    assert User.objects.get(pk=reader.pk).username in deleted
    assert "noch-da" not in deleted
    assert "noch-da" in browser.get(readers).content.decode()


def test_the_account_eraser_setting_is_checked_at_start_up(settings) -> None:
    settings.ACCOUNT_ERASER = "moderation.privacy.erasure.no_such_function"

    [error] = [message for message in run_checks() if message.id == "stammtisch.E002"]

    assert "ACCOUNT_ERASER='moderation.privacy.erasure.no_such_function' names nothing" in error.msg


# --- The comments --------------------------------------------------------------


@pytest.fixture
def conversation(reader, neighbour, article) -> dict[str, Comment]:
    """The reader's comments in a thread: one alone, one that the neighbour answered,
    a reply to the neighbour, one edited, one waiting and one rejected."""
    alone = CommentFactory(article=article, author=reader, body="Allein")
    answered = CommentFactory(article=article, author=reader, body="Beantwortet")
    reply_to(answered, author=neighbour, body="Ottos Antwort")
    theirs = CommentFactory(article=article, author=neighbour, body="Ottos Beitrag")
    reply = reply_to(theirs, author=reader, body="Leas Antwort")
    edited = CommentFactory(article=article, author=reader, body="Zweite Fassung", revision=2)
    CommentRevision.objects.create(
        comment=edited, revision=1, body="Erste Fassung", created_at=edited.created_at
    )
    pending = CommentFactory(article=article, author=reader, status=Status.PENDING, body="Wartet")
    rejected = CommentFactory(article=article, author=reader, status=Status.REJECTED, body="Grob")
    return {
        "alone": alone,
        "answered": answered,
        "theirs": theirs,
        "reply": reply,
        "edited": edited,
        "pending": pending,
        "rejected": rejected,
    }


def shape(nodes: list[dict]) -> list[tuple]:
    """What a reader sees of a thread: who wrote what, placeholders as (None, None)."""
    return [(node["author"], node["body"], shape(node["replies"])) for node in nodes]


def test_with_placeholders_the_published_comments_keep_their_place(
    conversation, reader_client: APIClient, neighbour, article, settings
) -> None:
    settings.ACCOUNT_DELETION_COMMENTS = "placeholder"

    assert delete_account(reader_client).status_code == 204

    assert shape(thread_of(article, neighbour)) == [
        (None, None, []),  # alone
        (None, None, [("nachbar-otto", "Ottos Antwort", [])]),  # answered
        ("nachbar-otto", "Ottos Beitrag", [(None, None, [])]),  # with the reader's reply
        (None, None, []),  # edited
    ]
    assert all(node["removed"] for node in thread_of(article, neighbour) if node["author"] is None)
    article.refresh_from_db()
    assert article.comment_count == 2  # the neighbour's two


def test_removed_the_comments_leave_the_thread_but_for_replies(
    conversation, reader_client: APIClient, neighbour, article, settings
) -> None:
    settings.ACCOUNT_DELETION_COMMENTS = "remove"

    assert delete_account(reader_client).status_code == 204

    assert shape(thread_of(article, neighbour)) == [
        (None, None, [("nachbar-otto", "Ottos Antwort", [])]),
        ("nachbar-otto", "Ottos Beitrag", []),
    ]
    article.refresh_from_db()
    assert article.comment_count == 2


@pytest.mark.parametrize("mode", ["placeholder", "remove"])
def test_every_text_goes_with_the_earlier_ones_and_every_comment_is_removed(
    conversation, reader, reader_client: APIClient, settings, mode: str
) -> None:
    settings.ACCOUNT_DELETION_COMMENTS = mode
    mine = [comment.pk for name, comment in conversation.items() if name != "theirs"]

    assert delete_account(reader_client).status_code == 204

    erased = Comment.objects.filter(pk__in=mine)
    assert set(erased.values_list("status", "body")) == {(Status.REMOVED, "")}
    assert not CommentRevision.objects.filter(comment__in=mine).exists()
    assert Comment.objects.get(pk=conversation["theirs"].pk).body == "Ottos Beitrag"
    # Only the published ones kept in place lose their author; the rest stay with the pseudonym.
    detached = set(erased.filter(author=None).values_list("pk", flat=True))
    published = {conversation[name].pk for name in ("alone", "answered", "reply", "edited")}
    assert detached == (published if mode == "placeholder" else set())


def test_the_audit_log_says_deleted_with_the_account_and_keeps_the_pseudonym(
    conversation, reader, moderator, reader_client: APIClient
) -> None:
    reader_moderate(reader=reader, moderator=moderator, action="premoderate", reason="Neu hier")

    assert delete_account(reader_client).status_code == 204

    entries = AuditEntry.objects.filter(reason="deleted with the account")
    assert sorted(entries.values_list("comment_id", "actor", "from_status", "to_status")) == sorted(
        (comment.pk, "author", comment.status, Status.REMOVED)
        for name, comment in conversation.items()
        if name != "theirs"
    )
    restriction = ReaderAuditEntry.objects.select_related("reader").get()
    assert restriction.reader.pk == reader.pk
    assert restriction.reader.username.startswith("deleted-")


def test_a_comment_a_moderator_removed_cannot_be_restored_without_its_text(
    reader, reader_client: APIClient, moderator, article
) -> None:
    comment = CommentFactory(article=article, author=reader, body="Entfernt")
    comment_decide(comment_id=comment.pk, moderator=moderator, action="remove")

    assert delete_account(reader_client).status_code == 204

    with pytest.raises(Exception, match="Nur ein von der Moderation entfernter Kommentar"):
        comment_decide(comment_id=comment.pk, moderator=moderator, action="restore")
    assert Comment.objects.get(pk=comment.pk).status == Status.REMOVED


def test_decisions_on_erased_comments_no_longer_train_the_model(
    reader, reader_client: APIClient, moderator, article
) -> None:
    comment = CommentFactory(article=article, author=reader, status=Status.HELD, body="Du Idiot")
    comment_decide(comment_id=comment.pk, moderator=moderator, action="reject", reason="insult")
    assert decisions_dataset().texts == ["Du Idiot"]

    assert delete_account(reader_client).status_code == 204

    assert decisions_dataset().texts == []


# --- Likes and reports -------------------------------------------------------------


def test_likes_go_and_the_counts_follow(reader, reader_client: APIClient, neighbour, article) -> None:
    first = CommentFactory(article=article, author=neighbour, body="Eins")
    second = CommentFactory(article=article, author=neighbour, body="Zwei")
    other = UserFactory(username="dritte")
    for comment in (first, second):
        assert reader_client.post(f"/api/comments/{comment.pk}/reactions/").status_code == 200
    assert token_client(other).post(f"/api/comments/{first.pk}/reactions/").status_code == 200

    assert delete_account(reader_client).status_code == 204

    assert not Reaction.objects.filter(user=reader).exists()
    assert [node["like_count"] for node in thread_of(article, neighbour)] == [1, 0]
    assert set(Comment.objects.values_list("pk", "like_count")) == {(first.pk, 1), (second.pk, 0)}


def test_reports_stay_from_nobody_and_count_as_one_reader(
    reader, reader_client: APIClient, neighbour, article
) -> None:
    SitePolicy.objects.update_or_create(pk=1, defaults={"report_threshold": 3})
    reported = CommentFactory(article=article, author=neighbour, body="Zweite Fassung", revision=2)
    # The reader reported the first text and, after the edit, the second: one reader.
    for revision in (1, 2):
        Report.objects.create(comment=reported, reporter=reader, reason="spam", comment_revision=revision)
    other = UserFactory(username="dritte")
    Report.objects.create(comment=reported, reporter=other, reason="offensive", comment_revision=2)
    Comment.objects.filter(pk=reported.pk).update(report_count=3)

    assert delete_account(reader_client).status_code == 204

    reports = Report.objects.filter(comment=reported).order_by("pk")
    assert list(reports.values_list("reporter_id", "comment_revision")) == [(None, 2), (other.pk, 2)]
    assert Comment.objects.get(pk=reported.pk).report_count == 2
    # Two readers, below the threshold of three: the comment stays published.
    assert comment_check_reports(comment_id=reported.pk) is None
    assert Comment.objects.get(pk=reported.pk).status == Status.PUBLISHED


# --- A comment waiting for the model ----------------------------------------------


def test_a_pending_comment_is_not_published_by_a_later_scoring(reader, article, active_model) -> None:
    registry._loaded = None
    comment = CommentFactory(article=article, author=reader, status=Status.PENDING, body="Ein netter Text.")

    erase_directly(reader)

    assert comment_moderate(comment_id=comment.pk) is None
    assert Comment.objects.get(pk=comment.pk).status == Status.REMOVED
    assert not AuditEntry.objects.filter(comment=comment, actor="model").exists()


def test_a_pending_comment_deleted_while_it_is_scored_stays_removed(
    reader, article, active_model, monkeypatch
) -> None:
    registry._loaded = None
    comment = CommentFactory(article=article, author=reader, status=Status.PENDING, body="Ein netter Text.")
    model = registry.active_model().model
    score = model.analyze

    def deleted_meanwhile(text: str):
        erase_directly(reader)
        return score(text)

    monkeypatch.setattr(model, "analyze", deleted_meanwhile)

    assert comment_moderate(comment_id=comment.pk) is None
    assert Comment.objects.get(pk=comment.pk).status == Status.REMOVED
    assert not AuditEntry.objects.filter(comment=comment, actor="model").exists()


# --- Cost --------------------------------------------------------------------------


def queries_to_erase(reader: User) -> int:
    # Which webhook endpoints want comment.removed is read once and then cached: read
    # it before counting, so that whichever deletion runs first counts the same.
    endpoints_subscribed("comment.removed")
    with CaptureQueriesContext(connection) as queries:
        erase_directly(reader)
    return len(queries)


def activity(article: Article, *, comments: int, likes: int, reports: int) -> User:
    """A reader with this many published comments, likes and reports of others' comments."""
    reader = UserFactory()
    author = UserFactory()
    CommentFactory.create_batch(comments, article=article, author=reader)
    for comment in CommentFactory.create_batch(max(likes, reports), article=article, author=author)[:likes]:
        Reaction.objects.create(comment=comment, user=reader)
        Comment.objects.filter(pk=comment.pk).update(like_count=1)
    for comment in Comment.objects.filter(author=author)[:reports]:
        Report.objects.create(comment=comment, reporter=reader, reason="spam", comment_revision=1)
        Comment.objects.filter(pk=comment.pk).update(report_count=1)
    return reader


def test_likes_and_reports_cost_the_same_however_many(article) -> None:
    few = activity(article, comments=1, likes=1, reports=1)
    many = activity(article, comments=1, likes=20, reports=20)

    assert queries_to_erase(many) == queries_to_erase(few)


def test_each_comment_costs_at_most_its_status_change_and_audit_entry(article) -> None:
    one = activity(article, comments=1, likes=0, reports=0)
    eleven = activity(article, comments=11, likes=0, reports=0)

    fixed = queries_to_erase(one)

    assert fixed <= 40
    assert queries_to_erase(eleven) - fixed <= 4 * 10
