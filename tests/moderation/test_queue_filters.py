"""Finding comments in the queues: filters, search, own sections first, saved filters."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from discussion.models import Comment
from moderation.admin.filters import queue_query_errors
from moderation.models import AuditEntry, ModeratorSection, SavedFilter
from moderation.permissions import moderators_group
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

HELD = "/admin/moderation/heldcomment/"
REJECTED = "/admin/moderation/rejectedcomment/"
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")
not_on_postgresql = pytest.mark.skipif(connection.vendor == "postgresql", reason="the fallback search")


def moderator(username: str = "mod") -> User:
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(moderators_group())
    return user


def logged_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def client() -> Client:
    return logged_in(moderator())


def held(
    body: str = "Ein Kommentar.", *, language: str = "de", rules: list[str] | None = None, **fields: Any
) -> Comment:
    """A held comment as the model left it: its assessment of the current text."""
    comment = CommentFactory(status=Comment.Status.HELD, body=body, **fields)
    AuditEntry.objects.create(
        comment=comment,
        comment_revision=comment.revision,
        actor=AuditEntry.Actor.MODEL,
        from_status="pending",
        to_status="held",
        reason="; ".join(rules or []),
        score=comment.score,
        details={"language": language, "rules": rules or [], "explanation": [], "word_hits": []},
    )
    return comment


def shown(client: Client, query: str = "", queue: str = HELD) -> list[int]:
    response = client.get(f"{queue}?{query}")
    assert response.status_code == 200, response
    return [comment.pk for comment in response.context["cl"].result_list]


def test_the_article_filter_offers_the_articles_with_comments_in_the_queue(client: Client) -> None:
    busy, quiet = ArticleFactory(title="Haushalt"), ArticleFactory(title="Wetter")
    ArticleFactory(title="Ohne Kommentare")
    first, second = held(article=busy), held(article=busy)
    other = held(article=quiet)
    assert sorted(shown(client, f"article={busy.pk}")) == [first.pk, second.pk]
    assert shown(client, f"article={quiet.pk}") == [other.pk]
    page = client.get(HELD).content.decode()
    assert "Haushalt (2)" in page and "Wetter (1)" in page
    assert "Ohne Kommentare" not in page


def test_a_bad_article_value_is_refused_not_ignored(client: Client) -> None:
    held()
    response = client.get(f"{HELD}?article=abc")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_the_section_filter(client: Client) -> None:
    politics = held(article=ArticleFactory(section="Politik"))
    held(article=ArticleFactory(section="Wirtschaft"))
    unsorted = held(article=ArticleFactory(section=""))
    assert shown(client, "section=Politik") == [politics.pk]
    assert shown(client, "section=-") == [unsorted.pk]
    page = client.get(HELD).content.decode()
    assert "?section=Politik" in page and "?section=Wirtschaft" in page


@pytest.mark.parametrize(
    ("band", "expected"), [("low", [0.2]), ("mid", [0.35, 0.5]), ("high", [0.7, 0.95]), ("none", [None])]
)
def test_the_score_bands(client: Client, band: str, expected: list[float | None]) -> None:
    by_score = {score: held(score=score).pk for score in (0.2, 0.35, 0.5, 0.7, 0.95, None)}
    assert sorted(shown(client, f"score={band}")) == sorted(by_score[score] for score in expected)


def test_an_unknown_score_band_is_refused(client: Client) -> None:
    assert client.get(f"{HELD}?score=extreme")["Location"].endswith("?e=1")


@pytest.mark.parametrize(("value", "counts"), [("0", [0]), ("1", [1]), ("2", [2, 5]), ("5", [5])])
def test_the_report_counts(client: Client, value: str, counts: list[int]) -> None:
    by_count = {count: held(report_count=count).pk for count in (0, 1, 2, 5)}
    assert sorted(shown(client, f"reports={value}")) == sorted(by_count[count] for count in counts)


def test_the_language_is_the_one_the_model_read_the_current_text_in(client: Client) -> None:
    german = held("Das ist doch Unsinn.", language="de")
    english = held("This is nonsense.", language="en")
    edited = held("Das ist doch Unsinn.", language="de")
    # Edited into English and not yet assessed again: the old assessment no longer counts.
    Comment.objects.filter(pk=edited.pk).update(revision=2, body="This is nonsense.")
    assert shown(client, "language=de") == [german.pk]
    assert shown(client, "language=en") == [english.pk]


def test_the_rule_that_fired(client: Client) -> None:
    suspect = held(rules=["score 0.50 between 0.35 and 0.85", "suspect term 'Vollpfosten'"])
    newcomer = held(rules=["new account"])
    stuck = CommentFactory(status=Comment.Status.HELD)
    AuditEntry.objects.create(
        comment=stuck,
        comment_revision=1,
        actor=AuditEntry.Actor.SYSTEM,
        from_status="pending",
        to_status="held",
        reason="not scored within 600 seconds",
        details={},
    )
    assert shown(client, "rule=suspect") == [suspect.pk]
    assert shown(client, "rule=grey") == [suspect.pk]
    assert shown(client, "rule=new") == [newcomer.pk]
    assert shown(client, "rule=unscored") == [stuck.pk]
    assert shown(client, "rule=banned") == []


def test_filters_combine(client: Client) -> None:
    article = ArticleFactory(section="Politik")
    match = held(article=article, score=0.8, report_count=2)
    held(article=article, score=0.2, report_count=2)
    held(score=0.8, report_count=2)
    assert shown(client, f"article={article.pk}&score=high&reports=2&section=Politik") == [match.pk]


def test_the_page_costs_the_same_queries_with_every_filter_and_any_queue_length(client: Client) -> None:
    mine = moderator("politik")
    ModeratorSection.objects.create(user=mine, section="Politik")
    client = logged_in(mine)
    article = ArticleFactory(section="Politik")
    query = (
        f"mine=1&article={article.pk}&section=Politik&score=mid&language=de&rule=grey&reports=0&q=Kommentar"
    )
    SavedFilter.objects.create(user=mine, queue="held", name="Politik", query=query)

    def comments(count: int) -> None:
        for n in range(count):
            for on in (article, ArticleFactory(section=f"Ressort {n}")):
                held(f"Kommentar {n}", score=0.5, rules=["score 0.50 between 0.35 and 0.85"], article=on)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{HELD}?{query}")
        assert response.status_code == 200
        return len(captured.captured_queries)

    comments(2)
    few = queries()
    comments(20)
    assert queries() == few
    assert len(shown(client, query)) == 22


# --- search -----------------------------------------------------------------


@on_postgresql
def test_search_finds_german_word_forms_and_ranks_matches(client: Client) -> None:
    politician = held("Den Politiker glaube ich kein Wort.")
    twice = held("Politiker über Politiker, und kein Politiker hört zu.")
    held("Das Wetter war schön.")
    assert shown(client, "q=Politikern") == [twice.pk, politician.pk]


@on_postgresql
def test_search_understands_phrases_and_exclusions(client: Client) -> None:
    phrase = held("Die Steuern steigen wieder.")
    held("Steigen die Steuern? Nein.")
    assert shown(client, 'q="Steuern steigen"') == [phrase.pk]
    assert shown(client, "q=Steuern -Nein") == [phrase.pk]


@not_on_postgresql
def test_search_without_postgresql_needs_every_word(client: Client) -> None:
    both = held("Den Politiker glaube ich kein Wort.")
    held("Der Politiker spricht.")
    held("Kein Wort mehr.")
    assert shown(client, "q=politiker+WORT") == [both.pk]
    assert shown(client, "q=%22Politiker%22+%22Wort%22") == [both.pk]
    assert shown(client, "q=Politikern") == []  # no word forms without PostgreSQL


def test_search_finds_a_readers_comments_by_user_name(client: Client) -> None:
    anna, bert = UserFactory(username="Anna_K"), UserFactory(username="bert")
    first = held("Unsinn im Stadtrat.", author=anna)
    second = held("Das Wetter war schön.", author=anna)
    by_bert = held("Unsinn im Stadtrat.", author=bert)
    held("Unsinn im Stadtrat.")
    assert sorted(shown(client, "q=%40anna_k")) == sorted([first.pk, second.pk])
    assert shown(client, "q=%40anna_k+Stadtrat") == [first.pk]
    assert sorted(shown(client, "q=%40anna_k+%40BERT+Stadtrat")) == sorted([first.pk, by_bert.pk])
    assert shown(client, "q=%40nobody") == []


def test_search_only_searches_the_queue(client: Client) -> None:
    inside = held("Unsinn im Stadtrat.")
    CommentFactory(status=Comment.Status.PUBLISHED, body="Unsinn im Stadtrat.")
    assert shown(client, "q=Stadtrat") == [inside.pk]


# --- own sections -------------------------------------------------------------


def test_a_moderator_sees_own_sections_first_then_the_queue_order() -> None:
    mine = moderator("politik")
    ModeratorSection.objects.create(user=mine, section="Politik")
    urgent = held(score=0.9, article=ArticleFactory(section="Sport"))
    own_mild = held(score=0.4, article=ArticleFactory(section="Politik"))
    own_harsh = held(score=0.8, article=ArticleFactory(section="Politik"))
    unsorted = held(score=0.6, article=ArticleFactory(section=""))
    assert shown(logged_in(mine)) == [own_harsh.pk, own_mild.pk, urgent.pk, unsorted.pk]
    assert shown(logged_in(mine), "mine=1") == [own_harsh.pk, own_mild.pk]
    assert shown(logged_in(mine), "mine=0") == [urgent.pk, unsorted.pk]
    # Another moderator has no sections: the queue's own order.
    assert shown(logged_in(moderator("other"))) == [urgent.pk, own_harsh.pk, unsorted.pk, own_mild.pk]


# --- saved filters ------------------------------------------------------------


def test_a_moderator_saves_a_filter_and_finds_it_on_the_queue_page(client: Client) -> None:
    article = ArticleFactory(section="Politik")
    held(article=article)
    query = f"article={article.pk}&score=high"
    response = client.post(f"{HELD}saved-filters/", {"name": "  Wahl,  hart ", "query": query})
    assert response.status_code == 302 and response["Location"] == f"{HELD}?{query}"
    saved = SavedFilter.objects.get()
    assert (saved.name, saved.queue, saved.query) == ("Wahl, hart", "held", query)
    page = client.get(HELD).content.decode()
    assert f'href="{HELD}?article={article.pk}&amp;score=high">Wahl, hart</a>' in page
    # Saving again under the same name replaces the query.
    client.post(f"{HELD}saved-filters/", {"name": "Wahl, hart", "query": "score=mid"})
    assert list(SavedFilter.objects.values_list("query", flat=True)) == ["score=mid"]


def test_the_save_form_carries_the_current_filters_without_the_page(client: Client) -> None:
    held(score=0.8)
    page = client.get(f"{HELD}?score=high&p=1&q=Wort").content.decode()
    assert '<input type="hidden" name="query" value="score=high&amp;q=Wort">' in page


def test_saved_filters_are_each_moderators_own_and_per_queue() -> None:
    alice, bob = moderator("alice"), moderator("bob")
    SavedFilter.objects.create(user=alice, queue="held", name="Alices Sicht", query="score=high")
    SavedFilter.objects.create(user=alice, queue="rejected", name="Abgelehnt", query="score=low")
    assert "Alices Sicht" in logged_in(alice).get(HELD).content.decode()
    assert "Abgelehnt" not in logged_in(alice).get(HELD).content.decode()
    assert "Alices Sicht" not in logged_in(bob).get(HELD).content.decode()


def test_a_moderator_deletes_own_saved_filters_only() -> None:
    alice, bob = moderator("alice"), moderator("bob")
    saved = SavedFilter.objects.create(user=alice, queue="held", name="Alices Sicht", query="score=high")
    refused = logged_in(bob).post(f"{HELD}saved-filters/{saved.pk}/delete/", HTTP_ACCEPT="application/json")
    assert refused.status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    # Through another queue's page neither.
    assert logged_in(alice).post(f"{REJECTED}saved-filters/{saved.pk}/delete/").status_code == 302
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    response = logged_in(alice).post(f"{HELD}saved-filters/{saved.pk}/delete/", follow=True)
    assert "Filter “Alices Sicht” deleted." in response.content.decode()
    assert not SavedFilter.objects.exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=published", "status"),
        ("score=extreme", "score"),
        ("article=12a", "article"),
        ("score=high&score=low", "score"),
        ("author__is_superuser=1", "author__is_superuser"),
        ("o=1;DROP", "o"),
        ("section=" + "x" * 61, "section"),
    ],
)
def test_a_query_string_the_queue_does_not_know_is_refused(client: Client, query: str, field: str) -> None:
    response = client.post(
        f"{HELD}saved-filters/", {"name": "Kaputt", "query": query}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["query"]
    assert field in response.json()["query"][0]
    assert not SavedFilter.objects.exists()


def test_a_refused_filter_is_a_message_on_the_queue_page_in_a_browser(client: Client) -> None:
    response = client.post(
        f"{HELD}saved-filters/", {"name": "Kaputt", "query": "status=published"}, follow=True
    )
    assert response.status_code == 200
    assert (
        "The query string is not this queue&#x27;s: status: Not a filter of this queue."
        in response.content.decode()
    )


def test_a_saved_filter_needs_a_name(client: Client) -> None:
    response = client.post(
        f"{HELD}saved-filters/", {"name": "  ", "query": ""}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400 and response.json() == {"name": ["Give the filter a name."]}


def test_every_known_key_passes_the_check() -> None:
    with translation.override("en"):
        assert (
            queue_query_errors(
                "mine=1&article=7&section=Politik&score=none&language=en&rule=spam&reports=5&q=a+b&o=2.-3"
            )
            == {}
        )


def test_saving_needs_a_post_and_staff() -> None:
    assert logged_in(moderator()).get(f"{HELD}saved-filters/").status_code == 405
    reader = Client()
    reader.force_login(UserFactory(username="leserin"))
    assert reader.post(f"{HELD}saved-filters/", {"name": "x", "query": ""}).status_code == 302  # to the login
    assert not SavedFilter.objects.exists()
