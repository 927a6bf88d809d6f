"""Banned and suspended readers: the services moderators call, and the 403 on every write."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ReaderProfile
from accounts.selectors import reader_get
from accounts.services import reader_ban, reader_lift_restrictions, reader_suspend
from discussion.models import Comment
from tests.factories import CommentFactory
from web.errors import InvalidInput, NotFound

pytestmark = pytest.mark.django_db


def every_write(client: APIClient, article, own: Comment, other: Comment) -> dict[str, object]:
    return {
        "post": client.post(f"/api/articles/{article.slug}/comments/", {"body": "Hallo"}, format="json"),
        "patch": client.patch(f"/api/comments/{own.pk}/", {"body": "Neu"}, format="json"),
        "delete": client.delete(f"/api/comments/{own.pk}/"),
        "like": client.post(f"/api/comments/{other.pk}/reactions/"),
        "unlike": client.delete(f"/api/comments/{other.pk}/reactions/"),
        "report": client.post(f"/api/comments/{other.pk}/reports/", {"reason": "spam"}, format="json"),
    }


@pytest.fixture
def own_and_other(reader, article) -> tuple[Comment, Comment]:
    return (
        CommentFactory(article=article, author=reader, status=Comment.Status.PENDING),
        CommentFactory(article=article),
    )


def test_banned_reader_gets_403_with_the_reason_on_every_write(
    reader_client: APIClient, reader, article, own_and_other
) -> None:
    reader_ban(user=reader, reason="Wiederholte Beleidigungen")
    for name, response in every_write(reader_client, article, *own_and_other).items():
        assert response.status_code == 403, name
        assert response.json() == {
            "detail": "Ihr Konto darf nicht mehr in der Diskussion schreiben.",
            "code": "banned",
            "reason": "Wiederholte Beleidigungen",
            "until": None,
        }, name
    assert Comment.objects.count() == 2
    assert Comment.objects.get(pk=own_and_other[0].pk).status == "pending"


def test_suspended_reader_gets_403_with_the_end_date(
    reader_client: APIClient, reader, article, own_and_other
) -> None:
    until = timezone.now() + timedelta(days=3)
    reader_suspend(user=reader, until=until, reason="Spam")
    for name, response in every_write(reader_client, article, *own_and_other).items():
        assert response.status_code == 403, name
        body = response.json()
        assert (body["code"], body["reason"]) == ("suspended", "Spam"), name
        assert body["until"] == timezone.localtime(until).isoformat()
        assert body["detail"].startswith("Ihr Konto ist bis ")


def test_a_suspension_ends_by_itself(reader, article) -> None:
    from accounts.services import reader_ensure_may_write
    from discussion.services import comment_create

    until = timezone.now() + timedelta(hours=1)
    reader_suspend(user=reader, until=until, reason="Pause")
    reader_ensure_may_write(user=reader, now=until)  # no error at the end of the suspension
    ReaderProfile.objects.filter(user=reader).update(suspended_until=timezone.now() - timedelta(seconds=1))
    assert comment_create(article=article, author=reader, body="Wieder da").status == "pending"


def test_lifting_restrictions_lets_the_reader_write_again(reader_client: APIClient, reader, article) -> None:
    reader_ban(user=reader, reason="x")
    reader_suspend(user=reader, until=timezone.now() + timedelta(days=1), reason="y")
    profile = reader_lift_restrictions(user=reader)
    assert (profile.banned, profile.ban_reason, profile.suspended_until, profile.suspension_reason) == (
        False,
        "",
        None,
        "",
    )
    response = reader_client.post(f"/api/articles/{article.slug}/comments/", {"body": "Hallo"}, format="json")
    assert response.status_code == 202


def test_suspension_must_end_in_the_future(reader) -> None:
    with pytest.raises(InvalidInput):
        reader_suspend(user=reader, until=timezone.now() - timedelta(minutes=1), reason="x")
    assert not ReaderProfile.objects.exists()


def test_restrictions_do_not_stop_reading(reader_client: APIClient, reader, article) -> None:
    comment = CommentFactory(article=article)
    reader_ban(user=reader, reason="x")
    assert reader_client.get(f"/api/articles/{article.slug}/comments/").status_code == 200
    assert reader_client.get(f"/api/comments/{comment.pk}/").status_code == 200


def test_profile_is_created_on_demand_once(reader) -> None:
    reader_ban(user=reader, reason="a")
    reader_lift_restrictions(user=reader)
    assert ReaderProfile.objects.filter(user=reader).count() == 1


def test_an_unknown_username_is_not_found(db) -> None:
    with pytest.raises(NotFound):
        reader_get(username="niemand")
