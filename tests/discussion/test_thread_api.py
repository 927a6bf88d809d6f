"""GET /api/articles/{slug}/comments/: the thread, its shape, sorting and paging."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from discussion.models import Comment, Reaction
from discussion.selectors import Cursor, cursor_encode
from discussion.services import comment_delete
from tests.factories import ArticleFactory, CommentFactory, UserFactory, reply_to

pytestmark = pytest.mark.django_db

Status = Comment.Status


def thread_url(article, **params: object) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/articles/{article.slug}/comments/" + (f"?{query}" if query else "")


def bodies(nodes: list[dict]) -> list[str | None]:
    return [node["body"] for node in nodes]


def test_replies_nest_down_to_the_display_depth_then_hang_flat(
    api_client: APIClient, article, settings
) -> None:
    settings.THREAD_DISPLAY_DEPTH = 2
    top = CommentFactory(article=article, body="0")
    one = reply_to(top, body="1")
    two = reply_to(one, body="2")
    three = reply_to(two, body="3")
    four = reply_to(three, body="4")

    [node] = api_client.get(thread_url(article)).json()["results"]
    depth_two = node["replies"][0]["replies"][0]
    assert depth_two["body"] == "2"
    assert bodies(depth_two["replies"]) == ["3", "4"], "deeper replies hang flat, oldest first"
    assert [r["parent"] for r in depth_two["replies"]] == [two.pk, three.pk]
    assert depth_two["replies"][1]["replies"] == []
    assert four.depth == 4


def test_reply_counts_count_published_replies_at_any_depth(api_client: APIClient, article) -> None:
    top = CommentFactory(article=article)
    reply = reply_to(top)
    reply_to(reply)
    reply_to(top, status=Status.PENDING)
    reply_to(reply, status=Status.REJECTED)

    [node] = api_client.get(thread_url(article)).json()["results"]
    assert node["reply_count"] == 2
    assert node["replies"][0]["reply_count"] == 1
    assert node["replies"][0]["replies"][0]["reply_count"] == 0


def test_comment_count_is_the_articles_published_count(api_client: APIClient, article) -> None:
    article.comment_count = 7
    article.save()
    assert api_client.get(thread_url(article)).json()["comment_count"] == 7


def _at(minutes: int):
    return timezone.now() - timedelta(hours=1) + timedelta(minutes=minutes)


@pytest.fixture
def three_comments(article):
    first = CommentFactory(article=article, body="first", created_at=_at(1), like_count=1)
    second = CommentFactory(article=article, body="second", created_at=_at(2), like_count=5)
    third = CommentFactory(article=article, body="third", created_at=_at(3), like_count=1)
    return first, second, third


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("oldest", ["first", "second", "third"]),
        ("newest", ["third", "second", "first"]),
        ("top", ["second", "first", "third"]),
    ],
)
def test_sort_orders(api_client: APIClient, article, three_comments, sort: str, expected: list[str]) -> None:
    response = api_client.get(thread_url(article, sort=sort))
    assert response.status_code == 200
    assert bodies(response.json()["results"]) == expected
    assert response.json()["sort"] == sort


def test_default_sort_is_oldest_first(api_client: APIClient, article, three_comments) -> None:
    assert bodies(api_client.get(thread_url(article)).json()["results"]) == ["first", "second", "third"]


def test_replies_are_oldest_first_whatever_the_sort(api_client: APIClient, article) -> None:
    top = CommentFactory(article=article, created_at=_at(0))
    reply_to(top, body="early", created_at=_at(1))
    reply_to(top, body="late", created_at=_at(2))
    [node] = api_client.get(thread_url(article, sort="newest")).json()["results"]
    assert bodies(node["replies"]) == ["early", "late"]


def read_all(client: APIClient, url: str) -> list[str]:
    seen: list[str] = []
    pages = 0
    while url:
        body = client.get(url).json()
        seen += bodies(body["results"])
        url = body["next"]
        pages += 1
        assert pages < 50
    return seen


@pytest.mark.parametrize("sort", ["oldest", "newest", "top"])
def test_paging_visits_every_top_level_comment_once(api_client: APIClient, article, sort: str) -> None:
    for n in range(7):
        CommentFactory(article=article, body=f"c{n}", created_at=_at(n), like_count=n % 3)
    seen = read_all(api_client, thread_url(article, sort=sort, limit=3))
    assert sorted(seen) == [f"c{n}" for n in range(7)]
    assert len(seen) == 7


def test_last_page_has_no_next(api_client: APIClient, article) -> None:
    CommentFactory(article=article)
    body = api_client.get(thread_url(article, limit=1)).json()
    assert body["next"] is None and body["next_cursor"] is None


def test_next_link_keeps_sort_and_limit(api_client: APIClient, article) -> None:
    CommentFactory.create_batch(3, article=article)
    next_url = api_client.get(thread_url(article, sort="newest", limit=2)).json()["next"]
    assert "sort=newest" in next_url and "limit=2" in next_url and "cursor=" in next_url


@pytest.mark.parametrize("sort", ["oldest", "newest"])
def test_cursor_is_stable_while_new_comments_arrive(api_client: APIClient, article, sort: str) -> None:
    for n in range(6):
        CommentFactory(article=article, body=f"old{n}", created_at=_at(n))
    first = api_client.get(thread_url(article, sort=sort, limit=3)).json()
    for n in range(4):
        CommentFactory(article=article, body=f"new{n}")
    second = api_client.get(first["next"]).json()

    first_page, second_page = bodies(first["results"]), bodies(second["results"])
    expected = [f"old{n}" for n in range(6)]
    if sort == "newest":
        expected.reverse()
        assert first_page + second_page == expected, "no comment repeated or skipped"
        assert second["next"] is None
    else:
        assert first_page + second_page == expected
        assert read_all(api_client, second["next"]) == [f"new{n}" for n in range(4)]


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "not-base64!!",
        "W10",  # []
        "e30",  # {}
        "WyJvbGRlc3QiLCJ4IiwxLDBd",  # ["oldest","x",1,0]
        "WyJvbGRlc3QiLDEsMCwwXQ",  # id 0
        "WyJvbGRlc3QiLDEsMSwtMV0",  # negative like count
        "WyJvbGRlc3QiLDk5OTk5OTk5OTk5OTk5OTk5OTk5OTksMSwwXQ",  # time far beyond the calendar
        "WyJvbGRlc3QiLHRydWUsMSwwXQ",  # a boolean for the time
        "A" * 500,
        "%00",
        "%F0%9F%92%A9",
    ],
)
def test_malformed_cursor_is_400_naming_cursor(api_client: APIClient, article, cursor: str) -> None:
    CommentFactory(article=article)
    response = api_client.get(thread_url(article, cursor=cursor))
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_cursor_of_another_sort_order_is_400(api_client: APIClient, article) -> None:
    cursor = cursor_encode(Cursor(sort="top", created_at=timezone.now(), id=1, like_count=3))
    response = api_client.get(thread_url(article, sort="newest", cursor=cursor))
    assert response.status_code == 400
    assert "anderen Liste (top)" in response.json()["cursor"][0]


def test_a_top_page_tells_nothing_of_the_likes_of_a_placeholder(api_client: APIClient, article) -> None:
    CommentFactory(article=article, body="liked", created_at=_at(0), like_count=3)
    removed = CommentFactory(article=article, status=Status.REMOVED, created_at=_at(1), like_count=9)
    reply_to(removed, body="Antwort", created_at=_at(2))
    CommentFactory(article=article, body="later", created_at=_at(3))
    url = thread_url(article, sort="top", limit=2)
    with_nine_likes = api_client.get(url).json()
    Comment.objects.filter(pk=removed.pk).update(like_count=1)
    # Neither the order nor the cursor may change with likes the reader cannot see.
    assert api_client.get(url).json() == with_nine_likes


def test_top_paging_goes_on_when_the_last_comment_of_a_page_is_removed(
    api_client: APIClient, article
) -> None:
    author = UserFactory()
    comments = [
        CommentFactory(article=article, author=author, body=f"c{likes}", created_at=_at(n), like_count=likes)
        for n, likes in enumerate([5, 4, 3, 2, 1])
    ]
    first = api_client.get(thread_url(article, sort="top", limit=2)).json()
    assert bodies(first["results"]) == ["c5", "c4"]
    comment_delete(comment_id=comments[1].pk, user=author)
    assert read_all(api_client, first["next"]) == ["c3", "c2", "c1"]


@pytest.mark.parametrize(
    ("param", "value"),
    [("sort", "best"), ("sort", ""), ("limit", "0"), ("limit", "101"), ("limit", "x"), ("limit", "")],
)
def test_bad_sort_or_limit_is_400_naming_it(api_client: APIClient, article, param: str, value: str) -> None:
    response = api_client.get(thread_url(article, **{param: value}))
    assert response.status_code == 400
    assert param in response.json()


def test_an_empty_cursor_is_the_first_page(api_client: APIClient, article, three_comments) -> None:
    response = api_client.get(thread_url(article, cursor=""))
    assert response.status_code == 200
    assert bodies(response.json()["results"]) == ["first", "second", "third"]


def test_the_largest_page_is_the_setting(api_client: APIClient, article, settings) -> None:
    settings.THREAD_MAX_PAGE_SIZE = 2
    assert api_client.get(thread_url(article, limit=2)).status_code == 200
    response = api_client.get(thread_url(article, limit=3))
    assert response.status_code == 400
    assert response.json() == {"limit": ["Dieser Wert darf höchstens 2 sein."]}


def test_removed_comment_with_replies_stays_as_a_placeholder(api_client: APIClient, article) -> None:
    top = CommentFactory(article=article, body="weg", status=Status.REMOVED, like_count=4)
    reply_to(top, body="Antwort")

    [node] = api_client.get(thread_url(article)).json()["results"]
    assert node["removed"] is True
    assert (node["author"], node["body"], node["like_count"]) == (None, None, 0)
    assert bodies(node["replies"]) == ["Antwort"]
    assert node["replies"][0]["removed"] is False


def test_removed_comment_without_visible_replies_disappears(api_client: APIClient, article) -> None:
    gone = CommentFactory(article=article, status=Status.REMOVED)
    reply_to(gone, status=Status.REMOVED)
    kept = CommentFactory(article=article, body="bleibt")
    reply_to(kept, status=Status.REMOVED)

    [node] = api_client.get(thread_url(article)).json()["results"]
    assert node["body"] == "bleibt" and node["replies"] == []


def test_chain_of_removed_replies_keeps_the_published_reply_in_place(api_client: APIClient, article) -> None:
    top = CommentFactory(article=article, body="oben")
    middle = reply_to(top, body="mitte", status=Status.REMOVED)
    reply_to(middle, body="unten")

    [node] = api_client.get(thread_url(article)).json()["results"]
    [placeholder] = node["replies"]
    assert placeholder["removed"] is True and placeholder["body"] is None
    assert bodies(placeholder["replies"]) == ["unten"]
    assert "mitte" not in api_client.get(thread_url(article)).content.decode()


def test_a_published_comment_back_in_moderation_keeps_its_replies_in_place(
    api_client: APIClient, article
) -> None:
    top = CommentFactory(article=article, body="wird bearbeitet", status=Status.PENDING)
    reply_to(top, body="Antwort")
    [node] = api_client.get(thread_url(article)).json()["results"]
    assert node["removed"] is True and node["body"] is None
    assert bodies(node["replies"]) == ["Antwort"]


def test_liked_shows_the_readers_own_likes(article) -> None:
    liked, other = CommentFactory(article=article), CommentFactory(article=article)
    reply = reply_to(other)
    reader = UserFactory()
    Reaction.objects.create(comment=liked, user=reader)
    Reaction.objects.create(comment=reply, user=reader)
    client = APIClient()
    client.force_authenticate(reader)

    results = client.get(thread_url(article)).json()["results"]
    assert [node["liked"] for node in results] == [True, False]
    assert results[1]["replies"][0]["liked"] is True
    assert [node["liked"] for node in APIClient().get(thread_url(article)).json()["results"]] == [
        False,
        False,
    ]


def test_edited_flag(api_client: APIClient, article) -> None:
    CommentFactory(article=article, edited_at=timezone.now())
    CommentFactory(article=article)
    assert [n["edited"] for n in api_client.get(thread_url(article)).json()["results"]] == [True, False]


def test_author_is_the_display_name_or_the_username(api_client: APIClient, article) -> None:
    from accounts.models import ReaderProfile

    named = UserFactory(username="mx")
    ReaderProfile.objects.create(user=named, display_name="Maxi M.")
    CommentFactory(article=article, author=named)
    CommentFactory(article=article, author=UserFactory(username="ohne"))
    CommentFactory(article=article, author=None)
    assert [n["author"] for n in api_client.get(thread_url(article)).json()["results"]] == [
        "Maxi M.",
        "ohne",
        None,
    ]


# --- Cost -----------------------------------------------------------------


def make_thread(article, size: int) -> None:
    """``size`` published comments: a fifth top-level, each with a chain of four replies."""
    users = UserFactory.create_batch(3)
    start = timezone.now() - timedelta(days=1)
    tops = Comment.objects.bulk_create(
        Comment(
            article=article,
            author=users[n % 3],
            body=f"top {n}",
            status=Status.PUBLISHED,
            created_at=start + timedelta(seconds=n),
            like_count=n % 4,
        )
        for n in range(size // 5)
    )
    parents = tops
    for depth in range(1, 5):
        parents = Comment.objects.bulk_create(
            Comment(
                article=article,
                author=users[depth % 3],
                parent=parent,
                root_id=top.pk,
                depth=depth,
                body=f"reply {depth}",
                status=Status.PUBLISHED,
                created_at=parent.created_at + timedelta(milliseconds=depth),
            )
            for top, parent in zip(tops, parents, strict=True)
        )


def count_queries(client: APIClient, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), [q["sql"] for q in context.captured_queries]


@pytest.mark.parametrize("sort", ["oldest", "newest", "top"])
def test_thread_page_costs_the_same_queries_for_50_and_500_comments(sort: str) -> None:
    small, large = ArticleFactory(), ArticleFactory()
    make_thread(small, 50)
    make_thread(large, 500)
    reader = UserFactory()
    Reaction.objects.create(comment=Comment.objects.filter(article=large).first(), user=reader)
    signed_in = APIClient()
    signed_in.force_authenticate(reader)

    for client, limit in ((APIClient(), 3), (signed_in, 4)):
        small_count, _ = count_queries(client, thread_url(small, sort=sort))
        large_count, _ = count_queries(client, thread_url(large, sort=sort))
        assert small_count == large_count <= limit


def test_a_deep_page_costs_what_the_first_costs_and_uses_no_offset(api_client: APIClient, article) -> None:
    make_thread(article, 500)
    url = thread_url(article, sort="top", limit=10)
    first_count, _ = count_queries(api_client, url)
    for _ in range(5):
        url = api_client.get(url).json()["next"]
    deep_count, deep_sql = count_queries(api_client, url)
    assert first_count == deep_count == 3
    assert not any("OFFSET" in sql.upper() for sql in deep_sql)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
@pytest.mark.parametrize("sort", ["oldest", "newest", "top"])
def test_page_query_walks_an_index_instead_of_sorting_the_thread(
    api_client: APIClient, article, sort: str
) -> None:
    make_thread(article, 100)
    url = api_client.get(thread_url(article, sort=sort, limit=5)).json()["next"]
    _, sqls = count_queries(api_client, url)
    page_sql = next(sql for sql in sqls if '"root_id" IS NULL' in sql)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + page_sql)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "comment_toplevel" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
@pytest.mark.parametrize(
    ("sort", "seek"), [("oldest", "created_at>?"), ("newest", "created_at<?"), ("top", "shown_like_count<?")]
)
def test_a_deep_page_seeks_to_its_cursor_in_the_index(
    api_client: APIClient, article, sort: str, seek: str
) -> None:
    # The plan of the query as it runs, with bound parameters: SQLite plans literal
    # values differently, so the interpolated SQL would hide a walk from the start.
    make_thread(article, 100)
    url = api_client.get(thread_url(article, sort=sort, limit=5)).json()["next"]
    executed: list[tuple[str, object]] = []

    def capture(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        executed.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        assert api_client.get(url).status_code == 200
    sql, params = next((sql, params) for sql, params in executed if '"root_id" IS NULL' in sql)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert f"comment_toplevel_{'top' if sort == 'top' else 'time'}_idx" in plan, plan
    assert seek in plan, plan


def test_an_invalid_token_is_401_even_for_reading(article) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nicht-gueltig")
    response = client.get(thread_url(article))
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_the_newsrooms_comments_carry_the_staff_badge(api_client: APIClient, article) -> None:
    editor = UserFactory(username="redakteurin", is_staff=True)
    CommentFactory(article=article, author=editor, body="Danke für die Hinweise, wir haben korrigiert.")
    CommentFactory(article=article, body="Guter Artikel.")
    thread = api_client.get(thread_url(article)).json()["results"]
    assert [(c["author_badges"], c["body"][:5]) for c in thread] == [(["STAFF"], "Danke"), ([], "Guter")]
    assert api_client.get(f"/api/comments/{thread[0]['id']}/").json()["author_badges"] == ["STAFF"]
