"""Every cursor of every paged list: whatever a client sends as ``cursor``, the answer
is the page (200) or a 400 naming ``cursor``, never a 500."""

import base64
import json
from datetime import timedelta
from itertools import permutations
from urllib.parse import quote, urlencode

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from discussion.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory, reply_to

pytestmark = pytest.mark.django_db

examples = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Every paged list, with the reader who may read it; limit=1 so that a cursor's
# position is actually used to seek.
LISTS = [
    ("anonymous", "/api/articles/?limit=1"),
    ("anonymous", "/api/articles/{slug}/comments/?sort=oldest&limit=1"),
    ("anonymous", "/api/articles/{slug}/comments/?sort=newest&limit=1"),
    ("anonymous", "/api/articles/{slug}/comments/?sort=top&limit=1"),
    ("author", "/api/me/comments/?limit=1"),
]

huge_ints = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6), st.integers(min_value=-(10**40), max_value=10**40)
)
datetimes = st.datetimes(timezones=st.timezones()).flatmap(
    lambda moment: st.sampled_from([moment.isoformat(), str(moment), moment.replace(tzinfo=None).isoformat()])
)
# Surrogates cannot be encoded into a URL at all: no client can send them.
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
# The keys this project's cursors use, and others.
keys = st.one_of(st.sampled_from(["o", "r", "p", "c", ""]), text)
values = st.one_of(huge_ints.map(str), datetimes, text, st.sampled_from(["", "0", "1", "-1", "None", "\x00"]))
query_strings = st.lists(st.tuples(keys, values), max_size=4).map(urlencode)
json_lists = st.lists(
    st.one_of(st.sampled_from(["oldest", "newest", "top", "own"]), huge_ints, st.none(), text), max_size=5
).map(json.dumps)


def _base64(raw: str, urlsafe: bool, padded: bool) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    token = encode(raw.encode()).decode()
    return token if padded else token.rstrip("=")


# Well-formed base64, in either alphabet, of what a cursor might decode to.
well_formed = st.builds(_base64, st.one_of(query_strings, json_lists), st.booleans(), st.booleans())
# Anything a URL can carry.
garbage = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=80),
    st.binary(max_size=80).map(lambda raw: raw.decode("latin-1")),
)


@pytest.fixture
def world() -> dict[str, object]:
    """Three articles, a thread with a placeholder and likes, and a reader with own comments."""
    now = timezone.now()
    articles = [ArticleFactory(published_at=now - timedelta(hours=n)) for n in range(3)]
    author = UserFactory(username="eigen")
    for n in range(3):
        CommentFactory(
            article=articles[0], author=author, like_count=n, created_at=now - timedelta(minutes=n)
        )
    removed = CommentFactory(article=articles[0], status=Comment.Status.REMOVED, like_count=5)
    reply_to(removed)
    signed_in = APIClient()
    signed_in.force_authenticate(author)
    return {"slug": articles[0].slug, "anonymous": APIClient(), "author": signed_in}


def assert_page_or_400_naming_cursor(client: APIClient, url: str, cursor: str) -> None:
    response = client.get(f"{url}&cursor={quote(cursor, safe='')}")
    assert response.status_code in {200, 400}, (cursor, response.content)
    assert response["Content-Type"] == "application/json"
    if response.status_code == 400:
        assert "cursor" in response.json(), response.json()


@pytest.mark.parametrize(("reader", "url"), LISTS)
@examples
@given(cursor=garbage)
def test_any_text_as_cursor(world, reader: str, url: str, cursor: str) -> None:
    assert_page_or_400_naming_cursor(world[reader], url.format(slug=world["slug"]), cursor)


@pytest.mark.parametrize(("reader", "url"), LISTS)
@examples
@given(cursor=well_formed)
@example(cursor=base64.b64encode(b"p=not-a-date").decode())
def test_well_formed_base64_of_any_content_as_cursor(world, reader: str, url: str, cursor: str) -> None:
    assert_page_or_400_naming_cursor(world[reader], url.format(slug=world["slug"]), cursor)


def _next_cursor(client: APIClient, url: str) -> str:
    body = client.get(url).json()
    return (body.get("next_cursor") or "") or body["next"].split("cursor=")[1].split("&")[0]


@pytest.mark.parametrize(("one", "another"), list(permutations(LISTS, 2)))
def test_a_cursor_of_one_list_is_refused_by_another(
    world, one: tuple[str, str], another: tuple[str, str]
) -> None:
    (reader, url), (other_reader, other_url) = one, another
    cursor = _next_cursor(world[other_reader], other_url.format(slug=world["slug"]))
    response = world[reader].get(f"{url.format(slug=world['slug'])}&cursor={cursor}")
    assert response.status_code == 400, response.content
    assert "cursor" in response.json()


@pytest.mark.parametrize(
    "position",
    [
        "p=not-a-date",
        "p=2026-01-01 10:00:00",
        "p=0001-01-01T00:00:00+14:00",
        "o=-1",
        "o=99999999999999999999",
        "r=2",
        "x=1",
    ],
)
def test_an_article_list_cursor_with_a_wrong_field_is_400(api_client: APIClient, db, position: str) -> None:
    ArticleFactory.create_batch(2)
    cursor = quote(base64.b64encode(position.encode()).decode(), safe="")
    response = api_client.get(f"/api/articles/?limit=1&cursor={cursor}")
    assert response.status_code == 400
    assert "cursor" in response.json()
