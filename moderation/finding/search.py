"""Finding comments by their text and their author, for moderators.

A word written ``@name`` finds the comments of the reader with that user name
(any of them when there are several, ignoring case); the other words search the text.
On PostgreSQL a query is read as a web search (``websearch_to_tsquery``: words,
"quoted phrases", ``or``, ``-excluded``) against the German full-text
configuration, so "Politikern" finds "Politiker", and matches are ranked. There
is no full-text index: a queue is a small, status-indexed part of all comments,
and the text is matched within it. Elsewhere (SQLite in development) every word
must occur in the text, ignoring case, without stemming.
"""

from functools import reduce
from operator import or_
from typing import TypeVar

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import Q, QuerySet

from discussion.models import Comment

SEARCH_CONFIG = "german"
# Longer queries are cut: a moderator types words, not documents.
QUERY_MAX_LENGTH = 200
C = TypeVar("C", bound=Comment)
# The annotation that orders matches on PostgreSQL, best first.
RANK = "search_rank"


def _authors_and_words(text: str) -> tuple[list[str], str]:
    """The user names (``@name``) of a query, and its words searched for in the text."""
    words = " ".join(text.split())[:QUERY_MAX_LENGTH].split(" ")
    authors = [word[1:] for word in words if word.startswith("@") and len(word) > 1]
    return authors, " ".join(word for word in words if not word.startswith("@"))


def search_text(text: str) -> str:
    """The part of a query that is searched for in the comments' text; empty for none."""
    return _authors_and_words(text)[1]


def search_is_ranked(*, text: str, vendor: str) -> bool:
    """Whether ``comments_search`` annotates ``RANK`` for this query and database."""
    return vendor == "postgresql" and bool(search_text(text))


def comments_search(queryset: QuerySet[C], *, text: str) -> QuerySet[C]:
    """The comments of ``queryset`` that match ``text`` (all of it for an empty
    query). Adds no query of its own: the match is part of the queryset's."""
    authors, text = _authors_and_words(text)
    if authors:
        queryset = queryset.filter(reduce(or_, (Q(author__username__iexact=name) for name in authors)))
    if not text:
        return queryset
    vendor = connections[queryset.db].vendor
    if search_is_ranked(text=text, vendor=vendor):
        vector = SearchVector("body", config=SEARCH_CONFIG)
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        return queryset.annotate(search_vector=vector, **{RANK: SearchRank(vector, query)}).filter(
            search_vector=query
        )
    for word in text.split():
        word = word.strip("\"'")
        if word:
            queryset = queryset.filter(body__icontains=word)
    return queryset
