"""Whatever a client sends, the discussion API answers with JSON and never with a 500."""

import json
from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from discussion.models import Comment
from tests.factories import CommentFactory, UserFactory, reply_to

pytestmark = pytest.mark.django_db

examples = hypothesis_settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Text as JSON can carry it: any code point, unpaired surrogates included.
any_text = st.one_of(
    st.text(st.characters(), max_size=200),
    st.sampled_from(["", " ", "\x00", "\ud800", "a\udfffb", "x" * 5001, "\u0301", "\u202e", "\n\t"]),
)
query_text = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=60).map(lambda text: quote(text, safe="")),
    st.binary(max_size=60).map(lambda raw: quote_from_bytes(raw, safe="")),
)
huge_ints = st.one_of(st.integers(), st.integers(min_value=2**62, max_value=10**40), st.just(2**63))
json_values = st.recursive(
    st.none() | st.booleans() | huge_ints | st.floats(allow_nan=False, allow_infinity=False) | any_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
    max_leaves=8,
)


@pytest.fixture
def world(article):
    """An article with a small thread, and a client signed in as a reader who wrote some of it."""
    reader = UserFactory(username="eigen")
    top = CommentFactory(article=article)
    reply_to(reply_to(top))
    CommentFactory(article=article, author=reader, status=Comment.Status.PENDING)
    CommentFactory(article=article, author=reader)
    client = APIClient()
    client.force_authenticate(reader)
    ids = list(Comment.objects.values_list("pk", flat=True))
    return client, article, ids


def assert_answered(response) -> None:
    assert response.status_code < 500, response.content
    if response.status_code != 204:
        assert response["Content-Type"] == "application/json"
        response.json()


def send_json(client: APIClient, method: str, url: str, payload: object):
    # ensure_ascii escapes unpaired surrogates, as a client's JSON library may.
    return getattr(client, method)(url, json.dumps(payload), content_type="application/json")


@examples
@given(body=st.one_of(any_text, json_values), parent=st.one_of(json_values, st.sampled_from([1, 2, 3, 4, 5])))
def test_posting_random_bodies_and_parents(world, body: object, parent: object) -> None:
    client, article, _ = world
    response = send_json(
        client, "post", f"/api/articles/{article.slug}/comments/", {"body": body, "parent": parent}
    )
    assert_answered(response)
    assert response.status_code in {202, 400, 413}


@examples
@given(payload=json_values)
def test_posting_random_json_documents(world, payload: object) -> None:
    client, article, _ = world
    assert_answered(send_json(client, "post", f"/api/articles/{article.slug}/comments/", payload))


@examples
@given(
    sort=st.one_of(st.sampled_from(["newest", "oldest", "top"]), query_text),
    cursor=query_text,
    limit=query_text,
)
def test_reading_the_thread_with_random_sort_cursor_and_limit(
    world, sort: str, cursor: str, limit: str
) -> None:
    client, article, _ = world
    for url in (
        f"/api/articles/{article.slug}/comments/?sort={sort}&cursor={cursor}&limit={limit}",
        f"/api/articles/{article.slug}/comments/?sort={sort}&cursor={cursor}",
        f"/api/me/comments/?cursor={cursor}",
    ):
        response = client.get(url)
        assert_answered(response)
        assert response.status_code in {200, 400}


@examples
@given(cursor=json_values, sort=st.sampled_from(["newest", "oldest", "top"]))
def test_forged_cursors_of_well_formed_encoding(world, cursor: object, sort: str) -> None:
    import base64

    client, article, _ = world
    token = base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")
    response = client.get(f"/api/articles/{article.slug}/comments/?sort={sort}&cursor={token}")
    assert_answered(response)
    assert response.status_code in {200, 400}


@examples
@given(
    comment_id=st.one_of(st.integers(min_value=0, max_value=10**40), st.sampled_from([1, 2, 3, 4, 5])),
    payload=json_values,
)
def test_every_comment_endpoint_with_random_ids_and_payloads(world, comment_id: int, payload: object) -> None:
    client, _, _ = world
    base = f"/api/comments/{comment_id}/"
    for method, url in [
        ("get", base),
        ("get", base + "replies/"),
        ("patch", base),
        ("post", base + "reactions/"),
        ("delete", base + "reactions/"),
        ("post", base + "reports/"),
    ]:
        if method == "get":
            assert_answered(client.get(url))
        else:
            assert_answered(send_json(client, method, url, payload))


@examples
@given(body=any_text, reason=st.one_of(any_text, st.sampled_from(["spam", "other"])), note=json_values)
def test_editing_and_reporting_with_random_text(world, body: str, reason: str, note: object) -> None:
    client, _, ids = world
    for comment_id in ids:
        assert_answered(send_json(client, "patch", f"/api/comments/{comment_id}/", {"body": body}))
        assert_answered(
            send_json(
                client, "post", f"/api/comments/{comment_id}/reports/", {"reason": reason, "note": note}
            )
        )


@examples
@given(username=any_text, password=any_text, display_name=json_values)
def test_registering_with_random_input(
    settings, db, username: str, password: str, display_name: object
) -> None:
    settings.THROTTLE_ENABLED = False
    client = APIClient()
    payload = {"username": username, "password": password, "display_name": display_name, "consent": True}
    response = send_json(client, "post", "/api/auth/register/", payload)
    assert_answered(response)
    assert_answered(
        send_json(client, "post", "/api/auth/token/", {"username": username, "password": password})
    )
